/** Registers Pipulate's commands so that every one reports a failure the same way. */
import * as l10n from '@vscode/l10n';
import * as vscode from 'vscode';
import { UserError } from './errors';

/**
 * `failure` words the error message from the reason (a whole sentence per command, so
 * that it translates as one: `(why) => l10n.t('Pipulate could not add the todo: {0}', why)`).
 */
export type Register = (id: string, failure: (reason: string) => string, fn: (...args: never[]) => unknown) => void;

/** Gives a contributed command the handler it runs; false for a command the manifest does not contribute. */
export type SetHandler = (id: string, handler: (...args: never[]) => Promise<unknown>) => boolean;

/**
 * activate() returns before the store is open (src/extension.ts), so the commands the
 * manifest contributes are registered at once: each runs its handler once one was set,
 * waiting for `ready` until then (which opens the store); if the store could not open, a
 * command without a handler says why.
 */
export function registerContributedCommands(context: vscode.ExtensionContext, log: vscode.LogOutputChannel, ready: () => Promise<unknown>): SetHandler {
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
  const ids = new Set(contributed.map((c) => c.command));
  return (id, handler) => ids.has(id) && !!handlers.set(id, handler);
}

/**
 * The Register the wiring gives its commands (src/startup.ts): a contributed command gets
 * its handler through `setHandler`, any other is registered here. A UserError is shown as
 * it is; anything else is also logged with its stack, and the message offers the log.
 */
export function commandRegistrar(context: vscode.ExtensionContext, log: vscode.LogOutputChannel, setHandler: SetHandler): Register {
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
    if (!setHandler(id, run)) context.subscriptions.push(vscode.commands.registerCommand(id, run));
  };
}
