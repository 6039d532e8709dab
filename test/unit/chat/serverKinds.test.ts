/**
 * What each kind of model server does its own way, run against both (the fake Ollama and
 * the fake OpenAI-compatible server, over real HTTP) through the whole core on a real
 * store: a model it does not have (and pulls), the first-token wait, the headers setting;
 * Ollama's keep_alive. The chat, stop, error and tool tests run against both kinds in
 * chatService.test.ts and test/unit/tools/toolLoop.test.ts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setupTools } from '../tools/harness';
import { KINDS } from './kinds';

const T = { timeout: 20_000 };

for (const kind of KINDS) {
  test(`${kind}: a model the server does not have: the problem offers to choose one (and to pull only from Ollama)`, T, async (t) => {
    const h = await setupTools(t, { kind, settings: { model: 'nope' } });
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
    const h = await setupTools(t, { kind, settings: { timeoutMs: 300, firstTokenTimeoutMs: 5000 }, deps: { waitingAfterMs: 50 } });
    h.fake.scriptChat({ tokens: ['late', ' but', ' fine'], firstTokenDelayMs: 900 });
    // Listened for before the send: it may come while the message is still being written.
    const waits = h.events.next('chat/connection', (n) => !!n.connection.waiting);
    await h.core.chat.send(h.core.tasks.activeProfileId, 'hi');
    const waiting = await waits;
    // Ollama's /api/ps tells whether the model is loaded (the fake has none loaded); the OpenAI API cannot say.
    assert.equal(waiting.connection.waiting!.loading, kind === 'ollama' ? true : undefined);
    const msg = await h.events.finished((m) => m.role === 'assistant');
    assert.equal(msg.status, 'done', 'a first token after 0.9 s is fine though tokens may be only 0.3 s apart');
    assert.equal(msg.content, 'late but fine');
    assert.equal(h.core.chat.connection().waiting, undefined, 'no longer waiting');
  });

  test(`${kind}: no first token within the first-token wait: aborted (the server sees it) and told`, T, async (t) => {
    const h = await setupTools(t, { kind, settings: { timeoutMs: 5000, firstTokenTimeoutMs: 300 } });
    h.fake.scriptChat({ hang: true });
    await h.core.chat.send(h.core.tasks.activeProfileId, 'hi');
    const exchange = await h.fake.chatAt(0);
    assert.equal(await exchange.closed, 'client-closed');
    const msg = await h.events.finished((m) => m.role === 'assistant');
    assert.equal(msg.status, 'error');
    assert.match(h.events.problem!.title, /No answer from "llama3.2" within 0.3 s/);
    assert.match(h.events.problem!.detail, /first-token timeout/);
  });

  test(`${kind}: the headers setting goes with every request`, T, async (t) => {
    const h = await setupTools(t, { kind, settings: { headers: { 'X-Proxy-Team': 'blue' } } });
    await h.core.chat.checkConnection();
    await h.core.chat.send(h.core.tasks.activeProfileId, 'hi');
    await h.core.chat.settled();
    const chat = h.fake.requests.find((r) => /chat/.test(r.path));
    assert.ok(chat, 'a chat request was made');
    for (const r of h.fake.requests) assert.equal(r.headers?.['x-proxy-team'], 'blue', r.path);
  });
}

test('ollama: keep_alive goes with each chat request as the setting says (a duration, or a number of seconds)', T, async (t) => {
  const h = await setupTools(t, { settings: { keepAlive: '30m' } });
  await h.core.chat.send(h.core.tasks.activeProfileId, 'one');
  await h.core.chat.settled();
  assert.equal((await h.fake.chatAt(0)).body.keep_alive, '30m');
  h.settings.keepAlive = '-1';
  await h.core.chat.send(h.core.tasks.activeProfileId, 'two');
  await h.core.chat.settled();
  assert.equal((await h.fake.chatAt(1)).body.keep_alive, -1);
  h.settings.keepAlive = '';
  await h.core.chat.send(h.core.tasks.activeProfileId, 'three');
  await h.core.chat.settled();
  assert.equal('keep_alive' in (await h.fake.chatAt(2)).body, false, "empty: Ollama's default");
});
