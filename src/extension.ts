/**
 * Activation: the views and every contributed command at once, the rest (src/startup.ts:
 * the store, the services, their commands) once a view asks for something or a command runs.
 */
import * as path from 'node:path';
import * as l10n from '@vscode/l10n';
import * as vscode from 'vscode';
import type { AppStore } from './store/appSchema';
import type { TasksService } from './tasks/tasksService';
import type { ChatService } from './chat/chatService';
import { PipulateViewProvider } from './panel/viewProvider';
import { watchBundle } from './panel/bundleWatcher';
import { Bundles } from './panel/bundles';
import { lazyTree } from './panel/lazyTree';
import { registerContributedCommands } from './commandRunner';

/** Pipulate once its store is open: used by the integration tests, and by anyone scripting Pipulate. */
export interface PipulateApi {
  store: AppStore;
  dataDir: string;
  tasks: TasksService;
  chat: ChatService;
}

/** What activate() returns: `ready` settles once the store is open (undefined if it could not be). */
export interface PipulateExports {
  ready: Promise<PipulateApi | undefined>;
}

/** src/startup.ts, a bundle of its own (esbuild.mjs), loaded only when the store is to open. */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const startup = (): typeof import('./startup') => require('./startup.js');

let starting: Promise<unknown> | undefined;
let startTimer: ReturnType<typeof setTimeout> | undefined;

/** With no view asking and no command run (activated by the walkthrough, say), the store opens this long after activation. */
const START_AFTER_MS = 500;

/**
 * Returns before the store is open: VS Code resolves the views only once activate() has
 * returned, and the store opens only once a view asks for something (its page has loaded,
 * the todos it showed last shown) or a command runs, or after START_AFTER_MS. Begun at
 * once, its work held back VS Code's resolving of the views (the extension host answers
 * between its tasks) and slowed their pages (`npm run bench -- vscode`). The views'
 * requests and the commands wait for it (src/panel/viewProvider.ts, src/commandRunner.ts).
 */
export function activate(context: vscode.ExtensionContext): PipulateExports {
  // Every text of the host goes through @vscode/l10n's t() (the core cannot import `vscode`);
  // VS Code hands over the bundle of the display language, if the extension has one (l10n/).
  if (vscode.l10n.bundle) l10n.config({ contents: vscode.l10n.bundle });
  const log = vscode.window.createOutputChannel('Pipulate', { log: true });
  context.subscriptions.push(log);
  const bundles = new Bundles(path.join(context.extensionPath, 'dist'));
  let begin!: () => void;
  const asked = new Promise<void>((resolve) => (begin = resolve));
  startTimer = setTimeout(begin, START_AFTER_MS);
  const started = asked.then(() => {
    clearTimeout(startTimer);
    const opening = startup().start(context, log, setHandler, bundles);
    starting = opening.catch(() => undefined); // the views and the commands say why
    return opening;
  });
  const whenStarted = () => {
    begin();
    return started;
  };
  // The commands wait for the store (start() gives them their handlers).
  const setHandler = registerContributedCommands(context, log, whenStarted);
  setHandler('pipulate.showLog', async () => log.show());
  const views = (['tasks', 'chat'] as const).map((kind) => {
    const view = new PipulateViewProvider(kind, context.extensionUri, bundles, () => whenStarted().then((s) => s.core.router));
    context.subscriptions.push(vscode.window.registerWebviewViewProvider(`pipulate.${kind}`, view));
    return view;
  });
  const workflows = lazyTree(started.then((s) => s.workflowTree));
  const workflowsView = vscode.window.createTreeView('pipulate.workflows', { treeDataProvider: workflows, showCollapseAll: true });
  context.subscriptions.push(workflows, workflowsView);
  started.catch((err: Error) => (workflowsView.message = l10n.t('Pipulate cannot open its data: {0}', err.message)));
  // `npm run watch` rebuilds the bundle; open views then reload themselves.
  if (context.extensionMode === vscode.ExtensionMode.Development) {
    const reload = () => {
      bundles.forget();
      views.forEach((v) => v.reload());
    };
    context.subscriptions.push(watchBundle(path.join(context.extensionPath, 'dist'), reload));
  }
  return { ready: started.then(({ core, dataDir }) => ({ store: core.store, dataDir, tasks: core.tasks, chat: core.chat }), () => undefined) };
}

export async function deactivate(): Promise<void> {
  // A store never opened stays closed; one still opening is closed once open.
  clearTimeout(startTimer);
  if (!starting) return;
  await starting;
  startup().stop();
}
