// The extension host (Node, CommonJS, `vscode` external), and one browser bundle per
// view, so that each view loads only its own code: dist/webview-tasks.js (no markdown,
// sanitizer or highlighter) and dist/webview-chat.js, with one stylesheet both share
// (dist/webview.css). The sql.js WebAssembly and the codicon font are copied next to
// them, since neither can be bundled into JavaScript.
import * as esbuild from 'esbuild';
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

const common = {
  bundle: true,
  sourcemap: !production,
  minify: production,
  logLevel: 'info',
  legalComments: 'none',
};

function copyAssets() {
  mkdirSync('dist', { recursive: true });
  copyFileSync('node_modules/sql.js/dist/sql-wasm.wasm', 'dist/sql-wasm.wasm');
  copyFileSync('node_modules/@vscode/codicons/dist/codicon.css', 'dist/codicon.css');
  copyFileSync('node_modules/@vscode/codicons/dist/codicon.ttf', 'dist/codicon.ttf');
  // The single bundle of both views that came before webview-tasks.js and webview-chat.js:
  // nothing loads it any more, and a stale copy must not pass for the current code.
  for (const old of ['webview.js', 'webview.js.map']) rmSync(`dist/${old}`, { force: true });
}

const host = {
  ...common,
  // Activation loads only extension.js; extension.js loads startup.js (the store, the services, their
  // commands) when the store is to open (src/extension.ts). The backup worker is a file of its own: a
  // worker thread loads it by path (src/backup/backups.ts).
  entryPoints: { extension: 'src/extension.ts', startup: 'src/startup.ts', backupWorker: 'src/backup/foldWorker.ts' },
  outdir: 'dist',
  platform: 'node',
  format: 'cjs',
  target: 'node18',
  external: ['vscode', './startup.js'],
  // ES modules first: some packages' CommonJS builds (jsonc-parser's UMD) require files by computed paths esbuild cannot follow.
  mainFields: ['module', 'main'],
};

const webview = {
  ...common,
  // Keep in step with bundleFile() in src/panel/html.ts and with .vscodeignore.
  entryPoints: {
    'webview-tasks': 'src/webview/tasksMain.ts',
    'webview-chat': 'src/webview/chatMain.ts',
    'webview-workflow': 'src/webview/workflowMain.ts',
    webview: 'src/webview/styles.css',
  },
  outdir: 'dist',
  platform: 'browser',
  format: 'iife',
  target: 'chrome114',
};

copyAssets();
if (watch) {
  const contexts = await Promise.all([esbuild.context(host), esbuild.context(webview)]);
  await Promise.all(contexts.map((c) => c.watch()));
} else {
  await Promise.all([esbuild.build(host), esbuild.build(webview)]);
}
