/** Registers Pipulate's commands so that every one reports a failure the same way. */
import * as l10n from '@vscode/l10n';
import * as vscode from 'vscode';
import { UserError } from './errors';

/**
 * `failure` words the error message from the reason (a whole sentence per command, so
 * that it translates as one: `(why) => l10n.t('Pipulate could not add the todo: {0}', why)`).
 */
export type Register = (id: string, failure: (reason: string) => string, fn: (...args: never[]) => unknown) => void;

/** A UserError is shown as it is; anything else is also logged with its stack, and the message offers the log. */
export function commandRegistrar(context: vscode.ExtensionContext, log: vscode.LogOutputChannel): Register {
  return (id, failure, fn) =>
    context.subscriptions.push(
      vscode.commands.registerCommand(id, async (...args: never[]) => {
        try {
          return await fn(...args);
        } catch (err) {
          const message = err instanceof Error ? err.message : String(err);
          if (err instanceof UserError) {
            log.info(`${id}: ${message}`);
            void vscode.window.showErrorMessage(failure(message));
            return undefined;
          }
          log.error(`${id} failed: ${(err as Error)?.stack ?? message}`);
          const showLog = l10n.t('Show Log');
          const choice = await vscode.window.showErrorMessage(failure(message), showLog);
          if (choice === showLog) log.show();
          return undefined;
        }
      }),
    );
}
