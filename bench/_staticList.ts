/**
 * The baseline of the container bench (bench/vscode.ts): the smallest extension of the
 * same shape as VS Code's own webview-view sample, generated and packaged on the spot.
 * A view container in the activity bar ("Static List") with one webview view that
 * renders a static list: a nonce'd script and a stylesheet from the extension (as the
 * sample has), no state, no host round trip, nothing else activated.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export const STATIC_LIST = {
  id: 'pipulate-bench.static-list',
  title: 'Static List',
  /** What its rows are (the bench waits for `count` of them laid out). */
  rowSelector: 'li.item',
};

const EXTENSION_JS = `const vscode = require('vscode');

function nonce() {
  let text = '';
  const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  for (let i = 0; i < 32; i++) text += chars.charAt(Math.floor(Math.random() * chars.length));
  return text;
}

exports.activate = function (context) {
  const media = vscode.Uri.joinPath(context.extensionUri, 'media');
  context.subscriptions.push(
    vscode.window.registerWebviewViewProvider('staticList.view', {
      resolveWebviewView(view) {
        const webview = view.webview;
        webview.options = { enableScripts: true, localResourceRoots: [media] };
        const asset = (file) => webview.asWebviewUri(vscode.Uri.joinPath(media, file));
        const n = nonce();
        webview.html = '<!DOCTYPE html><html lang="en"><head><meta charset="UTF-8">'
          + '<meta http-equiv="Content-Security-Policy" content="default-src \\'none\\'; style-src ' + webview.cspSource + "; script-src 'nonce-" + n + "';\\">"
          + '<meta name="viewport" content="width=device-width, initial-scale=1.0">'
          + '<link href="' + asset('main.css') + '" rel="stylesheet"><title>Static List</title></head>'
          + '<body><ul class="list"></ul><script nonce="' + n + '" src="' + asset('main.js') + '"></script></body></html>';
      },
    }),
  );
};

exports.deactivate = function () {};
`;

function mainJs(count: number): string {
  return `(function () {
  const titles = ${JSON.stringify(Array.from({ length: count }, (_, i) => `Static item ${i + 1}`))};
  const list = document.querySelector('.list');
  for (const title of titles) {
    const li = document.createElement('li');
    li.className = 'item';
    const box = document.createElement('input');
    box.type = 'checkbox';
    const text = document.createElement('span');
    text.textContent = title;
    li.append(box, text);
    list.appendChild(li);
  }
})();
`;
}

const MAIN_CSS = `body { padding: 0 12px; color: var(--vscode-foreground); font-family: var(--vscode-font-family); }
.list { list-style: none; margin: 8px 0; padding: 0; }
.item { display: flex; align-items: center; gap: 6px; padding: 2px 0; }
`;

const ICON_SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="24" height="24" viewBox="0 0 24 24"><path fill="currentColor" d="M4 5h16v2H4zm0 6h16v2H4zm0 6h16v2H4z"/></svg>
`;

/** Writes the extension into `dir` and packages it with vsce; returns the .vsix path. */
export function buildStaticListVsix(dir: string, root: string, count: number): string {
  const ext = path.join(dir, 'static-list');
  fs.mkdirSync(path.join(ext, 'media'), { recursive: true });
  const manifest = {
    name: 'static-list',
    displayName: STATIC_LIST.title,
    description: 'Bench baseline: one webview view rendering a static list.',
    version: '0.0.1',
    publisher: 'pipulate-bench',
    license: 'MIT',
    engines: { vscode: '^1.90.0' },
    main: './extension.js',
    activationEvents: [],
    contributes: {
      viewsContainers: { activitybar: [{ id: 'staticList', title: STATIC_LIST.title, icon: 'media/icon.svg' }] },
      views: { staticList: [{ type: 'webview', id: 'staticList.view', name: 'List' }] },
    },
  };
  fs.writeFileSync(path.join(ext, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  fs.writeFileSync(path.join(ext, 'extension.js'), EXTENSION_JS);
  fs.writeFileSync(path.join(ext, 'media', 'main.js'), mainJs(count));
  fs.writeFileSync(path.join(ext, 'media', 'main.css'), MAIN_CSS);
  fs.writeFileSync(path.join(ext, 'media', 'icon.svg'), ICON_SVG);
  fs.writeFileSync(path.join(ext, 'README.md'), '# Static List\n\nThe baseline of Pipulate\'s container bench.\n');
  fs.writeFileSync(path.join(ext, 'LICENSE'), 'MIT\n');
  const vsix = path.join(dir, 'static-list.vsix');
  const r = spawnSync(process.execPath, [path.join(root, 'node_modules', '@vscode', 'vsce', 'vsce'), 'package', '--no-dependencies', '--allow-missing-repository', '--out', vsix], {
    cwd: ext,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (r.status !== 0 || !fs.existsSync(vsix)) throw new Error(`vsce could not package the static list (${r.status ?? r.signal}): ${r.stdout}${r.stderr}`);
  return vsix;
}
