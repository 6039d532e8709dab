/**
 * Long conversations stay fast: the Chat view, the model server's work, and a send's
 * prompt, against the same with a short conversation (or the ideal, or the old way).
 *
 * 1. Opening the Chat view (the real webview bundle in headless Chromium, the real
 *    router, ChatService and store on a real disk: test/browser/harness.ts) on a
 *    conversation of 1,000 and of 5,000 messages, against one of 10: from the view's
 *    chat/snapshot request to the newest message painted (in the DOM, then two frames),
 *    the page reloaded for each sample, interleaved. And the page's longest task from
 *    the snapshot's arrival until its messages are all built (before it the page loads
 *    its bundle, the same whatever the conversation): PerformanceObserver 'longtask'
 *    (wall-clock), and CPU time from a Chromium trace of one more opening. Then the
 *    same while the reader scrolls to the top, loading older pages.
 * 2. The prompt tokens the model server evaluates over a scripted 60-turn session (a
 *    question, a reply, the todos changed between turns: a note each, and the to-do list
 *    sent with the next question; default context length), through ChatService against
 *    the fake Ollama server, whose prefix cache reports `prompt_eval_count` as the tokens
 *    after the part it already has. Against the ideal (each turn evaluates only what is
 *    new: the notes, the to-do list and the question), and against the old behaviour
 *    replayed on the same fake with the ollama client: the to-do list in the system
 *    prompt, and a window sliding by one message.
 * 3. A send's prompt build (PromptWindow over Conversation.newestFirst) at 5,000 messages
 *    against 10, the messages long enough that 10 fill the window: the same prompt is
 *    built, only the history's length differs.
 */
import { Ollama } from 'ollama';
import type { Page } from 'playwright-core';
import { estimateTokens, replyReserve, type OutgoingMessage } from '../src/chat/context';
import { Conversation } from '../src/chat/conversation';
import { PromptWindow } from '../src/chat/prompt';
import { DEFAULT_CHAT_SETTINGS, type ChatSettings } from '../src/chat/chatService';
import { createCore } from '../src/core';
import { appStore, type Message } from '../src/store/appSchema';
import { startFakeOllama } from '../test/fakes/ollamaServer';
import { Harness, closeBrowser } from '../test/browser/harness';
import { openStore } from '../test/helpers/store';
import { PROBE, during, snapshotTiming, taskText, traceTasks } from './_page';
import { eachOp, emit, fmt, info, interleave, progress, run, scratchDir, stats } from './lib';
import { quietUi } from '../test/helpers/ui';

const SIZES = [10, 1_000, 5_000];
const OPEN_ROUNDS = 7;
const CLIMB_PAGES = 10;
const TURNS = 60;
const BUILD_OPS = 50;
const BUILD_ROUNDS = 7;

const started = performance.now();
const step = (what: string) => progress(`${what} (at ${((performance.now() - started) / 1000).toFixed(0)} s)`);

// ---- 1. opening the Chat view ---------------------------------------------------------------

/** What message `i` says: questions, markdown replies (some with code), notes. */
function message(i: number): { role: 'user' | 'assistant' | 'note'; content: string } {
  if (i % 7 === 3) return { role: 'note', content: `Completed todo “call the plumber ${i}”` };
  if (i % 2 === 0) return { role: 'user', content: `Question ${i}: what should I do next about the kitchen sink?` };
  const code = i % 5 === 1 ? `\n\n\`\`\`ts\nexport function step${i}(store: Store): Todo {\n  return store.todos.update({ id: ${i}, done: true });\n}\n\`\`\`` : '';
  return {
    role: 'assistant',
    content: `Reply ${i}: first **call the plumber**, then check the \`sink\`.\n\n- turn off the water\n- clear the trap\n- test it${code}\n\nThat should do it.`,
  };
}

async function seedChat(h: Harness, n: number): Promise<void> {
  const profile_id = h.tasks.activeProfileId;
  h.db.transaction(() => {
    for (let i = 0; i < n; i++) h.store.messages.insert({ profile_id, ...message(i), created: i, status: 'done', model: 'llama3.2' });
  });
  await h.db.sync();
}

