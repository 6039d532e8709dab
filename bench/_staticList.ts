/**
 * The baseline of the container bench (bench/vscode.ts): the smallest extension of the
 * same shape as VS Code's own webview-view sample, generated and packaged on the spot.
 * A view container in the activity bar ("Static List") with one webview view that
 * renders a static list: a nonce'd script and a stylesheet from the extension (as the
 * sample has), no state, no host round trip, nothing else activated.
 *
 * A second container in the activity bar ("Static Pair") has the shape of Pipulate's: two
 * webview views, the same list and a second page with a stylesheet and a script of its own,
 * which VS Code creates at once when the container opens: the floor of a container with two
 * webviews, which no extension of that shape can go under.
 *
 * The same extension has a third container ("Echo Chat", in the panel, not opened by the
 * container bench): the least a chat view can do over VS Code's transport, the floor of the time to
 * first token through a webview. Enter posts the text to the host, which streams Ollama's
 * /api/chat with Node's fetch and posts each piece back as it arrives; the view appends it.
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

export const STATIC_PAIR = {
  id: STATIC_LIST.id,
  title: 'Static Pair',
  rowSelector: STATIC_LIST.rowSelector,
};

export const ECHO_CHAT = {
  title: 'Echo Chat',
  /** Its input, and the reply rows it adds (the same shape the Chat view's probe watches). */
  inputSelector: 'input.composer',
  /** Settings it reads: the server and the model. */
  hostSetting: 'echoChat.host',
  modelSetting: 'echoChat.model',
};

const EXTENSION_JS = `const vscode = require('vscode');

function nonce() {
  let text = '';
  const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  for (let i = 0; i < 32; i++) text += chars.charAt(Math.floor(Math.random() * chars.length));
  return text;
}

/** A view whose page has a stylesheet and a script, as the sample's: the list (main.js) or the pair's second page (second.js). */
function staticView(media, script, body) {
  return {
    resolveWebviewView(view) {
      const webview = view.webview;
      webview.options = { enableScripts: true, localResourceRoots: [media] };
      const asset = (file) => webview.asWebviewUri(vscode.Uri.joinPath(media, file));
      const n = nonce();
      webview.html = '<!DOCTYPE html><html lang="en"><head><meta charset="UTF-8">'
        + '<meta http-equiv="Content-Security-Policy" content="default-src \\'none\\'; style-src ' + webview.cspSource + "; script-src 'nonce-" + n + "';\\">"
        + '<meta name="viewport" content="width=device-width, initial-scale=1.0">'
        + '<link href="' + asset('main.css') + '" rel="stylesheet"><title>Static List</title></head>'
        + '<body>' + body + '<script nonce="' + n + '" src="' + asset(script) + '"></script></body></html>';
    },
  };
}

exports.activate = function (context) {
  const media = vscode.Uri.joinPath(context.extensionUri, 'media');
  context.subscriptions.push(
    vscode.window.registerWebviewViewProvider('staticList.view', staticView(media, 'main.js', '<ul class="list"></ul>')),
    vscode.window.registerWebviewViewProvider('staticPair.list', staticView(media, 'main.js', '<ul class="list"></ul>')),
    vscode.window.registerWebviewViewProvider('staticPair.second', staticView(media, 'second.js', '<main class="second"></main>')),
  );
};

exports.deactivate = function () {};

const ECHO_HTML = (webview, media, n) => '<!DOCTYPE html><html lang="en"><head><meta charset="UTF-8">'
  + '<meta http-equiv="Content-Security-Policy" content="default-src \\'none\\'; style-src ' + webview.cspSource + "; script-src 'nonce-" + n + "';\\">"
  + '<link href="' + webview.asWebviewUri(vscode.Uri.joinPath(media, 'main.css')) + '" rel="stylesheet"><title>Echo Chat</title></head>'
  + '<body><div class="messages"></div><input class="composer" aria-label="Message">'
  + '<script nonce="' + n + '" src="' + webview.asWebviewUri(vscode.Uri.joinPath(media, 'echo.js')) + '"></script></body></html>';

/** Streams /api/chat and posts each piece of text to the view as it arrives. */
async function echo(webview, text) {
  const config = vscode.workspace.getConfiguration('echoChat');
  const res = await fetch(config.get('host') + '/api/chat', {
    method: 'POST',
    body: JSON.stringify({ model: config.get('model'), messages: [{ role: 'user', content: text }], stream: true }),
  });
  const decoder = new TextDecoder();
  let rest = '';
  for await (const bytes of res.body) {
    const lines = (rest + decoder.decode(bytes, { stream: true })).split('\\n');
    rest = lines.pop();
    for (const line of lines) {
      if (!line.trim()) continue;
      const part = JSON.parse(line);
      if (part.message && part.message.content) webview.postMessage({ token: part.message.content });
      if (part.done) webview.postMessage({ done: true });
    }
  }
}

const activateList = exports.activate;
exports.activate = function (context) {
  activateList(context);
  const media = vscode.Uri.joinPath(context.extensionUri, 'media');
  context.subscriptions.push(
    vscode.window.registerWebviewViewProvider('echoChat.view', {
      resolveWebviewView(view) {
        view.webview.options = { enableScripts: true, localResourceRoots: [media] };
        view.webview.html = ECHO_HTML(view.webview, media, nonce());
        view.webview.onDidReceiveMessage((m) => echo(view.webview, m.text).catch((e) => view.webview.postMessage({ error: String(e) })));
      },
    }),
  );
};
`;

