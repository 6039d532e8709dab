/**
 * The `pipeline` table is made by the store's migration 4, like the other tables: a
 * store of version 3 (made here as version 3 made it, with or without the table the
 * workflow service used to create itself) opens at the latest version with its runs as
 * they were, on disk and after a crash's replay; an imported file of version 3 gets the
 * table on the way in.
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
import { pipelineTable } from '../../../src/workflows/pipelineTable';
import { backupsFor } from '../../helpers/backups';
import { crashCopy, openForTest, scratchDir } from '../../helpers/store';
import { setupTools } from '../tools/harness';

const T = { timeout: 20_000 };
const HELLO = '{ "title": "Hi", "steps": [ { "id": "name", "title": "Name", "type": "input" }, { "id": "more", "title": "More", "type": "input" } ] }';

/** A store as version 3 left it: its tables and migrations, and (`withRuns`) the pipeline table the workflow service then made itself, with a run. */
async function version3(t: TestContext, withRuns: boolean): Promise<{ dir: string; db: Database }> {
  const dir = scratchDir(t);
  const { db } = await openForTest(t, dir);
  applySchema(db, APP_TABLES.filter((table) => table.name !== 'pipeline'), MIGRATIONS.filter((m) => m.version <= 3));
  db.write(`INSERT INTO profile (id, name) VALUES (1, 'Default')`);
  if (withRuns) {
    ensureTables(db, [pipelineTable]);
    new Table(db, pipelineTable).insert({ profile_id: 1, workflow: 'hi', key: 'old run', state: { values: { name: { value: 'Ada', at: 5 } } }, created: 1, updated: 7, finalized: false });
  }
  assert.equal(schemaVersion(db), 3);
  await db.sync();
  return { dir, db };
}

const tableNames = (db: Database) => db.all(`SELECT name FROM sqlite_master WHERE type = 'table'`).map((r) => r.name);

test('a version 3 store with runs opens at the latest version: its pipeline table and runs intact, and the run resumes', T, async (t) => {
  const { dir, db: old } = await version3(t, true);
  old.closeSync();
  const h = await setupTools(t, { dir });
  assert.equal(schemaVersion(h.db), MIGRATIONS.at(-1)!.version);
  assert.ok(MIGRATIONS.at(-1)!.version >= 4);
  assert.deepEqual(new Table(h.db, pipelineTable).rows(), [
    { profile_id: 1, workflow: 'hi', key: 'old run', state: { values: { name: { value: 'Ada', at: 5 } } }, created: 1, updated: 7, finalized: false },
  ]);
  h.core.catalog.setFile('hi', '/ws/hi.json', HELLO);
  const run = await h.core.workflows.start(1, 'hi', 'old run');
  assert.equal(run.current, 'more', 'the same key resumes where it stopped');
  assert.equal(run.steps[0]!.value, 'Ada');
  // The migration is journaled like any change: a crash now replays it with the runs.
  await h.db.sync();
  const replayed = appStore((await openForTest(t, crashCopy(t, dir))).db);
  assert.equal(schemaVersion(replayed.db), MIGRATIONS.at(-1)!.version);
  assert.equal(new Table(replayed.db, pipelineTable).rows()[0]!.key, 'old run');
});

test('a version 3 store from before workflows gets the pipeline table by migration, and runs can start', T, async (t) => {
  const { dir, db: old } = await version3(t, false);
  assert.ok(!tableNames(old).includes('pipeline'));
  old.closeSync();
  const h = await setupTools(t, { dir });
  assert.ok(tableNames(h.db).includes('pipeline'));
  assert.equal(schemaVersion(h.db), MIGRATIONS.at(-1)!.version);
  h.core.catalog.setFile('hi', '/ws/hi.json', HELLO);
  const run = await h.core.workflows.start(1, 'hi', 'new');
  assert.equal((await h.core.workflows.submit(1, 'hi', run.key, 'name', 'Bo')).current, 'more');
});

test('importing a version 3 file from before workflows: the runs table is there afterwards, and a run starts', T, async (t) => {
  const h = await setupTools(t);
  const { db: old } = await version3(t, false);
  const { backups } = backupsFor(t, h.db, scratchDir(t));
  const file = join(scratchDir(t), 'old.db');
  writeFileSync(file, old.export());
  await replaceData(h.core, backups, file, 'old.db');
  assert.ok(tableNames(h.db).includes('pipeline'));
  h.core.catalog.setFile('hi', '/ws/hi.json', HELLO);
  const run = await h.core.workflows.start(h.core.tasks.activeProfileId, 'hi');
  assert.equal(run.current, 'name');
});
