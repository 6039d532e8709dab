/**
 * The chat through the extension against the same fake Ollama server called directly
 * with the `ollama` client: the real webview bundle in headless Chromium, the real
 * router, ChatService and store (on a real disk) behind it (test/browser/harness.ts),
 * and test/fakes/ollamaServer.ts over real HTTP, all scripted alike.
 *
 * 1. Time to first token: through the extension, from Enter in the Chat view (a capture
 *    listener in the page) to the first token's text in the DOM (a MutationObserver, in
 *    the page's clock); directly, from `new Ollama({host}).chat({stream: true})` to its
 *    first chunk (Node's clock). Same script: the first token after 50 ms, then 200
 *    tokens 3 ms apart. Interleaved, medians.
 *    And the host's part alone: ChatService.send to its first chat/delta broadcast (no
 *    page, no transport: what the extension itself adds), against the direct client.
 * 2. Tokens per second, from the same runs: through the extension from the first token
 *    in the DOM to the whole reply rendered (chat/finished); directly from the first
 *    chunk to the last (the done line).
 * 3. 5,000 tokens streamed fast (1 ms apart) into the Chat view, twice: markdown
 *    (headings, paragraphs, lists, short code blocks) and one long code block (a whole
 *    file: no stable cut inside it, the hard case for the streaming renderer). While it
 *    streams: the page's longest task in CPU time (a Chromium trace of one more reply),
 *    against the same text arriving in one chunk (rendered whole, once); the final render
 *    on chat/finished is reported apart; and, from the timed runs, the longest task
 *    (PerformanceObserver 'longtask', wall-clock) and frame gap (requestAnimationFrame).
 *    And the total time, Enter to the reply rendered, against the direct client reading
 *    the same stream.
 */
import * as os from 'node:os';
import { Ollama } from 'ollama';
import type { Page } from 'playwright-core';
import { startFakeOllama, type ChatScript, type FakeOllama } from '../test/fakes/ollamaServer';
import { Harness, closeBrowser } from '../test/browser/harness';
import { installProbe, traceTasks } from './_page';
import { emit, fmt, info, interleave, progress, run, scratchDir, stats } from './lib';

const MODEL = 'llama3.2';
const FIRST_TOKEN_MS = 50;
const TOKEN_MS = 3;
const SHORT = 200;
const LONG = 5_000;
const LONG_TOKEN_MS = 1;
const SHORT_ROUNDS = 12;
const LONG_ROUNDS = 2;

// ---- the replies -------------------------------------------------------------------------

/** `count` tokens of plain prose in paragraphs, starting with "Sure". */
function prose(count: number): string[] {
  const words = ['the', 'todo', 'list', 'is', 'kept', 'on', 'disk', 'and', 'each', 'change', 'is', 'written', 'once', 'so', 'nothing', 'is', 'lost'];
  const out = ['Sure'];
  for (let i = 1; out.length < count; i++) out.push(i % 40 === 0 ? '.\n\n' : ` ${words[i % words.length]}`);
  return out.slice(0, count);
}

/** A long markdown reply cut into `count` tokens of a few characters, as a model would send it. */
function markdownTokens(count: number): string[] {
  const code = [
    '```ts',
    'export async function toggle(store: Store, id: number): Promise<Todo> {',
    '  const before = store.todos.get(id);',
    '  const todo = store.todos.update({ id, done: !before.done });',
    '  await store.db.sync(); // on disk before the views hear of it',
    '  views.broadcast({ kind: "todo/changed", todo });',
    '  return todo;',
    '}',
    '```',
  ].join('\n');
  const sentence = (n: number) =>
    `Step ${n} keeps the **list** in order: the service writes the change, waits for \`fsync\`, then tells every view, which patches one row.`;
  const parts: string[] = [];
  for (let n = 1; parts.join('').length < count * 6; n++) {
    parts.push(`## Part ${n}\n\n`);
    parts.push(`${sentence(n)} ${sentence(n + 1)} ${sentence(n + 2)}\n\n`);
    parts.push(`- first, open the *Tasks* view\n- then press \`Space\` on a row\n- the row is patched, not the list\n\n`);
    parts.push(`${code}\n\n`);
    parts.push(`1. check the [docs](https://example.com/docs/${n})\n2. run the tests\n3. ship it\n\n`);
  }
  const tokens = parts.join('').match(/\s*[^\s]{1,5}|\s+/g)!;
  return tokens.slice(0, count);
}