const ECHO_JS = `(function () {
  const vscode = acquireVsCodeApi();
  const list = document.querySelector('.messages');
  const input = document.querySelector('.composer');
  let reply;
  input.addEventListener('keydown', (e) => {
    if (e.key !== 'Enter') return;
    reply = document.createElement('div');
    reply.className = 'msg';
    reply.dataset.role = 'assistant';
    reply.dataset.status = 'streaming';
    const body = document.createElement('div');
    body.className = 'msg-body';
    reply.appendChild(body);
    list.appendChild(reply);
    vscode.postMessage({ text: input.value });
    input.value = '';
  });
  window.addEventListener('message', (e) => {
    const m = e.data;
    if (!reply) return;
    if (m.token) reply.firstChild.append(m.token);
    if (m.done || m.error) reply.dataset.status = m.done ? 'done' : 'error';
  });
})();
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

/** The pair's second page: a line of text (it has no rows, so the bench never mistakes it for the list). */
const SECOND_JS = `document.querySelector('.second').append(Object.assign(document.createElement('p'), { textContent: 'A second view' }));
`;

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
      // The Echo Chat in the panel, so that it shows beside the side bar's Chat view.
      viewsContainers: {
        activitybar: [
          { id: 'staticList', title: STATIC_LIST.title, icon: 'media/icon.svg' },
          { id: 'staticPair', title: STATIC_PAIR.title, icon: 'media/icon.svg' },
        ],
        panel: [{ id: 'echoChat', title: ECHO_CHAT.title, icon: 'media/icon.svg' }],
      },
      views: {
        staticList: [{ type: 'webview', id: 'staticList.view', name: 'List' }],
        staticPair: [
          { type: 'webview', id: 'staticPair.list', name: 'List' },
          { type: 'webview', id: 'staticPair.second', name: 'Second' },
        ],
        echoChat: [{ type: 'webview', id: 'echoChat.view', name: 'Echo' }],
      },
    },
  };
  fs.writeFileSync(path.join(ext, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  fs.writeFileSync(path.join(ext, 'extension.js'), EXTENSION_JS);
  fs.writeFileSync(path.join(ext, 'media', 'main.js'), mainJs(count));
  fs.writeFileSync(path.join(ext, 'media', 'main.css'), MAIN_CSS);
  fs.writeFileSync(path.join(ext, 'media', 'second.js'), SECOND_JS);
  fs.writeFileSync(path.join(ext, 'media', 'echo.js'), ECHO_JS);
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
