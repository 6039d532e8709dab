/**
 * What the suite knows of the run it is part of, from the environment the runner gives
 * the extension host (test/vscode/run.mjs through code-server, or .vscode-test.mjs on
 * desktop VS Code):
 *
 *   PIPULATE_TEST_STATE       a folder the suite keeps its state in between phases
 *   PIPULATE_TEST_PHASE       1 or 2; unset: 1, or 2 when phase 1 has been recorded
 *   PIPULATE_TEST_RELOAD      1: after a passing phase 1, reload the window
 *                             (workbench.action.reloadWindow) so that phase 2 runs in it
 *   PIPULATE_EXTENSIONS_DIR   where the .vsix was installed; the extension under test
 *                             must be loaded from there
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const EXTENSION_ID = 'pipulate.pipulate';

export const stateDir = process.env.PIPULATE_TEST_STATE || path.join(os.tmpdir(), 'pipulate-vscode-test-state');

export function statePath(name: string): string {
  return path.join(stateDir, name);
}

export function readState<T>(name: string): T | undefined {
  try {
    return JSON.parse(fs.readFileSync(statePath(name), 'utf8')) as T;
  } catch {
    return undefined;
  }
}

export function writeState(name: string, value: unknown): void {
  fs.mkdirSync(stateDir, { recursive: true });
  const file = statePath(name);
  fs.writeFileSync(`${file}.tmp`, `${JSON.stringify(value, null, 2)}\n`);
  fs.renameSync(`${file}.tmp`, file);
}

/** Which phase of the run this is: 1 writes and records, 2 checks after the reload. */
export function currentPhase(): 1 | 2 {
  const given = process.env.PIPULATE_TEST_PHASE;
  if (given === '1' || given === '2') return Number(given) as 1 | 2;
  return readState('phase1.json') ? 2 : 1;
}

export const reloadBetweenPhases = process.env.PIPULATE_TEST_RELOAD === '1' && !process.env.PIPULATE_TEST_PHASE;

export const expectedExtensionsDir = process.env.PIPULATE_EXTENSIONS_DIR || undefined;
