/**
 * Pipulate in the real VS Code: the packaged .vsix in code-server, opened in headless
 * Chromium (scripts/vscode/*.mjs, as the vscode test suite runs it), against baselines
 * measured side by side in the same code-server and the same page.
 *
 * 1. Opening the container: from the click on the activity-bar icon (a capture listener
 *    for pointerdown in the workbench page) to the todos laid out in the Tasks view (the
 *    webview's own clock, polled every few ms), against a minimal extension of the same
 *    shape as VS Code's webview-view sample (bench/_staticList.ts: a view container with
 *    one webview view rendering a static list of as many rows), installed in the same
 *    code-server; and, for what VS Code itself spends on a container of Pipulate's shape,
 *    against its "Static Pair" (the same list and a second static webview view in one
 *    container). Each round reloads the page before each of the three (a new window: a
 *    new extension host; Pipulate activates once VS Code's startup has finished, which
 *    the bench waits for, and opens its store when its views ask; the static extensions
 *    activate on the click, as VS Code's sample does), in turns, and
 *    then opens the container a second time in the same window (Explorer, then the icon
 *    again: the webviews load again, the host is warm). Medians of the rounds.
 *    The very first open after the server started (a cold start) is reported apart.
 * 2. Time to first token through the Chat view: Enter in the Chat view's input (a capture
 *    listener in the webview) to the first token's text in its DOM (a MutationObserver
 *    there), through VS Code's own postMessage and the extension host; against the
 *    `ollama` client in this process reading the same fake Ollama server
 *    (test/fakes/ollamaServer.ts, a real HTTP server on 127.0.0.1) from the call to its
 *    first chunk. Same script: the first token after 50 ms. Interleaved, medians.
 *
 * Clocks: the workbench page, the webviews and Node all give epoch milliseconds of the
 * same machine (performance.timeOrigin + performance.now()).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Ollama } from 'ollama';
import { chromium, type Browser, type Frame, type Page } from 'playwright-core';
import { installExtension, startCodeServer, type CodeServer } from '../scripts/vscode/codeServer.mjs';
import { ensureVSCode } from '../scripts/vscode/install.mjs';
import { startFakeOllama, type FakeOllama } from '../test/fakes/ollamaServer';
import { buildStaticListVsix, ECHO_CHAT, STATIC_LIST, STATIC_PAIR } from './_staticList';
import { emit, fmt, info, progress, run, scratchDir, stats } from './lib';

const root = path.resolve(__dirname, '..');
const MODEL = 'llama3.2';
const TODOS = 12;
const OPEN_ROUNDS = Number(process.env.PIPULATE_BENCH_OPEN_ROUNDS) || 7;
const TTFT_ROUNDS = Number(process.env.PIPULATE_BENCH_TTFT_ROUNDS) || 10;
const FIRST_TOKEN_MS = 50;
const TOKEN_MS = 3;
const REPLY_TOKENS = 30;
const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--no-first-run', '--disable-dev-shm-usage', '--disable-quic',
];

const PIPULATE = { id: 'pipulate.pipulate', title: 'Pipulate', rowSelector: 'li.todo' };
type Subject = typeof PIPULATE;

const epoch = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const started = performance.now();
const step = (what: string) => progress(`${what} (at ${((performance.now() - started) / 1000).toFixed(0)} s)`);

// ---- the workbench --------------------------------------------------------------------

function icon(page: Page, title: string) {
  return page.locator(`.activitybar .action-item:has(a.action-label[aria-label^="${title}"])`).first();
}

/** The title of the side bar's container ('' when the side bar is hidden). */
async function sidebarTitle(page: Page): Promise<string> {
  return page.evaluate(() => {
    const bar = document.querySelector('.part.sidebar');
    const r = bar?.getBoundingClientRect();
    if (!bar || !r || r.width === 0) return '';
    return bar.querySelector('.composite.title h2')?.textContent ?? '';
  });
}

