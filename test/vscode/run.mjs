// The `vscode` suite of `npm test`: the packaged extension (dist/pipulate.vsix) installed
// in a real VS Code (code-server, opened in headless Chromium) and tested from inside.
//
//  1. installs what is missing (scripts/vscode/install.mjs: Node 24, code-server, Chromium)
//  2. `npm run package` builds dist/pipulate.vsix; the suite is bundled into .vscode-test/suite
//  3. code-server starts with the smoke-test driver, the .vsix installed in its extensions
//     folder, and a fresh user-data folder; Chromium opens a workspace folder with the
//     suite as extensionTestsPath, so mocha runs in the extension host:
//       phase 1 checks activation and the database, writes data, then reloads the window
//       (workbench.action.reloadWindow); phase 2 runs in the reloaded window and reads it back
//  4. the UI tests (test/vscode/*.test.ts, node's test runner) drive the workbench as a user
//
// Writes .vscode-test/results/vscode.json as { passed, failed, ... } for scripts/test.mjs.
// Every process it starts is ended, on failure and on its global time limit too.
//
//   node test/vscode/run.mjs            everything
//   PIPULATE_VSCODE_UI=0 node ...       skip the UI tests
//   PIPULATE_VSCODE_HEADED=1 node ...   (with a display) watch it run
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { chromium } from 'playwright-core';
import { ensureVSCode } from '../../scripts/vscode/install.mjs';
import { installExtension, killServersUnder, startCodeServer } from '../../scripts/vscode/codeServer.mjs';
import { root } from '../../scripts/setup.mjs';
import { bundleSuite } from './bundle.mjs';

// After the install (which has its own limit: scripts/vscode/install.mjs).
const GLOBAL_TIMEOUT_MS = Number(process.env.PIPULATE_VSCODE_TIMEOUT_MS) || 15 * 60_000;
const SUITE_TIMEOUT_MS = 6 * 60_000;
const SUITE_PREFIX = '[suite] '; // test/vscode/suite/index.ts marks its lines so
const results = join(root, '.vscode-test', 'results');
const resultFile = join(results, 'vscode.json');
const vsix = join(root, 'dist', 'pipulate.vsix');
const stub = join(root, 'test', 'vscode', 'stub');
export const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--no-first-run', '--disable-dev-shm-usage', '--disable-quic',
];

const started = Date.now();
const summary = { passed: 0, failed: 0, skipped: 0, phases: {}, ui: null, errors: [] };
const cleanups = [];
let finished = false;

function say(message) {
  console.log(`[vscode] ${message}`);
}
function elapsed() {
  return `${((Date.now() - started) / 1000).toFixed(1)} s`;
}
function writeResult() {
  mkdirSync(results, { recursive: true });
  writeFileSync(resultFile, `${JSON.stringify({ ...summary, seconds: Math.round((Date.now() - started) / 1000) }, null, 2)}\n`);
}
async function cleanup() {
  while (cleanups.length) {
    const fn = cleanups.pop();
    try {
      await Promise.race([fn(), new Promise((r) => setTimeout(r, 15_000))]);
    } catch (err) {
      console.error(`[vscode] cleanup: ${err?.message ?? err}`);
    }
  }
}
async function finish(code) {
  if (finished) return;
  finished = true;
  await cleanup();
  writeResult();
  say(`${summary.passed} passed, ${summary.failed} failed, ${summary.skipped} skipped (vscode suite, ${elapsed()})`);
  process.exit(code);
}

/** The time limit of the run, from when the tools are installed (the install has its own). */
function startGlobalTimer() {
  const timer = setTimeout(() => {
    console.error(`[vscode] time limit of ${(GLOBAL_TIMEOUT_MS / 60_000).toFixed(1)} min reached; stopping everything`);
    summary.failed += 1;
    summary.errors.push('global timeout');
    void finish(1);
  }, GLOBAL_TIMEOUT_MS);
  timer.unref();
}
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    summary.failed += 1;
    summary.errors.push(signal);
    void finish(1);
  });
}

function packageVsix() {
  say('npm run package (dist/pipulate.vsix) ...');
  const r = spawnSync('npm', ['run', '--silent', 'package'], { cwd: root, encoding: 'utf8' });
  if (r.status !== 0 || !existsSync(vsix)) {
    process.stdout.write(r.stdout ?? '');
    process.stderr.write(r.stderr ?? '');
    throw new Error(`npm run package failed (${r.status ?? r.signal})`);
  }
  const warnings = `${r.stdout}\n${r.stderr}`.split('\n').filter((l) => /WARNING|ERROR/.test(l));
  for (const line of warnings) say(`  vsce: ${line.trim()}`);
}

