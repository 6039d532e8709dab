// Types of codeServer.mjs, for TypeScript callers (test/vscode/ui.ts).
import type { CodeServerInstall } from './install.mjs';

export const BASE_SETTINGS: Record<string, unknown>;
export function killServersUnder(dir: string): number[];
export function freePort(): Promise<number>;
export function portInUse(port: number): Promise<boolean>;

export interface RunFolders {
  runDir: string;
  userDataDir: string;
  extensionsDir: string;
}
export function runFolders(runDir: string, options?: { userDataDir?: string; extensionsDir?: string }): RunFolders;

export function installExtension(options: {
  codeServer: Pick<CodeServerInstall, 'node' | 'entry'>;
  vsix: string;
  runDir: string;
  userDataDir?: string;
  extensionsDir?: string;
}): string;

export function updateSettings(userDataDir: string, settings: Record<string, unknown>): string;

export interface CodeServer extends RunFolders {
  origin: string;
  port: number;
  pid: number;
  logFile: string;
  workspace?: string;
  readonly exited: { code: number | null; signal: NodeJS.Signals | null } | null;
  remoteUri(path: string): string;
  url(folder?: string, payload?: [string, string][]): string;
  stop(graceMs?: number): Promise<void>;
}

export function startCodeServer(options: {
  codeServer: Pick<CodeServerInstall, 'node' | 'entry'>;
  runDir: string;
  workspace?: string;
  port?: number;
  settings?: Record<string, unknown>;
  /** Settings of machine scope, for the extension host (user-data/Machine/settings.json). */
  machineSettings?: Record<string, unknown>;
  smokeTestDriver?: boolean;
  env?: Record<string, string>;
  userDataDir?: string;
  extensionsDir?: string;
  echo?: boolean;
  startTimeoutMs?: number;
  gallery?: boolean;
  workspaceTrust?: boolean;
}): Promise<CodeServer>;
