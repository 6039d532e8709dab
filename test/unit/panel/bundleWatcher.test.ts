/** Live reload: a rebuilt webview bundle in a real folder reloads the views, once per burst. */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, test } from 'node:test';
import { watchBundle } from '../../../src/panel/bundleWatcher';
import { tempDir } from '../../helpers/store';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let cleanup: (() => void)[] = [];
afterEach(() => {
  for (const fn of cleanup) fn();
  cleanup = [];
});

function watched(): { dist: string; reloads: () => number } {
  const dist = tempDir('pipulate-dist-');
  let reloads = 0;
  const watcher = watchBundle(dist, () => reloads++, 50);
  cleanup.push(() => watcher.dispose(), () => fs.rmSync(dist, { recursive: true, force: true }));
  return { dist, reloads: () => reloads };
}

test('a rebuild of webview.js and webview.css (several writes) reloads the views once', async () => {
  const { dist, reloads } = watched();
  fs.writeFileSync(path.join(dist, 'webview.js'), 'one');
  fs.writeFileSync(path.join(dist, 'webview.css'), 'two');
  fs.appendFileSync(path.join(dist, 'webview.js'), 'three');
  for (let i = 0; i < 100 && reloads() === 0; i++) await sleep(20);
  await sleep(200);
  assert.equal(reloads(), 1);
});

test('other files in dist (the extension host bundle, source maps) reload nothing', async () => {
  const { dist, reloads } = watched();
  fs.writeFileSync(path.join(dist, 'extension.js'), 'x');
  fs.writeFileSync(path.join(dist, 'webview.js.map'), 'x');
  await sleep(300);
  assert.equal(reloads(), 0);
});

test('after dispose, a rebuild reloads nothing', async () => {
  const { dist, reloads } = watched();
  for (const fn of cleanup.splice(0, 1)) fn(); // dispose the watcher, keep the folder
  fs.writeFileSync(path.join(dist, 'webview.js'), 'x');
  await sleep(300);
  assert.equal(reloads(), 0);
});
