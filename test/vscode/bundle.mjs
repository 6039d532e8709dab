// Bundles the in-VS Code test suite (test/vscode/suite/*.ts) into .vscode-test/suite/:
// index.js (the extensionTestsPath: a mocha run() for test/vscode/run.mjs) and one
// file per *.test.ts (what .vscode-test.mjs gives @vscode/test-cli). `vscode` and
// `mocha` stay external: the extension host provides the first, node_modules the second.
import * as esbuild from 'esbuild';
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('../..', import.meta.url).pathname;
export const suiteSource = join(root, 'test', 'vscode', 'suite');
export const suiteOut = join(root, '.vscode-test', 'suite');

export async function bundleSuite() {
  const entries = readdirSync(suiteSource).filter((f) => f === 'index.ts' || f.endsWith('.test.ts'));
  rmSync(suiteOut, { recursive: true, force: true });
  await esbuild.build({
    entryPoints: entries.map((f) => join(suiteSource, f)),
    outdir: suiteOut,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['vscode', 'mocha'],
    sourcemap: 'inline',
    logLevel: 'warning',
  });
  return { dir: suiteOut, index: join(suiteOut, 'index.js'), files: entries.filter((f) => f !== 'index.ts').map((f) => join(suiteOut, f.replace(/\.ts$/, '.js'))) };
}
