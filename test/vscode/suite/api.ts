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
 * Pipulate activates once VS Code's startup has finished, or on one of its commands (VS
 * Code derives onCommand events from the manifest), whichever comes first: run one, as a
 * user would, then open the store through the API (it opens only when asked).
 */
export async function activatePipulate(): Promise<PipulateApi> {
  const ext = pipulateExtension();
  if (!ext.isActive) await vscode.commands.executeCommand('pipulate.showLog');
  if (!ext.isActive) throw new Error(`${EXTENSION_ID} did not activate on its command pipulate.showLog`);
  const api = await ext.exports.open();
  if (!api) throw new Error(`${EXTENSION_ID} could not open its store (see its log)`);
  return api;
}
