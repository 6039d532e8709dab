/**
 * Opens the store and wires the core, its commands and the rest of the UI to it. A bundle
 * of its own (dist/startup.js, esbuild.mjs), loaded by src/extension.ts only when the
 * store is to open: activating Pipulate loads just what the views' pages and the
 * commands' placeholders need (`npm run bench -- vscode`: the whole host bundle took
 * 60-100 ms to load before activate() could run).
 */
import * as path from 'node:path';
import * as l10n from '@vscode/l10n';
import * as vscode from 'vscode';
import { Database, type StoreProblem } from './store/database';
import { createCore, Events, noticeOf, type Core } from './core';
import { vscodeUi } from './panel/vscodeUi';
import type { Bundles } from './panel/bundles';
import { registerTasksCommands } from './tasksCommands';
import { detectEnvironment } from './chat/diagnose';
import { apiKeys, readChatSettings, registerChatCommands, type ChatControls } from './chatCommands';
import { commandRegistrar, type SetHandler } from './commandRunner';
import { registerLinkCommands, vscodeEditor } from './linkCommands';
import { registerImportCommands } from './importCommands';
import { registerWalkthrough } from './walkthrough';
import { Proposals, registerAttachCommands } from './attachCommands';
import { Backups, summaryOf } from './backup/backups';
import { adoptStore, storeFolder } from './store/location';
import { mergeForks } from './store/forks';
import { backupFolder, backupKeep, registerDataCommands } from './dataCommands';
import { registerWorkflowCommands, type WorkflowNode } from './workflowCommands';
import { WorkflowPanels } from './panel/workflowPanel';

let db: Database | undefined;
let core: Core | undefined;
let backups: Backups | undefined;

export interface Started {
  core: Core;
  dataDir: string;
  /** The Workflows view's items (src/extension.ts registers the view itself). */
  workflowTree: vscode.TreeDataProvider<WorkflowNode>;
  /** The run panels (src/extension.ts registers their serializer). */
  panels: WorkflowPanels;
}

/** Opens the store and wires the core, its commands and the rest of the UI to it. */
export async function start(context: vscode.ExtensionContext, log: vscode.LogOutputChannel, setHandler: SetHandler, bundles: Bundles): Promise<Started> {
  // This bundle's own copy of @vscode/l10n (src/extension.ts configures the other's).
  if (vscode.l10n.bundle) l10n.config({ contents: vscode.l10n.bundle });
  const register = commandRegistrar(context, log, setHandler);
  const scope = context.storageUri ? 'workspace' : 'global';
  const dataDir = await storeDir(context, log);

  // Store problems can come while the store opens, before the core exists: they reach the views through the same bus.
  const events = new Events();
  const onProblem = (problem: StoreProblem) => {
    const notice = noticeOf(problem);
    if (notice) events.emit(notice);
    if (problem.kind === 'write-failing') {
      const showLog = l10n.t('Show Log');
      void vscode.window.showErrorMessage(problem.message, showLog).then((c) => c === showLog && log.show());
    } else if (problem.kind === 'write-recovered') {
      void vscode.window.showInformationMessage(problem.message);
    } else if (problem.kind === 'moved-aside' || problem.kind === 'journal-damaged') {
      const reveal = l10n.t('Reveal the Copy');
      void vscode.window.showWarningMessage(problem.message, reveal).then((c) => {
        if (c === reveal) void vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(problem.movedTo));
      });
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
    showUnavailable(log, dataDir, err as Error);
    throw err;
  }
  log.info(`Database open in ${dataDir} (${scope} storage)`);

  // The model picker and pulls live with the chat commands, which need the core: the UI asks them late.
  let controls: ChatControls | undefined;
  const keys = apiKeys(context.secrets);
  context.subscriptions.push(keys);
  const proposals = new Proposals(context);
  const ui = vscodeUi({
    pickModel: () => controls!.pickModel(),
    setModel: (model) => controls!.setModel(model),
    pullModel: (model) => controls!.pullModel(model),
    propose: (file, base, text) => proposals.show(file, base, text),
  });
  core = createCore({
    db,
    events,
    storage: { dir: dataDir, scope },
    chat: {
      settings: readChatSettings,
      log: (line) => log.info(line),
      environment: detectEnvironment(process.env, vscode.env.remoteName),
      // The key stays in SecretStorage; the core asks for it at each request and never keeps, logs or shows it.
      getKey: (serverUrl) => keys.get(serverUrl),
    },
    ui,
    editor: vscodeEditor,
    workspace: { trusted: () => vscode.workspace.isTrusted, folder: () => vscode.workspace.workspaceFolders?.[0]?.uri.fsPath },
    log: (level, line) => log[level](line),
  });
  const { tasks, chat, router, approvals, userUndo } = core;
  // Before the chat's first connection check: the walkthrough's steps follow the events from the start.
  registerWalkthrough(context, { events, store: core.store, register });
  controls = registerChatCommands(context, { chat, tasks, approvals, log, events, register });
  registerTasksCommands(context, { tasks, undo: userUndo, db, dataDir, events, register });
  const wasmPath = path.join(context.extensionPath, 'dist', 'sql-wasm.wasm');
  backups = new Backups({
    db,
    folder: backupFolder,
    keep: backupKeep,
    workerPath: path.join(context.extensionPath, 'dist', 'backupWorker.js'),
    wasmPath,
    onFailing: (message) => void vscode.window.showWarningMessage(message),
    onRecovered: () => log.info('Backups work again.'),
    log: (line) => log.info(line),
  });
  backups.start();
  registerDataCommands({ core, backups, register, log });
  if (context.storageUri && dataDir !== context.storageUri.fsPath) void mergeOtherWindows(core, context.storageUri.fsPath, dataDir, wasmPath, log);
  registerLinkCommands(context, { tasks, links: core.links, events, register, log });
  registerImportCommands({ tasks, links: core.links, register });
  registerAttachCommands({ chat, tasks, register, proposals });

  const panels = new WorkflowPanels(context.extensionUri, bundles, router);
  const workflowTree = registerWorkflowCommands(context, { catalog: core.catalog, workflows: core.workflows, tasks, events, panels, register });
  return { core, dataDir, workflowTree, panels };
}

