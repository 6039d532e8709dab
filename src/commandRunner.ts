/** Registers Pipulate's commands so that every one reports a failure the same way. */
import * as vscode from 'vscode';
import { UserError } from './errors';

export type Register = (id: string, what: string, fn: (...args: never[]) => unknown) => void;

/**
 * `what` completes "Pipulate could not …". A UserError is shown as it is; anything else
 * is also logged with its stack, and the message offers the log.
 */
export function commandRegistrar(context: vscode.ExtensionContext, log: vscode.LogOutputChannel): Register {
  return (id, what, fn) =>
    context.subscriptions.push(
      vscode.commands.registerCommand(id, async (...args: never[]) => {
        try {
          return await fn(...args);
        } catch (err) {
          const message = err instanceof Error ? err.message : String(err);
          if (err instanceof UserError) {
            log.info(`${id}: ${message}`);
            void vscode.window.showErrorMessage(`Pipulate could not ${what}: ${message}`);
            return undefined;
          }
          log.error(`${id} failed: ${(err as Error)?.stack ?? message}`);
          const choice = await vscode.window.showErrorMessage(`Pipulate could not ${what}: ${message}`, 'Show Log');
          if (choice) log.show();
          return undefined;
        }
      }),
    );
}
