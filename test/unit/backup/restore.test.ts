/**
 * Restore and import on the real core over a real store: the file is checked first (a
 * damaged file, one that is not Pipulate's, one from a newer schema are refused and
 * nothing changes), the current data is backed up first, the store is replaced durably,
 * an older schema is migrated, and the views are told to start again.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import initSqlJs, { type SqlJsStatic } from 'sql.js';
import { replaceData } from '../../../src/backup/restore';
import { CURRENT_SCHEMA } from '../../../src/backup/dataFile';
import { UserError } from '../../../src/errors';
import { appStore, APP_TABLES, MIGRATIONS } from '../../../src/store/appSchema';
import { applySchema } from '../../../src/store/migrate';
import type { SnapshotSlot } from '../../../src/store/database';
import { Search } from '../../../src/search/searchIndex';
import { crashCopy, openForTest, scratchDir, takeSnapshot, wasmPath } from '../../helpers/store';
import { setupTools } from '../tools/harness';
import { backupsFor } from '../../helpers/backups';

let engine: Promise<SqlJsStatic> | undefined;
const sql = () => (engine ??= initSqlJs({ wasmBinary: readFileSync(wasmPath) as unknown as ArrayBuffer }));

async function withWork(t: TestContext) {
  const h = await setupTools(t);
  const { tasks } = h.core;
  const work = await tasks.addProfile('Work');
  await tasks.switchProfile(work.id);
  await tasks.addTodo('ship the release');
  await tasks.addTodo('write the notes');
  await h.core.chat.post(work.id, 'assistant', 'Remember the changelog.');
  await h.core.workflows.start(work.id, 'hello', 'kickoff');
  const folder = join(scratchDir(t), 'backups');
  const { backups } = backupsFor(t, h.db, folder);
  return { ...h, work, backups, folder };
}

/** `bytes` as a file to take in. */
function fileOf(t: TestContext, bytes: Uint8Array): string {
  const file = join(scratchDir(t), 'data.db');
  writeFileSync(file, bytes);
  return file;
}

const profileNames = (h: { core: { tasks: { profileList(): { name: string }[] } } }) => h.core.tasks.profileList().map((p) => p.name);

test('restore: a deleted profile comes back with its todos and conversation, the current data is kept aside, views reset', async (t) => {
  const h = await withWork(t);
  const { core } = h;
  const backup = await h.backups.backUp();
  await core.tasks.deleteProfile(h.work.id);
  await core.tasks.addTodo('added after the backup');
  assert.deepEqual(profileNames(h), ['Default']);

  const resetsBefore = h.events.of('tasks/reset').length;
  const { summary, before } = await replaceData(core, h.backups, backup.file, 'the backup');
  assert.deepEqual({ profiles: summary.profiles, todos: summary.todos, runs: summary.runs }, { profiles: 2, todos: 2, runs: 1 });
  assert.deepEqual(core.workflows.runs(h.work.id).map((r) => r.key), ['kickoff']);
  assert.deepEqual(profileNames(h), ['Default', 'Work']);
  assert.equal(core.tasks.activeProfile().name, 'Work');
  assert.deepEqual(core.tasks.snapshot().todos.map((x) => x.title), ['ship the release', 'write the notes']);
  assert.ok(core.chat.snapshot(core.tasks.activeProfile()).messages.some((m) => m.content === 'Remember the changelog.'));
  // Every view starts again from the restored data.
  const reset = h.events.of('tasks/reset').slice(resetsBefore).at(-1)!;
  assert.deepEqual(reset.snapshot.todos.map((x) => x.title), ['ship the release', 'write the notes']);
  assert.equal(h.events.of('chat/reset').at(-1)!.snapshot.profileId, h.work.id);
  assert.equal(h.events.of('workflow/reset').length, 1, 'open run panels are told to load their run again');
  // The data as it was before the restore is a backup of its own.
  assert.equal(before.kind, 'before-restore');
  assert.match(readFileSync(before.file).toString('latin1'), /added after the backup/);
  // On disk: a crash now opens to the restored data; search finds its todos again.
  await h.db.sync();
  const reopened = await openForTest(t, crashCopy(t, h.dir));
  const store = appStore(reopened.db);
  assert.deepEqual(store.todos.rows({ orderBy: 'id' }).map((x) => x.title), ['ship the release', 'write the notes']);
  assert.deepEqual(new Search(reopened.db).find('release').filter((x) => x.kind === 'todo').map((x) => x.profileName), ['Work']);
  assert.deepEqual(new Search(reopened.db).find('kickoff').map((x) => `${x.kind}:${x.profileName}`), ['run:Work']);
  // And the store goes on working.
  await core.tasks.addTodo('after the restore');
  assert.equal(core.tasks.snapshot().todos.length, 3);
});