/**
 * One store per workspace folder (or workspace file), whatever the window: under the
 * global storage, named for the workspace (src/store/location.ts). A store this window
 * kept in its own workspace storage is moved there on first open. Without a workspace,
 * the global storage itself, as before.
 */
async function storeDir(context: vscode.ExtensionContext, log: vscode.LogOutputChannel): Promise<string> {
  const file = vscode.workspace.workspaceFile;
  const identity = file && file.scheme !== 'untitled' ? file : vscode.workspace.workspaceFolders?.[0]?.uri;
  if (!identity || !context.storageUri) return (context.storageUri ?? context.globalStorageUri).fsPath;
  const dir = storeFolder(context.globalStorageUri.fsPath, identity.toString());
  try {
    if ((await adoptStore(context.storageUri.fsPath, dir)) === 'moved') log.info(`Moved this workspace's store from ${context.storageUri.fsPath} to ${dir}`);
    return dir;
  } catch (err) {
    // A window of an older version has it open, or the copy failed: this time, open it where it is.
    log.warn(`The store stays in ${context.storageUri.fsPath} for now: ${(err as Error).message}`);
    return context.storageUri.fsPath;
  }
}

/**
 * Stores an earlier version let other windows on this workspace keep apart (src/store/forks.ts)
 * are added to this one, each profile that held anything as a profile of its own; the user is told.
 */
async function mergeOtherWindows(core: Core, storageDir: string, dataDir: string, wasmPath: string, log: vscode.LogOutputChannel): Promise<void> {
  try {
    const merged = await mergeForks(core.store, storageDir, { wasmPath, into: dataDir, log: (line) => log.info(line) });
    if (merged.length === 0) return;
    await core.tasks.reload();
    const total = (k: 'todos' | 'messages' | 'runs') => merged.reduce((n, m) => n + m[k], 0);
    void vscode.window.showInformationMessage(
      l10n.t(
        'Pipulate found data another window had kept apart (an earlier version gave each window its own) and added it here: {0} ({1} todos, {2} messages, {3} workflow runs).',
        merged.flatMap((m) => m.profiles).join(', '),
        total('todos'),
        total('messages'),
        total('runs'),
      ),
    );
  } catch (err) {
    log.error(`Could not merge the stores other windows kept: ${(err as Error).stack ?? String(err)}`);
  }
}

/** The store could not be opened (another window has it, say): a message says why (and the views, src/panel/viewProvider.ts). */
function showUnavailable(log: vscode.LogOutputChannel, dataDir: string, err: Error): void {
  log.error(`Cannot open the database in ${dataDir}: ${err.stack ?? err.message}`);
  const reload = l10n.t('Reload Window');
  const showLog = l10n.t('Show Log');
  void vscode.window.showErrorMessage(l10n.t('Pipulate cannot open its data: {0}', err.message), reload, showLog).then((choice) => {
    if (choice === reload) void vscode.commands.executeCommand('workbench.action.reloadWindow');
    else if (choice === showLog) log.show();
  });
}

/** Stops what start() started: the reply being written is saved, the store folded into its snapshot and closed, and today's backup copied. */
export function stop(): void {
  // Stopping a reply saves what arrived; then the store folds everything into its snapshot,
  // which is copied as today's backup (what it holds counted before it closes).
  core?.dispose();
  core = undefined;
  backups?.stop();
  const summary = backups && db ? summaryOf(db) : undefined;
  db?.closeSync();
  if (backups && db && summary) backups.copyOnClose(db.snapshotPath, summary);
  backups = undefined;
  db = undefined;
}
