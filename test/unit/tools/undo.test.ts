/**
 * One undo for everyone: the user's delete and clear, and a card the model applied,
 * reverted exactly (title, state, place), also after the store is closed and opened again.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { waitFor } from '../../helpers/store';
import { ask, setupTools } from './harness';

const T = { timeout: 30_000 };

test('the user’s delete comes back with its id, title, state and place; the Tasks view hears it can, then that it cannot', T, async (t) => {
  const h = await setupTools(t);
  for (const title of ['a', 'b', 'c']) await h.core.tasks.addTodo(title);
  const b = h.core.tasks.snapshot().todos[1]!;
  await h.core.tasks.toggleTodo(b.id);
  await h.core.userUndo.deleteTodo(b.id);
  assert.deepEqual(h.list(), ['a', 'c']);
  assert.deepEqual(h.events.of('tasks/undoable').map((n) => n.label), ['Deleted todo “b”']);

  assert.equal(await h.core.userUndo.undo(), true);
  assert.deepEqual(h.list(), ['a', '[x] b', 'c']);
  assert.equal(h.core.store.todos.get(b.id).title, 'b', 'the same id');
  assert.deepEqual(h.events.of('tasks/undoable').map((n) => n.label), ['Deleted todo “b”', null]);
  assert.equal(await h.core.userUndo.undo(), false, 'nothing more to undo');
  await waitFor(() => h.core.store.messages.count({ role: 'note', content: 'Undone: Deleted todo “b”' }) === 1, 'the model is told');
});

test('clear completed, undone after the store is closed and opened again: every todo back in its place', T, async (t) => {
  const h = await setupTools(t);
  for (const title of ['1', '2', '3', '4', '5']) await h.core.tasks.addTodo(title);
  const todos = h.core.tasks.snapshot().todos;
  for (const i of [0, 2, 4]) await h.core.tasks.toggleTodo(todos[i]!.id);
  assert.equal(await h.core.userUndo.clearCompleted(), 3);
  await h.core.tasks.addTodo('6'); // its priority is one a cleared todo had
  assert.deepEqual(h.list(), ['2', '4', '6']);
  h.core.dispose();
  h.db.closeSync();

  const again = await setupTools(t, { dir: h.dir, fakeToUse: h.fake });
  assert.equal(await again.core.userUndo.undo(), true);
  assert.deepEqual(again.list(), ['[x] 1', '2', '[x] 3', '4', '[x] 5', '6']);
});

test('a deleted todo comes back in its place among todos added since, under its own id', T, async (t) => {
  const h = await setupTools(t);
  await h.core.tasks.addTodo('a');
  const last = await h.core.tasks.addTodo('b');
  await h.core.userUndo.deleteTodo(last.id);
  const added = await h.core.tasks.addTodo('c');
  assert.equal(h.core.store.todos.get(added.id).priority, last.priority, 'the new todo took the deleted one’s priority');
  await h.core.userUndo.undo();
  assert.deepEqual(h.list(), ['a', 'b', 'c']);
  assert.equal(h.core.store.todos.get(last.id).title, 'b');
});

test('a card’s changes are undone together, also after a reload; the card says so and cannot be undone twice', T, async (t) => {
  const h = await setupTools(t, { settings: { tools: { enabled: true, autoApprove: ['add', 'rename', 'move', 'delete', 'complete'], maxRounds: 8 } } });
  const keep = await h.core.tasks.addTodo('Keep');
  const doomed = await h.core.tasks.addTodo('Doomed');
  h.fake.scriptChat(
    {
      tokens: [''],
      toolCalls: [
        { name: 'add_todo', arguments: { title: 'New' } },
        { name: 'rename_todo', arguments: { id: keep.id, title: 'Kept' } },
        { name: 'complete_todo', arguments: { id: keep.id } },
        { name: 'delete_todo', arguments: { id: doomed.id } },
        { name: 'move_todo', arguments: { id: keep.id, position: 2 } },
      ],
    },
    { tokens: ['Done.'] },
  );
  await ask(h, 'shuffle things');
  assert.deepEqual(h.list(), ['New', '[x] Kept']);
  const profileId = h.core.tasks.activeProfileId;
  h.core.dispose();
  h.db.closeSync();

  const again = await setupTools(t, { dir: h.dir, fakeToUse: h.fake });
  assert.equal(await again.core.chat.undoCard(profileId), true);
  const undone = await again.card('done', (c) => c.items[0]!.state === 'undone');
  assert.deepEqual(undone.card.items.map((i) => i.state), ['undone', 'undone', 'undone', 'undone', 'undone']);
  assert.equal(undone.card.undoable, false);
  assert.deepEqual(again.list(), ['Keep', 'Doomed']);
  assert.equal(again.core.store.todos.get(doomed.id).title, 'Doomed');
  assert.ok(again.events.of('tasks/reset').length > 0, 'the Tasks view is sent the list');
  assert.equal(await again.core.chat.undoCard(profileId), false, 'nothing left to undo');
  await assert.rejects(again.core.chat.undoCard(profileId, undone.id), /Nothing on that card can be undone/);
  // The model is told, in the next request, that the user undid it.
  again.fake.scriptChat({ tokens: ['ok'] });
  await ask(again, 'what happened?');
  const told = again.fake.chats.at(-1)!.body.messages.filter((m: { role: string }) => m.role === 'tool');
  assert.ok(told.every((m: { content: string }) => /The user undid it later/.test(m.content)));
});

test('a profile the model created goes again on undo, and the user is back where they were', T, async (t) => {
  const h = await setupTools(t, { settings: { tools: { enabled: true, autoApprove: ['profile'], maxRounds: 8 } } });
  const home = h.core.tasks.activeProfile();
  h.fake.scriptChat({ tokens: [''], toolCalls: [{ name: 'create_profile', arguments: { name: 'Travel' } }] }, { tokens: ['Created.'] });
  await ask(h, 'make a travel profile');
  assert.equal(h.core.tasks.activeProfile().name, 'Travel');
  await h.core.chat.undoCard(home.id);
  assert.equal(h.core.tasks.activeProfileId, home.id);
  assert.deepEqual(h.core.tasks.profileList().map((p) => p.name), [home.name]);
});

test('the model’s last change is undone even after its conversation was cleared', T, async (t) => {
  const h = await setupTools(t, { settings: { tools: { enabled: true, autoApprove: ['add'], maxRounds: 8 } } });
  h.fake.scriptChat({ tokens: [''], toolCalls: [{ name: 'add_todo', arguments: { title: 'Call the bank' } }] }, { tokens: ['Added.'] });
  await ask(h, 'add call the bank');
  const profileId = h.core.tasks.activeProfileId;
  await h.core.chat.clear(profileId);
  assert.deepEqual(h.list(), ['Call the bank']);
  assert.equal(await h.core.chat.undoCard(profileId), true);
  assert.deepEqual(h.list(), []);
  assert.equal(await h.core.chat.undoCard(profileId), false);
});

test('deleting a profile deletes what the tools kept for it (its undo entries, its allowed changes), also on disk after a reopen; other profiles keep theirs', T, async (t) => {
  const h = await setupTools(t, { settings: { tools: { enabled: true, autoApprove: ['add'], maxRounds: 8 } } });
  const rows = (profileId: number) => ({
    undo: h.db.all('SELECT count(*) AS n FROM undo WHERE profile_id = ?', [profileId])[0]!.n,
    allowed: h.core.store.kv.get(`tools.allowed.${profileId}`) ?? null,
  });
  const kept = h.core.tasks.activeProfileId;
  /** In the active profile: a model's card applied, the user's own delete, "Always allow" renames. */
  const leaveTraces = async () => {
    h.fake.scriptChat({ tokens: [''], toolCalls: [{ name: 'add_todo', arguments: { title: 'From the model' } }] }, { tokens: ['Added.'] });
    await ask(h, 'add a todo');
    const mine = await h.core.tasks.addTodo('Mine');
    await h.core.userUndo.deleteTodo(mine.id);
    h.core.approvals.allow(h.core.tasks.activeProfileId, ['rename']);
    await h.db.sync();
  };
  await leaveTraces();
  const doomed = (await h.core.tasks.addProfile('Doomed')).id;
  await leaveTraces();
  assert.deepEqual(rows(doomed), { undo: 2, allowed: ['rename'] });
  await h.core.tasks.switchProfile(kept);
  await h.core.tasks.deleteProfile(doomed);
  assert.deepEqual(rows(doomed), { undo: 0, allowed: null });
  assert.deepEqual(rows(kept), { undo: 2, allowed: ['rename'] }, 'the other profile keeps its own');

  h.core.dispose();
  h.db.closeSync();
  const again = await setupTools(t, { dir: h.dir, fakeToUse: h.fake });
  assert.equal(again.db.all('SELECT count(*) AS n FROM undo WHERE profile_id = ?', [doomed])[0]!.n, 0, 'on disk');
  assert.equal(again.core.store.kv.get(`tools.allowed.${doomed}`), undefined);
  assert.equal(again.db.all('SELECT count(*) AS n FROM undo WHERE profile_id = ?', [kept])[0]!.n, 2);
  assert.equal(await again.core.userUndo.undo(), true, 'the kept profile’s undo still works');
  assert.deepEqual(again.list(), ['From the model', 'Mine']);
});

