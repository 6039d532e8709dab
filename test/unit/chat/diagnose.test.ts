/** The diagnosis of real errors, as the `ollama` client raises them against real sockets. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ChatTimeoutError, detectEnvironment, diagnose, type DiagnoseContext } from '../../../src/chat/diagnose';
import { InvalidHostError, createOllamaClient } from '../../../src/chat/ollamaClient';
import { startFakeOllama } from '../../fakes/ollamaServer';
import { closedPort } from './harness';

const T = { timeout: 10_000 };

async function failure(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected a failure');
}

test('connection refused: names the host, how to start Ollama, every remote case when none is known', T, async () => {
  const host = `http://127.0.0.1:${await closedPort()}`;
  const err = await failure(createOllamaClient({ host }).list());
  const { code, problem } = diagnose(err, { host, model: 'm', phase: 'connect', environment: {} });
  assert.equal(code, 'unreachable');
  assert.equal(problem.title, `Ollama is not reachable at ${host}`);
  for (const hint of [/ollama serve/, /WSL/, /ssh -R/, /host\.docker\.internal/, /OLLAMA_HOST=0\.0\.0\.0/]) assert.match(problem.detail, hint);
  assert.doesNotMatch(problem.detail, /::1/, 'the localhost hint only for localhost');
  assert.deepEqual(problem.actions, ['retry', 'openSettings', 'showLog']);
});

test('connection refused in a known place: the hint for that place only', T, async () => {
  const host = `http://localhost:${await closedPort()}`;
  const err = await failure(createOllamaClient({ host }).list());
  const ctx: DiagnoseContext = { host, model: 'm', phase: 'connect' };
  const container = diagnose(err, { ...ctx, environment: { container: true } }).problem.detail;
  assert.match(container, /host\.docker\.internal/);
  assert.doesNotMatch(container, /WSL/);
  assert.match(container, /::1/, 'localhost against 127.0.0.1');
  const wsl = diagnose(err, { ...ctx, environment: { wsl: true } }).problem.detail;
  assert.match(wsl, /WSL/);
  assert.doesNotMatch(wsl, /docker/);
  const ssh = diagnose(err, { ...ctx, environment: { remoteName: 'ssh-remote' } }).problem.detail;
  assert.match(ssh, /remote machine/);
  assert.doesNotMatch(ssh, /WSL/);
});

test('detectEnvironment reads WSL and container markers', () => {
  assert.equal(detectEnvironment({ WSL_DISTRO_NAME: 'Ubuntu' }).wsl, true);
  assert.equal(detectEnvironment({ REMOTE_CONTAINERS: 'true' }).container, true);
  assert.equal(detectEnvironment({}, 'dev-container').container, true);
  assert.equal(detectEnvironment({}, 'ssh-remote').remoteName, 'ssh-remote');
});

test('a host name that does not resolve', T, async () => {
  const host = 'http://no-such-host.invalid:11434';
  const err = await failure(createOllamaClient({ host }).list());
  const { code, problem } = diagnose(err, { host, model: 'm', phase: 'connect' });
  assert.equal(code, 'hostNotFound');
  assert.match(problem.title, /no-such-host\.invalid/);
  assert.ok(problem.actions.includes('openSettings'));
});

test('error answers: model missing, model required, other statuses, not Ollama', T, async (t) => {
  const fake = await startFakeOllama({ models: ['llama3.2'] });
  t.after(() => fake.close());
  const client = createOllamaClient({ host: fake.url });
  const ctx: DiagnoseContext = { host: fake.url, model: 'mistral', phase: 'chat' };

  const missing = diagnose(await failure(client.chat({ model: 'mistral', messages: [], stream: true })), ctx);
  assert.equal(missing.code, 'modelMissing');
  assert.deepEqual(missing.problem.actions, ['pull', 'selectModel']);
  assert.match(missing.problem.detail, new RegExp(fake.url.replace(/\./g, '\\.')));

  const required = diagnose(await failure(client.chat({ model: '', messages: [], stream: true })), ctx);
  assert.equal(required.code, 'noModel');

  fake.scriptChat({ fail: { status: 503, body: { error: 'server busy, please try again.  maximum pending requests exceeded' } } });
  const busy = diagnose(await failure(client.chat({ model: 'llama3.2', messages: [], stream: true })), ctx);
  assert.equal(busy.code, 'serverError');
  assert.match(busy.problem.title, /503/);
  assert.match(busy.problem.detail, /maximum pending requests/);

  // Something else on the port: a plain-text 404 for an unknown route.
  const stranger = diagnose(await failure(fetchAsOllama(`${fake.url}/nope`)), { ...ctx, phase: 'connect' });
  assert.equal(stranger.code, 'notOllama');
});

async function fetchAsOllama(url: string): Promise<unknown> {
  const res = await fetch(url);
  const err = Object.assign(new Error(await res.text()), { name: 'ResponseError', status_code: res.status });
  throw err;
}

test('mid-stream: an error line, a dropped connection', T, async (t) => {
  const fake = await startFakeOllama();
  t.after(() => fake.close());
  const client = createOllamaClient({ host: fake.url });
  const consume = async () => {
    const stream = await client.chat({ model: 'llama3.2', messages: [], stream: true });
    for await (const _ of stream) void _;
  };
  const ctx: DiagnoseContext = { host: fake.url, model: 'llama3.2', phase: 'stream' };

  fake.scriptChat({ tokens: ['a', 'b'], errorAfter: { tokens: 1, message: 'CUDA error: out of memory' } });
  const oom = diagnose(await failure(consume()), ctx);
  assert.equal(oom.code, 'outOfMemory');

  fake.scriptChat({ tokens: ['a', 'b'], errorAfter: { tokens: 1, message: 'unexpected EOF' } });
  const line = diagnose(await failure(consume()), ctx);
  assert.equal(line.code, 'midStream');
  assert.match(line.problem.detail, /unexpected EOF/);

  fake.scriptChat({ tokens: ['a', 'b'], dropAfter: 1 });
  const dropped = diagnose(await failure(consume()), ctx);
  assert.equal(dropped.code, 'dropped');
  assert.match(dropped.problem.title, /lost in the middle of the reply/);
  assert.match(dropped.problem.detail, /kept/);
});

test('timeouts and a bad host setting', () => {
  const ctx: DiagnoseContext = { host: 'http://127.0.0.1:11434', model: 'llama3.2', phase: 'chat' };
  const first = diagnose(new ChatTimeoutError(90_000, 'first'), ctx);
  assert.equal(first.code, 'firstTokenTimeout');
  assert.match(first.problem.title, /within 90 s/);
  const stalled = diagnose(new ChatTimeoutError(1500, 'stalled'), ctx);
  assert.equal(stalled.code, 'stalled');
  assert.match(stalled.problem.detail, /1\.5 s/);
  const bad = diagnose(new InvalidHostError('ftp://x'), ctx);
  assert.equal(bad.code, 'badHost');
  assert.deepEqual(bad.problem.actions, ['openSettings']);
});

test('not reachable in a remote window: which side Pipulate runs on, and the step for this server kind and port', T, async () => {
  const host = `http://127.0.0.1:${await closedPort()}/v1`;
  const err = await failure(fetch(`${host}/models`));
  const p = new URL(host).port;
  const ssh = diagnose(err, { host, model: 'm', phase: 'connect', kind: 'openai', environment: { remoteName: 'ssh-remote' } }).problem;
  assert.equal(ssh.title, `The model server is not reachable at ${host}`);
  assert.match(ssh.detail, /runs on the remote side of this window, in the remote machine \(ssh-remote\)/);
  assert.match(ssh.detail, new RegExp(`ssh -R ${p}:127\\.0\\.0\\.1:${p}`));
  assert.doesNotMatch(ssh.detail, /ollama serve|OLLAMA_HOST/, 'no Ollama steps for another server');
  const codespace = diagnose(err, { host, model: 'm', phase: 'connect', kind: 'openai', environment: { remoteName: 'codespaces', container: true } }).problem.detail;
  assert.match(codespace, /Codespaces: .*cannot reach your computer/);
  assert.doesNotMatch(codespace, /host\.docker\.internal/);
  const local = diagnose(err, { host, model: 'm', phase: 'connect', kind: 'openai', environment: {} }).problem.detail;
  assert.doesNotMatch(local, /runs on the remote side/, 'no side named on your own machine');
});

test('an OpenAI-compatible server is named as the model server in every connection problem; Ollama keeps its own name and steps', T, async () => {
  const refused = `http://localhost:${await closedPort()}/v1`;
  const errors: [string, unknown, string][] = [
    ['refused, localhost', await failure(fetch(`${refused}/models`)), refused],
    ['name not resolved', await failure(fetch('http://no-such-host.invalid:8000/v1/models')), 'http://no-such-host.invalid:8000/v1'],
    ['no route', Object.assign(new Error('connect ETIMEDOUT'), { code: 'ETIMEDOUT' }), 'http://10.255.255.1:8000/v1'],
    ['bad port', await failure(fetch('http://127.0.0.1:6000/v1/models')), 'http://127.0.0.1:6000/v1'],
    ['bad setting', new InvalidHostError('ftp://x', 'http://127.0.0.1:8080/v1'), 'ftp://x'],
    ['first token', new ChatTimeoutError(1000, 'first'), 'http://127.0.0.1:8000/v1'],
  ];
  for (const [what, err, host] of errors) {
    const openai = diagnose(err, { host, model: 'm', phase: 'connect', kind: 'openai', environment: {} }).problem;
    assert.doesNotMatch(`${openai.title}\n${openai.detail}`, /Ollama|OLLAMA_HOST|11434/i, `${what}: ${openai.title}\n${openai.detail}`);
    assert.match(`${openai.title}\n${openai.detail}`, /model server|server URL|pipulate\.server\.url/, what);
    const ollama = diagnose(err, { host, model: 'm', phase: 'connect', kind: 'ollama', environment: {} }).problem;
    if (what !== 'bad setting' || /Ollama/.test(ollama.title)) assert.match(`${ollama.title}\n${ollama.detail}`, /Ollama/, `${what}, Ollama: ${ollama.title}`);
  }
});