async function waitForWorkbench(page: Page): Promise<void> {
  await page.locator('.monaco-workbench .part.activitybar').waitFor({ state: 'visible', timeout: 90_000 });
  await icon(page, PIPULATE.title).waitFor({ state: 'visible', timeout: 90_000 });
  await icon(page, STATIC_LIST.title).waitFor({ state: 'visible', timeout: 90_000 });
}

/** Shows the Explorer in the side bar (so that the next page load restores it, not a webview container). */
async function showExplorer(page: Page): Promise<void> {
  for (let attempt = 0; attempt < 5; attempt++) {
    if (/explorer/i.test(await sidebarTitle(page))) return;
    await icon(page, 'Explorer').click();
    await sleep(300);
  }
  throw new Error(`the Explorer did not show (side bar: "${await sidebarTitle(page)}")`);
}

/** The inner frames (the documents the extension wrote) of the webviews of one extension. */
function webviewFrames(page: Page, extensionId: string): Frame[] {
  return page.frames().filter((f) => {
    const outer = f.parentFrame();
    // VS Code writes the document into a child of its pre/index.html frame ("pending-frame", then "active-frame").
    return !!outer && outer.url().includes(`extensionId=${encodeURIComponent(extensionId)}`) && f.url().includes('/fake.html');
  });
}

/** In a webview: the epoch time now if `count` rows matching `selector` are laid out, else 0. */
const ROWS_SHOWN = `([selector, count]) => {
  const rows = document.querySelectorAll(selector);
  if (rows.length < count) return 0;
  const last = rows[rows.length - 1].getBoundingClientRect();
  return last.height > 0 ? performance.timeOrigin + performance.now() : 0;
}`;

/** Polls the extension's webviews until one shows `count` rows; the epoch time it saw them. */
async function waitForRows(page: Page, subject: Subject, count: number, timeoutMs = 60_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const frame of webviewFrames(page, subject.id)) {
      const t = (await frame.evaluate(`(${ROWS_SHOWN})(${JSON.stringify([subject.rowSelector, count])})`).catch(() => 0)) as number;
      if (t) return t;
    }
    if (Date.now() > deadline) {
      const frames = page.frames().map((f) => `${f.name() || '-'} ${f.url().slice(0, 300)}`).join('\n  ');
      throw new Error(`${subject.title}: ${count} rows did not show within ${timeoutMs / 1000} s; frames:\n  ${frames}`);
    }
    await sleep(5);
  }
}

/** Clicks the container's icon and times the click (pointerdown, in the page) to the rows shown. */
let lastOpen: { down: number; shown: number } = { down: 0, shown: 0 };

async function openContainer(page: Page, subject: Subject, count: number): Promise<number> {
  await page.evaluate(`(() => {
    window.__benchDown = 0;
    if (window.__benchListening) return;
    window.__benchListening = true;
    addEventListener('pointerdown', (e) => { if (!window.__benchDown) window.__benchDown = performance.timeOrigin + e.timeStamp; }, true);
  })()`);
  await icon(page, subject.title).click();
  const shown = await waitForRows(page, subject, count);
  const down = (await page.evaluate('window.__benchDown')) as number;
  if (!down) throw new Error('the click on the icon was not seen');
  if (!new RegExp(subject.title, 'i').test(await sidebarTitle(page))) throw new Error(`${subject.title} is not the container shown`);
  lastOpen = { down, shown };
  return shown - down;
}

async function openProfile(page: Page, subject: Subject): Promise<Record<string, number>> {
  const out: Record<string, number> = { shown: lastOpen.shown - lastOpen.down };
  for (const t of await viewTimes(page, subject)) {
    out[`${t.view}.doc`] = t.doc - lastOpen.down;
    if (t.parsed) out[`${t.view}.parsed`] = t.parsed - lastOpen.down;
  }
  return out;
}

/** Reloads the page (a new window: a new extension host), with the Explorer shown. */
async function reloadPage(page: Page): Promise<void> {
  await showExplorer(page);
  await sleep(500); // the layout is saved
  await page.reload();
  await waitForWorkbench(page);
  await showExplorer(page);
  await settle(page);
}

