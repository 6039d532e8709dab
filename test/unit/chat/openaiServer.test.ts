/**
 * What only an OpenAI-compatible server has: API keys (kept out of the store, the log, an
 * export and every message), the context length its /v1/models reports, a model the
 * server refuses tools for, the event-stream reader, the conversation in OpenAI's shape.
 * Against the fake OpenAI-compatible server over real HTTP, behind the whole core.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { normalizeBaseUrl, reportedContext, toOpenAI } from '../../../src/chat/openaiServer';
import { sseData } from '../../../src/chat/sse';
import { ask, setupTools } from '../tools/harness';

const T = { timeout: 20_000 };
const KEY = 'sk-pipulate-SECRET-9f8e7d6c5b4a';

/** Every file under `dir`, as bytes. */
function filesUnder(dir: string): { file: string; bytes: Buffer }[] {
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => {
    const file = path.join(e.parentPath, e.name);
    return { file, bytes: fs.readFileSync(file) };
  });
}

test('openai: without a key a 401 says the key is missing and offers to set it; with it the chat works; the key is nowhere but the request', T, async (t) => {
  let key: string | undefined;
  const asked: string[] = [];
  const h = await setupTools(t, {
    kind: 'openai',
    fake: { apiKey: KEY },
    deps: { getKey: async (url) => (asked.push(url), key) },
  });
  await h.core.chat.checkConnection();
  assert.equal(h.core.chat.connection().state, 'unreachable');
  let problem = h.events.problem!;
  assert.match(problem.title, /wants an API key \(401\)/);
  assert.deepEqual(problem.actions, ['setApiKey', 'openSettings']);
  assert.match(problem.detail, /Set API Key/);

  // A wrong key is a secret too: the server quotes it in its error, the chat does not.
  key = 'sk-wrong-SECRET-0a1b2c';
  await h.core.chat.send(h.core.tasks.activeProfileId, 'hi');
  await h.core.chat.settled();
  problem = h.events.problem!;
  assert.match(problem.title, /refused the API key \(401\)/);
  assert.match(problem.detail, /Incorrect API key provided: …/);
  for (const text of [JSON.stringify(h.events.all), ...h.logs]) assert.equal(text.includes(key), false, 'the refused key was passed on');

  key = KEY;
  await h.core.chat.checkConnection();
  assert.equal(h.core.chat.connection().state, 'connected');
  assert.equal(h.events.problem, null, 'the server answered with the key: its problem is over');
  h.fake.scriptChat({ tokens: ['Hello', ' you'] });
  await h.core.chat.send(h.core.tasks.activeProfileId, `my key is not ${KEY.slice(0, 6)}`);
  await h.core.chat.settled();
  const last = h.fake.requests.at(-1)!;
  assert.equal(last.headers?.authorization, `Bearer ${KEY}`, 'the key goes as a bearer token');
  assert.ok(asked.every((url) => url === h.fake.url), 'the key is asked for this server URL');

  // Nowhere else: the store's files, an export of the database, the log, anything the views were sent.
  await h.db.sync();
  for (const { file, bytes } of filesUnder(h.dir)) assert.equal(bytes.includes(KEY), false, `the key is in ${file}`);
  assert.equal(Buffer.from(h.db.export()).includes(KEY), false, 'the key is in an export');
  assert.equal(h.logs.some((l) => l.includes(KEY)), false, 'the key is in the log');
  assert.equal(JSON.stringify(h.events.all).includes(KEY), false, 'the key was sent to a view');
  assert.equal(JSON.stringify(h.settings).includes(KEY), false, 'the key is in the settings');
});

test('openai: the context length /v1/models reports is the one the prompt is fitted to; else the setting, and the server cannot be told', T, async (t) => {
  const h = await setupTools(t, { kind: 'openai', fake: { models: ['big', 'llama3.2'], contexts: { 'llama3.2': 600 } } });
  await h.core.chat.checkConnection();
  assert.deepEqual(h.core.chat.connection().context, { tokens: 600, source: 'server' });
  // 400 tokens' worth fits the setting (8192) but not 600 with the reply's room.
  await h.core.chat.send(h.core.tasks.activeProfileId, 'x '.repeat(800));
  await h.core.chat.settled();
  assert.match(h.events.problem!.title, /too long/i);
  assert.equal(h.fake.chats.length, 0, 'nothing was sent');
  assert.ok(h.logs.some((l) => /cannot be told the context length/.test(l)));

  h.settings.model = 'big';
  await h.core.chat.checkConnection();
  assert.deepEqual(h.core.chat.connection().context, { tokens: 8192, source: 'setting' });
});

