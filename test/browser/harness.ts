/**
 * The real webview bundles (dist/webview-<view>.js, built by `npm test`) in headless Chromium,
 * with the real router, services and store behind it under Node. The page gets the
 * same HTML shell and CSP as in VS Code; `acquireVsCodeApi` is the only stand-in, and
 * it carries messages to and from the router exactly as VS Code's postMessage does.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { after, afterEach, before, beforeEach } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { unavailableHtml, webviewHtml, type ViewKind } from '../../src/panel/html';
import { Bundles } from '../../src/panel/bundles';
import type { HostUi, Router } from '../../src/panel/router';
import type { HostMessage, RequestBody } from '../../src/protocol';
import type { AppStore } from '../../src/store/appSchema';
import type { Database } from '../../src/store/database';
import type { TasksService } from '../../src/tasks/tasksService';
import { DEFAULT_CHAT_SETTINGS, type ChatService, type ChatSettings } from '../../src/chat/chatService';
import { createCore, Events, noticeOf, type Core } from '../../src/core';
import type { EditorPort, FileRef, TodoLinks } from '../../src/tasks/links';
import { openStore, tempDir } from '../helpers/store';
import { startFakeOllama, type FakeOllama, type FakeOllamaOptions } from '../fakes/ollamaServer';
import { workflowStrings } from '../../src/panel/workflowStrings';
import { themeCss, type Theme } from './themes';

const root = path.resolve(__dirname, '../..');
const dist = path.join(root, 'dist');

/** Answers the host's dialogs the way a test says; records what was asked. */
export class ScriptedUi implements HostUi {
  confirmAnswer = true;
  promptAnswers: (string | undefined)[] = [];
  asked: string[] = [];
  clipboard = '';
  inserted: string[] = [];
  hasEditor = true;
  models: string[] = [];
  modelSet: string[] = [];
  pulled: (string | undefined)[] = [];
  commands: string[] = [];
  /** The index `pick` answers; what it was asked to choose from. */
  pickAnswer: number | undefined = 0;
  picked: string[][] = [];
  /** The diffs proposed ("Apply to file"): the file, the text it was made from, the text proposed. */
  proposed: { file: FileRef; base: string; text: string }[] = [];

  /** `pull` is the real ChatService's: VS Code's pullModel adds only a notification around it. */
  constructor(private readonly pull: (model?: string) => Promise<unknown>) {}

  async confirm(message: string) {
    this.asked.push(message);
    return this.confirmAnswer;
  }
  async prompt(o: { title: string }) {
    this.asked.push(o.title);
    return this.promptAnswers.shift();
  }
  async pickModel() {
    return this.models[0];
  }
  async setModel(model: string) {
    this.modelSet.push(model);
  }
  async pullModel(model?: string) {
    this.pulled.push(model);
    await this.pull(model);
  }
  async writeClipboard(text: string) {
    this.clipboard = text;
  }
  async insertAtCursor(code: string) {
    if (!this.hasEditor) return false;
    this.inserted.push(code);
    return true;
  }
  async runCommand(command: string) {
    this.commands.push(command);
  }
  async pick(_placeholder: string, items: string[]) {
    this.picked.push(items);
    return this.pickAnswer;
  }
  async propose(file: FileRef, base: string, text: string) {
    this.proposed.push({ file, base, text });
  }
}

export interface HarnessOptions {
  /** The chat's settings; by default a host where nothing listens, for tests that never send. */
  chat?: Partial<ChatSettings>;
  /** Where the store lives (default: a new temporary folder, removed on close). */
  dir?: string;
  /** 'global' as when no folder is open (default 'workspace'). */
  scope?: 'workspace' | 'global';
  /** The code editor todos link into (default: none). */
  editor?: EditorPort;
  /** Where workflow command steps run and whether they may (default: they cannot). */
  workspace?: { trusted(): boolean; folder(): string | undefined };
}

let browser: Browser | undefined;

async function getBrowser(): Promise<Browser> {
  browser ??= await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
  return browser;
}

export async function closeBrowser(): Promise<void> {
  await browser?.close();
  browser = undefined;
}

export interface OpenedView {
  page: Page;
  /** Console errors and CSP violations seen in the page. */
  problems: string[];
  /** Sends a raw message to the router as if from this view (for malformed-input tests). */
  sendRaw(message: unknown): Promise<HostMessage[]>;
  /** Messages the host posted to this view. */
  received: HostMessage[];
  /** The bodies of the requests this view sent, in order. */
  sentBodies: RequestBody[];
  /** Waits until every message posted so far has been delivered to the page. */
  settle(): Promise<void>;
}