/**
 * Waits until the window has settled after a load, as a user's window has before they
 * click: at least 2 s, then until the page has had no long task for 1 s (at most 10 s).
 * The extension host starts meanwhile, in its own process.
 */
async function settle(page: Page): Promise<void> {
  await sleep(2000);
  await page.evaluate(`new Promise((resolve) => {
    let last = performance.now();
    const start = last;
    try { new PerformanceObserver(() => { last = performance.now(); }).observe({ type: 'longtask' }); } catch (e) {}
    const tick = () => (performance.now() - last > 1000 || performance.now() - start > 10000 ? resolve() : setTimeout(tick, 100));
    tick();
  })`);
}

/**
 * Where an open went, from the webviews' own records (epoch ms after the click): each
 * view's document started, and parsed (its script run: Pipulate's is in the page, the
 * static list's fetched); for the profile of where the time goes.
 */
const VIEW_TIMES = `(() => {
  const origin = performance.timeOrigin;
  const nav = performance.getEntriesByType('navigation')[0];
  const view = document.body.dataset.view || (document.querySelector('.list') ? 'list' : '');
  if (!view) return null; // a frame VS Code has not written the view's document into yet
  return { view, doc: origin, parsed: nav && nav.domInteractive ? origin + nav.domInteractive : 0 };
})()`;

interface ViewTimes {
  view: string;
  doc: number;
  parsed: number;
}

async function viewTimes(page: Page, subject: Subject): Promise<ViewTimes[]> {
  const out: ViewTimes[] = [];
  for (const frame of webviewFrames(page, subject.id)) {
    const t = (await frame.evaluate(VIEW_TIMES).catch(() => undefined)) as ViewTimes | undefined;
    if (t?.view) out.push(t);
  }
  return out;
}

// ---- the Chat view ----------------------------------------------------------------------

/** Times a reply in the Chat view's webview: Enter, then its first token's text in the DOM. */
const REPLY_PROBE = `(() => {
  if (window.__benchReply) return;
  const list = document.querySelector('.messages');
  const b = (window.__benchReply = { armed: null });
  document.addEventListener('keydown', (e) => {
    const r = b.armed;
    if (r && !r.sent && e.key === 'Enter' && !e.shiftKey) r.sent = performance.timeOrigin + e.timeStamp;
  }, true);
  new MutationObserver(() => {
    const r = b.armed;
    if (!r || !r.sent || r.done) return;
    const replies = list.querySelectorAll('.msg[data-role="assistant"]');
    if (replies.length <= r.before) return;
    const last = replies[replies.length - 1];
    const body = last.querySelector('.msg-body');
    if (!r.first && body && body.textContent.indexOf(r.firstText) >= 0) r.first = performance.timeOrigin + performance.now();
    if (last.dataset.status && last.dataset.status !== 'streaming') {
      r.done = performance.timeOrigin + performance.now();
      r.status = last.dataset.status;
    }
  }).observe(list, { subtree: true, childList: true, characterData: true, attributes: true, attributeFilter: ['data-status'] });
  b.arm = (firstText) => {
    b.armed = { firstText, before: list.querySelectorAll('.msg[data-role="assistant"]').length };
  };
})()`;

/**
 * Polls `expression` in a webview until it is truthy (the webviews' CSP forbids eval,
 * which frame.waitForFunction needs; frame.evaluate goes through the debugger instead).
 */
