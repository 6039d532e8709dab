// `npm test`: installs what the tests need, builds, and runs every suite: the type
// check, the linter, unit tests under Node, the webview in headless Chromium, and the packaged
// extension in a real VS Code. Ends with one line: `N passed, N failed, N skipped`.
//
// PIPULATE_SUITES=unit,browser runs only those suites (while developing).
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { build, ensureChromium, ensureDependencies, root } from './setup.mjs';

const only = process.env.PIPULATE_SUITES?.split(',');
const runs = join(root, '.vscode-test', 'results');
rmSync(runs, { recursive: true, force: true });
mkdirSync(runs, { recursive: true });

function testFiles(dir) {
  const out = [];
  for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
    const rel = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...testFiles(rel));
    else if (entry.name.endsWith('.test.ts')) out.push(rel);
  }
  return out.sort();
}

/** Runs node's test runner over `dir`, echoing its spec output, and counts from its TAP. */
function nodeSuite(name, dir) {
  const tap = join(runs, `${name}.tap`);
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', '--test', '--test-concurrency=1',
      '--test-reporter=spec', '--test-reporter-destination=stdout',
      '--test-reporter=tap', `--test-reporter-destination=${tap}`,
      ...testFiles(dir)],
    { cwd: root, stdio: 'inherit' },
  );
  const text = readFileSync(tap, 'utf8');
  const count = (key) => Number(text.match(new RegExp(`^# ${key} (\\d+)$`, 'm'))?.[1] ?? 0);
  const passed = count('pass');
  let failed = count('fail') + count('cancelled');
  if (r.status !== 0 && failed === 0) failed = 1; // crashed outside any test
  return { passed, failed, skipped: count('skipped') };
}

function typecheck() {
  const r = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '--noEmit', '-p', root], { stdio: 'inherit' });
  return r.status === 0 ? { passed: 1, failed: 0, skipped: 0 } : { passed: 0, failed: 1, skipped: 0 };
}

/** typescript-eslint's recommended rules (eslint.config.mjs); one result, like the type check. */
function lint() {
  const r = spawnSync(process.execPath, [join(root, 'node_modules/eslint/bin/eslint.js'), '--max-warnings=0', '.'], { cwd: root, stdio: 'inherit' });
  return r.status === 0 ? { passed: 1, failed: 0, skipped: 0 } : { passed: 0, failed: 1, skipped: 0 };
}

function vscodeSuite() {
  const r = spawnSync(process.execPath, [join(root, 'test/vscode/run.mjs')], { cwd: root, stdio: 'inherit' });
  try {
    const { passed, failed, skipped } = JSON.parse(readFileSync(join(runs, 'vscode.json'), 'utf8'));
    return { passed, failed: failed || (r.status === 0 ? 0 : 1), skipped: skipped ?? 0 };
  } catch {
    return { passed: 0, failed: 1, skipped: 0 };
  }
}

const suites = {
  typecheck,
  lint,
  unit: () => nodeSuite('unit', 'test/unit'),
  browser: () => {
    ensureChromium();
    return nodeSuite('browser', 'test/browser');
  },
  vscode: vscodeSuite,
};

ensureDependencies();
build();
// Skips are counted aloud: a suite skipped on some machine (the full-disk tests need root
// to mount a tmpfs) must not pass unseen.
const totals = { passed: 0, failed: 0, skipped: 0 };
const lines = [];
for (const [name, suite] of Object.entries(suites)) {
  if (only && !only.includes(name)) continue;
  console.log(`\n=== ${name} ===`);
  let result;
  try {
    result = suite();
  } catch (err) {
    console.error(err);
    result = { passed: 0, failed: 1, skipped: 0 };
  }
  lines.push(`${name}: ${result.passed} passed, ${result.failed} failed, ${result.skipped} skipped`);
  for (const key of ['passed', 'failed', 'skipped']) totals[key] += result[key];
}
console.log(`\n${lines.join('\n')}`);
console.log(`${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(totals.failed > 0 ? 1 : 0);