/** Added before the page loads: times the opening, from the snapshot request to the newest message painted and the page built. */
const OPEN_PROBE = `(() => {
  const b = window.__bench;
  const o = (b.open = {});
  ${snapshotTiming('o', 'chat/snapshot', 'messages', 'o.expected = m.data.messages.length; o.newest = m.data.messages[m.data.messages.length - 1].id;')}
  new MutationObserver(function () {
    if (o.newest === undefined) return;
    if (!o.shown && document.querySelector('.msg[data-id="' + o.newest + '"]')) {
      o.shown = performance.now();
      // Painted: the next frame begins, so the one that drew it is done (double rAF).
      requestAnimationFrame(function () { requestAnimationFrame(function () { o.painted = performance.now(); }); });
    }
    if (!o.built && document.querySelectorAll('.msg').length >= o.expected) {
      o.built = performance.now();
      performance.mark('bench:built');
    }
  }).observe(document, { childList: true, subtree: true });
})();`;

interface OpenSample {
  shown: number;
  requested: number;
  arrived: number;
  painted: number;
  built: number;
  expected: number;
  task: number;
}

/** Where the time of an opening goes, medians. */
function steps(s: OpenSample[]): string {
  const m = (f: (x: OpenSample) => number) => fmt(stats(s.map(f)).median, 'ms');
  return (
    `snapshot in the page at ${m((x) => x.arrived - x.requested)}, newest message in the DOM ${m((x) => x.shown - x.arrived)} later, ` +
    `painted ${m((x) => x.painted - x.shown)} later; all ${s[0]!.expected} messages of the snapshot built at ${m((x) => x.built - x.requested)}`
  );
}

async function openOnce(page: Page): Promise<OpenSample> {
  await page.reload();
  await page.waitForFunction(() => Boolean((window as any).__bench?.open?.painted && (window as any).__bench.open.built), undefined, { timeout: 60_000 });
  // A moment for a long task that would still be running after the last message was built.
  await page.waitForTimeout(100);
  return (await page.evaluate('(() => { const b = window.__bench; const o = b.open; return Object.assign({}, o, b.during(o.arrived, o.built + 100)); })()')) as OpenSample;
}

/** Scrolls to the top `pages` times, each time until a page more is built; the longest task meanwhile, and the trace's. */
async function climb(page: Page, pages: number): Promise<{ task: number; cpu: number; wall: number; built: number }> {
  const from = (await page.evaluate('performance.now()')) as number;
  const traced = await traceTasks(
    page,
    async () => {
      await page.evaluate(`performance.mark('bench:climb')`);
      for (let i = 0; i < pages; i++) {
        const shown = (await page.evaluate(`document.querySelectorAll('.msg').length`)) as number;
        await page.evaluate(`document.querySelector('.messages').scrollTop = 0`);
        await page.waitForFunction((n) => document.querySelectorAll('.msg').length >= n, shown + 100, { timeout: 30_000 });
      }
      await page.waitForTimeout(100);
      await page.evaluate(`performance.mark('bench:climbed')`);
    },
    [{ from: 'bench:climb', to: 'bench:climbed' }],
  );
  const to = (await page.evaluate('performance.now()')) as number;
  const built = (await page.evaluate(`document.querySelectorAll('.msg').length`)) as number;
  const worst = traced.tasks[0]![0]!;
  return { task: (await during(page, from, to)).task, cpu: worst.cpu, wall: worst.wall, built };
}

