/**
 * The extension-tests entry point: VS Code loads this file in the extension host (its
 * `extensionTestsPath`) and awaits `run()`. Bundled with the test files, one file each,
 * into .vscode-test/suite/ by test/vscode/run.mjs; mocha itself is loaded from the
 * project's node_modules.
 *
 * After each phase it records `{ passed, failed }` in the state folder (phase1.json,
 * phase2.json). With PIPULATE_TEST_RELOAD=1, a passing phase 1 ends by reloading the
 * window: the reloaded workbench runs this file again, as phase 2, and only phase 2
 * reports back to the runner.
 */
import * as path from 'node:path';
import { format } from 'node:util';
import Mocha from 'mocha';
import * as vscode from 'vscode';
import { currentPhase, reloadBetweenPhases, writeState } from './context';

export const TEST_FILES = ['extension.test.js', 'persistence.test.js'];

/** Marks the suite's own lines in the workbench log, for the runner to print them. */
export const LINE_PREFIX = '[suite] ';

/**
 * Prints one line to the workbench's log, marked as the suite's. The extension host
 * forwards console output with format arguments apart, and console.log cannot be
 * replaced there (VS Code pins it), so the suite formats its lines itself.
 */
function out(...args: unknown[]): void {
  console.log(LINE_PREFIX + format(...args));
}

export async function run(): Promise<void> {
  const reporterLog = Mocha.reporters.Base.consoleLog;
  Mocha.reporters.Base.consoleLog = out;
  try {
    await runPhase();
  } finally {
    Mocha.reporters.Base.consoleLog = reporterLog;
  }
}

async function runPhase(): Promise<void> {
  const phase = currentPhase();
  out(`phase ${phase}${reloadBetweenPhases && phase === 1 ? ' (the window reloads after it)' : ''}`);
  const mocha = new Mocha({ ui: 'tdd', timeout: 60_000, color: false, reporter: 'spec' });
  const only = process.env.PIPULATE_TEST_GREP;
  if (only) mocha.grep(only);
  for (const file of TEST_FILES) mocha.addFile(path.join(__dirname, file));

  const { passed, failed } = await new Promise<{ passed: number; failed: number }>((resolve, reject) => {
    try {
      const runner = mocha.run(() => resolve({ passed: runner.stats?.passes ?? 0, failed: runner.stats?.failures ?? 0 }));
    } catch (err) {
      reject(err);
    }
  });
  writeState(`phase${phase}.json`, { phase, passed, failed, pid: process.pid, at: new Date().toISOString() });
  out(`phase ${phase}: ${passed} passed, ${failed} failed`);

  if (failed > 0) throw new Error(`${failed} test(s) failed in phase ${phase}`);
  if (phase === 1 && reloadBetweenPhases) {
    out('reloading the window (workbench.action.reloadWindow)');
    await vscode.commands.executeCommand('workbench.action.reloadWindow');
    // The reload ends this extension host; the reloaded window runs phase 2.
    await new Promise(() => {});
  }
}
