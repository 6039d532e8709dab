/**
 * closeSync() can come at any moment (VS Code's deactivate does not wait), also while a
 * flush is half done. Holding one fs call back (as a busy thread pool would) puts the
 * close exactly there; then the store is reopened in the same process, as a reload does.
 */
import assert from 'node:assert/strict';
import { readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import type { Database } from '../../../src/store/database';
import { fdPath, holdCallback, holdPromise, type Gate } from '../../helpers/fsgate';
import { crashCopy, openForTest, scratchDir, waitFor } from '../../helpers/store';

const values = (db: Database) => db.all('SELECT v FROM t ORDER BY id').map((r) => r.v);
const insert = (db: Database, v: string) => db.write('INSERT INTO t (v) VALUES (?)', [v]);

async function withTable(t: TestContext, options = {}) {
  const dir = realpathSync(scratchDir(t));
  const { db } = await openForTest(t, dir, options);
  db.write('CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY AUTOINCREMENT, v TEXT NOT NULL)');
  await db.sync();
  return { dir, db };
}

/** Writes acknowledged rows until the flush reaches `gate` (or `orUntil()` holds); returns the rows written. */
async function writeUntil(db: Database, gate: Gate, orUntil: () => boolean = () => false): Promise<string[]> {
  const written: string[] = [];
  let reached = false;
  gate.reached.then(() => (reached = true));
  for (let i = 0; !reached && !orUntil(); i++) {
    assert.ok(i < 500, 'the flush reaches the held call');
    written.push(`w${i}-${'p'.repeat(300)}`);
    insert(db, written.at(-1)!);
    await Promise.race([db.sync(), gate.reached]);
  }
  return written;
}

/** Closes, reopens in this process, writes there, then lets the held call go; nothing may be lost. */
async function closeReopenRelease(t: TestContext, dir: string, db: Database, gate: Gate, written: string[]) {
  insert(db, 'pending at close');
  db.closeSync();
  const { db: next, problems } = await openForTest(t, dir);
  insert(next, 'after reopen');
  await next.sync();
  gate.release();
  // Let the old flush run to its end (it must notice it was closed and stop).
  await new Promise((r) => setTimeout(r, 200));
  insert(next, 'after release');
  await waitFor(() => !next.dirty, 'the reopened store to save');
  const expected = [...written, 'pending at close', 'after reopen', 'after release'];
  assert.deepEqual(values(next), expected);
  assert.deepEqual(problems, []);
  // What is on disk: a crash now, and a clean close and reopen.
  const copy = await openForTest(t, crashCopy(t, dir));
  assert.deepEqual(values(copy.db), expected, 'on disk after a crash');
  assert.deepEqual(copy.problems, []);
  next.closeSync();
  const last = await openForTest(t, dir);
  assert.deepEqual(values(last.db), expected, 'on disk after close');
}

test('closeSync while a checkpoint writes its temp file', async (t) => {
  const { dir, db } = await withTable(t, { checkpointMinBytes: 1 });
  const gate = holdPromise(t, 'open', ([file]) => String(file).includes('.tmp-'));
  const written = await writeUntil(db, gate);
  await closeReopenRelease(t, dir, db, gate, written);
});

test('closeSync right after a checkpoint renamed its snapshot into place', async (t) => {
  const { dir, db } = await withTable(t, { checkpointMinBytes: 1 });
  const generation = () => readFileSync(join(dir, 'pipulate.db.journal')).readUInt32LE(8);
  const start = generation();
  // The checkpoint's next step after the rename, if it waits for one: syncing the folder.
  const gate = holdPromise(t, 'open', ([file, flags]) => file === dir && flags === 'r');
  const written = await writeUntil(db, gate, () => generation() !== start);
  // Either it is held there, or it went from rename to new journal without a pause.
  await closeReopenRelease(t, dir, db, gate, written);
});

test('closeSync while an append is being written to the journal', async (t) => {
  const { dir, db } = await withTable(t);
  const journal = realpathSync(db.journalPath);
  const gate = holdCallback(t, 'write', ([fd]) => typeof fd === 'number' && fdPath(fd) === journal);
  const written = await writeUntil(db, gate);
  await closeReopenRelease(t, dir, db, gate, written);
});

test('closeSync while an append waits for fdatasync', async (t) => {
  const { dir, db } = await withTable(t);
  const journal = realpathSync(db.journalPath);
  const gate = holdCallback(t, 'fdatasync', ([fd]) => fdPath(fd) === journal);
  const written = await writeUntil(db, gate);
  await closeReopenRelease(t, dir, db, gate, written);
});
