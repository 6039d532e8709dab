/** xtra(): scoped views of a table that never leak into the table itself. */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { appStore } from '../../../src/store/appSchema';
import { NotFoundError } from '../../../src/store/errors';
import { crashCopy, openForTest, scratchDir } from '../../helpers/store';

async function seeded(t: TestContext) {
  const dir = scratchDir(t);
  const { db } = await openForTest(t, dir);
  const app = appStore(db);
  // Two profiles, three todos each; ids 1-3 belong to profile 1, 4-6 to profile 2.
  for (const profile_id of [1, 2]) for (const n of [1, 2, 3]) app.todos.insert({ title: `p${profile_id}-${n}`, profile_id, priority: n });
  return { dir, db, todos: app.todos };
}

test('xtra returns a new view and leaves the table unscoped', async (t) => {
  const { todos } = await seeded(t);
  const mine = todos.xtra({ profile_id: 1 });
  assert.notEqual(mine, todos);
  assert.equal(todos.count(), 6);
  assert.equal(mine.count(), 3);
  // Still unscoped after using the view, and a second view is independent.
  const theirs = todos.xtra({ profile_id: 2 });
  assert.equal(todos.count(), 6);
  assert.equal(mine.count(), 3);
  assert.deepEqual(theirs.rows({ orderBy: 'id' }).map((r) => r.id), [4, 5, 6]);
  assert.deepEqual(todos.scope, {});
});

test('reads through a view are filtered', async (t) => {
  const { todos } = await seeded(t);
  const mine = todos.xtra({ profile_id: 2 });
  assert.deepEqual(mine.rows({ orderBy: 'id' }).map((r) => r.title), ['p2-1', 'p2-2', 'p2-3']);
  assert.deepEqual(mine.rows({ where: { priority: 2 } }).map((r) => r.id), [5]);
  // A where string cannot widen the scope: it is ANDed with it, parenthesised.
  assert.deepEqual(mine.rows({ where: 'priority = ? OR 1 = 1', args: [1], orderBy: 'id' }).map((r) => r.id), [4, 5, 6]);
  assert.equal(mine.count('1 = 1 OR 1 = 1'), 3);
  assert.deepEqual(mine.rows({ orderBy: 'id DESC', limit: 1, offset: 1 }).map((r) => r.id), [5]);
});

test('inserts through a view are stamped with the scope, even over the record', async (t) => {
  const { todos } = await seeded(t);
  const mine = todos.xtra({ profile_id: 2 });
  const row = mine.insert({ title: 'new', profile_id: 1 });
  assert.equal(row.profile_id, 2);
  assert.equal(todos.get(row.id).profile_id, 2);
  const up = mine.upsert({ id: 100, title: 'upserted', profile_id: 1 });
  assert.equal(up.profile_id, 2);
  assert.equal(todos.get(100).profile_id, 2);
});

test('a row outside the scope is not found: get, has, update, delete', async (t) => {
  const { todos } = await seeded(t);
  const mine = todos.xtra({ profile_id: 1 });
  const before = todos.get(4);
  assert.throws(() => mine.get(4), NotFoundError);
  assert.equal(mine.has(4), false);
  assert.equal(mine.has(1), true);
  assert.throws(() => mine.update({ id: 4, title: 'stolen' }), NotFoundError);
  assert.throws(() => mine.update({ id: 4 }), NotFoundError);
  assert.throws(() => mine.delete(4), NotFoundError);
  assert.equal(mine.deleteWhere({ id: 4 }), 0);
  assert.deepEqual(todos.get(4), before, 'the other profile\'s row is untouched');
});

test('updates and deletes through a view act on rows inside it', async (t) => {
  const { todos } = await seeded(t);
  const mine = todos.xtra({ profile_id: 1 });
  assert.equal(mine.update({ id: 2, done: true }).done, true);
  mine.delete(3);
  assert.equal(todos.has(3), false);
  assert.equal(mine.deleteWhere('priority >= ?', [0]), 2, 'only the two left in scope');
  assert.equal(todos.count(), 3);
  assert.deepEqual(todos.rows({ orderBy: 'id' }).map((r) => r.id), [4, 5, 6]);
});

test('an update through a view cannot move the row out of its scope', async (t) => {
  const { todos } = await seeded(t);
  const mine = todos.xtra({ profile_id: 1 });
  const row = mine.update({ id: 1, title: 'renamed', profile_id: 2 });
  assert.equal(row.profile_id, 1);
  assert.equal(row.title, 'renamed');
  assert.equal(todos.get(1).profile_id, 1);
  assert.equal(mine.count(), 3);
  // Changing only the scope column is a no-op that still needs the row in scope.
  assert.deepEqual(mine.update({ id: 1, profile_id: 2 }), row);
  assert.throws(() => mine.update({ id: 4, profile_id: 1 }), NotFoundError);
  assert.equal(todos.get(4).profile_id, 2);
});

test('upsert through a view of a key that exists outside the scope does not touch that row', async (t) => {
  const { todos, db, dir } = await seeded(t);
  const mine = todos.xtra({ profile_id: 1 });
  const before = todos.get(5);
  assert.throws(() => mine.upsert({ id: 5, title: 'hijack', done: true, profile_id: 1 }), NotFoundError);
  assert.deepEqual(todos.get(5), before);
  assert.equal(todos.count(), 6);
  // Inside the scope it replaces as usual.
  assert.equal(mine.upsert({ id: 2, title: 'replaced', profile_id: 1 }).title, 'replaced');
  // And the journal replays to the same state.
  await db.sync();
  assert.ok(db.journalBytes > 16, 'the changes are in the journal, not yet in the snapshot');
  const reopened = appStore((await openForTest(t, crashCopy(t, dir))).db).todos;
  assert.deepEqual(reopened.get(5), before);
  assert.equal(reopened.get(2).title, 'replaced');
});

test('nested xtra narrows further; the inner view never sees outside the outer scope', async (t) => {
  const { todos } = await seeded(t);
  const p1 = todos.xtra({ profile_id: 1 });
  const p1done = p1.xtra({ done: true });
  p1.update({ id: 1, done: true });
  todos.update({ id: 4, done: true });
  assert.deepEqual(p1done.rows().map((r) => r.id), [1]);
  assert.deepEqual(p1done.scope, { profile_id: 1, done: true });
  assert.deepEqual(p1.scope, { profile_id: 1 }, 'the outer view is not changed');
  const row = p1done.insert({ title: 'stamped twice', profile_id: 2 });
  assert.equal(row.profile_id, 1);
  assert.equal(row.done, true);
  assert.throws(() => p1done.get(2), NotFoundError, 'in profile 1 but not done');
  assert.throws(() => p1done.get(4), NotFoundError, 'done but in profile 2');
  // Re-scoping the same field replaces it for the inner view only.
  const p2 = p1.xtra({ profile_id: 2 });
  assert.deepEqual(p2.rows({ orderBy: 'id' }).map((r) => r.id), [4, 5, 6]);
  assert.equal(p1.count(), 4);
});

test('a scope on a nullable column matches NULL with IS', async (t) => {
  const { db } = await openForTest(t, scratchDir(t));
  const { messages } = appStore(db);
  messages.insert({ profile_id: 1, role: 'user', content: 'a', created: 1 });
  messages.insert({ profile_id: 1, role: 'assistant', content: 'b', created: 2, model: 'm' });
  const unattributed = messages.xtra({ model: null });
  assert.deepEqual(unattributed.rows().map((m) => m.content), ['a']);
  assert.equal(unattributed.insert({ profile_id: 1, role: 'note', content: 'c', created: 3, model: 'x' }).model, null);
});
