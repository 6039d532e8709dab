/** Composition root: opens the store, wires the services, registers views and commands. */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { Database } from './store/database';
import { appStore, type AppStore } from './store/appSchema';

export interface PipulateApi {
  store: AppStore;
  dataDir: string;
}

let db: Database | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<PipulateApi> {
  const log = vscode.window.createOutputChannel('Pipulate', { log: true });
  context.subscriptions.push(log);
  const dataDir = (context.storageUri ?? context.globalStorageUri).fsPath;
  db = await Database.open({
    dir: dataDir,
    wasmPath: path.join(context.extensionPath, 'dist', 'sql-wasm.wasm'),
    log: (line) => log.info(line),
    onProblem: (problem) => void vscode.window.showWarningMessage(problem.message),
  });
  log.info(`Database open in ${dataDir}`);
  const store = appStore(db);
  context.subscriptions.push(
    vscode.commands.registerCommand('pipulate.showLog', () => log.show()),
    vscode.commands.registerCommand('pipulate.revealDataFolder', () => vscode.env.openExternal(vscode.Uri.file(dataDir))),
  );
  return { store, dataDir };
}

export function deactivate(): void {
  db?.closeSync();
  db = undefined;
}