test('openai: a model the server refuses tools for is asked again without them, then uses the text protocol', T, async (t) => {
  const h = await setupTools(t, { kind: 'openai', fake: { noTools: ['llama3.2'] } });
  h.fake.scriptChat({ tokens: ['Refused'] }, { tokens: ['Plain', ' answer'] });
  await h.core.chat.send(h.core.tasks.activeProfileId, 'hi');
  await h.core.chat.settled();
  const done = await h.events.finished((m) => m.role === 'assistant');
  assert.equal(done.status, 'done');
  assert.equal(done.content, 'Plain answer');
  assert.ok(Array.isArray((await h.fake.chatAt(0)).body.tools), 'tried with tools');
  assert.equal((await h.fake.chatAt(1)).body.tools, undefined, 'then without');
  assert.equal(h.core.chat.connection().tools, 'text');
});

test('openai: a tool call streamed slowly in pieces keeps the reply going: each piece is the model at work, not a stall', T, async (t) => {
  const settings = { timeoutMs: 400, firstTokenTimeoutMs: 5000, tools: { enabled: true, autoApprove: ['add' as const], maxRounds: 8 } };
  const h = await setupTools(t, { kind: 'openai', settings, fake: { argumentPiece: 4 } });
  // After the text, the call's 40-odd characters come over about 1.2 s: three times the wait between tokens.
  h.fake.scriptChat({ tokens: ['Sure.'], toolCalls: [{ name: 'add_todo', arguments: { title: 'Call the bank' } }], argumentDelayMs: 100 }, { tokens: ['Added.'] });
  await ask(h, 'add a todo to call the bank');
  assert.equal(h.events.problem ?? null, null, 'no timeout');
  assert.deepEqual(h.list(), ['Call the bank']);
  assert.equal((await h.events.finished((m) => m.content === 'Added.')).status, 'done');
});

test('sse: events split anywhere (CRLF, a multi-byte character cut in two, comments, multi-line data) come out whole', async () => {
  const text = ': keep-alive\r\ndata: {"a":"é"}\r\n\r\nevent: x\ndata: one\ndata: two\n\ndata: [DONE]\n\n';
  const bytes = Buffer.from(text, 'utf8');
  for (const size of [1, 2, 3, 7, bytes.length]) {
    async function* pieces() {
      for (let i = 0; i < bytes.length; i += size) yield new Uint8Array(bytes.subarray(i, i + size));
    }
    const out: string[] = [];
    for await (const data of sseData(pieces())) out.push(data);
    assert.deepEqual(out, ['{"a":"é"}', 'one\ntwo', '[DONE]'], `pieces of ${size}`);
  }
});

test('toOpenAI: each call gets an id and each result the id of its call; a call left without a result is answered "not run"', () => {
  const out = toOpenAI([
    { role: 'user', content: 'do two things' },
    { role: 'assistant', content: '', tool_calls: [{ function: { name: 'add_todo', arguments: { title: 'a' } } }, { function: { name: 'check_todo', arguments: { id: 1 } } }] },
    { role: 'tool', tool_name: 'check_todo', content: 'Checked 1.' },
    { role: 'user', content: 'thanks' },
  ]);
  assert.deepEqual(out, [
    { role: 'user', content: 'do two things' },
    {
      role: 'assistant',
      content: null,
      tool_calls: [
        { id: 'call_1', type: 'function', function: { name: 'add_todo', arguments: '{"title":"a"}' } },
        { id: 'call_2', type: 'function', function: { name: 'check_todo', arguments: '{"id":1}' } },
      ],
    },
    { role: 'tool', tool_call_id: 'call_2', content: 'Checked 1.' },
    { role: 'tool', tool_call_id: 'call_1', content: 'Not run: the call was cancelled.' },
    { role: 'user', content: 'thanks' },
  ]);
});

test('the base URL: no path means /v1, a gateway path is kept, no scheme means http; a bad one is refused', () => {
  assert.equal(normalizeBaseUrl(''), 'http://127.0.0.1:8080/v1');
  assert.equal(normalizeBaseUrl('http://gpu-box:8000'), 'http://gpu-box:8000/v1');
  assert.equal(normalizeBaseUrl('localhost:1234/v1/'), 'http://localhost:1234/v1');
  assert.equal(normalizeBaseUrl('https://gw.example.com/openai/v1?x=1'), 'https://gw.example.com/openai/v1');
  assert.throws(() => normalizeBaseUrl('ftp://x'), /not a valid server URL/);
  assert.equal(reportedContext({ max_model_len: 32768 }), 32768);
  assert.equal(reportedContext({ context_length: 4096 }), 4096);
  assert.equal(reportedContext({ meta: { n_ctx_train: 131072 } }), 131072);
  assert.equal(reportedContext({ id: 'x' }), undefined);
});
