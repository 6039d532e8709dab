/**
 * TasksService and ChatService wired as the core wires them, on a real store and the fake
 * Ollama server: what the conversation gets when the user works in the list (notes that
 * fold, nothing for a deleted profile, text cut between characters).
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { NotFoundError } from '../../../src/errors';
import { TasksService } from '../../../src/tasks/tasksService';
import { setup } from '../chat/harness';

const T = { timeout: 20_000 };

async function wired(t: TestContext) {
  const h = await setup(t);
  const tasks = new TasksService({
    store: h.store,
    emit: h.events.push,
    note: (profileId, note) => h.chat.note(profileId, note),
    storage: { dir: h.dir, scope: 'workspace' },
    onProfileDeleting: (profileId) => h.chat.removeProfile(profileId),
  });
  const notes = (profileId = tasks.activeProfileId) => h.store.messages.rows({ where: { profile_id: profileId, role: 'note' }, orderBy: 'id' }).map((m) => m.content);
  return { ...h, tasks, notes };
}

// ---- a deleted profile gets nothing ----------------------------------------------------

test('changes racing with their profile’s deletion write no note for it; later posts and sends are refused', T, async (t) => {
  const h = await wired(t);
  const doomed = await h.tasks.addProfile('Doomed');
  const todo = await h.tasks.addTodo('a');
  const before = h.events.all.length;
  // All four start at once: each writes, then awaits the disk, then notes; the delete runs meanwhile.
  await Promise.all([h.tasks.addTodo('x'), h.tasks.renameTodo(todo.id, 'b'), h.tasks.renameProfile(doomed.id, 'Gone'), h.tasks.deleteProfile(doomed.id)]);
  assert.equal(h.store.profiles.has(doomed.id), false);
  assert.equal(h.store.messages.count({ profile_id: doomed.id }), 0, 'no note for the deleted profile');
  const late = h.events.all.slice(before).filter((n) => (n.kind === 'chat/appended' || n.kind === 'chat/finished') && n.profileId === doomed.id);
  assert.deepEqual(late, []);

  assert.equal(await h.chat.post(doomed.id, 'system', 'job done'), false);
  await assert.rejects(h.chat.send(doomed.id, 'hi'), NotFoundError);
  assert.equal(h.store.messages.count({ profile_id: doomed.id }), 0);
  assert.equal(h.chat.isGenerating(), false);
});

test('a send racing with its profile’s deletion leaves no row and asks nothing of the model', T, async (t) => {
  const h = await wired(t);
  const doomed = await h.tasks.addProfile('Doomed');
  const [sent, deleted] = await Promise.allSettled([h.chat.send(doomed.id, 'hi'), h.tasks.deleteProfile(doomed.id)]);
  assert.equal(deleted.status, 'fulfilled');
  if (sent.status === 'rejected') assert.ok(sent.reason instanceof NotFoundError);
  await h.chat.settled();
  assert.equal(h.store.messages.count({ profile_id: doomed.id }), 0);
  assert.equal(h.fake.chats.length, 0);
});

test('deleting a profile deletes its conversation (once, by the chat) and stops its reply', T, async (t) => {
  const h = await wired(t);
  const doomed = await h.tasks.addProfile('Doomed');
  h.fake.scriptChat({ tokens: Array.from({ length: 1000 }, () => 'x'), tokenDelayMs: 10 });
  await h.chat.send(doomed.id, 'hi');
  await h.events.next('chat/delta');
  await h.tasks.deleteProfile(doomed.id);
  assert.equal(await (await h.fake.chatAt(0)).closed, 'client-closed');
  assert.equal(h.store.messages.count({ profile_id: doomed.id }), 0);
  await h.chat.settled();
  assert.equal(h.store.messages.count({ profile_id: doomed.id }), 0, 'the stopped reply wrote nothing after');
});

// ---- notes fold ----------------------------------------------------------------------------

test('consecutive moves of one todo are one note, from where to where; a message in between starts a new one', T, async (t) => {
  const h = await wired(t);
  for (const title of ['a', 'b', 'c', 'd', 'e']) await h.tasks.addTodo(title);
  const id = (title: string) => h.tasks.snapshot().todos.find((x) => x.title === title)!.id;
  await h.tasks.moveTodo(id('c'), id('b'));
  const appended = h.events.of('chat/appended').at(-1)!.message;
  await h.tasks.moveTodo(id('c'), id('a'));
  await h.tasks.moveTodo(id('c'), id('e'));
  assert.deepEqual(h.tasks.snapshot().todos.map((x) => x.title), ['a', 'b', 'd', 'c', 'e']);
  assert.deepEqual(h.notes().slice(5), ['Moved todo “c” from position 3 to position 4 of 5']);

  // The views were told: the note appended once, then replaced in place (chat/finished, same id).
  const replaced = h.events.of('chat/finished').filter((n) => n.message.id === appended.id);
  assert.equal(replaced.length, 2);
  assert.equal(replaced.at(-1)!.message.content, 'Moved todo “c” from position 3 to position 4 of 5');
  assert.equal(h.chat.snapshot(h.tasks.activeProfile()).messages.at(-1)!.content, 'Moved todo “c” from position 3 to position 4 of 5');

  // Moved back where it was: still one note, saying so.
  await h.tasks.moveTodo(id('c'), id('d'));
  assert.deepEqual(h.notes().slice(5), ['Moved todo “c” and back: it is at position 3 of 5 again']);

  // The model gets the folded note; after the exchange, a move is a new note.
  await h.chat.send(h.tasks.activeProfileId, 'what now?');
  await h.events.finished();
  const sent = (await h.fake.chatAt(0)).body.messages as { role: string; content: string }[];
  assert.deepEqual(sent.filter((m) => m.content.startsWith('Moved')), [{ role: 'system', content: 'Moved todo “c” and back: it is at position 3 of 5 again' }]);
  await h.tasks.moveTodo(id('c'), null);
  assert.deepEqual(h.notes().slice(5), ['Moved todo “c” and back: it is at position 3 of 5 again', 'Moved todo “c” from position 3 to the bottom']);
});

test('moves of different todos, or another note in between, do not fold', T, async (t) => {
  const h = await wired(t);
  for (const title of ['a', 'b', 'c']) await h.tasks.addTodo(title);
  const id = (title: string) => h.tasks.snapshot().todos.find((x) => x.title === title)!.id;
  await h.tasks.moveTodo(id('c'), id('a'));
  await h.tasks.moveTodo(id('b'), id('c'));
  await h.tasks.addTodo('d');
  await h.tasks.moveTodo(id('b'), null);
  assert.deepEqual(h.notes().slice(3), [
    'Moved todo “c” from the bottom to the top',
    'Moved todo “b” from the bottom to the top',
    'Added todo “d”',
    'Moved todo “b” from the top to the bottom',
  ]);
});

test('switching away and back leaves one note in each conversation', T, async (t) => {
  const h = await wired(t);
  const work = h.tasks.activeProfileId;
  const home = await h.tasks.addProfile('Home');
  for (let i = 0; i < 3; i++) {
    await h.tasks.switchProfile(work);
    await h.tasks.switchProfile(home.id);
  }
  assert.deepEqual(h.notes(home.id), ['Switched to profile “Home”']);
  assert.deepEqual(h.notes(work), ['Switched to profile “Work”']);
});

test('renaming one todo again and again is one note, from the first title to the last', T, async (t) => {
  const h = await wired(t);
  const todo = await h.tasks.addTodo('draft');
  await h.tasks.renameTodo(todo.id, 'draft 2');
  await h.tasks.renameTodo(todo.id, 'draft 3');
  await h.tasks.renameTodo(todo.id, 'final');
  assert.deepEqual(h.notes(), ['Added todo “draft”', 'Renamed todo “draft” to “final”']);
});

// ---- cutting text ---------------------------------------------------------------------------

test('a note for a long title ending in emoji is cut between characters: no U+FFFD in the store', T, async (t) => {
  const h = await wired(t);
  const title = `${'a'.repeat(198)}😀😀`;
  await h.tasks.addTodo(title);
  await h.db.sync();
  const stored = h.notes()[0]!;
  assert.equal(stored.includes('\uFFFD'), false, stored.slice(-8));
  assert.equal(loneSurrogate.test(stored), false);
  assert.equal(stored, `Added todo “${'a'.repeat(198)}…”`);
});

const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