async function benchOpening(): Promise<void> {
  const views: Record<number, { h: Harness; page: Page; samples: OpenSample[] }> = {};
  try {
    for (const n of SIZES) {
      step(`seeding and opening ${n.toLocaleString('en')} messages`);
      const h = await Harness.start({ dir: scratchDir('bench-longchat-') });
      await seedChat(h, n);
      const view = await h.open('chat');
      await view.page.addInitScript(PROBE);
      await view.page.addInitScript(OPEN_PROBE);
      views[n] = { h, page: view.page, samples: [] };
    }
    step(`opening, ${OPEN_ROUNDS} rounds`);
    const r = await interleave(
      Object.fromEntries(
        SIZES.map((n) => [
          String(n),
          async () => {
            const s = await openOnce(views[n]!.page);
            views[n]!.samples.push(s);
            return s.painted - s.requested;
          },
        ]),
      ),
      { rounds: OPEN_ROUNDS },
    );
    const base = r[String(SIZES[0])]!;
    const measured = (n: number) => views[n]!.samples.slice(-r[String(n)]!.samples.length);
    // The longest task of an opening in CPU time, from a trace of one more opening of each size.
    const cpu: Record<number, { cpu: number; wall: number }> = {};
    for (const n of SIZES) {
      const t = await traceTasks(views[n]!.page, () => openOnce(views[n]!.page), [{ from: 'bench:arrived', to: 'bench:built' }]);
      cpu[n] = t.tasks[0]![0] ?? { cpu: 0, wall: 0 };
    }
    for (const n of SIZES.slice(1)) {
      const subject = r[String(n)]!;
      const ratio = subject.median / base.median;
      const s = measured(n);
      emit({
        figure: `open the Chat view, ${n.toLocaleString('en')} messages: snapshot request -> newest message painted`,
        unit: 'ms',
        subject: subject.median,
        baseline: base.median,
        baselineLabel: `the same with ${SIZES[0]} messages`,
        ratio,
        goal: '<= 1.5x',
        meets: ratio <= 1.5,
        note: `${steps(measured(n))}; with ${SIZES[0]}: ${steps(measured(SIZES[0]!))}`,
      });
      emit({
        figure: `open the Chat view, ${n.toLocaleString('en')} messages: longest task, snapshot arrived -> all its messages built (CPU time)`,
        unit: 'ms',
        subject: cpu[n]!.cpu,
        baseline: cpu[SIZES[0]!]!.cpu,
        baselineLabel: `the same with ${SIZES[0]} messages`,
        goal: '< 50 ms (no long task)',
        meets: cpu[n]!.cpu < 50,
        note: `traced opening, wall-clock ${fmt(cpu[n]!.wall, 'ms')}; timed openings: longest task (PerformanceObserver longtask, wall-clock) ${taskText(Math.max(...s.map((x) => x.task)))}`,
      });
    }
    const big = SIZES.at(-1)!;
    step(`scrolling to the top of ${big.toLocaleString('en')} messages, ${CLIMB_PAGES} pages`);
    const climbed = await climb(views[big]!.page, CLIMB_PAGES);
    emit({
      figure: `scroll to the top of ${big.toLocaleString('en')} messages, ${CLIMB_PAGES} older pages loaded: longest task (CPU time)`,
      unit: 'ms',
      subject: climbed.cpu,
      goal: '< 50 ms (no long task)',
      meets: climbed.cpu < 50,
      note: `${climbed.built.toLocaleString('en')} messages built by then; wall-clock ${fmt(climbed.wall, 'ms')}; PerformanceObserver longtask ${taskText(climbed.task)}`,
    });
  } finally {
    for (const v of Object.values(views)) await v.h.close();
    await closeBrowser();
  }
}

// ---- 2. the model server's work over a session ------------------------------------------------

const noUi = quietUi();

/** A reply of about 100 tokens, as a small local model writes one. */
const reply = (t: number) =>
  `Answer ${t}: start with the most urgent todo, the plumber, since the sink blocks the rest of the kitchen work. ` +
  `Then write the report, which is due on Friday and needs the figures from last week, and leave the shopping for the weekend. ` +
  `Book the dentist when you have a free moment; it only takes a call. Tick each one off as you go and ask me again when the list changes.`;

/** What went to the server each turn, and what it evaluated. */
interface Turn {
  messages: OutgoingMessage[];
  evaluated: number;
}

