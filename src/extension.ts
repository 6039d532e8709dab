/** Composition root: opens the store, wires the services, registers views and commands. */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { Database, type StoreProblem } from './store/database';
import { appStore, type AppStore } from './store/appSchema';
import { TasksService } from './tasks/tasksService';
import { Router } from './panel/router';
import { PipulateViewProvider } from './panel/viewProvider';
import { UnavailableViewProvider } from './panel/unavailableView';
import { vscodeUi } from './panel/vscodeUi';
import { watchBundle } from './panel/bundleWatcher';
import { registerTasksCommands } from './tasksCommands';
import { ChatService } from './chat/chatService';
import { detectEnvironment } from './chat/diagnose';
import { readChatSettings, registerChatCommands } from './chatCommands';
import type { Notification } from './protocol';

/** What activate() returns: used by the integration tests, and by anyone scripting Pipulate. */
export interface PipulateApi {
  store: AppStore;
  dataDir: string;
  tasks: TasksService;
  chat: ChatService;
}

let db: Database | undefined;
let chat: ChatService | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<PipulateApi | undefined> {
  const log = vscode.window.createOutputChannel('Pipulate', { log: true });
  context.subscriptions.push(log);
  const scope = context.storageUri ? 'workspace' : 'global';
  const dataDir = (context.storageUri ?? context.globalStorageUri).fsPath;

  let router: Router | undefined;
  const listeners: ((n: Notification) => void)[] = [];
  const emit = (n: Notification) => {
    router?.broadcast(n);
    for (const listener of listeners) listener(n);
  };

  const onProblem = (problem: StoreProblem) => {
    if (problem.kind === 'write-failing') {
      void vscode.window.showErrorMessage(problem.message, 'Show Log').then((c) => c && log.show());
      emit({ kind: 'store/problem', message: problem.message });
    } else if (problem.kind === 'write-recovered') {
      void vscode.window.showInformationMessage(problem.message);
      emit({ kind: 'store/problem', message: null });
    } else if (problem.kind === 'moved-aside') {
      void vscode.window.showWarningMessage(problem.message);
    }
  };
  try {
    db = await Database.open({
      dir: dataDir,
      wasmPath: path.join(context.extensionPath, 'dist', 'sql-wasm.wasm'),
      log: (line) => log.info(line),
      onProblem,
    });
  } catch (err) {
    showUnavailable(context, log, dataDir, err as Error);
    return undefined;
  }
  log.info(`Database open in ${dataDir} (${scope} storage)`);
  const store = appStore(db);

  let tasks: TasksService | undefined;
  const chatService = new ChatService({
    store,
    settings: readChatSettings,
    emit,
    log: (line) => log.info(line),
    describeWork: (profileId) => tasks!.describeWork(profileId),
    environment: detectEnvironment(process.env, vscode.env.remoteName),
  });
  chat = chatService;
  tasks = new TasksService({
    store,
    emit,
    note: (profileId, text) => chatService.note(profileId, text),
    storage: { dir: dataDir, scope },
    onProfileDeleting: (profileId) => chatService.removeProfile(profileId),
  });
  const chatControls = registerChatCommands(context, { chat: chatService, tasks, log, emit });
  listeners.push(chatControls.onNotification);
  router = new Router({ tasks, chat: chatService, ui: vscodeUi(chatControls), log: (level, line) => log[level](line) });

  const tasksView = new PipulateViewProvider('tasks', context.extensionUri, router);
  const chatView = new PipulateViewProvider('chat', context.extensionUri, router);
  context.subscriptions.push(
    vscode.window.registerWebviewViewProvider('pipulate.tasks', tasksView),
    vscode.window.registerWebviewViewProvider('pipulate.chat', chatView),
  );
  listeners.push(registerTasksCommands(context, { tasks, db, dataDir, log, emit }).onNotification);

  // `npm run watch` rebuilds the bundle; open views then reload themselves.
  if (context.extensionMode === vscode.ExtensionMode.Development) {
    const views = [tasksView, chatView];
    context.subscriptions.push(watchBundle(path.join(context.extensionPath, 'dist'), () => views.forEach((v) => v.reload())));
  }

  return { store, dataDir, tasks, chat: chatService };
}

/** The store could not be opened (another window has it, say): the views and a message say why. */
function showUnavailable(context: vscode.ExtensionContext, log: vscode.LogOutputChannel, dataDir: string, err: Error): void {
  log.error(`Cannot open the database in ${dataDir}: ${err.stack ?? err.message}`);
  const unavailable = new UnavailableViewProvider(err.message, context.extensionUri);
  context.subscriptions.push(
    vscode.window.registerWebviewViewProvider('pipulate.tasks', unavailable),
    vscode.window.registerWebviewViewProvider('pipulate.chat', unavailable),
  );
  void vscode.window.showErrorMessage(`Pipulate cannot open its data: ${err.message}`, 'Reload Window', 'Show Log').then((choice) => {
    if (choice === 'Reload Window') void vscode.commands.executeCommand('workbench.action.reloadWindow');
    else if (choice === 'Show Log') log.show();
  });
}

export function deactivate(): void {
  // Stopping a reply saves what arrived; then the store folds everything into its snapshot.
  chat?.dispose();
  chat = undefined;
  db?.closeSync();
  db = undefined;
}
