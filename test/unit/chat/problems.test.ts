/**
 * The problem above the chat's input goes away once what it reports is over, and the
 * user can dismiss it: the chat service against the fake Ollama server, on a real store.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { closedPort, setup, tokens } from './harness';

const T = { timeout: 20_000 };

test('a failed pull’s problem goes once an installed model is chosen, and stays gone through replies, Ollama down and back, in every profile', T, async (t) => {
  const h = await setup(t, { fake: { models: ['llama3.2:latest', 'qwen2.5:0.5b'] } });
  const other = h.store.profiles.insert({ name: 'Home' });
  h.fake.scriptPull({ fail: { status: 500, body: { error: 'pull model manifest: file does not exist' } } });
  assert.equal((await h.chat.pull('no-such-model')).outcome, 'error');
  assert.match(h.events.problem!.title, /Could not pull "no-such-model"/);

  // Choosing a model is: the setting changes, then a connection check (chatCommands' setModel).
  h.settings.model = 'qwen2.5:0.5b';
  await h.chat.checkConnection();
  assert.equal(h.events.problem, null, 'the failed pull is over');

  h.fake.scriptChat({ tokens: ['fine'] });
  await h.chat.send(h.profile.id, 'hi');
  assert.equal((await h.events.finished()).status, 'done');
  assert.equal(h.events.problem, null);
  assert.equal(h.chat.snapshot({ id: other.id, name: 'Home' }).problem, undefined);

  const url = h.settings.host;
  h.settings.host = `http://127.0.0.1:${await closedPort()}`;
  await h.chat.checkConnection();
  assert.match(h.events.problem!.title, /not reachable/);
  h.settings.host = url;
  await h.chat.checkConnection();
  assert.equal(h.events.problem, null, 'Ollama is back');
  assert.equal(h.chat.snapshot(h.profile).problem, undefined);
  assert.equal(h.chat.snapshot({ id: other.id, name: 'Home' }).problem, undefined);
});

test('a failed pull of the chosen model stays until a check finds that model there', T, async (t) => {
  const h = await setup(t, { settings: { model: 'mistral' } });
  h.fake.scriptPull({ fail: { status: 500, body: { error: 'connection reset' } } });
  await h.chat.pull();
  await h.chat.checkConnection();
  assert.match(h.events.problem!.title, /"mistral" is not installed/, 'still a problem: the chosen model is missing');
  h.fake.models = [...h.fake.models, 'mistral'];
  await h.chat.checkConnection();
  assert.equal(h.events.problem, null);
});

test('a reply that succeeds ends a model problem that came up meanwhile', T, async (t) => {
  const h = await setup(t);
  h.fake.scriptChat({ tokens: tokens(100), tokenDelayMs: 5 });
  await h.chat.send(h.profile.id, 'hi');
  await h.events.next('chat/delta');
  h.fake.scriptPull({ fail: { status: 500, body: { error: 'file does not exist' } } });
  await h.chat.pull('typo-model');
  assert.match(h.events.problem!.title, /Could not pull/);
  assert.equal((await h.events.finished()).status, 'done');
  assert.equal(h.events.problem, null);
});

test('a connection problem goes with the next good connection check, not before', T, async (t) => {
  const port = await closedPort();
  const h = await setup(t, { settings: { host: `http://127.0.0.1:${port}` } });
  await h.chat.send(h.profile.id, 'hi');
  await h.events.finished();
  assert.match(h.events.problem!.title, /not reachable/);
  h.settings.host = h.fake.url;
  assert.match(h.chat.snapshot(h.profile).problem!.title, /not reachable/, 'nothing has said otherwise yet');
  await h.chat.checkConnection();
  assert.equal(h.events.problem, null);
});

test('dismissProblem clears the problem for every view', T, async (t) => {
  const h = await setup(t);
  h.fake.scriptPull({ fail: { status: 500, body: { error: 'nope' } } });
  await h.chat.pull('x');
  assert.ok(h.events.problem);
  h.chat.dismissProblem();
  assert.deepEqual(h.events.of('chat/problem').at(-1), { kind: 'chat/problem', problem: null });
  assert.equal(h.chat.snapshot(h.profile).problem, undefined);
  const count = h.events.of('chat/problem').length;
  h.chat.dismissProblem();
  assert.equal(h.events.of('chat/problem').length, count, 'nothing to dismiss: nothing emitted');
});