export class Harness {
  /** What `open('unavailable')` shows as the reason the store cannot be opened. */
  unavailableReason = 'The store is open in another window.';
  private server!: http.Server;
  private base = '';
  private pages: Page[] = [];
  private ownsDir = false;
  private readonly bundles = new Bundles(dist);
  /** The whole core (the workflow tests start runs through it). */
  core!: Core;
  /** Todos that point at code (the core's). */
  links!: TodoLinks;

  private constructor(
    readonly dir: string,
    readonly db: Database,
    readonly store: AppStore,
    readonly tasks: TasksService,
    readonly router: Router,
    readonly chat: ChatService,
    readonly ui: ScriptedUi,
    readonly logs: string[],
  ) {}

  static async start(options: HarnessOptions = {}): Promise<Harness> {
    const dir = options.dir ?? tempDir('pipulate-browser-');
    // As in the extension: what the store finds while it opens reaches the views through the bus.
    const events = new Events();
    const db = await openStore(dir, { onProblem: (p) => void (noticeOf(p) && events.emit(noticeOf(p)!)) });
    const logs: string[] = [];
    const settings: ChatSettings = { ...DEFAULT_CHAT_SETTINGS, host: 'http://127.0.0.1:9', timeoutMs: 5000, ...options.chat };
    // The real ChatService's pull: VS Code's pullModel adds only a notification around it.
    const ui = new ScriptedUi((model) => core.chat.pull(model));
    const core: Core = createCore({
      db,
      events,
      storage: { dir, scope: options.scope ?? 'workspace' },
      chat: { settings: () => settings, log: (line) => logs.push(`info: ${line}`) },
      ui,
      editor: options.editor,
      workspace: options.workspace,
      log: (level, line) => logs.push(`${level}: ${line}`),
    });
    const { store, tasks, router, chat } = core;
    const h = new Harness(dir, db, store, tasks, router, chat, ui, logs);
    h.links = core.links;
    h.ownsDir = options.dir === undefined;
    h.core = core;
    await h.listen();
    return h;
  }

