/** Registers Pipulate's commands so that every one reports a failure the same way. */
import * as l10n from '@vscode/l10n';
import * as vscode from 'vscode';
import { UserError } from './errors';

/**
 * `failure` words the error message from the reason (a whole sentence per command, so
 * that it translates as one: `(why) => l10n.t('Pipulate could not add the todo: {0}', why)`).
 */
export type Register = (id: string, failure: (reason: string) => string, fn: (...args: never[]) => unknown) => void;

/**
 * activate() returns before the store is open (VS Code resolves the views only once it
 * has), so the commands the manifest contributes are registered at once: each runs its
 * handler once the Register this returns was given one (the wiring gives them as what
 * they need exists), waiting for `ready` until then; if the store could not open, a
 * command without a handler says why.
 *
 * A UserError is shown as it is; anything else is also logged with its stack, and the message offers the log.
 */
export function commandRegistrar(
  context: vscode.ExtensionContext,
  log: vscode.LogOutputChannel,
  ready: () => Promise<unknown>,
): Register {
  const contributed: { command: string }[] = context.extension.packageJSON?.contributes?.commands ?? [];
  const handlers = new Map<string, (...args: never[]) => Promise<unknown>>();
  for (const { command: id } of contributed) {
    context.subscriptions.push(
      vscode.commands.registerCommand(id, async (...args: never[]) => {
        if (!handlers.has(id)) {
          try {
            await ready();
          } catch (err) {
            void vscode.window.showErrorMessage(l10n.t('Pipulate cannot open its data: {0}', (err as Error).message));
            return undefined;
          }
        }
        const handler = handlers.get(id);
        if (handler) return handler(...args);
        log.error(`${id} is in the manifest but nothing registered it`); // not-ui: a bug, for the log
        return undefined;
      }),
    );
  }
  const early = new Set(contributed.map((c) => c.command));
  return (id, failure, fn) => {
    const run = async (...args: never[]) => {
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
    };
    if (early.has(id)) handlers.set(id, run);
    else context.subscriptions.push(vscode.commands.registerCommand(id, run));
  };
}
