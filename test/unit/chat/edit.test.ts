/**
 * Edit and resend, regenerate: through the real chat service, a real store and the fake
 * Ollama server. The later part of the conversation is replaced in the view and in what
 * the model is sent; the store keeps it until the conversation is cleared; pages and the
 * prompt window never show it; the prompt before the replaced part stays byte-identical.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ChatBusyError, ChatService } from '../../../src/chat/chatService';
import { Conversation } from '../../../src/chat/conversation';
import { PromptWindow, type PromptInput } from '../../../src/chat/prompt';
import { conversationMarkdown } from '../../../src/export/conversationMarkdown';
import { Search } from '../../../src/search/searchIndex';
import { appStore } from '../../../src/store/appSchema';
import type { Attachment } from '../../../src/chat/attachments';
import { openForTest, scratchDir } from '../../helpers/store';
import { setup } from './harness';

const T = { timeout: 20_000 };
const selection: Attachment = { folder: 'app', path: 'src/parse.ts', start: 2, end: 3, language: 'typescript', text: 'return lex(input);\n}' };
type Sent = { role: string; content: string };

test('an edit replaces the message and what followed it: the model gets the new text without the replaced turn; the store keeps it until a clear', T, async (t) => {
  const h = await setup(t, { deps: { describeWork: () => 'The to-do list: [ ] t0' } });
  h.fake.scriptChat({ tokens: ['first answer'] }, { tokens: ['second answer'] }, { tokens: ['edited answer'] });
  const q1 = await h.chat.send(h.profile.id, 'What is 1+1?');
  const r1 = await h.events.finished((m) => m.role === 'assistant');
  h.chat.note(h.profile.id, 'Added todo “t1”');
  h.chat.attachments.add(h.profile.id, selection);
  const q2 = await h.chat.send(h.profile.id, 'Why does this fail?');
  const r2 = await h.events.finished((m) => m.role === 'assistant' && m.id > q2.id);
  const note = h.store.messages.rows({ where: { profile_id: h.profile.id, role: 'note' } })[0]!;

  const edited = await h.chat.edit(h.profile.id, q2.id, '  Why does this fail on empty input?  ');
  assert.equal(edited.content, 'Why does this fail on empty input?');
  assert.deepEqual(edited.attachments, [{ folder: 'app', path: 'src/parse.ts', start: 2, end: 3, language: 'typescript' }], 'the attachments stay with the edited message');
  const r3 = await h.events.finished((m) => m.role === 'assistant' && m.id > edited.id);
  assert.equal(r3.content, 'edited answer');

  // The views were given the conversation anew, without the replaced messages; the reply followed.
  const reset = h.events.of('chat/reset').at(-1)!.snapshot;
  assert.deepEqual(
    reset.messages.map((m) => m.id),
    [q1.id, r1.id, note.id, edited.id],
  );
  // What the model was sent: the first turn, the note, the edited question with its attachment; nothing of the replaced one.
  const sent = (await h.fake.chatAt(2)).body.messages as Sent[];
  assert.deepEqual(
    sent.filter((m) => m.role !== 'system'),
    [
      { role: 'user', content: 'What is 1+1?' },
      { role: 'assistant', content: 'first answer' },
      { role: 'user', content: 'Why does this fail on empty input?\n\nsrc/parse.ts (lines 3-4):\n```typescript\nreturn lex(input);\n}\n```' },
    ],
  );
  assert.ok(sent.some((m) => m.role === 'system' && m.content === 'Added todo “t1”'), 'the note stays: what the user did still happened');
  assert.doesNotMatch(JSON.stringify(sent), /second answer|Why does this fail\?/);

  // Kept in the store, marked replaced; not in a page, a snapshot, or the search.
  const replaced = h.store.messages.rows({ where: { profile_id: h.profile.id, replaced: true }, orderBy: 'id' });
  assert.deepEqual(
    replaced.map((r) => r.content),
    ['Why does this fail?', 'second answer'],
  );
  assert.deepEqual(
    h.chat.snapshot(h.profile).messages.map((m) => m.id),
    [q1.id, r1.id, note.id, edited.id, r3.id],
  );
  assert.deepEqual(
    h.chat.history(h.profile.id, r3.id, 2).messages.map((m) => m.id),
    [note.id, edited.id],
  );
  assert.deepEqual(
    new Search(h.db).find('second answer').map((hit) => hit.kind),
    [],
  );
  assert.equal(new Search(h.db).find('edited answer').length, 1);
  assert.ok(r2.id < edited.id);

  // The export has them, marked: it is where the user reads them again.
  const markdown = conversationMarkdown(h.profile.name, h.store.messages.rows({ where: { profile_id: h.profile.id }, orderBy: 'id' }), String, 0);
  assert.match(markdown, /## You · \d+ \(replaced\)\n\nWhy does this fail\?/);

  // A reopened store still has them; a replaced message cannot be edited again.
  await assert.rejects(h.chat.edit(h.profile.id, q2.id, 'again'), /no longer in the conversation/);
  await h.chat.clear(h.profile.id);
  assert.equal(h.store.messages.count({ profile_id: h.profile.id }), 0, 'a clear removes the replaced messages too');
});

test('regenerate answers the question again: the old reply is replaced, the model is sent the question without it', T, async (t) => {
  const h = await setup(t);
  h.fake.scriptChat({ tokens: ['a poor answer'] }, { tokens: ['a better answer'] });
  const q = await h.chat.send(h.profile.id, 'Plan my day');
  const r1 = await h.events.finished((m) => m.role === 'assistant');
  await h.chat.regenerate(h.profile.id, r1.id);
  const r2 = await h.events.finished((m) => m.role === 'assistant' && m.id > r1.id);
  assert.equal(r2.content, 'a better answer');
  const sent = (await h.fake.chatAt(1)).body.messages as Sent[];
  assert.deepEqual(sent.at(-1), { role: 'user', content: 'Plan my day' });
  assert.doesNotMatch(JSON.stringify(sent), /a poor answer/);
  assert.deepEqual(
    h.chat.snapshot(h.profile).messages.map((m) => m.id),
    [q.id, r2.id],
  );
  assert.equal(h.store.messages.get(r1.id).replaced, true);
  // A reply of a question with attachments says what its code may be applied to; this one had none.
  assert.equal(r2.applyTo, undefined);
});

test('while a reply streams, edit and regenerate are refused (stop it first); another profile’s message or a user message cannot be regenerated', T, async (t) => {
  const h = await setup(t);
  h.fake.scriptChat({ tokens: ['done'] }, { hang: true });
  const q = await h.chat.send(h.profile.id, 'one');
  const r = await h.events.finished((m) => m.role === 'assistant');
  await h.chat.send(h.profile.id, 'two');
  await assert.rejects(h.chat.edit(h.profile.id, q.id, 'one, edited'), ChatBusyError);
  await assert.rejects(h.chat.regenerate(h.profile.id, r.id), ChatBusyError);
  assert.equal(h.store.messages.count({ replaced: true }), 0, 'nothing was replaced');
  h.chat.stop(h.profile.id);
  await h.chat.settled();

  const other = h.store.profiles.insert({ name: 'Home' });
  await assert.rejects(h.chat.edit(other.id, q.id, 'x'), /no longer in the conversation/);
  await assert.rejects(h.chat.regenerate(h.profile.id, q.id), /no longer in the conversation/);
  await assert.rejects(h.chat.edit(h.profile.id, q.id, '   '), /empty/);
  assert.equal(h.store.messages.count({ replaced: true }), 0);
});

const input = (work: string): PromptInput => ({ systemPrompt: 'Be brief.', work: () => work, numCtx: 2048, retry: false });

async function conversationOf(t: Parameters<typeof setup>[0]) {
  const { db } = await openForTest(t, scratchDir(t, 'pipulate-replace-'));
  const store = appStore(db);
  const profile = store.profiles.insert({ name: 'Work' });
  let clock = 0;
  const conversation = new Conversation(store, () => ++clock);
  const window = new PromptWindow();
  const build = (work = 'list A') => window.build(profile.id, conversation.newestFirst(profile.id), input(work));
  return { store, conversation, window, build, profileId: profile.id };
}

test('the prompt window after a replace: the part before it is sent byte for byte as before; a window that began in it starts afresh', async (t) => {
  const c = await conversationOf(t);
  const turn = (i: number, size = 150) => {
    const q = c.conversation.add(c.profileId, 'user', `question ${i} ${'q'.repeat(size)}`)!;
    c.conversation.add(c.profileId, 'assistant', `answer ${i} ${'a'.repeat(size)}`);
    return q;
  };
  // The list is written before the first question, and stays there.
  c.conversation.add(c.profileId, 'user', 'question 0');
  c.build('list A');
  c.conversation.add(c.profileId, 'assistant', 'answer 0');
  const ids: number[] = [];
  for (let i = 1; i < 5; i++) ids.push(turn(i).id);
  c.conversation.add(c.profileId, 'user', 'question 5');
  const before = c.build('list B');
  assert.deepEqual(before.messages.slice(1, 3), [{ role: 'system', content: 'list A' }, { role: 'user', content: 'question 0' }]);
  // Replace from the third question on, then ask again: what stands before it is sent as before.
  const from = ids[2]!;
  const keptRows = c.store.messages.count(`profile_id = ${c.profileId} AND id < ${from}`);
  c.conversation.replaceFrom(c.profileId, from);
  c.window.replaced(c.profileId, from, false);
  c.conversation.add(c.profileId, 'user', 'question 3, edited');
  const after = c.build('list C');
  const kept = before.messages.slice(0, 1 + 1 + keptRows); // the system prompt, the list, the rows before the cut
  assert.deepEqual(after.messages.slice(0, kept.length), kept, 'the start is byte-identical: the server’s prefix cache still serves it');
  assert.deepEqual(after.messages.slice(kept.length), [{ role: 'user', content: 'question 3, edited' }]);

  // Long enough that a block was dropped: the window began at a later message. Replace from before it: it starts afresh, with the older turns back.
  for (let i = 5; i < 40; i++) turn(i);
  c.conversation.add(c.profileId, 'user', 'newest');
  const trimmed = c.build();
  assert.equal(trimmed.trimmed, true);
  const firstInWindow = trimmed.messages.find((m) => m.role === 'user')!.content;
  const startId = c.store.messages.rows({ where: { profile_id: c.profileId, content: firstInWindow }, limit: 1 })[0]!.id;
  const cut = startId - 4;
  c.conversation.replaceFrom(c.profileId, cut);
  c.window.replaced(c.profileId, cut, false);
  c.conversation.add(c.profileId, 'user', 'asked again');
  const afresh = c.build();
  const questions = afresh.messages.filter((m) => m.role === 'user').map((m) => m.content.split(' ').slice(0, 2).join(' '));
  assert.equal(questions.at(-1), 'asked again');
  assert.ok(questions.length > 2, `older turns fill the window again: ${questions.join(', ')}`);
  assert.ok(!afresh.messages.some((m) => m.content === 'newest'), 'nothing replaced is sent');
});

test('a replaced card that changed the list: the list is written anew, as it is now, before the new question', async (t) => {
  const c = await conversationOf(t);
  c.conversation.add(c.profileId, 'user', 'question 0');
  assert.deepEqual(c.build('list A').messages.slice(1, 2), [{ role: 'system', content: 'list A' }]);
  c.conversation.add(c.profileId, 'assistant', 'answer 0');
  const q1 = c.conversation.add(c.profileId, 'user', 'add a todo')!;
  assert.deepEqual(c.build('list A2').messages.slice(1, 2), [{ role: 'system', content: 'list A' }], 'the list stays where it was written');
  c.conversation.add(c.profileId, 'assistant', '', 'done', 'm', { calls: [{ name: 'add_todo', arguments: { title: 'x' } }] });
  const card = { state: 'done', undoable: true, items: [{ index: 0, tool: 'add_todo', text: 'Add todo “x”', state: 'applied', result: 'Added' }] };
  c.conversation.add(c.profileId, 'tool', 'Add todo “x”', 'done', null, { card });
  const replaced = c.conversation.replaceFrom(c.profileId, q1.id);
  assert.deepEqual(replaced, { count: 3, listChanged: true });
  c.window.replaced(c.profileId, q1.id, replaced.listChanged);
  c.conversation.add(c.profileId, 'user', 'question 1');
  const prompt = c.build('list B, with x');
  assert.deepEqual(prompt.messages.slice(1), [
    { role: 'user', content: 'question 0' },
    { role: 'assistant', content: 'answer 0' },
    { role: 'system', content: 'list B, with x' },
    { role: 'user', content: 'question 1' },
  ]);
});

test('a reply answering a message with attachments says so (applyTo), in pages and as it streams', T, async (t) => {
  const h = await setup(t);
  h.fake.scriptChat({ tokens: ['```ts\nreturn lex(input ?? "");\n```'] });
  h.chat.attachments.add(h.profile.id, selection);
  await h.chat.send(h.profile.id, 'Fix it');
  const r = await h.events.finished((m) => m.role === 'assistant');
  const where = [{ folder: 'app', path: 'src/parse.ts', start: 2, end: 3, language: 'typescript' }];
  assert.deepEqual(r.applyTo, where);
  assert.deepEqual(h.events.of('chat/appended').find((n) => n.message.id === r.id)!.message.applyTo, where);
  assert.deepEqual(h.chat.history(h.profile.id, r.id + 1, 1).messages[0]!.applyTo, where, 'a page that opens with the reply finds its question');
  assert.deepEqual(h.chat.attachedTo(h.profile.id, r.id), [selection]);

  // Reopened: the same.
  h.db.closeSync();
  const { db } = await openForTest(t, h.dir);
  const again = new ChatService({ store: appStore(db), emit: () => {}, settings: () => h.settings, log: () => {} });
  t.after(() => again.dispose());
  assert.deepEqual(again.snapshot(h.profile).messages.at(-1)!.applyTo, where);
});
