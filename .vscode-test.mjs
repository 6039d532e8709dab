// @vscode/test-cli configuration: the same suite as `npm test`'s vscode suite
// (test/vscode/suite, bundled into .vscode-test/suite/), run in desktop VS Code, which
// @vscode/test-electron downloads. That download needs Microsoft's servers, so this runs
// on a developer's machine with internet, not in CI here (CI uses test/vscode/run.mjs,
// the same suite in code-server):
//
//   npx vscode-test                 both phases (add --label phase1 to run one)
//   PIPULATE_SKIP_PACKAGE=1 npx vscode-test   reuse dist/pipulate.vsix as it is
//
// As in test/vscode/run.mjs, the extension under test is the packaged one: dist/pipulate.vsix
// is installed into .vscode-test/extensions, and the development path is an empty stub
// (VS Code runs tests only beside one). Phase 1 writes data; phase 2 starts VS Code
// again on the same user data and folder, and reads it back.
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from '@vscode/test-cli';
import { bundleSuite } from './test/vscode/bundle.mjs';

const root = dirname(fileURLToPath(import.meta.url));
const vsix = join(root, 'dist', 'pipulate.vsix');

if (!process.env.PIPULATE_SKIP_PACKAGE) {
  const r = spawnSync('npm', ['run', '--silent', 'package'], { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' });
  if (r.status !== 0) throw new Error('npm run package failed');
}
const suite = await bundleSuite();

const state = join(root, '.vscode-test', 'desktop-state');
rmSync(state, { recursive: true, force: true });
mkdirSync(state, { recursive: true });
const workspace = join(root, '.vscode-test', 'desktop-workspace');
mkdirSync(workspace, { recursive: true });
writeFileSync(join(workspace, 'README.md'), '# Pipulate test workspace\n');

/** @param {1 | 2} phase */
const phase = (phase) => ({
  label: `phase${phase}`,
  files: suite.files,
  version: 'stable',
  extensionDevelopmentPath: join(root, 'test', 'vscode', 'stub'),
  installExtensions: [vsix],
  workspaceFolder: workspace,
  // test-electron's defaults: .vscode-test/extensions and .vscode-test/user-data under
  // the working folder, the same for both phases (so the same workspace storage).
  launchArgs: ['--disable-workspace-trust', '--skip-welcome', '--skip-release-notes'],
  env: {
    PIPULATE_TEST_STATE: state,
    PIPULATE_TEST_PHASE: String(phase),
    PIPULATE_EXTENSIONS_DIR: join(process.cwd(), '.vscode-test', 'extensions'),
  },
  mocha: { ui: 'tdd', timeout: 60_000 },
});

export default defineConfig([phase(1), phase(2)]);
