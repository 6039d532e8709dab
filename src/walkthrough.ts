/**
 * The first-run walkthrough (package.json `contributes.walkthroughs`, texts in
 * media/walkthrough/): each step completes on the real event, through a context key set
 * here (`onContext:`), never on a click. VS Code opens it when the extension is installed
 * from the Extensions view; an extension installed otherwise (from the command line, by
 * Settings Sync, in a remote window) is opened here, on its first activation with an empty
 * store. Both follow workbench.welcomePage.walkthroughs.openOnInstall. "Pipulate: Get
 * Started" opens it again.
 */
import * as l10n from '@vscode/l10n';
import * as vscode from 'vscode';
import type { Register } from './commandRunner';
import type { Events } from './core';
import type { AppStore } from './store/appSchema';

export const WALKTHROUGH = 'pipulate.pipulate#pipulate.start';

/** The context keys the steps complete on. */
const KEYS = {
  serverAnswered: 'pipulate.serverAnswered',
  modelChosen: 'pipulate.modelChosen',
  todoAdded: 'pipulate.todoAdded',
  messageSent: 'pipulate.messageSent',
} as const;

/** Set in globalState once the walkthrough was opened on a first activation. */
const SHOWN = 'pipulate.walkthroughShown';

export function registerWalkthrough(context: vscode.ExtensionContext, deps: { events: Events; store: AppStore; register: Register }): void {
  const { events, store, register } = deps;
  const set = new Set<string>();
  const mark = (key: string) => {
    if (set.has(key)) return;
    set.add(key);
    void vscode.commands.executeCommand('setContext', key, true);
  };
  // What was done before this window (another session): those steps are done already.
  if (store.todos.count() > 0) mark(KEYS.todoAdded);
  if (store.messages.count({ role: 'user' }) > 0) mark(KEYS.messageSent);

  const off = events.on((n) => {
    if (n.kind === 'chat/connection' && n.connection.state === 'connected') {
      mark(KEYS.serverAnswered);
      const { model, models } = n.connection;
      if (model && models?.some((m) => m === model || m === `${model}:latest`)) mark(KEYS.modelChosen);
    } else if (n.kind === 'todo/changed') {
      mark(KEYS.todoAdded);
    } else if (n.kind === 'chat/appended' && n.message.role === 'user') {
      mark(KEYS.messageSent);
    }
  });
  context.subscriptions.push({ dispose: off });
  const open = () => vscode.commands.executeCommand('workbench.action.openWalkthrough', WALKTHROUGH, false);
  register('pipulate.getStarted', (why) => l10n.t('Pipulate could not open the walkthrough: {0}', why), open);

  // A first run: nothing done yet, here or in another workspace (the flag is global).
  const firstRun = !context.globalState.get<boolean>(SHOWN) && !set.has(KEYS.todoAdded) && !set.has(KEYS.messageSent);
  // A setting of machine scope: in a remote window, the remote machine's value.
  const wanted = vscode.workspace.getConfiguration('workbench.welcomePage.walkthroughs').get<boolean>('openOnInstall', true);
  if (firstRun && wanted) {
    void context.globalState.update(SHOWN, true);
    void Promise.resolve(open()).catch(() => undefined); // an editor that cannot open it: the command still can
  }
}