/** One long code block (a whole file, as a model writes one) cut into `count` tokens. */
function codeTokens(count: number): string[] {
  const lines = ['Here is the file:', '', '```ts'];
  for (let i = 0; lines.join('\n').length < count * 6; i++) {
    lines.push(`export function step${i}(store: Store, id: number): Todo {`, `  return store.todos.update({ id, done: ${i % 2 === 0} }); // step ${i}`, '}');
  }
  const tokens = `${lines.join('\n')}\n\`\`\`\n`.match(/\s*[^\s]{1,5}|\s+/g)!;
  return [...tokens.slice(0, count - 1), '\n```\n'];
}

// ---- the page side -----------------------------------------------------------------------

/** Times a reply in the page: Enter, its first token in the DOM, the reply rendered whole. */
const REPLY_PROBE = `(() => {
  const b = window.__bench;
  const list = document.querySelector('.messages');
  b.reply = null;
  document.addEventListener('keydown', function (e) {
    if (b.reply && !b.reply.sent && e.key === 'Enter' && !e.shiftKey) {
      b.reply.sent = performance.now();
      performance.mark('bench:sent');
    }
  }, true);
  new MutationObserver(function () {
    const r = b.reply;
    if (!r || !r.sent || r.done) return;
    const replies = list.querySelectorAll('.msg[data-role="assistant"]');
    if (replies.length <= r.before) return;
    const last = replies[replies.length - 1];
    if (!r.first && last.querySelector('.msg-body').textContent.indexOf(r.firstText) >= 0) r.first = performance.now();
    if (last.dataset.status !== 'streaming') {
      r.done = performance.now();
      performance.mark('bench:done');
      r.status = last.dataset.status;
      r.chars = last.querySelector('.msg-body').textContent.length;
    }
  }).observe(list, { subtree: true, childList: true, characterData: true, attributes: true, attributeFilter: ['data-status'] });
  // When chat/finished is posted to the page (the harness calls window.postMessage), before the view handles it.
  const post = window.postMessage.bind(window);
  window.postMessage = function (m, target) {
    if (b.reply && b.reply.sent && !b.reply.finishing && m && m.type === 'notify' && m.body && m.body.kind === 'chat/finished') {
      b.reply.finishing = performance.now();
      performance.mark('bench:finishing');
    }
    return post(m, target);
  };
  b.armReply = function (firstText) {
    b.reply = { firstText: firstText, before: list.querySelectorAll('.msg[data-role="assistant"]').length };
  };
  b.replyResult = function () {
    const r = b.reply;
    const blocking = b.during(r.sent, r.done);
    let longTasks = 0;
    for (const e of b.longtasks) if (e.end > r.sent && e.start < r.done) longTasks++;
    const streaming = b.within(r.sent, r.finishing);
    return Object.assign({ origin: performance.timeOrigin, sent: r.sent, first: r.first, finishing: r.finishing, done: r.done, status: r.status, chars: r.chars, longTasks: longTasks, streamingTask: streaming.task, streamingFrame: streaming.frame }, blocking);
  };
  // The bare transport: a request the router refuses at once (page -> host -> page).
  b.echo = function () {
    const api = window.acquireVsCodeApi();
    const rid = 1000000000 + Math.floor(Math.random() * 1000000000);
    return new Promise(function (resolve) {
      const onMessage = function (e) {
        const m = e.data;
        if (!m || m.type !== 'response' || m.id !== rid) return;
        window.removeEventListener('message', onMessage);
        resolve(performance.now() - start);
      };
      window.addEventListener('message', onMessage);
      const start = performance.now();
      api.postMessage({ type: 'request', id: rid, body: { kind: 'bench/echo' } });
    });
  };
})();`;

