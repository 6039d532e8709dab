/**
 * The `undo` table is made by the store's migration 6, like the other tables: a store of
 * version 5 (made here as version 5 made it, with or without the table the undo log used
 * to create itself) opens at the latest version with its undo entries as they were, on
 * disk and after a crash's replay; an imported file of version 5 gets the table on the
 * way in.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { replaceData } from '../../../src/backup/restore';
import { APP_TABLES, appStore, MIGRATIONS, schemaVersion } from '../../../src/store/appSchema';
import type { Database } from '../../../src/store/database';
import { applySchema, ensureTables } from '../../../src/store/migrate';
import { Table } from '../../../src/store/table';
import { undoTable } from '../../../src/tools/undoTable';
import { backupsFor } from '../../helpers/backups';
import { crashCopy, openForTest, scratchDir } from '../../helpers/store';
import { setupTools } from './harness';

const T = { timeout: 20_000 };
/** The entry of a delete the user made in version 5: "Call the bank" (id 2) taken out from under "Write the report". */
const OLD_ENTRY = {
  id: 1,
  profile_id: 1,
  source: 'user',
  card_id: null,
  steps: [{ op: 'restore', todo: { id: 2, title: 'Call the bank', done: false, priority: 2 } }],
  label: ['Deleted todo “Call the bank”'],
  created: 5,
  undone: false,
};

/** A store as version 5 left it: its tables and migrations, one todo, and (`withUndo`) the undo table the undo log then made itself, with an entry. */
async function version5(t: TestContext, withUndo: boolean): Promise<{ dir: string; db: Database }> {
  const dir = scratchDir(t);
  const { db } = await openForTest(t, dir);
  applySchema(db, APP_TABLES.filter((table) => table.name !== 'undo'), MIGRATIONS.filter((m) => m.version <= 5));
  db.write(`INSERT INTO profile (id, name) VALUES (1, 'Default')`);
  db.write(`INSERT INTO todo (id, title, done, priority, profile_id) VALUES (1, 'Write the report', 0, 1, 1)`);
  if (withUndo) {
    ensureTables(db, [undoTable]);
    new Table(db, undoTable).insert(OLD_ENTRY);
  }
  assert.equal(schemaVersion(db), 5);
  await db.sync();
  return { dir, db };
}

const tableNames = (db: Database) => db.all(`SELECT name FROM sqlite_master WHERE type = 'table'`).map((r) => r.name);
const latest = () => MIGRATIONS.at(-1)!.version;

test('a store made now has the undo table from the store itself, at the latest version', async (t) => {
  const store = appStore((await openForTest(t, scratchDir(t))).db);
  assert.ok(tableNames(store.db).includes('undo'));
  assert.equal(schemaVersion(store.db), latest());
});

test('a version 5 store with the undo table opens at the latest version: its entries intact, and the old delete undoes', T, async (t) => {
  const { dir, db: old } = await version5(t, true);
  old.closeSync();
  // The store's own opening migrates it, before anything uses the table.
  const opened = appStore((await openForTest(t, dir)).db);
  assert.ok(latest() >= 6);
  assert.equal(schemaVersion(opened.db), latest());
  assert.deepEqual(new Table(opened.db, undoTable).rows(), [OLD_ENTRY]);
  await opened.db.sync();
  opened.db.closeSync();

  const h = await setupTools(t, { dir });
  assert.deepEqual(h.list(), ['Write the report']);
  assert.equal(await h.core.userUndo.undo(), true);
  assert.deepEqual(h.list(), ['Write the report', 'Call the bank']);
  // The migration is journaled like any change: a crash now replays it with the entries.
  await h.db.sync();
  const replayed = appStore((await openForTest(t, crashCopy(t, dir))).db);
  assert.equal(schemaVersion(replayed.db), latest());
  assert.deepEqual(new Table(replayed.db, undoTable).rows().map((e) => [e.id, e.undone]), [[1, true]]);
});

test('a version 5 store without the undo table gets it by migration, and a delete undoes', T, async (t) => {
  const { dir, db: old } = await version5(t, false);
  assert.ok(!tableNames(old).includes('undo'));
  old.closeSync();
  const opened = appStore((await openForTest(t, dir)).db);
  assert.ok(tableNames(opened.db).includes('undo'));
  assert.equal(schemaVersion(opened.db), latest());
  await opened.db.sync();
  opened.db.closeSync();

  const h = await setupTools(t, { dir });
  await h.core.userUndo.deleteTodo(1);
  assert.deepEqual(h.list(), []);
  assert.equal(await h.core.userUndo.undo(), true);
  assert.deepEqual(h.list(), ['Write the report']);
});

test('importing a version 5 file without the undo table: the table is there afterwards, and a delete undoes', T, async (t) => {
  const h = await setupTools(t);
  const { db: old } = await version5(t, false);
  const { backups } = backupsFor(t, h.db, scratchDir(t));
  const file = join(scratchDir(t), 'old.db');
  writeFileSync(file, old.export());
  await replaceData(h.core, backups, file, 'old.db');
  assert.ok(tableNames(h.db).includes('undo'));
  assert.equal(schemaVersion(h.db), latest());
  await h.core.userUndo.deleteTodo(1);
  assert.equal(await h.core.userUndo.undo(), true);
  assert.deepEqual(h.list(), ['Write the report']);
});