/** The session through the extension: ChatService with its prompt window, the todos changed between turns. */
async function sessionNow(base: ChatSettings): Promise<{ turns: Turn[]; ideal: number[]; rows: Message[]; works: string[] }> {
  const fake = await startFakeOllama({ models: ['llama3.2:latest'] });
  const settings = { ...base, host: fake.url };
  const dir = scratchDir('bench-longchat-session-');
  const db = await openStore(dir);
  const works: string[] = [];
  const core = createCore({ db, storage: { dir, scope: 'workspace' }, chat: { settings: () => settings, log: () => undefined }, ui: noUi, log: () => undefined });
  try {
    const { tasks, chat, store } = core;
    const profile = tasks.activeProfileId;
    for (const title of ['Call the plumber', 'Write the report', 'Buy groceries', 'Book the dentist', 'Renew the passport']) await tasks.addTodo(title);
    const turns: Turn[] = [];
    const ideal: number[] = [];
    let seen = 0; // messages of the conversation the server has (in the prompt or as the reply it wrote)
    for (let t = 0; t < TURNS; t++) {
      // Between turns the user works: the todo done last turn deleted, one ticked, one added (the list stays 5 or 6 long).
      if (t > 0) {
        const todos = store.todos.rows({ where: { profile_id: profile }, orderBy: 'priority' });
        for (const done of todos.filter((x) => x.done)) await tasks.deleteTodo(done.id);
        await tasks.toggleTodo(todos.find((x) => !x.done)!.id);
        await tasks.addTodo(`Todo of turn ${t}`);
      }
      works.push(tasks.describeWork(profile));
      fake.scriptChat({ tokens: reply(t).split(/(?= )/) });
      await chat.send(profile, `Question ${t}: what should I do next, given the list as it stands now? Keep it short.`);
      await chat.settled(profile);
      const exchange = await fake.chatAt(t);
      turns.push({ messages: exchange.body.messages as OutgoingMessage[], evaluated: exchange.promptEvalCount! });
      // Ideal: only what is new since the last turn (the notes, the to-do list, the question); all of the first prompt.
      const rows = store.messages.rows({ where: { profile_id: profile }, orderBy: 'id' });
      const fresh = rows.slice(seen, -1).map((m): OutgoingMessage => ({ role: m.role === 'user' ? 'user' : 'system', content: m.content }));
      ideal.push(t === 0 ? estimateTokens(turns[0]!.messages) : estimateTokens([...fresh, { role: 'system', content: works[t]! }]));
      seen = rows.length;
    }
    return { turns, ideal, rows: store.messages.rows({ where: { profile_id: profile }, orderBy: 'id' }), works };
  } finally {
    core.dispose();
    db.closeSync();
    await fake.close();
  }
}

/**
 * The old behaviour, replayed on the same fake with the ollama client: each turn the
 * system prompt holds the to-do list, then the newest messages that fit (the window
 * slides by one message), the same conversation and replies.
 */
async function sessionBefore(settings: ChatSettings, conversation: Message[], works: string[]): Promise<number[]> {
  const fake = await startFakeOllama({ models: ['llama3.2:latest'] });
  try {
    const client = new Ollama({ host: fake.url });
    const budget = settings.numCtx - replyReserve(settings.numCtx);
    const rows = conversation.filter((m) => m.content.trim());
    const questions = rows.flatMap((m, i) => (m.role === 'user' ? [i] : []));
    const counts: number[] = [];
    for (let t = 0; t < questions.length; t++) {
      const system: OutgoingMessage = { role: 'system', content: `${settings.systemPrompt}\n\n${works[t]}` };
      const history = rows.slice(0, questions[t]! + 1).map((m): OutgoingMessage => ({ role: m.role === 'user' ? 'user' : m.role === 'assistant' ? 'assistant' : 'system', content: m.content }));
      let from = 0;
      while (from < history.length - 1 && estimateTokens([system, ...history.slice(from)]) > budget) from++;
      fake.scriptChat({ tokens: reply(t).split(/(?= )/) });
      const res = await client.chat({ model: 'llama3.2', messages: [system, ...history.slice(from)], stream: false, options: { num_ctx: settings.numCtx } });
      counts.push(res.prompt_eval_count);
    }
    return counts;
  } finally {
    await fake.close();
  }
}

async function benchSession(): Promise<void> {
  step(`a ${TURNS}-turn session, now and the old way`);
  const settings: ChatSettings = { ...DEFAULT_CHAT_SETTINGS, model: 'llama3.2' };
  const now = await sessionNow(settings);
  const before = await sessionBefore(settings, now.rows, now.works);
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  const evaluated = sum(now.turns.map((t) => t.evaluated));
  const ideal = sum(now.ideal);
  const old = sum(before);
  const sent = sum(now.turns.map((t) => estimateTokens(t.messages)));
  const restarts = now.turns.filter((t, i) => i > 0 && t.evaluated > now.ideal[i]! * 5).length;
  const vsIdeal = evaluated / ideal;
  emit({
    figure: `prompt tokens the server evaluates over a ${TURNS}-turn session (todos changed between turns, num_ctx ${settings.numCtx})`,
    unit: 'tok',
    subject: evaluated,
    baseline: ideal,
    baselineLabel: 'the ideal: each turn evaluates only its new tokens (the notes, the question, and the to-do list as it stands)',
    ratio: vsIdeal,
    goal: '<= 1.5x',
    meets: vsIdeal <= 1.5,
    note:
      `fake Ollama's prefix cache (prompt_eval_count = tokens after the cached prompt and reply); ${fmt(sent, 'tok')} sent in all; ` +
      'a steady turn evaluates its notes and question only: the to-do list stays where the window first wrote it, and the notes carry the changes; ' +
      `${restarts} turn(s) re-evaluated most of the prompt (old messages left out in a block); per turn, evaluated/ideal: ` +
      now.turns.map((t, i) => `${t.evaluated}/${now.ideal[i]}`).join(' '),
  });
  emit({
    figure: `prompt tokens the server evaluates over a ${TURNS}-turn session: now vs the old way`,
    unit: 'tok',
    subject: evaluated,
    baseline: old,
    baselineLabel: 'the old behaviour on the same fake (to-do list in the system prompt, window sliding by one message), replayed with the ollama client',
    note: `the old way, per turn: ${before.join(' ')}`,
  });
}