async function until(frame: Frame, expression: string, timeoutMs = 10_000, interval = 20): Promise<unknown> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await frame.evaluate(expression);
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting in a webview for ${expression}`);
    await sleep(interval);
  }
}

async function chatFrame(page: Page): Promise<Frame> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    for (const frame of webviewFrames(page, PIPULATE.id)) {
      const ready = await frame.evaluate(`document.body.dataset.view === 'chat' && !!document.querySelector('.messages')`).catch(() => false);
      if (ready) return frame;
    }
    if (Date.now() > deadline) throw new Error('no Chat view');
    await sleep(100);
  }
}

function prose(count: number): string[] {
  const words = ['the', 'todo', 'list', 'is', 'kept', 'on', 'disk', 'and', 'each', 'change', 'is', 'written', 'once'];
  const out = ['Sure'];
  for (let i = 1; out.length < count; i++) out.push(` ${words[i % words.length]}`);
  return out;
}

interface Reply {
  sent: number;
  first: number;
  done: number;
  status: string;
}

/** The Echo Chat (bench/_staticList.ts), opened in the panel from the command palette. */
async function echoFrame(page: Page): Promise<Frame> {
  const deadline = Date.now() + 30_000;
  for (let attempt = 0; ; attempt++) {
    if (attempt % 20 === 0) {
      await page.keyboard.press('Escape');
      await page.keyboard.press('F1');
      await page.keyboard.type(`View: Show ${ECHO_CHAT.title}`);
      await sleep(500);
      await page.keyboard.press('Enter');
    }
    for (const frame of webviewFrames(page, STATIC_LIST.id)) {
      if (await frame.evaluate(`!!document.querySelector(${JSON.stringify(ECHO_CHAT.inputSelector)})`).catch(() => false)) return frame;
    }
    if (Date.now() > deadline) throw new Error('no Echo Chat view');
    await sleep(100);
  }
}

async function replyViaView(page: Page, frame: Frame, ollama: FakeOllama, tokens: string[], inputSelector = 'vscode-textarea.composer-input'): Promise<Reply & { request: number }> {
  ollama.scriptChat({ tokens, firstTokenDelayMs: FIRST_TOKEN_MS, tokenDelayMs: TOKEN_MS });
  let request = 0;
  void ollama.chatAt(ollama.chats.length).then(() => (request = epoch()));
  const input = frame.locator(inputSelector);
  await input.click();
  await page.keyboard.type('Hi');
  await frame.evaluate(`window.__benchReply.arm(${JSON.stringify(tokens[0])})`);
  await page.keyboard.press('Enter');
  await until(frame, '!!(window.__benchReply.armed && window.__benchReply.armed.done)', 60_000, 50);
  const r = (await frame.evaluate('window.__benchReply.armed')) as Reply;
  if (r.status !== 'done') throw new Error(`the reply ended ${r.status}`);
  if (!r.first) throw new Error('the first token was never seen in the Chat view');
  // The view's Send button comes back once the host says the reply is over.
  await sleep(200);
  return { ...r, request };
}

async function replyDirect(ollama: FakeOllama, tokens: string[]): Promise<{ ttft: number; request: number }> {
  ollama.scriptChat({ tokens, firstTokenDelayMs: FIRST_TOKEN_MS, tokenDelayMs: TOKEN_MS });
  let request = 0;
  void ollama.chatAt(ollama.chats.length).then(() => (request = epoch()));
  const start = epoch();
  const client = new Ollama({ host: ollama.url });
  const stream = await client.chat({ model: MODEL, messages: [{ role: 'user', content: 'Hi' }], stream: true });
  let first = 0;
  let text = '';
  for await (const part of stream) {
    if (!first && part.message?.content) first = epoch();
    text += part.message?.content ?? '';
  }
  if (text !== tokens.join('')) throw new Error('the direct client read another text');
  return { ttft: first - start, request: request - start };
}

// ---- setup ------------------------------------------------------------------------------

function packageVsix(): string {
  const vsix = path.join(root, 'dist', 'pipulate.vsix');
  const r = spawnSync('npm', ['run', '--silent', 'package'], { cwd: root, encoding: 'utf8' });
  if (r.status !== 0 || !fs.existsSync(vsix)) throw new Error(`npm run package failed (${r.status ?? r.signal}):\n${r.stdout}${r.stderr}`);
  return vsix;
}

async function addTodos(page: Page, count: number): Promise<void> {
  let tasks: Frame | undefined;
  for (let i = 0; i < 100 && !tasks; i++) {
    for (const frame of webviewFrames(page, PIPULATE.id)) {
      if (await frame.evaluate(`document.body.dataset.view === 'tasks' && !!document.querySelector('.add-input')`).catch(() => false)) tasks = frame;
    }
    if (!tasks) await sleep(100);
  }
  if (!tasks) throw new Error('no Tasks view');
  const input = tasks.locator('vscode-textfield.add-input');
  await input.click();
  for (let i = 1; i <= count; i++) {
    await page.keyboard.type(`Bench todo ${i}`);
    await page.keyboard.press('Enter');
    await until(tasks, `document.querySelectorAll('li.todo').length >= ${i}`);
  }
}

run(async () => {
  const tools = await ensureVSCode();
  step('packaging dist/pipulate.vsix and the static list');
  const vsix = packageVsix();
  const dir = scratchDir('bench-vscode-');
  const baselineVsix = buildStaticListVsix(dir, root, TODOS);
  const runDir = path.join(dir, 'run');
  const workspace = path.join(dir, 'workspace');
  fs.mkdirSync(workspace, { recursive: true });
  fs.writeFileSync(path.join(workspace, 'README.md'), '# Bench workspace\n');
  installExtension({ codeServer: tools, vsix, runDir });
  installExtension({ codeServer: tools, vsix: baselineVsix, runDir });

  const ollama = await startFakeOllama({ models: [`${MODEL}:latest`] });
  let server: CodeServer | undefined;
  let browser: Browser | undefined;
  try {
    step('starting code-server');
    server = await startCodeServer({
      codeServer: tools,
      runDir,
      workspace,
      settings: {
        'pipulate.ollama.host': ollama.url,
        'pipulate.chat.model': MODEL,
        [ECHO_CHAT.hostSetting]: ollama.url,
        [ECHO_CHAT.modelSetting]: MODEL,
        'workbench.colorTheme': 'Default Dark Modern',
      },
      // Pipulate's walkthrough opens on its first run; restored with each window, its page would load with every window.
      machineSettings: { 'workbench.welcomePage.walkthroughs.openOnInstall': false },
    });
    browser = await chromium.launch({
      executablePath: tools.chromium,
      headless: true,
      args: CHROMIUM_ARGS,
      env: { ...process.env, XDG_CONFIG_HOME: path.join(runDir, 'xdg', 'config'), XDG_CACHE_HOME: path.join(runDir, 'xdg', 'cache') },
    });
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(server.url(workspace));
    await waitForWorkbench(page);
    await showExplorer(page);
    await settle(page);

    // ---- the first, cold open ---------------------------------------------------------
    step('the first open (cold)');
    // No todos yet: the Tasks view laid out is its empty state; the static list, its rows.
    const coldPipulate = await openContainer(page, { ...PIPULATE, rowSelector: '.empty-state:not([hidden])' }, 1);
    await addTodos(page, TODOS);
    await reloadPage(page);
    const coldBaseline = await openContainer(page, STATIC_LIST, TODOS);

    // ---- opening the container, rounds ------------------------------------------------
    step(`opening the container (${OPEN_ROUNDS} rounds, a page reload before each open)`);
    // Keyed by title: the list and the pair are one extension.
    const subjects = [PIPULATE, STATIC_LIST, STATIC_PAIR];
    const afterReload: Record<string, number[]> = Object.fromEntries(subjects.map((s) => [s.title, []]));
    const again: Record<string, number[]> = Object.fromEntries(subjects.map((s) => [s.title, []]));
    const profile: Record<string, number>[] = [];
    for (let round = 0; round < OPEN_ROUNDS; round++) {
      for (let i = 0; i < subjects.length; i++) {
        const subject = subjects[(round + i) % subjects.length]!;
        await reloadPage(page);
        afterReload[subject.title]!.push(await openContainer(page, subject, TODOS));
        const times = await openProfile(page, subject);
        if (subject !== STATIC_PAIR) profile.push(times);
        await sleep(1000);
        await showExplorer(page);
        await sleep(1000);
        again[subject.title]!.push(await openContainer(page, subject, TODOS));
      }
      const last = (samples: Record<string, number[]>) => subjects.map((s) => samples[s.title]!.at(-1)!.toFixed(0)).join(' vs ');
      progress(`round ${round + 1} (${subjects.map((s) => s.title).join(' vs ')}): after a reload ${last(afterReload)} ms; again ${last(again)} ms`);
    }
    const baselines = {
      [STATIC_LIST.title]: `a webview view rendering a static list of ${TODOS} rows (the shape of VS Code's webview-view sample), same code-server`,
      [STATIC_PAIR.title]: `a container of two static webview views (the same list, and a second page), Pipulate's shape: what VS Code spends on such a container`,
    };
    const figure = (label: string, samples: Record<string, number[]>, subject: Subject, baseline: Subject, goal?: number) => {
      const s = stats(samples[subject.title]!);
      const b = stats(samples[baseline.title]!);
      const ratio = s.median / b.median;
      emit({
        figure: label,
        unit: 'ms',
        subject: s.median,
        baseline: b.median,
        baselineLabel: baselines[baseline.title]!,
        ratio,
        ...(goal ? { goal: `<= ${goal.toFixed(2)}x`, meets: ratio <= goal } : {}),
        note: `click on the activity-bar icon -> ${TODOS} rows laid out in ${subject === PIPULATE ? 'the Tasks view' : 'the list'}; ${samples[subject.title]!.length} rounds, quartiles ${fmt(s.p25, 'ms')}-${fmt(s.p75, 'ms')} vs ${fmt(b.p25, 'ms')}-${fmt(b.p75, 'ms')}`,
      });
    };
    figure('opening the container after a window reload', afterReload, PIPULATE, STATIC_LIST, 1.3);
    figure('opening the container again in the same window', again, PIPULATE, STATIC_LIST);
    figure('opening the container after a window reload, against two static webview views', afterReload, PIPULATE, STATIC_PAIR);
    figure('opening the container again in the same window, against two static webview views', again, PIPULATE, STATIC_PAIR);
    figure('VS Code alone: a container of two static webview views against one, after a window reload', afterReload, STATIC_PAIR, STATIC_LIST);
    const median = (rows: Record<string, number>[], key: string) => {
      const xs = rows.map((p) => p[key]).filter((x): x is number => x !== undefined);
      return xs.length ? fmt(stats(xs).median, 'ms') : '?';
    };
    const part = (key: string) => median(profile.filter((p) => p['tasks.doc'] !== undefined), key);
    const chatSeen = profile.filter((p) => p['chat.doc'] !== undefined).length * 2 > profile.filter((p) => p['tasks.doc'] !== undefined).length;
    const listPart = (key: string) => median(profile.filter((p) => p['list.doc'] !== undefined), key);
    info(
      `Opening Pipulate's container after a reload, where the time goes (medians, ms after the click): ` +
        `Tasks document created ${part('tasks.doc')}, parsed (its script run) ${part('tasks.parsed')}; ` +
        (chatSeen ? `Chat document created ${part('chat.doc')}, parsed ${part('chat.parsed')}; ` : 'the Chat document not created yet when the todos showed (it waits for them); ') +
        `todos shown ${part('shown')}; the static list's document created ${listPart('list.doc')}, parsed (its script fetched and run) ${listPart('list.parsed')}, its rows shown ${listPart('shown')}. ` +
        `Between the click and a view's document: VS Code creating the webviews (and for the static extensions, their activation); Pipulate's store opens once the Tasks view asks for its todos.`,
    );
    emit({
      figure: 'opening the container the first time after the server started (cold, one sample)',
      unit: 'ms',
      subject: coldPipulate,
      baseline: coldBaseline,
      baselineLabel: 'the static list\'s first open, after one page reload (its extension cold, the page\'s webview machinery not)',
      note: 'to the Tasks view laid out (no todos yet: its empty state)',
    });

    // ---- time to first token ------------------------------------------------------------
    step(`time to first token through the Chat view (${TTFT_ROUNDS} rounds)`);
    await reloadPage(page);
    await openContainer(page, PIPULATE, TODOS);
    const chat = await chatFrame(page);
    await chat.evaluate(REPLY_PROBE);
    const echo = await echoFrame(page);
    await echo.evaluate(REPLY_PROBE);
    const tokens = prose(REPLY_TOKENS);
    const view: (Reply & { request: number })[] = [];
    const echoed: (Reply & { request: number })[] = [];
    const direct: { ttft: number; request: number }[] = [];
    const ways = ['view', 'echo', 'direct'];
    for (let round = 0; round <= TTFT_ROUNDS; round++) {
      for (let i = 0; i < ways.length; i++) {
        const which = ways[(round + i) % ways.length];
        if (which === 'view') view.push(await replyViaView(page, chat, ollama, tokens));
        else if (which === 'echo') echoed.push(await replyViaView(page, echo, ollama, tokens, ECHO_CHAT.inputSelector));
        else direct.push(await replyDirect(ollama, tokens));
      }
    }
    // The first round warms up.
    const v = view.slice(1);
    const e = echoed.slice(1);
    const d = direct.slice(1);
    const ttft = { view: stats(v.map((r) => r.first - r.sent)), direct: stats(d.map((r) => r.ttft)) };
    const ratio = ttft.view.median / ttft.direct.median;
    emit({
      figure: `time to first token through the Chat view (first token after ${FIRST_TOKEN_MS} ms)`,
      unit: 'ms',
      subject: ttft.view.median,
      baseline: ttft.direct.median,
      baselineLabel: 'the ollama client reading the same fake server directly',
      ratio,
      goal: '<= 1.10x',
      meets: ratio <= 1.1,
      note: `Enter in the Chat view -> the token's text in its DOM, through VS Code's postMessage; ${v.length} rounds; +${fmt(ttft.view.median - ttft.direct.median, 'ms')} (quartiles ${fmt(ttft.view.p25, 'ms')}-${fmt(ttft.view.p75, 'ms')} vs ${fmt(ttft.direct.p25, 'ms')}-${fmt(ttft.direct.p75, 'ms')})`,
    });
    const floor = stats(e.map((r) => r.first - r.sent));
    emit({
      figure: `time to first token through a minimal extension's webview (first token after ${FIRST_TOKEN_MS} ms)`,
      unit: 'ms',
      subject: floor.median,
      baseline: ttft.direct.median,
      baselineLabel: 'the ollama client reading the same fake server directly',
      note:
        `the Echo Chat (bench/_staticList.ts): Enter posts the text to its host, which streams /api/chat with fetch and posts each piece back; ` +
        `the floor of VS Code's transport, which no extension's webview can go under; Enter -> the request at the server ${fmt(stats(e.map((r) => r.request - r.sent)).median, 'ms')}`,
    });
    emit({
      figure: `time to first token through the Chat view vs through the minimal extension's webview`,
      unit: 'ms',
      subject: ttft.view.median,
      baseline: floor.median,
      baselineLabel: 'the Echo Chat in the same window, rounds interleaved: what Pipulate adds to the transport',
    });
    const toRequest = stats(v.map((r) => r.request - r.sent)).median;
    const afterFirst = stats(v.map((r) => r.first - r.request)).median;
    info(
      `Time to first token in VS Code, where it goes (medians): Enter -> the request at the fake server ${fmt(toRequest, 'ms')} ` +
        `(webview -> workbench -> extension host over code-server's socket -> router -> user message stored + fsync -> HTTP), ` +
        `request -> the token in the Chat view's DOM ${fmt(afterFirst, 'ms')} (${FIRST_TOKEN_MS} ms of it the server's; then extension host -> workbench -> webview, and the next frame); ` +
        `directly, call -> request at the server ${fmt(stats(d.map((r) => r.request)).median, 'ms')}.`,
    );
    info(`code-server ${tools.version}, Chromium headless; ${TODOS} todos; open rounds ${OPEN_ROUNDS}, first-token rounds ${TTFT_ROUNDS} (+1 warm-up).`);
  } finally {
    await browser?.close().catch(() => {});
    await server?.stop();
    await ollama.close();
  }
});