/** A workspace folder for the run, with a file in it so the explorer is not empty. */
function makeWorkspace(dir) {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'README.md'), '# Pipulate test workspace\n\nOpened by test/vscode/run.mjs.\n');
  return dir;
}

/**
 * Runs the suite in the extension host: opens the workbench with the suite as
 * extensionTestsPath and waits for codeAutomationExit, through the reload between phases.
 */
async function runExtensionSuite({ codeServer, chromiumPath, runDir, suite }) {
  const userDataDir = join(runDir, 'suite-user-data');
  const extensionsDir = join(runDir, 'extensions');
  const stateDir = join(runDir, 'suite-state');
  mkdirSync(stateDir, { recursive: true });
  const workspace = makeWorkspace(join(runDir, 'workspace'));

  say(`installing ${relative(root, vsix)} into ${relative(root, extensionsDir)} ...`);
  installExtension({ codeServer, vsix, runDir, userDataDir, extensionsDir });

  say('starting code-server (smoke-test driver on) ...');
  const server = await startCodeServer({
    codeServer, runDir, userDataDir, extensionsDir, workspace,
    smokeTestDriver: true,
    machineSettings: { 'workbench.welcomePage.walkthroughs.openOnInstall': false }, // as in the UI tests (ui.ts)
    env: {
      PIPULATE_TEST_STATE: stateDir,
      PIPULATE_TEST_RELOAD: '1',
      PIPULATE_EXTENSIONS_DIR: extensionsDir,
    },
  });
  cleanups.push(() => server.stop());
  say(`code-server up at ${server.origin} (${elapsed()}); log ${relative(root, server.logFile)}`);

  const browser = await chromium.launch({
    executablePath: chromiumPath,
    headless: process.env.PIPULATE_VSCODE_HEADED !== '1',
    args: CHROMIUM_ARGS,
    // Its crash reports and caches in the run folder, not the home folder.
    env: { ...process.env, XDG_CONFIG_HOME: join(runDir, 'xdg', 'config'), XDG_CACHE_HOME: join(runDir, 'xdg', 'cache') },
  });
  cleanups.push(() => browser.close());
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });

  let exitCode;
  let onExit;
  const exited = new Promise((resolve) => {
    onExit = resolve;
  });
  const logLines = [];
  // The workbench's log, with what the extension host prints: the suite's own lines are
  // printed, and errors that are not the known noise of a closed network.
  const noise = /ENOTFOUND|Canceled|authentication provider|Long running operations during shutdown|reading 'extensionHost'|No search provider registered/;
  await page.exposeFunction('codeAutomationLog', (type, args) => {
    const text = Array.isArray(args) ? args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' ') : String(args);
    logLines.push(`[${type}] ${text}`);
    const at = text.indexOf(SUITE_PREFIX);
    if (at >= 0) console.log(`  ${text.slice(at + SUITE_PREFIX.length)}`);
    else if (type === 'error' && !noise.test(text)) console.log(`  [workbench error] ${text.split('\n').slice(0, 3).join('\n')}`);
  });
  await page.exposeFunction('codeAutomationExit', (code) => {
    exitCode = code;
    onExit(code);
  });
  let loads = 0;
  page.on('load', () => {
    loads += 1;
    if (loads > 1) say(`window reloaded (${elapsed()})`);
  });
  page.on('pageerror', (err) => logLines.push(`[pageerror] ${err.message}`));

  const url = server.url(workspace, [
    ['extensionDevelopmentPath', server.remoteUri(stub)],
    ['extensionTestsPath', server.remoteUri(suite.index)],
  ]);
  say('opening the workbench; the suite runs in the extension host ...');
  await page.goto(url);
  const timedOut = new Promise((resolve) => setTimeout(() => resolve('timeout'), SUITE_TIMEOUT_MS).unref());
  const outcome = await Promise.race([exited, timedOut]);
  writeFileSync(join(runDir, 'workbench.log'), `${logLines.join('\n')}\n`);

  const phase1 = readJson(join(stateDir, 'phase1.json'));
  const phase2 = readJson(join(stateDir, 'phase2.json'));
  summary.phases = { phase1, phase2, exitCode: exitCode ?? null, reloads: Math.max(0, loads - 1) };
  for (const phase of [phase1, phase2]) {
    if (!phase) continue;
    summary.passed += phase.passed;
    summary.failed += phase.failed;
  }
  if (outcome === 'timeout') {
    summary.failed += 1;
    summary.errors.push(`suite did not finish within ${SUITE_TIMEOUT_MS / 60_000} min`);
    say(`the suite did not finish within ${SUITE_TIMEOUT_MS / 60_000} min; workbench log: ${relative(root, join(runDir, 'workbench.log'))}`);
  } else {
    say(`suite exited with code ${exitCode} (${elapsed()})`);
  }
  if (!phase1) {
    summary.failed += 1;
    summary.errors.push('phase 1 did not run');
    say('phase 1 did not run: the suite was not loaded (see the workbench log and code-server log)');
  } else if (!phase2 && phase1.failed === 0) {
    summary.failed += 1;
    summary.errors.push('phase 2 (after the reload) did not run');
    say('phase 2 (after the reload) did not run');
  }
  if (outcome !== 'timeout' && exitCode !== 0 && summary.failed === 0) {
    summary.failed += 1;
    summary.errors.push(`suite exit code ${exitCode}`);
  }
  await browser.close();
  await server.stop();
  return { extensionsDir };
}