// ---- 3. a send's prompt build --------------------------------------------------------------------

async function benchPromptBuild(): Promise<void> {
  step('prompt build at 5,000 messages and at 10');
  const numCtx = DEFAULT_CHAT_SETTINGS.numCtx;
  // Each message about a tenth of the window: 10 fill it, so both builds make the same prompt.
  const body = 'x'.repeat(Math.floor(((numCtx - replyReserve(numCtx)) / 10) * 4));
  const stores: Record<number, { conversation: Conversation; profile: number; size: number }> = {};
  const dbs = [];
  for (const n of [10, 1_000, 5_000]) {
    const db = await openStore(scratchDir('bench-longchat-prompt-'));
    dbs.push(db);
    const store = appStore(db);
    const profile = store.profiles.rows({ limit: 1 })[0]?.id ?? store.profiles.insert({ name: 'Default' }).id;
    db.transaction(() => {
      for (let i = 0; i < n; i++) store.messages.insert({ profile_id: profile, role: i % 2 ? 'assistant' : 'user', content: `${i} ${body}`, created: i, status: 'done', model: null });
    });
    await db.sync();
    stores[n] = { conversation: new Conversation(store, Date.now), profile, size: 0 };
  }
  const input = { systemPrompt: DEFAULT_CHAT_SETTINGS.systemPrompt, work: () => 'The to-do list: [ ] call the plumber', numCtx, retry: false };
  const build = (n: number) => {
    const s = stores[n]!;
    const prompt = new PromptWindow().build(s.profile, s.conversation.newestFirst(s.profile), input);
    s.size = prompt.messages.length;
  };
  try {
    const r = await interleave(
      { small: () => eachOp(BUILD_OPS, () => build(10)), mid: () => eachOp(BUILD_OPS, () => build(1_000)), big: () => eachOp(BUILD_OPS, () => build(5_000)) },
      { rounds: BUILD_ROUNDS },
    );
    const ratio = r.big.median / r.small.median;
    emit({
      figure: "a send's prompt build at 5,000 messages",
      unit: 'ms',
      subject: r.big.median,
      baseline: r.small.median,
      baselineLabel: 'the same at 10 messages (each a tenth of the window, so both prompts are full and alike)',
      ratio,
      goal: '<= 1.2x',
      meets: ratio <= 1.2,
      note:
        `PromptWindow.build over Conversation.newestFirst (a fresh window: no block start remembered); ${stores[5_000]!.size} and ${stores[10]!.size} messages in the prompts. ` +
        `Both read only the rows they use (one statement stepped a row at a time); at 1,000 messages ${fmt(r.mid.median, 'ms')}`,
    });
    emit({
      figure: "a send's prompt build at 5,000 messages vs at 1,000",
      unit: 'ms',
      subject: r.big.median,
      baseline: r.mid.median,
      baselineLabel: 'the same at 1,000 messages: what the history length alone costs',
    });
  } finally {
    for (const db of dbs) db.closeSync();
  }
}

run(async () => {
  await benchPromptBuild();
  await benchSession();
  await benchOpening();
  info(
    `Long chat: opening ${OPEN_ROUNDS} interleaved rounds (page reloaded each time), the snapshot carrying the newest page; ` +
      `session ${TURNS} turns against the fake's prefix cache (token counts: no timing); prompt build ${BUILD_OPS} builds x ${BUILD_ROUNDS} rounds; stores on a real disk.`,
  );
});
