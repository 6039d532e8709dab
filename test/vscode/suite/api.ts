/** Activates the installed extension the way a user does, and returns its API. */
import * as vscode from 'vscode';
import type { PipulateApi } from '../../../src/extension';
import { EXTENSION_ID } from './context';

export function pipulateExtension(): vscode.Extension<PipulateApi> {
  const ext = vscode.extensions.getExtension<PipulateApi>(EXTENSION_ID);
  if (!ext) {
    const ids = vscode.extensions.all.map((e) => e.id).filter((id) => !id.startsWith('vscode.'));
    throw new Error(`${EXTENSION_ID} is not installed; non-builtin extensions: ${ids.join(', ') || 'none'}`);
  }
  return ext;
}

/**
 * Activation is lazy (VS Code derives onCommand/onView events from the manifest), so run
 * one of its commands, as a user would, then read the API its activate() returned.
 */
export async function activatePipulate(): Promise<PipulateApi> {
  const ext = pipulateExtension();
  if (!ext.isActive) await vscode.commands.executeCommand('pipulate.showLog');
  if (!ext.isActive) throw new Error(`${EXTENSION_ID} did not activate on its command pipulate.showLog`);
  return ext.exports;
}