/** Runs test/vscode/*.test.ts (UI tests, node's test runner) and counts from its TAP. */
function runUiTests({ runDir, extensionsDir }) {
  const files = readdirSync(join(root, 'test', 'vscode')).filter((f) => f.endsWith('.test.ts')).sort().map((f) => join('test', 'vscode', f));
  if (!files.length) return { passed: 0, failed: 0 };
  const tap = join(runDir, 'ui.tap');
  say(`UI tests: ${files.join(' ')}`);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [
      '--import', 'tsx', '--test', '--test-concurrency=1',
      '--test-reporter=spec', '--test-reporter-destination=stdout',
      '--test-reporter=tap', `--test-reporter-destination=${tap}`,
      ...files,
    ], {
      cwd: root,
      stdio: 'inherit',
      detached: true,
      env: { ...process.env, PIPULATE_UI_RUN_DIR: join(runDir, 'ui'), PIPULATE_UI_EXTENSIONS_DIR: extensionsDir, PIPULATE_VSIX: vsix },
    });
    const kill = () => {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // gone
      }
    };
    cleanups.push(kill);
    child.on('exit', (code, signal) => {
      let text = '';
      try {
        text = readFileSync(tap, 'utf8');
      } catch {
        // no TAP: it crashed before reporting
      }
      const count = (key) => Number(text.match(new RegExp(`^# ${key} (\\d+)$`, 'm'))?.[1] ?? 0);
      const passed = count('pass');
      let failed = count('fail') + count('cancelled');
      if (code !== 0 && failed === 0) failed = 1;
      if (signal) failed ||= 1;
      kill(); // anything it left behind in its group
      resolve({ passed, failed, skipped: count('skipped') });
    });
  });
}

function readJson(file) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

async function main() {
  rmSync(resultFile, { force: true });
  // A failed result stands until the run says otherwise (if it is killed, say).
  Object.assign(summary, { failed: 1, errors: ['did not finish'] });
  writeResult();
  Object.assign(summary, { failed: 0, errors: [] });

  const tools = await ensureVSCode();
  startGlobalTimer();
  packageVsix();
  const suite = await bundleSuite();
  say(`suite bundled into ${relative(root, suite.dir)} (${elapsed()})`);

  const runsDir = join(root, '.vscode-test', 'runs');
  for (const old of existsSync(runsDir) ? readdirSync(runsDir) : []) {
    if (old.startsWith('vscode-')) rmSync(join(runsDir, old), { recursive: true, force: true });
  }
  const runDir = join(runsDir, `vscode-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  mkdirSync(runDir, { recursive: true });
  // Last: any server a killed child (the UI tests) left running in this run's folder.
  cleanups.unshift(() => {
    const pids = killServersUnder(runDir);
    if (pids.length) say(`ended code-server groups left behind: ${pids.join(', ')}`);
  });

  const { extensionsDir } = await runExtensionSuite({ codeServer: tools, chromiumPath: tools.chromium, runDir, suite });

  if (process.env.PIPULATE_VSCODE_UI !== '0') {
    const ui = await runUiTests({ runDir, extensionsDir });
    summary.ui = ui;
    summary.passed += ui.passed;
    summary.failed += ui.failed;
    summary.skipped += ui.skipped;
  }
}

try {
  await main();
  await finish(summary.failed > 0 ? 1 : 0);
} catch (err) {
  console.error(`[vscode] ${err?.stack ?? err}`);
  summary.failed += 1;
  summary.errors.push(String(err?.message ?? err));
  await finish(1);
}