interface ReplySample {
  /** performance.timeOrigin of the page: its times + origin are epoch milliseconds, like Node's. */
  origin: number;
  sent: number;
  first: number;
  /** chat/finished was posted to the page (before the view handled it). */
  finishing: number;
  done: number;
  status: string;
  chars: number;
  longTasks: number;
  /** Longest task and frame gap, Enter -> reply rendered. */
  task: number;
  frame: number;
  /** The same while streaming: Enter -> chat/finished posted, wholly inside. */
  streamingTask: number;
  streamingFrame: number;
}

/** Node's side of a reply through the view, in epoch milliseconds (performance.timeOrigin + now()). */
interface HostSide {
  /** The chat request reached the fake server. */
  request: number;
  /** The service broadcast its first chat/delta. */
  firstDelta: number;
}

const epoch = () => performance.timeOrigin + performance.now();

interface Timing {
  /** Send to first token. */
  ttft: number;
  /** First token to the end of the reply. */
  stream: number;
  /** Send to the end. */
  total: number;
}

class Chat {
  readonly host: HostSide[] = [];
  private firstDelta = 0;
  private onFirstDelta: (() => void) | undefined;

  constructor(
    private readonly h: Harness,
    private readonly page: Page,
    private readonly ollama: FakeOllama,
  ) {
    // Notes when the service broadcasts its first delta of a reply (the router is looked up at each emit).
    const broadcast = h.router.broadcast.bind(h.router);
    h.router.broadcast = (n) => {
      if (n.kind === 'chat/delta' && !this.firstDelta) {
        this.firstDelta = epoch();
        this.onFirstDelta?.();
      }
      broadcast(n);
    };
  }

  /** A reply through the Chat view: typed, Enter, to the reply rendered; timed in the page. */
  async viaView(script: ChatScript & { tokens: string[] }, firstText: string): Promise<ReplySample> {
    const { h, page } = this;
    await h.chat.clear(h.tasks.activeProfileId);
    await page.waitForSelector('.empty-state:not([hidden])');
    this.ollama.scriptChat(script);
    let request = 0;
    void this.ollama.chatAt(this.ollama.chats.length).then(() => (request = epoch()));
    this.firstDelta = 0;
    await page.locator('vscode-textarea.composer-input').click();
    await page.keyboard.type('Hi');
    await page.evaluate(`window.__bench.armReply(${JSON.stringify(firstText)})`);
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => Boolean((window as any).__bench.reply?.done), undefined, { timeout: 120_000 });
    await h.chat.settled();
    const r = (await page.evaluate('window.__bench.replyResult()')) as ReplySample;
    const expected = script.tokens.join('');
    if (r.status !== 'done') throw new Error(`the reply ended ${r.status}`);
    if (!r.first) throw new Error('the first token was never seen in the DOM');
    const stored = h.store.messages.rows({ where: { role: 'assistant' }, orderBy: 'id DESC', limit: 1 })[0]!;
    if (stored.content !== expected) throw new Error('the stored reply is not the text sent');
    this.host.push({ request, firstDelta: this.firstDelta });
    return r;
  }

  /** A reply through the host alone: ChatService.send -> its first chat/delta broadcast, in ms. */
  async viaService(script: ChatScript & { tokens: string[] }): Promise<number> {
    const { h } = this;
    await h.chat.clear(h.tasks.activeProfileId);
    this.ollama.scriptChat(script);
    this.firstDelta = 0;
    const seen = new Promise<void>((resolve) => (this.onFirstDelta = resolve));
    const start = epoch();
    await h.chat.send(h.tasks.activeProfileId, 'Hi');
    await seen;
    this.onFirstDelta = undefined;
    const ttft = this.firstDelta - start;
    await h.chat.settled();
    return ttft;
  }

  /** The same script read with the ollama client directly; Node's clock. */
  async direct(script: ChatScript & { tokens: string[] }): Promise<Timing & { request: number }> {
    this.ollama.scriptChat(script);
    let request = 0;
    void this.ollama.chatAt(this.ollama.chats.length).then(() => (request = performance.now()));
    const start = performance.now();
    const client = new Ollama({ host: this.ollama.url });
    const stream = await client.chat({ model: MODEL, messages: [{ role: 'user', content: 'Hi' }], stream: true });
    let first = 0;
    let text = '';
    for await (const part of stream) {
      if (!first && part.message?.content) first = performance.now();
      text += part.message?.content ?? '';
    }
    const end = performance.now();
    if (text !== script.tokens.join('')) throw new Error('the direct client read another text');
    return { ttft: first - start, stream: end - first, total: end - start, request: request - start };
  }

  /** The bare page -> host -> page round trip of the harness, in ms. */
  async echo(): Promise<number> {
    return (await this.page.evaluate('window.__bench.echo()')) as number;
  }
}

