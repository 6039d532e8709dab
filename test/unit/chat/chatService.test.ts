/**
 * The chat service over a real store against each kind of model server (the fake Ollama
 * and the fake OpenAI-compatible server, over real HTTP; kinds.ts): streaming, batching,
 * stop, every error, the chat queue, a crash mid-reply, context length. Then what only
 * Ollama does (pulls, its model list) and what needs no server.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ChatBusyError, ChatService, NoModelError } from '../../../src/chat/chatService';
import { appStore } from '../../../src/store/appSchema';
import { crashCopy, openForTest, waitFor } from '../../helpers/store';
import { closedPort, setup, tokens } from './harness';
import { KINDS, expectations } from './kinds';

const T = { timeout: 20_000 };

for (const kind of KINDS) {
  const k = expectations(kind);

  test(`${kind}: a reply streams in order, is batched, persisted, and built from the profile history`, T, async (t) => {
    const h = await setup(t, { kind, deps: { describeWork: (id) => `Todos of profile ${id}: [ ] buy milk` } });
    const words = tokens(40);
    h.fake.scriptChat({ tokens: words, tokenDelayMs: 2 });

    const user = await h.chat.send(h.profile.id, '  Hello there  ');
    assert.equal(user.role, 'user');
    assert.equal(user.content, 'Hello there');
    assert.equal(h.store.messages.get(user.id).content, 'Hello there', 'the user message is stored before send resolves');

    const done = await h.events.finished();
    assert.equal(done.status, 'done');
    assert.equal(done.content, words.join(''));
    assert.equal(done.model, 'llama3.2');

    // The views got: the user message, the assistant row, deltas in order (a prefix of the text), then finished.
    const kinds = h.events.all.filter((n) => n.kind.startsWith('chat/') && n.kind !== 'chat/connection' && n.kind !== 'chat/problem').map((n) => n.kind);
    assert.deepEqual(kinds.slice(0, 2), ['chat/appended', 'chat/appended']);
    assert.equal(kinds.at(-1), 'chat/finished');
    const deltas = h.events.of('chat/delta');
    assert.ok(deltas.length > 0);
    assert.ok(deltas.every((d) => d.id === done.id && d.profileId === h.profile.id));
    assert.ok(words.join('').startsWith(deltas.map((d) => d.text).join('')));

    // Saved.
    const row = h.store.messages.get(done.id);
    assert.equal(row.status, 'done');
    assert.equal(row.content, words.join(''));

    // What the server was sent.
    const body = (await h.fake.chatAt(0)).body;
    assert.equal(body.model, 'llama3.2');
    assert.equal(body.stream, true);
    if (k.toldContext) assert.equal(body.options.num_ctx, 4096);
    else assert.equal(body.options, undefined, 'an OpenAI-compatible server cannot be told the context length');
    assert.deepEqual(body.messages[0], { role: 'system', content: 'Be brief.' });
    // What the user works on goes just before the newest message, so the start of the prompt stays the same as the todos change.
    assert.deepEqual(body.messages.at(-2), { role: 'system', content: `Todos of profile ${h.profile.id}: [ ] buy milk` });
    assert.deepEqual(body.messages.at(-1), { role: 'user', content: 'Hello there' });

    // Generating went on, then off.
    const gen = h.events.of('chat/connection').map((c) => c.connection.generating);
    assert.equal(gen[0], true);
    assert.equal(gen.at(-1), false);
    assert.equal(h.chat.isGenerating(), false);
  });

  test(`${kind}: deltas are batched: far fewer chat/delta than tokens when tokens come fast`, T, async (t) => {
    const h = await setup(t, { kind, deps: { deltaIntervalMs: 30 } });
    const words = tokens(400);
    h.fake.scriptChat({ tokens: words });
    await h.chat.send(h.profile.id, 'go');
    const done = await h.events.finished();
    assert.equal(done.content, words.join(''));
    const deltas = h.events.of('chat/delta');
    assert.ok(deltas.length < words.length / 4, `${deltas.length} deltas for ${words.length} tokens`);
  });

  test(`${kind}: the first text is not held back by the batching window; the rest is batched`, T, async (t) => {
    const h = await setup(t, { kind, deps: { deltaIntervalMs: 60_000 } });
    h.fake.scriptChat({ tokens: ['Hel', 'lo', ' there'], tokenDelayMs: 20 });
    await h.chat.send(h.profile.id, 'go');
    const first = await h.events.next('chat/delta');
    assert.equal(first.text, 'Hel');
    const done = await h.events.finished();
    assert.equal(done.content, 'Hello there');
    // The window is longer than the reply: everything after the first text comes with chat/finished.
    assert.deepEqual(h.events.of('chat/delta').map((d) => d.text), ['Hel']);
  });

  test(`${kind}: the next turn sends the history: user, assistant and notes (as system messages)`, T, async (t) => {
    const h = await setup(t, { kind });
    h.fake.scriptChat({ tokens: ['First', ' answer'] }, { tokens: ['Second'] });
    await h.chat.send(h.profile.id, 'one');
    await h.events.finished();
    h.chat.note(h.profile.id, 'Added todo “buy milk”');
    await h.chat.send(h.profile.id, 'two');
    await h.events.finished((m) => m.content === 'Second');
    const body = (await h.fake.chatAt(1)).body;
    assert.deepEqual(
      body.messages.slice(1),
      [
        { role: 'user', content: 'one' },
        { role: 'assistant', content: 'First answer' },
        { role: 'system', content: 'Added todo “buy milk”' },
        { role: 'user', content: 'two' },
      ],
    );
  });

  test(`${kind}: stop aborts the request: the server sees the connection closed, the partial text is kept as stopped`, T, async (t) => {
    const h = await setup(t, { kind });
    const words = tokens(1000);
    h.fake.scriptChat({ tokens: words, tokenDelayMs: 10 });
    await h.chat.send(h.profile.id, 'talk a lot');
    await h.events.next('chat/delta');
    assert.equal(h.chat.isGenerating(h.profile.id), true);

    assert.equal(h.chat.stop(h.profile.id), true);
    const exchange = await h.fake.chatAt(0);
    assert.equal(await exchange.closed, 'client-closed');
    assert.ok(exchange.sent.length < words.length, 'the server stopped before the end');

    const msg = await h.events.finished();
    assert.equal(msg.status, 'stopped');
    assert.ok(msg.content.length > 0);
    assert.ok(words.join('').startsWith(msg.content));
    assert.equal(h.store.messages.get(msg.id).status, 'stopped');
    assert.equal(h.store.messages.get(msg.id).content, msg.content);
    assert.equal(h.chat.isGenerating(), false);
    assert.equal(h.events.connection?.generating, false);
    assert.equal(h.chat.stop(h.profile.id), false, 'nothing left to stop');
    assert.equal(h.events.problem ?? null, null, 'a stop is not a problem');
  });

  test(`${kind}: stop before the first token closes the connection too`, T, async (t) => {
    const h = await setup(t, { kind });
    h.fake.scriptChat({ hang: true });
    await h.chat.send(h.profile.id, 'hello?');
    const exchange = await h.fake.chatAt(0);
    h.chat.stop();
    assert.equal(await exchange.closed, 'client-closed');
    const msg = await h.events.finished();
    assert.equal(msg.status, 'stopped');
    assert.equal(msg.content, '');
  });

  test(`${kind}: a second send while a reply streams is refused; another profile may chat meanwhile`, T, async (t) => {
    const h = await setup(t, { kind });
    const other = h.store.profiles.insert({ name: 'Home' });
    h.fake.scriptChat({ tokens: tokens(500), tokenDelayMs: 10 }, { tokens: ['other'] });
    await h.chat.send(h.profile.id, 'first');
    await assert.rejects(h.chat.send(h.profile.id, 'second'), ChatBusyError);
    assert.equal(h.store.messages.count({ role: 'user' }), 1, 'the refused message is not stored');
    await h.chat.send(other.id, 'elsewhere');
    const otherDone = await h.events.finished((m) => m.content === 'other');
    assert.equal(otherDone.status, 'done');
    assert.equal(h.chat.isGenerating(h.profile.id), true);
    h.chat.stop(h.profile.id);
    await h.chat.settled();
  });

  test(`${kind}: no model chosen: refused with a problem offering to choose one`, T, async (t) => {
    const h = await setup(t, { kind, settings: { model: '' } });
    await assert.rejects(h.chat.send(h.profile.id, 'hi'), NoModelError);
    assert.ok(h.events.problem?.actions.includes('selectModel'));
    assert.equal(h.store.messages.count(), 0);
    assert.equal(h.fake.chats.length, 0);
  });

  test(`${kind}: the server not running: the problem names the host and says how to start it and what to check`, T, async (t) => {
    const port = await closedPort();
    const h = await setup(t, { kind, settings: { host: `127.0.0.1:${port}` } });
    await h.chat.send(h.profile.id, 'anyone?');
    const msg = await h.events.finished();
    assert.equal(msg.status, 'error');
    const problem = h.events.problem!;
    assert.match(problem.title, new RegExp(`not reachable at http://127\\.0\\.0\\.1:${port}`));
    assert.match(problem.detail, k.start);
    assert.match(problem.detail, /WSL/);
    assert.match(problem.detail, /host\.docker\.internal/);
    assert.match(problem.detail, /[Rr]emote/);
    assert.ok(problem.actions.includes('retry') && problem.actions.includes('openSettings'));
    assert.equal(h.events.connection?.generating, false);
    assert.equal(h.events.connection?.state, 'unreachable');
  });

  test(`${kind}: a model the server does not have: its 404 becomes a problem offering to choose one (or to pull, from Ollama)`, T, async (t) => {
    const h = await setup(t, { kind, settings: { model: 'mistral' } });
    await h.chat.send(h.profile.id, 'hi');
    const msg = await h.events.finished();
    assert.equal(msg.status, 'error');
    assert.equal((await (await h.fake.chatAt(0)).closed), 'failed');
    const problem = h.events.problem!;
    assert.match(problem.title, k.missing('mistral'));
    assert.deepEqual(problem.actions, k.missingActions);
    assert.equal(h.events.connection?.generating, false);
  });

  test(`${kind}: an error status with a body: the problem quotes what the server said`, T, async (t) => {
    const h = await setup(t, { kind });
    h.fake.scriptChat({ fail: { status: 500, body: k.errorBody('llama runner process has terminated: exit status 2') } });
    await h.chat.send(h.profile.id, 'hi');
    const msg = await h.events.finished();
    assert.equal(msg.status, 'error');
    assert.match(h.events.problem!.title, /error \(500\)/);
    assert.match(h.events.problem!.detail, /llama runner process has terminated/);
    assert.ok(h.events.problem!.actions.includes('retry'));
  });

  test(`${kind}: out of memory is told as such, with what to do`, T, async (t) => {
    const h = await setup(t, { kind });
    h.fake.scriptChat({ fail: { status: 500, body: k.errorBody('model requires more system memory (8.0 GiB) than is available (3.1 GiB)') } });
    await h.chat.send(h.profile.id, 'hi');
    await h.events.finished();
    assert.match(h.events.problem!.title, /Not enough memory/);
    assert.ok(h.events.problem!.actions.includes('selectModel'));
  });

  test(`${kind}: an error line in the middle of the stream: the partial text is kept, status error, the problem says what`, T, async (t) => {
    const h = await setup(t, { kind });
    h.fake.scriptChat({ tokens: ['Par', 'tial', ' never'], tokenDelayMs: 5, errorAfter: { tokens: 2, message: 'an error was encountered while running the model' } });
    await h.chat.send(h.profile.id, 'hi');
    const msg = await h.events.finished();
    assert.equal(msg.status, 'error');
    assert.equal(msg.content, 'Partial');
    assert.equal(h.store.messages.get(msg.id).content, 'Partial');
    assert.match(h.events.problem!.title, /stopped the reply with an error/);
    assert.match(h.events.problem!.detail, /an error was encountered while running the model/);
    assert.match(h.events.problem!.detail, /kept/);
  });

  test(`${kind}: a dropped connection mid-stream: the partial text is kept, the problem says the connection was lost`, T, async (t) => {
    const h = await setup(t, { kind });
    h.fake.scriptChat({ tokens: ['One', ' two', ' three'], tokenDelayMs: 5, dropAfter: 2 });
    await h.chat.send(h.profile.id, 'hi');
    const msg = await h.events.finished();
    assert.equal(msg.status, 'error');
    assert.equal(msg.content, 'One two');
    assert.match(h.events.problem!.title, new RegExp(`connection to ${k.who} was lost`));
    assert.equal(h.events.connection?.generating, false);
  });

  test(`${kind}: a stream that ends without its last line is a lost connection too`, T, async (t) => {
    const h = await setup(t, { kind });
    h.fake.scriptChat({ tokens: ['One', ' two', ' three'], endAfter: 1 });
    await h.chat.send(h.profile.id, 'hi');
    const msg = await h.events.finished();
    assert.equal(msg.status, 'error');
    assert.equal(msg.content, 'One');
    assert.match(h.events.problem!.title, new RegExp(`connection to ${k.who} was lost`));
  });

  test(`${kind}: no first token within the timeout: aborted (the server sees it), a problem, never stuck generating`, T, async (t) => {
    const h = await setup(t, { kind, settings: { timeoutMs: 300 } });
    h.fake.scriptChat({ hang: true });
    await h.chat.send(h.profile.id, 'hi');
    const msg = await h.events.finished();
    assert.equal(msg.status, 'error');
    assert.equal(await (await h.fake.chatAt(0)).closed, 'client-closed');
    assert.match(h.events.problem!.title, /No answer from "llama3\.2" within 0\.3 s/);
    assert.match(h.events.problem!.detail, /loading/);
    assert.ok(h.events.problem!.actions.includes('openSettings'));
    assert.equal(h.chat.isGenerating(), false);
    assert.equal(h.events.connection?.generating, false);
  });

  test(`${kind}: tokens that stop coming: aborted after the timeout, what arrived is kept`, T, async (t) => {
    const h = await setup(t, { kind, settings: { timeoutMs: 300 } });
    h.fake.scriptChat({ tokens: ['Start', ' never'], tokenDelayMs: 60_000 });
    await h.chat.send(h.profile.id, 'hi');
    const msg = await h.events.finished();
    assert.equal(msg.status, 'error');
    assert.equal(msg.content, 'Start');
    assert.equal(await (await h.fake.chatAt(0)).closed, 'client-closed');
    assert.match(h.events.problem!.title, /stalled/);
  });

  test(`${kind}: a slow first token within the timeout is fine`, T, async (t) => {
    const h = await setup(t, { kind, settings: { timeoutMs: 5000 } });
    h.fake.scriptChat({ tokens: ['late', ' but', ' fine'], firstTokenDelayMs: 200 });
    await h.chat.send(h.profile.id, 'hi');
    const msg = await h.events.finished();
    assert.equal(msg.status, 'done');
    assert.equal(msg.content, 'late but fine');
  });

  test(`${kind}: a new send clears the previous problem`, T, async (t) => {
    const h = await setup(t, { kind });
    h.fake.scriptChat({ fail: { status: 500, body: k.errorBody('boom') } }, { tokens: ['ok'] });
    await h.chat.send(h.profile.id, 'one');
    await h.events.finished();
    assert.ok(h.events.problem);
    await h.chat.send(h.profile.id, 'two');
    assert.equal(h.events.problem, null);
    assert.equal((await h.events.finished((m) => m.content === 'ok')).status, 'done');
    assert.equal(h.events.problem, null);
  });

  test(`${kind}: retry answers again without a new user message, leaving the failed reply out of the request`, T, async (t) => {
    const h = await setup(t, { kind });
    h.fake.scriptChat({ tokens: ['Half', ' an', ' answer'], errorAfter: { tokens: 1, message: 'runner died' } }, { tokens: ['Whole'] });
    await h.chat.send(h.profile.id, 'question');
    const failed = await h.events.finished();
    assert.equal(failed.status, 'error');
    assert.equal(failed.content, 'Half');
    assert.equal(await h.chat.retry(h.profile.id), true);
    const again = await h.events.finished((m) => m.id !== failed.id);
    assert.equal(again.status, 'done');
    assert.equal(again.content, 'Whole');
    const sent = (await h.fake.chatAt(1)).body.messages;
    assert.deepEqual(sent.slice(1), [{ role: 'user', content: 'question' }]);
    assert.equal(h.store.messages.count({ role: 'user' }), 1);
    assert.equal(h.events.problem, null);

    const empty = await setup(t, { kind });
    assert.equal(await empty.chat.retry(empty.profile.id), false, 'nothing to answer');
  });

  test(`${kind}: notes queued during a reply come out after it, in order; notes outside a reply go out at once`, T, async (t) => {
    const h = await setup(t, { kind });
    h.chat.note(h.profile.id, 'Switched to profile Work');
    const first = h.events.of('chat/appended').at(-1)!;
    assert.equal(first.message.role, 'note');
    assert.equal(first.message.content, 'Switched to profile Work', 'delivered at once, verbatim');

    h.fake.scriptChat({ tokens: tokens(300), tokenDelayMs: 5 });
    await h.chat.send(h.profile.id, 'hi');
    await h.events.next('chat/delta');
    h.chat.note(h.profile.id, 'Added todo “a”');
    const posted = h.chat.post(h.profile.id, 'assistant', 'Background job: 3 files indexed');
    h.chat.note(h.profile.id, 'Checked todo “a”');
    await h.events.next('chat/delta');
    assert.equal(h.events.of('chat/appended').filter((n) => n.message.role === 'note').length, 1, 'held while the reply streams');

    const reply = await h.events.finished();
    assert.equal(reply.status, 'done');
    assert.equal(await posted, true);

    // In the events: finished, then the three queued items in order; no delta after finished.
    const finishedAt = h.events.all.findIndex((n) => n.kind === 'chat/finished');
    const after = h.events.all.slice(finishedAt + 1).filter((n) => n.kind === 'chat/appended' || n.kind === 'chat/delta');
    assert.deepEqual(
      after.map((n) => (n.kind === 'chat/appended' ? `${n.message.role}: ${n.message.content}` : n.kind)),
      ['note: Added todo “a”', 'assistant: Background job: 3 files indexed', 'note: Checked todo “a”'],
    );
    // And in the store, in that order, after the reply.
    const rows = h.store.messages.rows({ where: { profile_id: h.profile.id }, orderBy: 'id' });
    assert.deepEqual(
      rows.map((r) => r.role),
      ['note', 'user', 'assistant', 'note', 'assistant', 'note'],
    );
    assert.equal(rows[2]!.id, reply.id);

    // Outside a reply, at once again.
    h.chat.note(h.profile.id, 'Deleted todo “a”');
    assert.equal(h.events.of('chat/appended').at(-1)!.message.content, 'Deleted todo “a”');
  });

  test(`${kind}: notes of a stopped reply come out when it stops`, T, async (t) => {
    const h = await setup(t, { kind });
    h.fake.scriptChat({ tokens: tokens(1000), tokenDelayMs: 10 });
    await h.chat.send(h.profile.id, 'hi');
    await h.events.next('chat/delta');
    h.chat.note(h.profile.id, 'Renamed todo');
    h.chat.stop(h.profile.id);
    assert.equal(h.events.of('chat/appended').at(-1)!.message.content, 'Renamed todo');
  });

  test(`${kind}: a crash mid-reply: the partial text was saved, and the row comes back as stopped`, T, async (t) => {
    const h = await setup(t, { kind, deps: { persistIntervalMs: 30 } });
    h.fake.scriptChat({ tokens: tokens(1000), tokenDelayMs: 5 });
    await h.chat.send(h.profile.id, 'write a lot');
    const row = () => h.store.messages.rows({ where: { role: 'assistant' } })[0];
    await waitFor(() => (row()?.content.length ?? 0) > 0, 'the partial text to be saved');
    assert.equal(row()!.status, 'streaming');
    await h.db.sync();
    const copy = crashCopy(t, h.dir); // what the disk holds if the process dies now

    const { db } = await openForTest(t, copy);
    const store = appStore(db);
    const logs: string[] = [];
    const chat = new ChatService({ store, settings: () => h.settings, emit: () => {}, log: (l) => logs.push(l) });
    t.after(() => chat.dispose());
    const recovered = store.messages.rows({ where: { role: 'assistant' } })[0]!;
    assert.equal(recovered.status, 'stopped');
    assert.ok(recovered.content.length > 0);
    assert.ok(tokens(1000).join('').startsWith(recovered.content));
    assert.equal(chat.snapshot(h.profile).messages.some((m) => m.status === 'streaming'), false);
    assert.ok(logs.some((l) => /marked as stopped/.test(l)));
    h.chat.stop();
  });

  test(`${kind}: a hidden view misses nothing: a snapshot mid-reply plus the deltas after it give the whole text`, T, async (t) => {
    const h = await setup(t, { kind });
    const words = tokens(200);
    h.fake.scriptChat({ tokens: words, tokenDelayMs: 3 });
    await h.chat.send(h.profile.id, 'hi');
    await h.events.next('chat/delta');
    await h.events.next('chat/delta');
    const snap = h.chat.snapshot(h.profile);
    const seenAt = h.events.all.length;
    const streaming = snap.messages.at(-1)!;
    assert.equal(streaming.status, 'streaming');
    assert.ok(streaming.content.length > 0);
    assert.equal(snap.connection.generating, true);

    const done = await h.events.finished();
    const later = h.events.all.slice(seenAt).filter((n) => n.kind === 'chat/delta').map((n) => (n.kind === 'chat/delta' ? n.text : ''));
    assert.ok(done.content.startsWith(streaming.content + later.join('')));
    assert.equal(done.content, words.join(''));
  });

  test(`${kind}: clear while a reply streams stops it (connection closed) and leaves nothing behind`, T, async (t) => {
    const h = await setup(t, { kind });
    h.fake.scriptChat({ tokens: tokens(1000), tokenDelayMs: 10 });
    await h.chat.send(h.profile.id, 'hi');
    await h.events.next('chat/delta');
    await h.chat.clear(h.profile.id);
    assert.equal(await (await h.fake.chatAt(0)).closed, 'client-closed');
    assert.equal(h.store.messages.count(), 0);
    assert.equal(h.chat.isGenerating(), false);
    assert.equal(h.events.connection?.generating, false);
  });

  test(`${kind}: removing a profile stops its reply, drops its queue and deletes its messages`, T, async (t) => {
    const h = await setup(t, { kind });
    h.fake.scriptChat({ tokens: tokens(1000), tokenDelayMs: 10 });
    await h.chat.send(h.profile.id, 'hi');
    await h.events.next('chat/delta');
    const posted = h.chat.post(h.profile.id, 'assistant', 'never shown');
    h.store.db.transaction(() => {
      h.chat.removeProfile(h.profile.id);
      h.store.profiles.delete(h.profile.id);
    });
    assert.equal(await posted, false);
    assert.equal(h.store.messages.count(), 0);
    assert.equal(await (await h.fake.chatAt(0)).closed, 'client-closed');
    assert.equal(h.chat.isGenerating(), false);
  });

  test(`${kind}: dispose stops every reply: saved as stopped, connections closed`, T, async (t) => {
    const h = await setup(t, { kind });
    h.fake.scriptChat({ tokens: tokens(1000), tokenDelayMs: 10 });
    await h.chat.send(h.profile.id, 'hi');
    await h.events.next('chat/delta');
    h.chat.dispose();
    assert.equal(await (await h.fake.chatAt(0)).closed, 'client-closed');
    const row = h.store.messages.rows({ where: { role: 'assistant' } })[0]!;
    assert.equal(row.status, 'stopped');
    assert.ok(row.content.length > 0);
    await assert.rejects(h.chat.send(h.profile.id, 'again'));
  });

  test(`${kind}: a message too long for the context length is not sent; the problem says so plainly`, T, async (t) => {
    const h = await setup(t, { kind, settings: { numCtx: 512 } });
    await h.chat.send(h.profile.id, 'x'.repeat(4000));
    const msg = await h.events.finished();
    assert.equal(msg.status, 'error');
    assert.equal(h.fake.chats.length, 0, 'nothing was sent to the server');
    const problem = h.events.problem!;
    assert.match(problem.title, /too long for the context length/);
    assert.match(problem.detail, k.contextSays(512));
    assert.match(problem.detail, /estimate/);
    assert.deepEqual(problem.actions, ['openSettings']);
    assert.equal(h.events.connection?.generating, false);
  });

  test(`${kind}: a long conversation: the oldest messages are left out of the request, and the user is told`, T, async (t) => {
    const h = await setup(t, { kind, settings: { numCtx: 1024 } });
    for (let i = 0; i < 30; i++) {
      h.store.messages.insert({ profile_id: h.profile.id, role: i % 2 ? 'assistant' : 'user', content: `${i} ${'word '.repeat(40)}`, created: i, status: 'done' });
    }
    await h.chat.send(h.profile.id, 'and now?');
    const msg = await h.events.finished();
    assert.equal(msg.status, 'done');
    const sent = (await h.fake.chatAt(0)).body.messages as { role: string; content: string }[];
    assert.equal(sent[0]!.role, 'system');
    assert.deepEqual(sent.at(-1), { role: 'user', content: 'and now?' });
    assert.ok(sent.length < 31, `${sent.length} messages sent`);
    assert.ok(sent[1]!.content.startsWith(String(31 - (sent.length - 1))), 'the newest are kept, in order');
    const chars = sent.reduce((n, m) => n + m.content.length, 0);
    assert.ok(chars / 4 < 1024, 'what was sent fits by the estimate');
    const trimmed = h.events.of('chat/problem').find((p) => p.problem && /left out/.test(p.problem.title));
    assert.ok(trimmed, 'the user was told');
    assert.match(trimmed.problem!.detail, k.contextSays(1024));
    assert.deepEqual(trimmed.problem!.actions, ['openSettings']);
  });

  test(`${kind}: the context-full warning counts the prompt as sent, though a prefix cache makes the server count only the new tokens`, T, async (t) => {
    const h = await setup(t, { kind, settings: { numCtx: 2048 } }); // 512 kept for the reply, 1536 for the prompt
    const long = 'x'.repeat(4000); // about 1000 tokens
    h.fake.scriptChat({ tokens: ['ok'], promptEvalCount: 7, evalCount: 1100 });
    await h.chat.send(h.profile.id, long);
    const msg = await h.events.finished();
    assert.equal(msg.status, 'done');
    await waitFor(() => !!h.events.problem, 'the warning');
    assert.match(h.events.problem!.title, /may not have seen the whole conversation/);
    assert.match(h.events.problem!.detail, /about 10\d\d tokens and the reply to 1100/);
    assert.match(h.events.problem!.detail, k.toldContext ? /Ollama leaves out what does not fit/ : /the server may have left out what did not fit/);

    // A server count above the estimate (the estimate was low) is believed.
    h.fake.scriptChat({ tokens: ['ok'], promptEvalCount: 2040, evalCount: 20 });
    await h.chat.send(h.profile.id, 'hi');
    await h.events.finished((m) => m.id > msg.id && m.role === 'assistant');
    assert.match(h.events.problem!.detail, /about 2040 tokens/);

    await h.chat.clear(h.profile.id);
    h.fake.scriptChat({ tokens: ['ok'], promptEvalCount: 3, evalCount: 5 });
    const again = await h.chat.send(h.profile.id, 'again');
    await h.events.finished((m) => m.id > again.id && m.role === 'assistant');
    assert.equal(h.events.problem, null, 'no warning when it fits');
  });

  test(`${kind}: the chat never stays generating: every kind of end emits finished and generating false`, T, async (t) => {
    const h = await setup(t, { kind, settings: { timeoutMs: 500 } });
    const scripts = [
      { tokens: ['a'] },
      { fail: { status: 500, body: k.errorBody('x') } },
      { tokens: ['a', 'b'], errorAfter: { tokens: 1, message: 'x' } },
      { tokens: ['a', 'b'], dropAfter: 1 },
      { tokens: ['a', 'b'], endAfter: 1 },
      { hang: true },
    ];
    for (const script of scripts) {
      h.fake.scriptChat(script);
      const before = h.events.of('chat/finished').length;
      await h.chat.send(h.profile.id, 'hi');
      await h.chat.settled(h.profile.id);
      assert.equal(h.events.of('chat/finished').length, before + 1, JSON.stringify(script));
      assert.equal(h.events.connection?.generating, false);
      assert.equal(h.store.messages.count({ status: 'streaming' }), 0);
    }
  });
}

// ---- Ollama only, or no server at all -----------------------------------------------

test('checkConnection: connected with the models; unreachable with a diagnosis; missing model offers a pull', T, async (t) => {
  const h = await setup(t, { fake: { models: ['llama3.2:latest', 'qwen2.5:0.5b'] } });
  const ok = await h.chat.checkConnection();
  assert.equal(ok.state, 'connected');
  assert.deepEqual(ok.models, ['llama3.2:latest', 'qwen2.5:0.5b']);
  assert.equal(ok.host, h.fake.url);
  assert.equal(h.events.connection?.state, 'connected');
  assert.deepEqual(h.fake.requests.map((r) => r.path).sort(), ['/api/tags', '/api/version']);

  h.settings.model = 'mistral';
  await h.chat.checkConnection();
  assert.match(h.events.problem!.title, /"mistral" is not installed/);
  assert.deepEqual(h.events.problem!.actions, ['pull', 'selectModel']);

  h.settings.model = 'qwen2.5:0.5b';
  await h.chat.checkConnection();
  assert.equal(h.events.problem, null, 'the problem went away');
  assert.deepEqual(await h.chat.listModels(), ['llama3.2:latest', 'qwen2.5:0.5b']);

  h.settings.host = `http://localhost:${await closedPort()}`;
  const down = await h.chat.checkConnection();
  assert.equal(down.state, 'unreachable');
  assert.match(h.events.problem!.title, /not reachable at http:\/\/localhost:/);
  assert.match(h.events.problem!.detail, /127\.0\.0\.1/, 'explains localhost against 127.0.0.1');
  await assert.rejects(h.chat.listModels());
});

test('a background job posts through the queue; its message is on disk when post resolves', T, async (t) => {
  const h = await setup(t);
  const job = new Promise<boolean>((resolve) => setTimeout(() => resolve(h.chat.post(h.profile.id, 'system', 'Nightly backup done.')), 5));
  assert.equal(await job, true);
  assert.equal(h.db.dirty, false);
  const msg = h.events.of('chat/appended').at(-1)!.message;
  assert.equal(msg.role, 'system');
  assert.equal(msg.content, 'Nightly backup done.');
  assert.equal(msg.status, 'done');
});

test('conversations survive closing and reopening the store', T, async (t) => {
  const h = await setup(t);
  const other = h.store.profiles.insert({ name: 'Home' });
  h.fake.scriptChat({ tokens: ['Hi', '!'] });
  await h.chat.send(h.profile.id, 'hello');
  await h.events.finished();
  h.chat.note(h.profile.id, 'Added todo “x”');
  await h.chat.post(other.id, 'assistant', 'Hello Home');
  h.chat.dispose();
  h.db.closeSync();

  const { db } = await openForTest(t, h.dir);
  const store = appStore(db);
  const chat = new ChatService({ store, settings: () => h.settings, emit: () => {}, log: () => {} });
  t.after(() => chat.dispose());
  const snap = chat.snapshot(h.profile);
  assert.equal(snap.profileId, h.profile.id);
  assert.equal(snap.profileName, h.profile.name);
  assert.deepEqual(
    snap.messages.map((m) => [m.role, m.content, m.status]),
    [
      ['user', 'hello', 'done'],
      ['assistant', 'Hi!', 'done'],
      ['note', 'Added todo “x”', 'done'],
    ],
  );
  assert.equal(snap.messages[1]!.model, 'llama3.2');
  assert.deepEqual(chat.snapshot({ id: other.id, name: 'Home' }).messages.map((m) => m.content), ['Hello Home']);
  assert.equal(snap.connection.generating, false);
});

test('clear deletes the conversation of that profile only and resets the views', T, async (t) => {
  const h = await setup(t);
  const other = h.store.profiles.insert({ name: 'Home' });
  h.chat.note(h.profile.id, 'a');
  h.chat.note(other.id, 'b');
  await h.chat.clear(h.profile.id);
  assert.equal(h.store.messages.count({ profile_id: h.profile.id }), 0);
  assert.equal(h.store.messages.count({ profile_id: other.id }), 1);
  const reset = h.events.of('chat/reset').at(-1)!;
  assert.equal(reset.snapshot.profileId, h.profile.id);
  assert.equal(reset.snapshot.profileName, 'Work');
  assert.deepEqual(reset.snapshot.messages, []);
  assert.equal(h.db.dirty, false);
});

test('pull streams its progress, then the model is there', T, async (t) => {
  const h = await setup(t, { settings: { model: 'qwen2.5:0.5b' }, deps: { pullIntervalMs: 0 } });
  await h.chat.checkConnection();
  assert.deepEqual(h.events.problem!.actions, ['pull', 'selectModel']);
  const seen: import('../../../src/protocol').PullProgress[] = [];
  h.fake.scriptPull({ layers: [{ digest: 'sha256:aaaaaaaaaaaaaaaaaaaa', total: 4000 }, { digest: 'sha256:bbbbbbbbbbbbbbbbbbbb', total: 100 }], steps: 4 });
  const last = await h.chat.pull(undefined, undefined, (p) => seen.push(p));
  assert.equal(last.outcome, 'success');
  assert.deepEqual((await h.fake.pullAt(0)).body.name, 'qwen2.5:0.5b');
  const withBytes = seen.filter((p) => p.total);
  assert.ok(withBytes.length >= 5);
  assert.ok(withBytes.some((p) => p.total === 4000 && p.completed === 4000));
  assert.ok(withBytes.every((p) => (p.completed ?? 0) <= p.total!));
  assert.equal(seen[0]!.status, 'pulling manifest');
  assert.deepEqual(h.events.of('chat/pull').map((n) => n.progress), seen, 'the same progress went to the views');
  assert.ok(h.events.connection?.models?.includes('qwen2.5:0.5b'));
  assert.equal(h.events.problem, null, 'the missing-model problem went away');

  h.fake.scriptChat({ tokens: ['pulled'] });
  await h.chat.send(h.profile.id, 'hi');
  assert.equal((await h.events.finished()).status, 'done');
});

test('pull progress is throttled when it comes fast', T, async (t) => {
  const h = await setup(t, { deps: { pullIntervalMs: 60_000 } });
  h.fake.scriptPull({ steps: 200 });
  const seen: string[] = [];
  const last = await h.chat.pull('tiny', undefined, (p) => seen.push(`${p.status}:${p.completed ?? ''}`));
  assert.equal(last.outcome, 'success');
  // One per status (the first of the layer's 201 lines), and the final one.
  assert.equal(seen.filter((s) => s.startsWith('pulling 0123')).length, 1);
  assert.equal(seen.at(-1), 'success:');
});

test('pull can be cancelled: the request is aborted and the outcome says cancelled', T, async (t) => {
  const h = await setup(t, { deps: { pullIntervalMs: 0 } });
  h.fake.scriptPull({ steps: 1000, delayMs: 10 });
  const ac = new AbortController();
  const outcome = h.chat.pull('big-model', ac.signal, (p) => {
    if (p.completed) ac.abort();
  });
  const last = await outcome;
  assert.equal(last.outcome, 'cancelled');
  assert.equal(await (await h.fake.pullAt(0)).closed, 'client-closed');
  assert.equal(h.events.of('chat/pull').at(-1)!.progress.outcome, 'cancelled');
  assert.equal(h.fake.models.includes('big-model:latest'), false);
});

test('a failed pull says why', T, async (t) => {
  const h = await setup(t);
  h.fake.scriptPull({ fail: { status: 500, body: { error: 'pull model manifest: file does not exist' } } });
  const last = await h.chat.pull('no-such-model');
  assert.equal(last.outcome, 'error');
  assert.match(last.error!, /file does not exist/);
  assert.match(h.events.problem!.title, /Could not pull "no-such-model"/);

  h.fake.scriptPull({ errorAfter: { lines: 3, message: 'max retries exceeded: connection reset' } });
  const mid = await h.chat.pull('other');
  assert.equal(mid.outcome, 'error');
  assert.match(mid.error!, /max retries exceeded/);
});

test('pull with Ollama down says where it looked', T, async (t) => {
  const port = await closedPort();
  const h = await setup(t, { settings: { host: `http://127.0.0.1:${port}` } });
  const last = await h.chat.pull('x');
  assert.equal(last.outcome, 'error');
  assert.match(h.events.problem!.title, new RegExp(`not reachable at http://127\\.0\\.0\\.1:${port}`));
});