test('the undo log keeps the newest 50 at least and does not grow without end; the newest is undone, after a reopen too', { timeout: 120_000 }, async (t) => {
  const h = await setupTools(t);
  const entries = (db: typeof h.db) => Number(db.all('SELECT count(*) AS n FROM undo')[0]!.n);
  for (let i = 0; i < 70; i++) await h.core.userUndo.deleteTodo((await h.core.tasks.addTodo(`t${i}`)).id);
  assert.ok(entries(h.db) >= 50 && entries(h.db) <= 66, `${entries(h.db)} entries`);
  h.core.dispose();
  h.db.closeSync();
  const again = await setupTools(t, { dir: h.dir, fakeToUse: h.fake });
  await again.core.userUndo.deleteTodo((await again.core.tasks.addTodo('last')).id);
  assert.equal(entries(again.db), 50, 'the first new entry of a session drops what is beyond');
  assert.equal(await again.core.userUndo.undo(), true);
  assert.equal(await again.core.userUndo.undo(), true);
  assert.deepEqual(again.list(), ['t69', 'last']);
});

test('Undo Last Model Change while its card still waits for the rest: the undone change stays undone when the card is answered, and the model is told so', T, async (t) => {
  const h = await setupTools(t, { settings: { tools: { enabled: true, autoApprove: ['add'], maxRounds: 8 } } });
  const doomed = await h.core.tasks.addTodo('Doomed');
  h.fake.scriptChat(
    { tokens: [''], toolCalls: [{ name: 'add_todo', arguments: { title: 'Added at once' } }, { name: 'delete_todo', arguments: { id: doomed.id } }] },
    { tokens: ['Done.'] },
  );
  const profileId = h.core.tasks.activeProfileId;
  await h.core.chat.send(profileId, 'add one, delete one');
  const waiting = await h.card('waiting');
  assert.deepEqual(h.list(), ['Doomed', 'Added at once']);
  assert.equal(await h.core.chat.undoCard(profileId), true, 'the command takes back what the card applied so far');
  assert.deepEqual(h.list(), ['Doomed']);
  const answered = await h.core.chat.decide(profileId, waiting.id, 'all');
  assert.deepEqual(answered.card!.items.map((i) => i.state), ['undone', 'applied']);
  assert.deepEqual(h.list(), []);
  await h.core.chat.settled();
  const told = (await h.fake.chatAt(1)).body.messages.filter((m: { role: string }) => m.role === 'tool').map((m: { content: string }) => m.content);
  assert.match(told[0], /Added todo .*\(The user undid it later\.\)/);
  assert.match(told[1], /^Deleted todo/);
  const stored = h.cards().at(-1)!;
  assert.deepEqual(stored.card.items.map((i) => i.state), ['undone', 'applied'], 'as stored');
});
