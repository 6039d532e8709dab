/** Activates the installed extension the way a user does, and returns its API. */
import * as vscode from 'vscode';
import type { PipulateApi, PipulateExports } from '../../../src/extension';
import { EXTENSION_ID } from './context';

export function pipulateExtension(): vscode.Extension<PipulateExports> {
  const ext = vscode.extensions.getExtension<PipulateExports>(EXTENSION_ID);
  if (!ext) {
    const ids = vscode.extensions.all.map((e) => e.id).filter((id) => !id.startsWith('vscode.'));
    throw new Error(`${EXTENSION_ID} is not installed; non-builtin extensions: ${ids.join(', ') || 'none'}`);
  }
  return ext;
}

/**
 * Activation is lazy (VS Code derives onCommand/onView events from the manifest), so run
 * one of its commands, as a user would, then wait for the store the API says is open.
 */
export async function activatePipulate(): Promise<PipulateApi> {
  const ext = pipulateExtension();
  if (!ext.isActive) await vscode.commands.executeCommand('pipulate.showLog');
  if (!ext.isActive) throw new Error(`${EXTENSION_ID} did not activate on its command pipulate.showLog`);
  const api = await ext.exports.ready;
  if (!api) throw new Error(`${EXTENSION_ID} could not open its store (see its log)`);
  return api;
}