  private async listen(): Promise<void> {
    this.server = http.createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      const view = url.pathname.slice(1);
      if (view === 'tasks' || view === 'chat' || view === 'workflow') {
        // The run panel's run is named in the query (?profileId=&workflow=&key=), as the host names it in the page.
        const q = url.searchParams;
        const data = view === 'workflow' ? { run: { profileId: Number(q.get('profileId')), workflow: q.get('workflow') ?? '', key: q.get('key') ?? '' }, strings: workflowStrings() } : undefined;
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end(
          webviewHtml({
            view,
            cspSource: this.base,
            nonce: 'test-nonce-' + Math.random().toString(36).slice(2),
            script: this.bundles.script(view),
            style: this.bundles.style(),
            codiconUri: `${this.base}/dist/codicon.css`,
            data,
          }),
        );
        return;
      }
      if (view === 'unavailable') {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end(unavailableHtml({ cspSource: this.base, styleUri: `${this.base}/dist/webview.css`, reason: this.unavailableReason }));
        return;
      }
      const theme = /^\/theme-(light|dark|hc)\.css$/.exec(url.pathname);
      if (theme) {
        res.writeHead(200, { 'content-type': 'text/css' });
        res.end(themeCss(theme[1] as Theme));
        return;
      }
      const file = path.join(dist, path.normalize(url.pathname.replace(/^\/dist\//, '')));
      if (url.pathname.startsWith('/dist/') && file.startsWith(dist) && fs.existsSync(file)) {
        const type = file.endsWith('.js') ? 'text/javascript' : file.endsWith('.css') ? 'text/css' : 'application/octet-stream';
        res.writeHead(200, { 'content-type': type });
        fs.createReadStream(file).pipe(res);
        return;
      }
      res.writeHead(url.pathname === '/favicon.ico' ? 204 : 404).end();
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as { port: number };
    this.base = `http://127.0.0.1:${port}`;
  }

  /** Opens a view in a new page, connected to the router like a webview in VS Code. */
  async open(view: ViewKind | 'unavailable', options: { theme?: Theme; width?: number; height?: number; query?: string } = {}): Promise<OpenedView> {
    const b = await getBrowser();
    const context = await b.newContext({ viewport: { width: options.width ?? 360, height: options.height ?? 640 } });
    const page = await context.newPage();
    this.pages.push(page);
    const problems: string[] = [];
    const received: HostMessage[] = [];
    page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`));
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));

    // Messages to the page keep their order, as VS Code's postMessage does.
    let delivery: Promise<unknown> = Promise.resolve();
    const post = (message: HostMessage) => {
      received.push(message);
      delivery = delivery.then(() => page.evaluate((m) => window.postMessage(m, '*'), message).catch(() => undefined));
    };
    const connection = this.router.connect({ post }, view === 'unavailable' ? 'tasks' : view);
    page.on('close', () => connection.dispose());
    const sentBodies: RequestBody[] = [];
    await page.exposeFunction('__pipulateToHost', (message: unknown) => {
      const m = message as { type?: string; body?: RequestBody };
      if (m?.type === 'request' && m.body) sentBodies.push(m.body);
      return connection.handle(message);
    });
    // A string, not a function: the test runner's transpiler would add helpers the page lacks.
    await page.addInitScript(`
      window.acquireVsCodeApi = () => ({
        postMessage: (m) => window.__pipulateToHost(m),
        getState: () => JSON.parse(sessionStorage.getItem('vscode-state') ?? 'null'),
        setState: (s) => sessionStorage.setItem('vscode-state', JSON.stringify(s)),
      });
      document.addEventListener('securitypolicyviolation', (e) => console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI));
    `);
    await page.goto(`${this.base}/${view}${options.query ?? ''}`);
    await page.addStyleTag({ url: `${this.base}/theme-${options.theme ?? 'dark'}.css` });
    return {
      page,
      problems,
      received,
      sentBodies,
      settle: async () => {
        await delivery;
      },
      sendRaw: async (message) => {
        const before = received.length;
        await connection.handle(message);
        return received.slice(before);
      },
    };
  }

  async close(): Promise<void> {
    this.chat.dispose();
    for (const page of this.pages) await page.context().close().catch(() => undefined);
    await new Promise((resolve) => this.server.close(resolve));
    this.db.closeSync();
    if (this.ownsDir) fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

export interface HarnessHooksOptions {
  /** A fake Ollama server for the whole file, reset before each test; the chat talks to it (model llama3.2). */
  ollama?: FakeOllamaOptions;
  /** Every test's harness options (its chat's over the fake Ollama's). */
  harness?: HarnessOptions;
  /** The view every test starts with, opened and waited for until `ready` (a selector) is in it. */
  view?: { kind: ViewKind; ready: string };
}

/** What a test file's tests reach through `harnessHooks`. */
export interface HarnessHooks {
  /** This test's harness. */
  readonly h: Harness;
  /**
   * The view whose page must end the test without console errors or CSP violations (when
   * there is none, nothing is checked). A test that opens its own view sets it here.
   */
  view: OpenedView;
  /** The view's page. */
  readonly page: Page;
  /** The fake Ollama server (only with `ollama` in the options). */
  readonly ollama: FakeOllama;
  /** Closes this test's harness and starts another, these options over the file's; no view is open then. */
  restart(options?: HarnessOptions): Promise<void>;
}

/**
 * Registers a test file's hooks: before each test a new harness (on a new store), and the
 * view if one is named; after each, no reply left running, the view's page clean, all
 * closed; the browser (and the fake Ollama) once the file is done.
 */
export function harnessHooks(options: HarnessHooksOptions = {}): HarnessHooks {
  let ollama: FakeOllama | undefined;
  let h: Harness | undefined;
  let view: OpenedView | undefined;
  const start = (over: HarnessOptions = {}) =>
    Harness.start({
      ...options.harness,
      ...over,
      chat: { ...(ollama && { host: ollama.url, model: 'llama3.2' }), ...options.harness?.chat, ...over.chat },
    });
  const close = async () => {
    const closing = h;
    h = undefined;
    view = undefined;
    await closing?.close();
  };

  before(async () => {
    if (options.ollama) ollama = await startFakeOllama(options.ollama);
  });
  after(async () => {
    await ollama?.close();
    await closeBrowser();
  });
  beforeEach(async () => {
    ollama?.reset();
    h = await start();
    if (options.view) {
      view = await h.open(options.view.kind);
      await view.page.waitForSelector(options.view.ready);
    }
  });
  afterEach(async () => {
    if (!h) return;
    try {
      h.chat.stop(); // a test that failed while a reply or a tool card waits ends here, not in a hang
      await h.chat.settled();
      if (view) assert.deepEqual(view.problems, [], 'no console errors or CSP violations');
    } finally {
      await close();
    }
  });

  const present = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`no ${what} (harnessHooks)`);
    return value;
  };
  return {
    get h() {
      return present(h, 'harness');
    },
    get view() {
      return present(view, 'view');
    },
    set view(opened: OpenedView) {
      view = opened;
    },
    get page() {
      return present(view, 'view').page;
    },
    get ollama() {
      return present(ollama, 'fake Ollama');
    },
    async restart(over) {
      await close();
      h = await start(over);
    },
  };
}