test('a damaged file is refused, said so, and nothing changes (no copy made either)', async (t) => {
  const h = await withWork(t);
  const backup = await h.backups.backUp();
  const bytes = readFileSync(backup.file);
  bytes.fill(0x41, 2048, bytes.length - 2048); // most of the file overwritten, its header kept
  await assert.rejects(replaceData(h.core, h.backups, fileOf(t, bytes), 'the backup'), (err: Error) => {
    assert.ok(err instanceof UserError);
    assert.match(err.message, /^the backup is damaged/);
    return true;
  });
  await assert.rejects(replaceData(h.core, h.backups, fileOf(t, Buffer.from('just text, not a database')), 'notes.txt'), /notes.txt is not a SQLite database/);
  assert.deepEqual(profileNames(h), ['Default', 'Work']);
  assert.equal((await h.backups.list()).filter((e) => e.kind === 'before-restore').length, 0);
});

test('import: a file Export Data wrote in another workspace is taken in; one from a newer schema is refused; an older one is migrated', async (t) => {
  const h = await withWork(t);
  const SQL = await sql();
  // Another workspace's export.
  const other = await openForTest(t, scratchDir(t));
  const otherStore = appStore(other.db);
  const p = otherStore.profiles.insert({ name: 'Elsewhere' });
  otherStore.todos.insert({ title: 'from the other window', profile_id: p.id });
  const exported = other.db.export();

  // The same file, but from a newer Pipulate: refused with what to do.
  const newer = new SQL.Database(exported);
  newer.run(`PRAGMA user_version = ${CURRENT_SCHEMA + 1}`);
  await assert.rejects(replaceData(h.core, h.backups, fileOf(t, newer.export()), 'future.db'), (err: Error) => {
    assert.match(err.message, new RegExp(`future.db was written by a newer version of Pipulate \\(data version ${CURRENT_SCHEMA + 1}; this one reads up to ${CURRENT_SCHEMA}\\)`));
    return true;
  });
  assert.deepEqual(profileNames(h), ['Default', 'Work']);
  // A SQLite file that is not Pipulate's.
  const foreign = new SQL.Database();
  foreign.run('CREATE TABLE notes (x)');
  await assert.rejects(replaceData(h.core, h.backups, fileOf(t, foreign.export()), 'foreign.db'), /foreign.db does not hold Pipulate data/);

  await replaceData(h.core, h.backups, fileOf(t, exported), 'export.db');
  assert.deepEqual(profileNames(h), ['Elsewhere']);
  assert.deepEqual(h.core.tasks.snapshot().todos.map((x) => x.title), ['from the other window']);

  // A schema 2 file (from before search) is migrated on the way in: search finds its todos.
  const old = await openForTest(t, scratchDir(t));
  applySchema(old.db, APP_TABLES, MIGRATIONS.filter((m) => m.version <= 2));
  old.db.write(`INSERT INTO profile (id, name) VALUES (1, 'Old times')`);
  old.db.write(`INSERT INTO todo (title, profile_id) VALUES ('legacy import', 1)`);
  const file = join(scratchDir(t), 'old.db');
  writeFileSync(file, old.db.export());
  const { summary } = await replaceData(h.core, h.backups, file, 'old.db');
  assert.equal(summary.schema, 2);
  assert.deepEqual(new Search(h.db).find('legacy').map((x) => `${x.profileName}: ${x.snippet}`), ['Old times: legacy import']);
});

test('a checkpoint between preparing the file and taking it in: the file is prepared again for the new snapshot, and taken in', async (t) => {
  const h = await withWork(t);
  const backup = await h.backups.backUp();
  await h.core.tasks.deleteProfile(h.work.id);
  const slots: number[] = [];
  const backups = {
    prepareTakeIn: (file: string, name: string, slot: SnapshotSlot) => (slots.push(slot.generation), h.backups.prepareTakeIn(file, name, slot)),
    // After the copy of the data as it was, the store moves to a new snapshot (as a checkpoint does).
    backUp: async (kind?: 'daily' | 'before-restore') => {
      const entry = await h.backups.backUp(kind);
      assert.ok(await takeSnapshot(h.db, h.db.export()));
      return entry;
    },
  };
  await replaceData(h.core, backups, backup.file, 'the backup');
  assert.equal(slots.length, 2);
  assert.equal(slots[1], slots[0]! + 1);
  assert.deepEqual(profileNames(h), ['Default', 'Work']);
  const reopened = await openForTest(t, crashCopy(t, h.dir));
  assert.deepEqual(appStore(reopened.db).profiles.rows({ orderBy: 'id' }).map((p) => p.name), ['Default', 'Work']);
  assert.deepEqual(readdirSync(h.dir).filter((f) => f.includes('.tmp-')), [], 'no prepared file is left behind');
});

test('a snapshot prepared before the store moved on is not taken: false, the file removed, the data as it was', async (t) => {
  const dir = scratchDir(t);
  const first = await openForTest(t, dir);
  appStore(first.db).profiles.insert({ name: 'Kept' });
  const slot = first.db.snapshotSlot();
  const other = new (await sql()).Database(first.db.export());
  other.run(`UPDATE profile SET name = 'Replaced'`);
  const bytes = other.export();
  other.close();
  first.db.closeSync(); // a checkpoint: the next open is a generation on
  const { db } = await openForTest(t, dir);
  assert.equal(await takeSnapshot(db, bytes, slot), false);
  assert.equal(existsSync(slot.file), false);
  assert.deepEqual(appStore(db).profiles.rows().map((p) => p.name), ['Kept']);
});
