/**
 * The chat through the extension's core against the fake OpenAI-compatible server
 * (test/fakes/openaiServer.ts, real HTTP, server-sent events), compared with a direct
 * client on the same server: Node's fetch and a minimal SSE parse (split on blank lines,
 * JSON.parse each `data:`), nothing else.
 *
 * Same script for both: the first token after FIRST_TOKEN_MS, then TOKENS tokens
 * TOKEN_MS apart. Interleaved rounds, medians.
 *
 * 1. Time to first token: through the core, from ChatService.send (the user message
 *    stored and synced, the request built) to its first chat/delta broadcast; directly,
 *    from fetch to the first content parsed.
 * 2. Tokens per second: through the core, from the first chat/delta to chat/finished
 *    (the reply saved); directly, from the first content to [DONE].
 */
import * as path from 'node:path';
import { createCore } from '../src/core';
import type { Notification } from '../src/protocol';
import { Database } from '../src/store/database';
import { startFakeOpenAI } from '../test/fakes/openaiServer';
import { benchDisk, emit, fmt, info, interleave, progress, run, scratchDir } from './lib';
import { quietUi } from '../test/helpers/ui';

const MODEL = 'llama3.2';
const FIRST_TOKEN_MS = 50;
const TOKEN_MS = 3;
const TOKENS = 200;
const ROUNDS = 12;

const ui = quietUi(false);

const script = () => ({ tokens: Array.from({ length: TOKENS }, (_, i) => ` w${i}`), firstTokenDelayMs: FIRST_TOKEN_MS, tokenDelayMs: TOKEN_MS });

run(async () => {
  const fake = await startFakeOpenAI({ models: [MODEL] });
  const dir = scratchDir('bench-openai-');
  const db = await Database.open({ dir, wasmPath: path.join(require.resolve('sql.js'), '..', 'sql-wasm.wasm') });
  const settings = { kind: 'openai' as const, host: fake.url, model: MODEL, systemPrompt: 'Be brief.', numCtx: 8192, timeoutMs: 10_000, tools: { enabled: false, autoApprove: [], maxRounds: 1 } };
  const core = createCore({ db, storage: { dir, scope: 'workspace' }, chat: { settings: () => settings, log: () => undefined }, ui, log: () => undefined } as Parameters<typeof createCore>[0]);
  const profileId = core.tasks.activeProfileId;
  await core.chat.checkConnection();

  let turn = 0;
  const throughCore = async (): Promise<number[]> => {
    fake.scriptChat(script());
    let firstDelta = 0;
    let finished = 0;
    const over = new Promise<void>((resolve) => {
      const off = core.events.on((n: Notification) => {
        if (n.kind === 'chat/delta' && !firstDelta) firstDelta = performance.now();
        if (n.kind === 'chat/finished' && n.message.role === 'assistant') {
          finished = performance.now();
          off();
          resolve();
        }
      });
    });
    const start = performance.now();
    await core.chat.send(profileId, `question ${++turn}`);
    await over;
    await core.chat.settled();
    // A fresh conversation each time, so both sides send a prompt of the same size.
    await core.chat.clear(profileId);
    return [firstDelta - start, (TOKENS - 1) / ((finished - firstDelta) / 1000)];
  };

  const direct = async (): Promise<number[]> => {
    fake.scriptChat(script());
    const start = performance.now();
    const res = await fetch(`${fake.url}/chat/completions`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ model: MODEL, messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: `question ${++turn}` }], stream: true }),
    });
    const decoder = new TextDecoder();
    let buffer = '';
    let first = 0;
    let last = 0;
    for await (const bytes of res.body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(bytes, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const event = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = event.replace(/^data: /, '');
        if (data === '[DONE]') last = performance.now();
        else if ((JSON.parse(data) as { choices: { delta?: { content?: string } }[] }).choices[0]?.delta?.content && !first) first = performance.now();
      }
    }
    return [first - start, (TOKENS - 1) / ((last - first) / 1000)];
  };

  progress(`openai: ${ROUNDS} replies each, through the core and directly, interleaved`);
  const samples = { core: [] as number[][], direct: [] as number[][] };
  await interleave(
    {
      core: async () => (samples.core.push(await throughCore()), 0),
      direct: async () => (samples.direct.push(await direct()), 0),
    },
    { rounds: ROUNDS, warmup: 2 },
  );
  // interleave keeps warmup samples out of its own stats only: drop them here too.
  const keep = (list: number[][]) => list.slice(2);
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const ttft = { core: median(keep(samples.core).map((s) => s[0]!)), direct: median(keep(samples.direct).map((s) => s[0]!)) };
  const tps = { core: median(keep(samples.core).map((s) => s[1]!)), direct: median(keep(samples.direct).map((s) => s[1]!)) };
  emit({
    figure: `OpenAI-compatible: time to first token (first token after ${FIRST_TOKEN_MS} ms)`,
    unit: 'ms',
    subject: ttft.core,
    baseline: ttft.direct,
    baselineLabel: 'fetch + a minimal SSE parse on the same server',
    ratio: ttft.core / ttft.direct,
    goal: '<= 1.1x',
    meets: ttft.core / ttft.direct <= 1.1,
    note: 'ChatService.send (user message stored + fsync, request built, key and headers) -> first chat/delta broadcast',
  });
  emit({
    figure: `OpenAI-compatible: tokens per second (${TOKENS} tokens ${TOKEN_MS} ms apart)`,
    unit: 'tok/s',
    subject: tps.core,
    baseline: tps.direct,
    baselineLabel: 'fetch + a minimal SSE parse on the same server',
    ratio: tps.direct / tps.core,
    goal: '<= 1.1x (baseline / subject)',
    meets: tps.direct / tps.core <= 1.1,
    note: `first chat/delta -> chat/finished (reply saved) against first content -> [DONE]; ${fmt(tps.core, 'tok/s')} vs ${fmt(tps.direct, 'tok/s')}`,
  });
  info(`OpenAI bench: ${ROUNDS} replies each, on ${benchDisk().description}.`);
  core.dispose();
  await db.close();
  await fake.close();
});
