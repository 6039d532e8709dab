/**
 * The views' pages carry their bundle and stylesheet (src/panel/html.ts): what could end
 * the element early is refused, the built bundles can be written in, and a rebuilt bundle
 * is read again.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { Bundles } from '../../../src/panel/bundles';
import { bundleFile, inlineScript, inlineStyle, STYLE_FILE, webviewHtml } from '../../../src/panel/html';
import { tempDir } from '../../helpers/store';

const dist = path.join(__dirname, '..', '..', '..', 'dist');
const shell = (script: string, style = 'p {}') =>
  webviewHtml({ view: 'tasks', cspSource: 'https://webview.test', nonce: 'n0nce', script, style, codiconUri: 'https://webview.test/codicon.css' });

test('a script or stylesheet that could end its element early is refused', () => {
  for (const code of ['x = "</script>"', 'x = "</SCRIPT "', 'x = "<!--<script>"', 'x = "<script/"', 'x = `<Script\n`']) {
    assert.throws(() => inlineScript(code), /cannot be written into its page/, code);
  }
  for (const code of ['x = "<\\/script>"', 'x = /<!--/', 'x = "<scripts>"', 'a < script']) assert.equal(inlineScript(code), code);
  assert.throws(() => inlineStyle('p::after { content: "</style>" }'), /cannot be written into its page/);
  assert.throws(() => shell('x = "</script><script>alert(1)</script>"'), /cannot be written into its page/);
});

test('the page holds its script and stylesheet under its nonce; codicon.css applies only once the script says so', () => {
  const html = shell('startTasks()', '.todo { color: red }');
  assert.match(html, /<script nonce="n0nce">startTasks\(\)<\/script>/);
  assert.match(html, /<style nonce="n0nce">\.todo \{ color: red \}<\/style>/);
  assert.match(html, /script-src 'nonce-n0nce'; style-src https:\/\/webview\.test 'nonce-n0nce';/);
  assert.match(html, /<link rel="stylesheet" href="https:\/\/webview\.test\/codicon\.css" id="vscode-codicon-stylesheet" media="not all">/);
  assert.doesNotMatch(html, /<script[^>]* src=/);
});

test('every built bundle and the stylesheet can be written into a page', () => {
  const bundles = new Bundles(dist);
  for (const view of ['tasks', 'chat', 'workflow'] as const) {
    assert.ok(fs.existsSync(path.join(dist, bundleFile(view))), `${bundleFile(view)} is built (npm test builds before the suites)`);
    assert.ok(shell(bundles.script(view)).length > 10_000);
  }
  assert.ok(fs.existsSync(path.join(dist, STYLE_FILE)));
  assert.ok(shell('x', bundles.style()).includes('</style>'));
});

test('Bundles reads each file once, and again after forget()', () => {
  const dir = tempDir('pipulate-dist-');
  try {
    fs.writeFileSync(path.join(dir, bundleFile('chat')), 'one()');
    const bundles = new Bundles(dir);
    assert.equal(bundles.script('chat'), 'one()');
    fs.writeFileSync(path.join(dir, bundleFile('chat')), 'two()');
    assert.equal(bundles.script('chat'), 'one()', 'read once');
    bundles.forget();
    assert.equal(bundles.script('chat'), 'two()');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
