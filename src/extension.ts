/**
 * Activation, once VS Code's startup has finished: the views and every contributed command,
 * and nothing else; the rest (src/startup.ts: the store, the services, their commands) is
 * loaded and started once something asks for it.
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
import { RUN_PANEL, type RunId } from './panel/workflowPanel';
import { registerContributedCommands } from './commandRunner';

/** Pipulate once its store is open: used by the integration tests, and by anyone scripting Pipulate. */
export interface PipulateApi {
  store: AppStore;
  dataDir: string;
  tasks: TasksService;
  chat: ChatService;
}

/** What activate() returns. */
export interface PipulateExports {
  /** Opens the store if need be: the API once it is open (undefined if it could not be). */
  open(): Promise<PipulateApi | undefined>;
}

/** src/startup.ts, a bundle of its own (esbuild.mjs), loaded only when the store is to open. */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const startup = (): typeof import('./startup') => require('./startup.js');

let starting: Promise<unknown> | undefined;

/**
 * Pipulate activates once VS Code's startup has finished (`onStartupFinished`), so that a
 * click on its icon later finds it active: activated by the click, VS Code took some
 * 100-250 ms more before it asked for the views (`npm run bench -- vscode`). Activation
 * stays small: a window where Pipulate is not used never loads dist/startup.js, never
 * opens (or locks) the store. The store opens when a view asks for something (its page
 * has loaded, the todos it showed last shown), a command runs, a run panel comes back
 * after a reload, or the API's open() is called; the views' requests and the commands
 * wait for it (src/panel/viewProvider.ts, src/commandRunner.ts). Begun at activation, its
 * work held back VS Code's resolving of the views (the extension host answers between its
 * tasks) and slowed their pages.
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
  const started = asked.then(() => {
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
  // A run panel open before the reload comes back once the store is open; without it, it goes.
  context.subscriptions.push(
    vscode.window.registerWebviewPanelSerializer(RUN_PANEL, {
      deserializeWebviewPanel: (panel, state) =>
        whenStarted().then(
          (s) => s.panels.deserializeWebviewPanel(panel, state as { run?: RunId } | undefined),
          () => panel.dispose(),
        ),
    }),
  );
  // `npm run watch` rebuilds the bundle; open views then reload themselves.
  if (context.extensionMode === vscode.ExtensionMode.Development) {
    const reload = () => {
      bundles.forget();
      views.forEach((v) => v.reload());
    };
    context.subscriptions.push(watchBundle(path.join(context.extensionPath, 'dist'), reload));
  }
  return {
    open: () => whenStarted().then(({ core, dataDir }) => ({ store: core.store, dataDir, tasks: core.tasks, chat: core.chat }), () => undefined),
  };
}

export async function deactivate(): Promise<void> {
  // A store never opened stays closed; one still opening is closed once open.
  if (!starting) return;
  await starting;
  startup().stop();
}
