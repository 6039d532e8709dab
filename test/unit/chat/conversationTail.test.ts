/**
 * The rows a prompt read, kept in memory by their one writer (Conversation) so a tool
 * loop's next round does not read the conversation again: whatever is written, through
 * the Conversation or around it (another writer, a rolled-back transaction, a restore),
 * reading newest first gives exactly what the store holds.
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { Conversation } from '../../../src/chat/conversation';
import { appStore } from '../../../src/store/appSchema';
import { openForTest, scratchDir, takeSnapshot } from '../../helpers/store';

async function setupTail(t: TestContext) {
  const { db } = await openForTest(t, scratchDir(t, 'pipulate-tail-'));
  const store = appStore(db);
  const work = store.profiles.insert({ name: 'Work' });
  const home = store.profiles.insert({ name: 'Home' });
  let clock = 0;
  const conversation = new Conversation(store, () => ++clock);
  for (let i = 0; i < 30; i++) conversation.add(i % 3 ? work.id : home.id, i % 2 ? 'user' : 'assistant', `m${i}`);
  /** Newest first as the Conversation gives it, and as the store holds it. */
  const check = (why: string) => {
    for (const profile of [work.id, home.id]) {
      const stored = store.messages.rows({ where: { profile_id: profile }, orderBy: 'id DESC' });
      assert.deepEqual([...conversation.newestFirst(profile)], stored, `${why} (profile ${profile})`);
      // The question a reply answers (asked for each reply sent to the views) comes from the kept rows too.
      for (const row of stored) {
        const question = stored.find((r) => r.id < row.id && r.role === 'user');
        assert.deepEqual(conversation.question(profile, row.id), question, `${why}: the question before ${row.id}`);
      }
    }
  };
  return { store, db, conversation, work: work.id, home: home.id, check };
}

function firstN(rows: Iterable<unknown>, n: number): void {
  const reader = rows[Symbol.iterator]();
  for (let i = 0; i < n; i++) reader.next();
  reader.return?.();
}

test('what the Conversation writes is read back exactly, from memory or not: adds, updates, a note that replaces the one before, a clear', async (t) => {
  const { conversation, work, home, check } = await setupTail(t);
  firstN(conversation.newestFirst(work), 5); // a reader that stops early keeps only what it read
  check('first reads');
  const row = conversation.add(work, 'assistant', '', 'streaming', 'm')!;
  conversation.update(row.id, { content: 'Done.', status: 'done', data: { calls: [{ name: 'add_todo', arguments: { title: 'x' } }] } });
  conversation.note(work, { text: 'Moved “a”', subject: 'order' });
  conversation.note(work, { text: 'Moved “a” again', subject: 'order' });
  check('after the conversation’s own writes');
  const oldest = [...conversation.newestFirst(work)].at(-1)!;
  conversation.update(oldest.id, { content: 'edited long ago' });
  check('an old row updated');
  conversation.clear(home);
  check('a profile cleared');
  conversation.add(home, 'user', 'again');
  check('a cleared profile written again');
});

test('a write around the Conversation (another writer, a rolled-back transaction, a restore) is never hidden by the rows it kept', async (t) => {
  const { store, db, conversation, work, check } = await setupTail(t);
  check('kept');
  const newest = store.messages.rows({ where: { profile_id: work }, orderBy: 'id DESC', limit: 1 })[0]!;
  store.messages.update({ id: newest.id, content: 'changed by someone else' });
  check('an update from elsewhere');
  store.messages.deleteWhere({ id: newest.id });
  check('a delete from elsewhere');
  db.write(`INSERT INTO message (profile_id, role, content, created, status) VALUES (?, 'user', 'raw', 1, 'done')`, [work]);
  check('a raw insert');
  assert.throws(() =>
    db.transaction(() => {
      conversation.add(work, 'user', 'rolled back');
      throw new Error('no');
    }),
  );
  check('a rolled-back transaction');
  await db.sync();
  const before = db.export();
  conversation.add(work, 'user', 'after the copy');
  check('kept again');
  await db.sync();
  assert.ok(await takeSnapshot(db, before));
  assert.equal(store.messages.count({ content: 'after the copy' }), 0);
  check('after the data was replaced');
});

test("the store's version of a table changes with its writes, and only those, and with anything that may change every table", async (t) => {
  const { store, db, work } = await setupTail(t);
  const v = () => db.version('message');
  let last = v();
  const changed = (why: string, expected = true) => {
    const now = v();
    assert.equal(now !== last, expected, why);
    last = now;
  };
  store.todos.insert({ title: 'x', priority: 0, profile_id: work });
  store.kv.set('a', 1);
  changed('other tables written', false);
  store.messages.rows({});
  changed('a read', false);
  store.messages.insert({ profile_id: work, role: 'user', content: 'x', created: 1, status: 'done', model: null, data: null });
  changed('an insert');
  assert.throws(() =>
    db.transaction(() => {
      store.todos.insert({ title: 'y', priority: 1, profile_id: work });
      throw new Error('no');
    }),
  );
  changed('a rollback, even of another table');
  db.write('CREATE TABLE IF NOT EXISTS scratch (a)');
  changed('a schema change');
});
