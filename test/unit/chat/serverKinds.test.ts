/**
 * The chat, stop, errors, slow starts and tool calls, each run against both kinds of
 * model server (the fake Ollama and the fake OpenAI-compatible server, over real HTTP),
 * through the whole core on a real store.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tokens } from './harness';
import { KINDS, setupKind } from './kinds';

const T = { timeout: 20_000 };

for (const kind of KINDS) {
  test(`${kind}: a reply streams in order and is saved; the request carries the conversation`, T, async (t) => {
    const h = await setupKind(t, kind);
    const words = tokens(30);
    h.server.scriptChat({ tokens: words, tokenDelayMs: 1 });
    await h.core.chat.send(h.profileId, 'Hello there');
    const done = await h.events.finished((m) => m.role === 'assistant' && m.status !== 'streaming');
    assert.equal(done.status, 'done');
    assert.equal(done.content, words.join(''));
    assert.equal(h.core.store.messages.get(done.id).content, words.join(''));
    const exchange = await h.server.chatAt(0);
    assert.equal(await exchange.closed, 'complete');
    const messages = h.messagesOf(exchange);
    assert.deepEqual(messages.at(-1), { role: 'user', content: 'Hello there' });
    assert.equal(messages[0]!.role, 'system');
    if (kind === 'ollama') assert.equal(exchange.body.options.num_ctx, 8192, 'Ollama is told the context length');
    else assert.equal(exchange.body.options, undefined, 'an OpenAI-compatible server cannot be told it');
    assert.equal(h.core.chat.isGenerating(), false);
  });

  test(`${kind}: stop aborts the request (the server sees the connection closed); the partial text is kept as stopped`, T, async (t) => {
    const h = await setupKind(t, kind);
    const words = tokens(1000);
    h.server.scriptChat({ tokens: words, tokenDelayMs: 10 });
    await h.core.chat.send(h.profileId, 'talk a lot');
    await h.events.next('chat/delta');
    assert.equal(h.core.chat.stop(h.profileId), true);
    const exchange = await h.server.chatAt(0);
    assert.equal(await exchange.closed, 'client-closed');
    assert.ok(exchange.sent.length < words.length, 'the server stopped before the end');
    const msg = await h.events.finished((m) => m.role === 'assistant');
    assert.equal(msg.status, 'stopped');
    assert.ok(msg.content.length > 0 && words.join('').startsWith(msg.content));
    assert.equal(h.events.problem ?? null, null, 'a stop is not a problem');
  });

  test(`${kind}: stop before the first token closes the connection too`, T, async (t) => {
    const h = await setupKind(t, kind);
    h.server.scriptChat({ hang: true });
    await h.core.chat.send(h.profileId, 'hello?');
    const exchange = await h.server.chatAt(0);
    h.core.chat.stop();
    assert.equal(await exchange.closed, 'client-closed');
    assert.equal((await h.events.finished((m) => m.role === 'assistant')).status, 'stopped');
  });

  test(`${kind}: an error status before the stream: the problem quotes what the server said`, T, async (t) => {
    const h = await setupKind(t, kind);
    const body = kind === 'openai' ? { error: { message: 'the GPU is on fire', type: 'server_error', code: 500 } } : { error: 'the GPU is on fire' };
    h.server.scriptChat({ fail: { status: 500, body } });
    await h.core.chat.send(h.profileId, 'hi');
    const msg = await h.events.finished((m) => m.role === 'assistant');
    assert.equal(msg.status, 'error');
    const problem = h.events.problem!;
    assert.match(problem.title, /answered with an error \(500\)/);
    assert.match(problem.detail, /the GPU is on fire/);
    assert.ok(problem.actions.includes('retry'));
  });

  test(`${kind}: an error in the middle of the stream keeps what arrived`, T, async (t) => {
    const h = await setupKind(t, kind);
    h.server.scriptChat({ tokens: ['Part', 'ial', ' more'], errorAfter: { tokens: 2, message: 'CUDA error: illegal memory access' } });
    await h.core.chat.send(h.profileId, 'hi');
    const msg = await h.events.finished((m) => m.role === 'assistant');
    assert.equal(msg.status, 'error');
    assert.equal(msg.content, 'Partial');
    assert.match(h.events.problem!.title, /stopped the reply with an error/);
    assert.match(h.events.problem!.detail, /CUDA error: illegal memory access/);
  });

  test(`${kind}: a dropped connection mid-stream is told as lost; what arrived is kept`, T, async (t) => {
    const h = await setupKind(t, kind);
    h.server.scriptChat({ tokens: ['One', ' two', ' three'], dropAfter: 2 });
    await h.core.chat.send(h.profileId, 'hi');
    const msg = await h.events.finished((m) => m.role === 'assistant');
    assert.equal(msg.status, 'error');
    assert.equal(msg.content, 'One two');
    assert.match(h.events.problem!.title, /lost in the middle of the reply/);
  });

  test(`${kind}: a stream that ends before its end is a lost connection too`, T, async (t) => {
    const h = await setupKind(t, kind);
    h.server.scriptChat({ tokens: ['One', ' two', ' three'], endAfter: 2 });
    await h.core.chat.send(h.profileId, 'hi');
    const msg = await h.events.finished((m) => m.role === 'assistant');
    assert.equal(msg.status, 'error');
    assert.equal(msg.content, 'One two');
    assert.equal(h.events.problem!.title.includes('lost'), true, h.events.problem!.title);
  });

  test(`${kind}: a model the server does not have: the problem offers to choose one (and to pull only from Ollama)`, T, async (t) => {
    const h = await setupKind(t, kind, { settings: { model: 'nope' } });
    await h.core.chat.checkConnection();
    const problem = h.events.problem!;
    assert.match(problem.title, /"nope" is not (installed|served)/);
    assert.ok(problem.actions.includes('selectModel'));
    assert.equal(problem.actions.includes('pull'), kind === 'ollama');
    const connection = h.core.chat.connection();
    assert.equal(connection.kind, kind);
    assert.equal(connection.canPull, kind === 'ollama');
    const pulled = await h.core.chat.pull('x');
    if (kind === 'openai') assert.match(pulled.error ?? '', /only through Ollama/);
  });

  test(`${kind}: the first token has its own wait, longer than the wait between tokens; meanwhile the connection says it waits`, T, async (t) => {
    const h = await setupKind(t, kind, { settings: { timeoutMs: 300, firstTokenTimeoutMs: 5000 }, deps: { waitingAfterMs: 50 } });
    h.server.scriptChat({ tokens: ['late', ' but', ' fine'], firstTokenDelayMs: 900 });
    await h.core.chat.send(h.profileId, 'hi');
    const waiting = await h.events.next('chat/connection', (n) => !!n.connection.waiting);
    // Ollama's /api/ps tells whether the model is loaded (the fake has none loaded); the OpenAI API cannot say.
    assert.equal(waiting.connection.waiting!.loading, kind === 'ollama' ? true : undefined);
    const msg = await h.events.finished((m) => m.role === 'assistant');
    assert.equal(msg.status, 'done', 'a first token after 0.9 s is fine though tokens may be only 0.3 s apart');
    assert.equal(msg.content, 'late but fine');
    assert.equal(h.core.chat.connection().waiting, undefined, 'no longer waiting');
  });

  test(`${kind}: no first token within the first-token wait: aborted (the server sees it) and told`, T, async (t) => {
    const h = await setupKind(t, kind, { settings: { timeoutMs: 5000, firstTokenTimeoutMs: 300 } });
    h.server.scriptChat({ hang: true });
    await h.core.chat.send(h.profileId, 'hi');
    const exchange = await h.server.chatAt(0);
    assert.equal(await exchange.closed, 'client-closed');
    const msg = await h.events.finished((m) => m.role === 'assistant');
    assert.equal(msg.status, 'error');
    assert.match(h.events.problem!.title, /No answer from "llama3.2" within 0.3 s/);
    assert.match(h.events.problem!.detail, /first-token timeout/);
  });

  test(`${kind}: a native tool call runs through a card; its result goes back to the model`, T, async (t) => {
    const h = await setupKind(t, kind);
    h.server.scriptChat({ tokens: ['Sure.'], toolCalls: [{ name: 'add_todo', arguments: { title: 'Call the bank, “today”' } }] }, { tokens: ['Added.'] });
    await h.core.chat.send(h.profileId, 'add a todo to call the bank');
    const card = await new Promise<number>((resolve) => {
      const seen = () => h.core.chat.snapshot(h.core.tasks.activeProfile()).messages.find((m) => m.card?.state === 'waiting');
      const check = () => {
        const m = seen();
        if (m) resolve(m.id);
        else setTimeout(check, 10);
      };
      check();
    });
    await h.core.chat.decide(h.profileId, card, 'all');
    await h.core.chat.settled();
    assert.deepEqual(h.core.tasks.snapshot().todos.map((x) => x.title), ['Call the bank, “today”'], 'the arguments arrived whole');
    const second = await h.server.chatAt(1);
    const [call, result] = h.messagesOf(second).slice(-2);
    if (kind === 'openai') {
      const calls = call!.tool_calls as { id: string; type: string; function: { name: string; arguments: string } }[];
      assert.equal(calls.length, 1);
      assert.equal(calls[0]!.function.name, 'add_todo');
      assert.deepEqual(JSON.parse(calls[0]!.function.arguments), { title: 'Call the bank, “today”' });
      assert.equal(result!.role, 'tool');
      assert.equal(result!.tool_call_id, calls[0]!.id, 'the result answers its call by id');
    } else {
      assert.equal(result!.tool_name, 'add_todo');
    }
    assert.match(String(result!.content), /^Added todo \d+ “Call the bank, “today”” at position 1\.$/);
    assert.equal((await h.events.finished((m) => m.content === 'Added.')).status, 'done');
  });

  test(`${kind}: the headers setting goes with every request`, T, async (t) => {
    const h = await setupKind(t, kind, { settings: { headers: { 'X-Proxy-Team': 'blue' } } });
    await h.core.chat.checkConnection();
    await h.core.chat.send(h.profileId, 'hi');
    await h.core.chat.settled();
    const chat = h.server.requests.find((r) => /chat/.test(r.path));
    assert.ok(chat, 'a chat request was made');
    for (const r of h.server.requests) assert.equal(r.headers?.['x-proxy-team'], 'blue', r.path);
  });
}

test('ollama: keep_alive goes with each chat request as the setting says (a duration, or a number of seconds)', T, async (t) => {
  const h = await setupKind(t, 'ollama', { settings: { keepAlive: '30m' } });
  await h.core.chat.send(h.profileId, 'one');
  await h.core.chat.settled();
  assert.equal((await h.server.chatAt(0)).body.keep_alive, '30m');
  h.settings.keepAlive = '-1';
  await h.core.chat.send(h.profileId, 'two');
  await h.core.chat.settled();
  assert.equal((await h.server.chatAt(1)).body.keep_alive, -1);
  h.settings.keepAlive = '';
  await h.core.chat.send(h.profileId, 'three');
  await h.core.chat.settled();
  assert.equal('keep_alive' in (await h.server.chatAt(2)).body, false, "empty: Ollama's default");
});
