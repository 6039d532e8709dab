/**
 * One round of the model's tools, through the real core (createCore) on a real store (a
 * real disk) and the fake Ollama server over real HTTP.
 *
 * Subject: the model's reply ends with a native tool call (add_todo, allowed without
 * asking); from the end of that response to the next request arriving at the server:
 * the call read from the stream, checked, the change applied through TasksService with
 * its card and undo entry (on disk: one sync), the round's result written, the next
 * prompt built and sent. Both times are taken by the fake server (performance.now()).
 *
 * Baseline, interleaved, the least any client could do: the `ollama` client reads the
 * same scripted response to its end, then the same store change is made
 * (TasksService.addTodo, on disk), then the client sends a chat request with the same
 * body as the subject's second request; from the end of the response to that request
 * arriving at the server, the same two instants.
 *
 * The model answers its first request after THINKING_MS (outside the measured span).
 */
import * as path from 'node:path';
import { Ollama } from 'ollama';
import { createCore } from '../src/core';
import { Database } from '../src/store/database';
import { startFakeOllama } from '../test/fakes/ollamaServer';
import { benchDisk, emit, fmt, info, interleave, progress, run, scratchDir } from './lib';
import { quietUi } from '../test/helpers/ui';

const ROUNDS = 40;
/**
 * The model's time to its tool call. A real model takes far longer; with none, the write
 * that starts the reply (its row) would still be reaching the disk when the call came,
 * which no real model is fast enough to see.
 */
const THINKING_MS = 50;
const MODEL = 'llama3.2';

const ui = quietUi(false);

run(async () => {
  const fake = await startFakeOllama({ models: [MODEL] });
  const dir = scratchDir('bench-tools-');
  const db = await Database.open({ dir, wasmPath: path.join(require.resolve('sql.js'), '..', 'sql-wasm.wasm') });
  const settings = { host: fake.url, model: MODEL, systemPrompt: 'Be brief.', numCtx: 8192, timeoutMs: 10_000, tools: { enabled: true, autoApprove: ['add'], maxRounds: 8 } };
  const core = createCore({
    db,
    storage: { dir, scope: 'workspace' },
    chat: { settings: () => settings, log: () => undefined },
    ui,
    log: () => undefined,
  });
  const profileId = core.tasks.activeProfileId;
  const client = new Ollama({ host: fake.url });
  let n = 0;
  // The body of the subject's last second request: the baseline sends the same bytes.
  let nextBody: Record<string, unknown> | undefined;

  const toolRound = async (): Promise<number> => {
    const at = fake.chats.length;
    fake.scriptChat(
      { tokens: [''], firstTokenDelayMs: THINKING_MS, toolCalls: [{ name: 'add_todo', arguments: { title: `Call the bank ${++n}` } }] },
      { tokens: ['Added.'] },
    );
    await core.chat.send(profileId, `add a todo to call the bank ${n}`);
    const [first, second] = [await fake.chatAt(at), await fake.chatAt(at + 1)];
    await core.chat.settled();
    nextBody = second.body;
    return second.arrivedAt - first.closedAt!;
  };

  type Body = Parameters<Ollama['chat']>[0] & { stream: true };
  const direct = async (): Promise<number> => {
    const at = fake.chats.length;
    const title = `Call the bank ${++n}`;
    fake.scriptChat({ tokens: [''], firstTokenDelayMs: THINKING_MS, toolCalls: [{ name: 'add_todo', arguments: { title } }] }, { tokens: ['Added.'] });
    for await (const part of await client.chat({ ...(nextBody as object), model: MODEL, stream: true } as Body)) void part;
    await core.tasks.addTodo(title);
    const stream = await client.chat({ ...(nextBody as object), model: MODEL, stream: true } as Body);
    const [first, second] = [await fake.chatAt(at), await fake.chatAt(at + 1)];
    for await (const part of stream) void part;
    return second.arrivedAt - first.closedAt!;
  };

  progress('tools: one round, interleaved with a store change and a direct request');
  await toolRound(); // the capability check and the first prompt, untimed
  const result = await interleave({ direct, toolRound }, { rounds: ROUNDS, warmup: 2 });
  emit({
    figure: 'one tool round: a native call to the next request (allowed change applied on disk, result sent)',
    unit: 'ms',
    subject: result.toolRound.median,
    baseline: result.direct.median,
    baselineLabel: 'the ollama client reading the same response, the same store change (on disk), a chat request with the same body',
    goal: '<= 1.2x',
    meets: result.toolRound.median / result.direct.median <= 1.2,
    note: `p25-p75 subject ${fmt(result.toolRound.p25, 'ms')}-${fmt(result.toolRound.p75, 'ms')}, baseline ${fmt(result.direct.p25, 'ms')}-${fmt(result.direct.p75, 'ms')}`,
  });
  info(`Tools bench: ${ROUNDS} rounds each, on ${benchDisk().description}.`);
  core.dispose();
  await db.close();
  await fake.close();
});
