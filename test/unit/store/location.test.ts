/** One store per workspace: the folder named for its identity, and a store kept in a window's own storage adopted once, nothing lost. */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { appStore } from '../../../src/store/appSchema';
import { StoreLockedError } from '../../../src/store/errors';
import { MOVED_MARKER, adoptStore, storeFolder } from '../../../src/store/location';
import { openForTest, scratchDir } from '../../helpers/store';

test('the folder depends on the workspace only, not on the window', () => {
  const a = storeFolder('/g', 'file:///home/u/project');
  assert.equal(a, storeFolder('/g', 'file:///home/u/project'));
  assert.notEqual(a, storeFolder('/g', 'file:///home/u/other'));
  assert.match(a, /^\/g\/workspaces\/[0-9a-f]{16}$/);
});

test('a store in the window’s workspace storage is adopted with every acknowledged change, and left in place with a marker', async (t) => {
  const old = scratchDir(t);
  const to = join(scratchDir(t), 'workspaces', 'abc');
  const first = await openForTest(t, old);
  const store = appStore(first.db);
  store.profiles.insert({ name: 'Kept' });
  first.db.closeSync(); // snapshot
  const again = await openForTest(t, old);
  appStore(again.db).todos.insert({ title: 'in the journal only', profile_id: 1 });
  await again.db.sync();
  // A crash now: the change is only in the journal. (The lock is released so the move can take it.)
  const snapshot = readFileSync(join(old, 'pipulate.db'));
  const journal = readFileSync(join(old, 'pipulate.db.journal'));
  again.db.closeSync();
  writeFileSync(join(old, 'pipulate.db'), snapshot);
  writeFileSync(join(old, 'pipulate.db.journal'), journal);

  assert.equal(await adoptStore(old, to), 'moved');
  const opened = await openForTest(t, to);
  const moved = appStore(opened.db);
  assert.deepEqual(moved.profiles.rows().map((p) => p.name), ['Kept']);
  assert.deepEqual(moved.todos.rows().map((x) => x.title), ['in the journal only']);
  assert.ok(existsSync(join(old, 'pipulate.db')), 'the old files stay');
  assert.equal(JSON.parse(readFileSync(join(old, MOVED_MARKER), 'utf8')).movedTo, to);
  opened.db.closeSync();
  // Once only: a second window (or the next start) finds the store in place.
  assert.equal(await adoptStore(old, to), 'nothing');
});

test('nothing is adopted over a store already there, nor from a folder without one', async (t) => {
  const old = scratchDir(t);
  const to = scratchDir(t);
  (await openForTest(t, old)).db.closeSync();
  (await openForTest(t, to)).db.closeSync();
  assert.equal(await adoptStore(old, to), 'nothing');
  assert.equal(await adoptStore(scratchDir(t), join(scratchDir(t), 'x')), 'nothing');
});

test('a store still open in a window (an older version of the extension) is not moved from under it', async (t) => {
  const old = scratchDir(t);
  const { db } = await openForTest(t, old);
  appStore(db);
  await db.sync();
  const to = join(scratchDir(t), 'w');
  await assert.rejects(adoptStore(old, to), StoreLockedError);
  assert.equal(existsSync(to), false);
});