const timing = (r: ReplySample): Timing => ({ ttft: r.first - r.sent, stream: r.done - r.first, total: r.done - r.sent });
const perSecond = (tokens: number, ms: number) => ((tokens - 1) * 1000) / ms;

const started = performance.now();
const step = (what: string) => progress(`${what} (at ${((performance.now() - started) / 1000).toFixed(0)} s)`);

run(async () => {
  const loadStart = os.loadavg()[0]!;
  const ollama = await startFakeOllama({ models: [`${MODEL}:latest`] });
  const h = await Harness.start({ dir: scratchDir('bench-chat-'), chat: { host: ollama.url, model: MODEL, timeoutMs: 60_000 } });
  try {
    const view = await h.open('chat');
    const page = view.page;
    await page.waitForSelector('.empty-state:not([hidden])');
    await installProbe(page);
    await page.evaluate(REPLY_PROBE);
    const chat = new Chat(h, page, ollama);

    // ---- 1 and 2: first token, tokens per second -------------------------------------------
    step(`time to first token and tokens/s (${SHORT} tokens, ${SHORT_ROUNDS} rounds)`);
    const short = { tokens: prose(SHORT), firstTokenDelayMs: FIRST_TOKEN_MS, tokenDelayMs: TOKEN_MS };
    const viewSamples: ReplySample[] = [];
    const viewRuns: Timing[] = [];
    const directRuns: (Timing & { request: number })[] = [];
    await interleave(
      {
        direct: async () => {
          directRuns.push(await chat.direct(short));
          return 0;
        },
        view: async () => {
          const r = await chat.viaView(short, 'Sure');
          viewSamples.push(r);
          viewRuns.push(timing(r));
          return 0;
        },
      },
      { rounds: SHORT_ROUNDS },
    );
    // The warm-up round is the first of each.
    const v = viewRuns.slice(1);
    const d = directRuns.slice(1);
    const ttft = { view: stats(v.map((x) => x.ttft)), direct: stats(d.map((x) => x.ttft)) };
    const ttftRatio = ttft.view.median / ttft.direct.median;
    emit({
      figure: `time to first token (first token after ${FIRST_TOKEN_MS} ms)`,
      unit: 'ms',
      subject: ttft.view.median,
      baseline: ttft.direct.median,
      baselineLabel: 'the ollama client reading the same fake server directly',
      ratio: ttftRatio,
      goal: '<= 1.10x',
      meets: ttftRatio <= 1.1,
      note: `Enter in the Chat view -> the token's text in the DOM; +${fmt(ttft.view.median - ttft.direct.median, 'ms')} (quartiles ${fmt(ttft.view.p25, 'ms')}-${fmt(ttft.view.p75, 'ms')} vs ${fmt(ttft.direct.p25, 'ms')}-${fmt(ttft.direct.p75, 'ms')})`,
    });
    // Where the time goes (epoch clocks of the page and of Node: approximate, to a millisecond or so).
    const hs = chat.host.slice(1, v.length + 1);
    const vs = viewSamples.slice(1);
    const part = (f: (i: number) => number) => fmt(stats(vs.map((_, i) => f(i))).median, 'ms');
    const echoes: number[] = [];
    for (let i = 0; i < 11; i++) echoes.push(await chat.echo());
    const echo = stats(echoes);
    info(
      `Time to first token, where it goes (medians): through the extension, Enter -> request at the server ${part((i) => hs[i]!.request - (vs[i]!.origin + vs[i]!.sent))} ` +
        `(view -> router -> user message stored + fsync -> request built -> HTTP), request -> first chat/delta broadcast ${part((i) => hs[i]!.firstDelta - hs[i]!.request)} ` +
        `(${FIRST_TOKEN_MS} ms of it the server's), first delta -> text in the DOM ${part((i) => vs[i]!.origin + vs[i]!.first - hs[i]!.firstDelta)} ` +
        `(the harness's transport, then the next frame: the view renders streamed text in requestAnimationFrame); ` +
        `directly, call -> request at the server ${fmt(stats(d.map((x) => x.request)).median, 'ms')}. ` +
        `A bare page -> host -> page round trip of the harness (a request the router refuses at once): ${fmt(echo.median, 'ms')}.`,
    );
    // The host's part alone, against the same direct client.
    const hostOnly = await interleave(
      {
        direct: async () => (await chat.direct(short)).ttft,
        service: () => chat.viaService(short),
      },
      { rounds: SHORT_ROUNDS },
    );
    const hostRatio = hostOnly.service.median / hostOnly.direct.median;
    emit({
      figure: `time to first token, the host's part (first token after ${FIRST_TOKEN_MS} ms)`,
      unit: 'ms',
      subject: hostOnly.service.median,
      baseline: hostOnly.direct.median,
      baselineLabel: 'the ollama client reading the same fake server directly',
      ratio: hostRatio,
      goal: '<= 1.10x',
      meets: hostRatio <= 1.1,
      note: 'ChatService.send (user message stored + fsync, request built) -> first chat/delta broadcast; no page, no transport',
    });
    const rate = { view: stats(v.map((x) => perSecond(SHORT, x.stream))), direct: stats(d.map((x) => perSecond(SHORT, x.stream))) };
    const rateRatio = rate.view.median / rate.direct.median;
    emit({
      figure: `tokens per second (${SHORT} tokens, ${TOKEN_MS} ms apart)`,
      unit: 'tok/s',
      subject: rate.view.median,
      baseline: rate.direct.median,
      baselineLabel: 'the ollama client reading the same stream directly',
      ratio: rateRatio,
      goal: '>= 0.90x (within 10%)',
      meets: rateRatio >= 0.9,
      note: 'first token in the DOM -> whole reply rendered, vs first chunk -> done line; higher is better',
    });

    // ---- 3: 5,000 tokens --------------------------------------------------------------------
    step(`${LONG.toLocaleString('en')} tokens (${LONG_ROUNDS} rounds)`);
    const cases = [
      { name: 'markdown', label: 'of markdown', tokens: markdownTokens(LONG), firstText: 'Part' },
      { name: 'code', label: 'in one code block', tokens: codeTokens(LONG), firstText: 'Here' },
    ];
    const runs: Record<string, { streamed: ReplySample[]; once: ReplySample[] }> = {};
    const directLong: Timing[] = [];
    // The server paces both cases alike: one direct reading serves as the baseline of both.
    const candidates: Record<string, () => Promise<number>> = {
      direct: async () => {
        directLong.push(await chat.direct({ tokens: cases[0]!.tokens, tokenDelayMs: LONG_TOKEN_MS }));
        return 0;
      },
    };
    for (const c of cases) {
      const r = (runs[c.name] = { streamed: [] as ReplySample[], once: [] as ReplySample[] });
      candidates[`${c.name}-streamed`] = async () => {
        r.streamed.push(await chat.viaView({ tokens: c.tokens, tokenDelayMs: LONG_TOKEN_MS }, c.firstText));
        return 0;
      };
      candidates[`${c.name}-once`] = async () => {
        r.once.push(await chat.viaView({ tokens: [c.tokens.join('')] }, c.firstText));
        return 0;
      };
    }
    await page.evaluate('window.__bench.startFrames()');
    await interleave(candidates, { rounds: LONG_ROUNDS });
    await page.evaluate('window.__bench.stopFrames()');
    const direct = stats(directLong.slice(1).map((x) => x.total));
    for (const c of cases) {
      // The page's longest task in CPU time, from a trace of one more reply each way (not timed).
      const streamedTrace = await traceTasks(page, () => chat.viaView({ tokens: c.tokens, tokenDelayMs: LONG_TOKEN_MS }, c.firstText), [
        { from: 'bench:sent', to: 'bench:finishing', inside: true },
        { from: 'bench:finishing', to: 'bench:done' },
      ]);
      const onceTrace = await traceTasks(page, () => chat.viaView({ tokens: [c.tokens.join('')] }, c.firstText), [{ from: 'bench:sent', to: 'bench:done' }]);
      const streaming = streamedTrace.tasks[0]![0]!;
      const final = streamedTrace.tasks[1]![0]!;
      const whole = onceTrace.tasks[0]![0]!;
      const s = runs[c.name]!.streamed.slice(1);
      const o = runs[c.name]!.once.slice(1);
      const what = `${LONG.toLocaleString('en')} tokens ${c.label}`;
      const ms = (list: number[]) => list.map((x) => (x > 0 ? Math.round(x) : '-')).join(', ');
      emit({
        figure: `${what} streamed: longest task in the webview while streaming (CPU time)`,
        unit: 'ms',
        subject: streaming.cpu,
        baseline: whole.cpu,
        baselineLabel: 'the same text arriving in one chunk, rendered whole once',
        goal: '< 50 ms (no long task)',
        meets: streaming.cpu < 50,
        note:
          `traced run, Enter -> chat/finished: wall-clock ${fmt(streaming.wall, 'ms')}; then chat/finished renders the whole reply again, ` +
          `highlighted: ${fmt(final.cpu, 'ms')} CPU (${fmt(final.wall, 'ms')} wall). Timed runs while streaming (ms, - = none): longest task ` +
          `(PerformanceObserver longtask, wall-clock) ${ms(s.map((x) => x.streamingTask))}; longest frame ${ms(s.map((x) => x.streamingFrame))} ` +
          `(in one chunk ${ms(o.map((x) => x.frame))}; 16.7 ms = no frame missed)`,
      });
      const total = stats(s.map((x) => timing(x).total));
      emit({
        figure: `${what} streamed: Enter -> reply rendered`,
        unit: 'ms',
        subject: total.median,
        baseline: direct.median,
        baselineLabel: 'the ollama client reading the same stream directly',
        note: `${Math.round(s[0]!.chars / 1024)} KB of text; the server sends ${fmt(perSecond(LONG, direct.median), 'tok/s')}`,
      });
    }
    info(
      `Load average (1 min) ${loadStart.toFixed(1)} at the start, ${os.loadavg()[0]!.toFixed(1)} at the end, on ${os.cpus().length} cores: ` +
        'wall-clock tasks and frames also last while other processes hold the CPU; CPU time does not.',
    );
    info(
      `Chat: fake Ollama in the bench process; through the extension = Chat view in Chromium -> router -> ChatService (user message on disk ` +
        `before the request, deltas batched) -> webview. ${SHORT_ROUNDS} interleaved rounds of ${SHORT} tokens after one warm-up; ` +
        `${LONG_ROUNDS} of ${LONG.toLocaleString('en')} (+1 warm-up). The conversation is cleared before each reply.`,
    );
  } finally {
    await h.close();
    await ollama.close();
    await closeBrowser();
  }
});
