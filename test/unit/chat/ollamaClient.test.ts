/** Host settings as users (and OLLAMA_HOST) write them; a client whose requests can be cut. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_OLLAMA_HOST, InvalidHostError, createOllamaClient, defaultOllamaHost, hasModel, normalizeHost, withTag } from '../../../src/chat/ollamaClient';
import { startFakeOllama } from '../../fakes/ollamaServer';

test('normalizeHost follows Ollama’s rules for OLLAMA_HOST and settings', () => {
  const cases: [string | undefined, string][] = [
    [undefined, 'http://127.0.0.1:11434'],
    ['', 'http://127.0.0.1:11434'],
    ['   ', 'http://127.0.0.1:11434'],
    ['0.0.0.0', 'http://127.0.0.1:11434'],
    ['0.0.0.0:11434', 'http://127.0.0.1:11434'],
    [':11435', 'http://127.0.0.1:11435'],
    ['127.0.0.1', 'http://127.0.0.1:11434'],
    ['localhost:8080', 'http://localhost:8080'],
    ['gpu-box.lan', 'http://gpu-box.lan:11434'],
    ['http://127.0.0.1:11434/', 'http://127.0.0.1:11434'],
    ['http://example.com', 'http://example.com:80'],
    ['https://ollama.example.com', 'https://ollama.example.com:443'],
    ['https://proxy.example.com/ollama/', 'https://proxy.example.com:443/ollama'],
    ['[::]:11434', 'http://[::1]:11434'],
    ['[::1]', 'http://[::1]:11434'],
    ['http://user:pw@host:1234', 'http://user:pw@host:1234'],
    ['  http://host.docker.internal:11434  ', 'http://host.docker.internal:11434'],
  ];
  for (const [input, want] of cases) assert.equal(normalizeHost(input), want, String(input));
});

test('normalizeHost refuses what is not an http(s) host', () => {
  assert.throws(() => normalizeHost('ftp://x'), InvalidHostError);
  assert.throws(() => normalizeHost('http://exa mple'), InvalidHostError);
});

test('defaultOllamaHost reads OLLAMA_HOST, else 127.0.0.1:11434', () => {
  assert.equal(defaultOllamaHost({}), DEFAULT_OLLAMA_HOST);
  assert.equal(defaultOllamaHost({ OLLAMA_HOST: '0.0.0.0:11500' }), 'http://127.0.0.1:11500');
  assert.equal(defaultOllamaHost({ OLLAMA_HOST: 'ftp://nope' }), DEFAULT_OLLAMA_HOST);
});

test('model names: a bare name means :latest', () => {
  assert.equal(withTag('llama3.2'), 'llama3.2:latest');
  assert.equal(withTag('qwen2.5:0.5b'), 'qwen2.5:0.5b');
  assert.equal(withTag('registry.local:5000/ns/model'), 'registry.local:5000/ns/model:latest');
  assert.ok(hasModel(['llama3.2:latest'], 'llama3.2'));
  assert.ok(hasModel(['llama3.2'], 'llama3.2:latest'));
  assert.ok(!hasModel(['llama3.2:latest'], 'llama3.2:1b'));
});

test('the client talks to the host; its signal cuts a request that has not answered yet', { timeout: 10_000 }, async (t) => {
  const fake = await startFakeOllama({ models: ['a', 'b:7b'] });
  t.after(() => fake.close());
  const client = createOllamaClient({ host: fake.url.replace('http://', '') });
  assert.deepEqual((await client.list()).models.map((m) => m.name), ['a:latest', 'b:7b']);

  fake.scriptChat({ hang: true });
  const ac = new AbortController();
  const held = createOllamaClient({ host: fake.url, signal: ac.signal });
  const pending = held.chat({ model: 'a', messages: [{ role: 'user', content: 'hi' }], stream: true });
  const exchange = await fake.chatAt(0);
  ac.abort();
  await assert.rejects(pending, { name: 'AbortError' });
  assert.equal(await exchange.closed, 'client-closed');
});

test('timeoutMs cuts a short call that hangs', { timeout: 10_000 }, async (t) => {
  const fake = await startFakeOllama();
  t.after(() => fake.close());
  fake.scriptChat({ hang: true });
  const client = createOllamaClient({ host: fake.url, timeoutMs: 200 });
  await assert.rejects(client.chat({ model: 'llama3.2', messages: [], stream: false }), { name: 'TimeoutError' });
  assert.equal(await (await fake.chatAt(0)).closed, 'client-closed');
});

test('Ollama behind a proxy that quotes the key it refuses: the key is cut out of the error; the 401 offers Set API Key', async (t) => {
  const http = await import('node:http');
  const { diagnose } = await import('../../../src/chat/diagnose');
  const key = 'sk-proxy-SECRET-77aa';
  const proxy = http.createServer((req, res) => {
    res.writeHead(401, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ error: `token ${String(req.headers.authorization).replace('Bearer ', '')} is not allowed` }));
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  t.after(() => proxy.close());
  const host = `http://127.0.0.1:${(proxy.address() as { port: number }).port}`;
  const err = await createOllamaClient({ host, headers: { Authorization: `Bearer ${key}` } }).list().then(
    () => assert.fail('a 401 is an error'),
    (e: Error) => e,
  );
  assert.equal(err.message, 'token … is not allowed');
  const { code, problem } = diagnose(err, { host, model: 'm', phase: 'connect', hasKey: true });
  assert.equal(code, 'keyRefused');
  assert.ok(problem.actions.includes('setApiKey'));
  assert.equal(JSON.stringify(problem).includes(key), false);
});
