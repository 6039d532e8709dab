/**
 * A disk that fills up or turns read-only, for real: a small tmpfs mounted for the test
 * (the tests run as root, and chmod does not stop root). Writes are kept in memory and
 * retried; the user is told while it fails and when it recovers.
 *
 * A folder that turns read-only while the store has its journal open cannot be made by
 * remounting (the kernel refuses with EBUSY while a file is open for writing), and
 * Linux lets an already-open file be written anyway; what does fail then is creating
 * files (snapshot, lock). `chattr +i` on the folder gives exactly that, even for root.
 */
import assert from 'node:assert/strict';
import { copyFileSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import type { Database, StoreProblem } from '../../../src/store/database';
import { readJournal } from '../../../src/store/journal';
import { crashCopy, defer, openForTest, scratchDir, settled, waitFor } from '../../helpers/store';
import { fill, sh, smallDisk } from './disk';

/** A store on `dir` whose snapshot is far bigger than one journal record. */
async function bigStore(t: TestContext, dir: string, options = {}) {
  const first = await storeOn(t, dir);
  first.db.transaction(() => {
    for (let i = 0; i < 100; i++) insert(first.db, `bulk-${i}-${'b'.repeat(1000)}`);
  });
  first.db.closeSync();
  const opened = await openForTest(t, dir, options);
  assert.ok(statSync(join(dir, 'pipulate.db')).size > 100_000);
  return opened;
}

const values = (db: Database) => db.all('SELECT v FROM t ORDER BY id').map((r) => r.v);
const insert = (db: Database, v: string) => db.write('INSERT INTO t (v) VALUES (?)', [v]);
const has = (problems: StoreProblem[], kind: StoreProblem['kind']) => problems.some((p) => p.kind === kind);

/** Only the store's own files: no temp files or torn writes left behind. */
function assertTidy(dir: string): void {
  assert.deepEqual(readdirSync(dir).filter((f) => !['pipulate.db', 'pipulate.db.journal', 'pipulate.db.lock'].includes(f)), []);
  const j = readJournal(join(dir, 'pipulate.db.journal'))!;
  assert.equal(j.droppedBytes, 0, 'no torn write in the journal');
  assert.equal(statSync(join(dir, 'pipulate.db.journal')).size, j.validEnd);
}

async function storeOn(t: TestContext, dir: string, options = {}) {
  const opened = await openForTest(t, dir, options);
  opened.db.write('CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY AUTOINCREMENT, v TEXT NOT NULL)');
  insert(opened.db, 'before');
  await opened.db.sync();
  return opened;
}

test('disk full: writes are kept in memory, reported, retried, and all saved once there is room', async (t) => {
  const dir = smallDisk(t);
  if (!dir) return;
  const { db, problems } = await storeOn(t, dir);
  const free = fill(dir);
  // Each write bigger than a page, so no slack in the journal's last page can take it.
  const big = (i: number) => `full-${i}-${'x'.repeat(5000)}`;
  insert(db, big(0));
  const s = db.sync();
  await waitFor(() => has(problems, 'write-failing'), 'the write-failing report');
  const failing = problems.find((p) => p.kind === 'write-failing')!;
  assert.match(failing.message, /disk is full/);
  assert.match(failing.message, /kept in memory/);
  assert.ok(failing.message.includes(dir), 'says which folder');
  for (let i = 1; i < 5; i++) insert(db, big(i));
  await new Promise((r) => setTimeout(r, 300)); // a few retries, all failing
  assert.equal(await settled(s), false, 'sync() does not resolve while nothing can be written');
  assert.equal(db.dirty, true);
  assert.equal(values(db).length, 6, 'the writes are there in memory');
  assert.equal(problems.filter((p) => p.kind === 'write-failing').length, 1, 'reported once, not on every retry');
  assert.equal(has(problems, 'write-recovered'), false);

  free();
  await s;
  await db.sync();
  await waitFor(() => has(problems, 'write-recovered'), 'the write-recovered report');
  assertTidy(dir);
  // A crash now loses nothing: the journal has every write.
  const copy = await openForTest(t, crashCopy(t, dir));
  assert.deepEqual(values(copy.db), ['before', ...[0, 1, 2, 3, 4].map(big)]);
  db.closeSync();
  const reopened = await openForTest(t, dir);
  assert.deepEqual(values(reopened.db), ['before', ...[0, 1, 2, 3, 4].map(big)]);
  reopened.db.closeSync();
  assertTidy(dir);
});

test('disk full during a checkpoint: no temp file is left behind, nothing is lost, and the checkpoint is done later', async (t) => {
  const dir = smallDisk(t, '512k');
  if (!dir) return;
  const { db, problems } = await storeOn(t, dir, { checkpointMinBytes: 1 });
  const generation = () => readJournal(join(dir, 'pipulate.db.journal'))!.generation;
  const start = generation();
  // Grow the journal past the snapshot, so the next flush is a checkpoint.
  for (let i = 0; db.journalBytes <= statSync(join(dir, 'pipulate.db')).size; i++) {
    db.write('INSERT OR REPLACE INTO t (id, v) VALUES (1, ?)', [`grow-${i}-${'g'.repeat(1000)}`]);
    await db.sync();
  }
  assert.equal(generation(), start, 'no checkpoint yet');
  const free = fill(dir);
  // Bigger than a page: neither the snapshot nor the journal has room for it.
  const during = `during-${'d'.repeat(5000)}`;
  insert(db, during);
  const s = db.sync();
  await waitFor(() => has(problems, 'write-failing'), 'the write-failing report');
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(await settled(s), false);
  assert.deepEqual(readdirSync(dir).filter((f) => f.includes('.tmp')), [], 'a failed checkpoint removes its temp file');
  free();
  await s;
  await waitFor(() => has(problems, 'write-recovered'), 'the write-recovered report');
  assertTidy(dir);
  const copy = await openForTest(t, crashCopy(t, dir));
  assert.equal(values(copy.db).at(-1), during);
  db.closeSync(); // checkpoints
  assert.notEqual(generation(), start);
  assert.equal(statSync(join(dir, 'pipulate.db.journal')).size, 16);
  const reopened = await openForTest(t, dir);
  assert.equal(values(reopened.db).at(-1), during);
});

test('closing while the disk is full says the changes could not be saved, and leaves no partial file', async (t) => {
  const dir = smallDisk(t);
  if (!dir) return;
  const { db, problems } = await storeOn(t, dir);
  const free = fill(dir);
  insert(db, `lost-${'x'.repeat(20_000)}`);
  const s = db.sync();
  await waitFor(() => has(problems, 'write-failing'), 'the write-failing report');
  assert.throws(() => db.closeSync(), { code: 'ENOSPC' });
  await assert.rejects(s, { code: 'ENOSPC' });
  free();
  assert.deepEqual(readdirSync(dir).filter((f) => f.includes('.tmp')), [], 'no half-written temp file takes up the space');
  const reopened = await openForTest(t, dir);
  assert.deepEqual(values(reopened.db), ['before']);
});

test('closing with room for a journal record but not a snapshot: saved through the journal, the old snapshot intact', async (t) => {
  const dir = smallDisk(t);
  if (!dir) return;
  const { db, problems } = await bigStore(t, dir);
  const snapshot = readFileSync(join(dir, 'pipulate.db'));
  insert(db, 'small');
  await db.sync();
  const free = fill(dir, 16 * 1024);
  insert(db, 'pending at close');
  db.closeSync(); // the snapshot does not fit; the journal takes the change
  assert.deepEqual(readFileSync(join(dir, 'pipulate.db')), snapshot, 'no partial snapshot replaced the good one');
  free();
  assertTidy(dir);
  const reopened = await openForTest(t, dir);
  assert.deepEqual(reopened.problems, []);
  assert.deepEqual(values(reopened.db).slice(-2), ['small', 'pending at close']);
  assert.equal(values(reopened.db).length, 103);
  assert.deepEqual(problems.filter((p) => p.kind !== 'write-failing'), []);
});

test('disk nearly full: when a checkpoint does not fit, writes still go to the journal and sync() resolves', async (t) => {
  const dir = smallDisk(t);
  if (!dir) return;
  const { db, problems } = await storeOn(t, dir, { checkpointMinBytes: 1 });
  const snapshotSize = () => statSync(join(dir, 'pipulate.db')).size;
  // Bring the journal close to the snapshot's size: a few more writes make a checkpoint due.
  for (let i = 0; db.journalBytes + 1500 < snapshotSize(); i++) {
    db.write('INSERT OR REPLACE INTO t (id, v) VALUES (1, ?)', [`grow-${i}-${'g'.repeat(1000)}`]);
    await db.sync();
  }
  const free = fill(dir, 8 * 1024); // room for a few records, not for a snapshot
  for (let i = 0; i < 30; i++) {
    insert(db, `tight-${i}-${'t'.repeat(100)}`);
    const s = db.sync();
    await waitFor(() => !db.dirty, `write ${i} to reach the journal`);
    await s;
  }
  assert.ok(db.journalBytes > snapshotSize(), 'checkpoints were due');
  assert.equal(has(problems, 'write-failing'), false, 'every write was saved at once');
  assert.deepEqual(readdirSync(dir).filter((f) => f.includes('.tmp')), [], 'failed checkpoints leave no temp files');
  const copy = await openForTest(t, crashCopy(t, dir));
  assert.equal(values(copy.db).at(-1), `tight-29-${'t'.repeat(100)}`);
  free();
  db.closeSync();
  assertTidy(dir);
});

test('a folder that takes no new files (chattr +i): writes are saved to the open journal, and close still saves', async (t) => {
  const dir = smallDisk(t);
  if (!dir) return;
  const { db, problems } = await storeOn(t, dir, { checkpointMinBytes: 1 });
  assert.ok(sh('chattr', ['+i', dir]).ok, 'chattr +i');
  let immutable = true;
  defer(t, () => immutable && void sh('chattr', ['-i', dir]));
  const written: string[] = [];
  for (let i = 0; i < 40; i++) {
    written.push(`ro-${i}-${'r'.repeat(500)}`);
    insert(db, written.at(-1)!);
    const s = db.sync();
    await waitFor(() => !db.dirty, `write ${i} to reach the journal`);
    await s;
  }
  assert.ok(db.journalBytes > statSync(join(dir, 'pipulate.db')).size, 'checkpoints were due all along');
  insert(db, 'at close');
  db.closeSync(); // cannot write a snapshot or remove the lock; the journal takes the change
  assert.ok(sh('chattr', ['-i', dir]).ok);
  immutable = false;
  const reopened = await openForTest(t, dir);
  assert.deepEqual(values(reopened.db), ['before', ...written, 'at close']);
  assert.deepEqual(reopened.problems, []);
  assert.deepEqual(problems.filter((p) => p.kind === 'moved-aside'), []);
});

test('opening in a read-only folder works in memory and saves once it is writable', async (t) => {
  const dir = smallDisk(t);
  if (!dir) return;
  const mountpoint = join(dir, '..');
  const first = await storeOn(t, dir);
  insert(first.db, 'in the journal');
  await first.db.sync();
  first.db.closeSync();
  assert.ok(sh('mount', ['-o', 'remount,ro', mountpoint]).ok);
  let readOnly = true;
  defer(t, () => readOnly && void sh('mount', ['-o', 'remount,rw', mountpoint]));

  const { db, problems } = await openForTest(t, dir);
  assert.ok(has(problems, 'write-failing'), JSON.stringify(problems));
  assert.deepEqual(values(db), ['before', 'in the journal']);
  insert(db, 'while read-only');
  const s = db.sync();
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(await settled(s), false);
  assert.ok(sh('mount', ['-o', 'remount,rw', mountpoint]).ok);
  readOnly = false;
  await s;
  await waitFor(() => has(problems, 'write-recovered'), 'the write-recovered report');
  db.closeSync();
  const reopened = await openForTest(t, dir);
  assert.deepEqual(values(reopened.db), ['before', 'in the journal', 'while read-only']);
  assertTidy(dir);
});

test('a damaged journal found while the folder is read-only is moved aside and reported once it can be written, never overwritten', async (t) => {
  const dir = smallDisk(t);
  if (!dir) return;
  const mountpoint = join(dir, '..');
  // A journal of six acknowledged records (the table, then a row each), as a crash leaves it.
  const elsewhere = scratchDir(t);
  const { db: writer } = await storeOn(t, elsewhere);
  for (const v of ['r1', 'r2', 'r3', 'r4']) {
    insert(writer, v);
    await writer.sync();
  }
  for (const f of ['pipulate.db', 'pipulate.db.journal']) copyFileSync(join(elsewhere, f), join(dir, f));
  const journalFile = join(dir, 'pipulate.db.journal');
  const records = readJournal(journalFile)!.records;
  assert.equal(records.length, 6);
  const damaged = readFileSync(journalFile);
  damaged[damaged.length - records.at(-1)!.length - records.at(-2)!.length - 8 - 4]! ^= 0x5a; // inside r3's record
  writeFileSync(journalFile, damaged);

  assert.ok(sh('mount', ['-o', 'remount,ro', mountpoint]).ok);
  let readOnly = true;
  defer(t, () => readOnly && void sh('mount', ['-o', 'remount,rw', mountpoint]));
  const { db, problems } = await openForTest(t, dir);
  assert.deepEqual(values(db), ['before', 'r1', 'r2']);
  assert.deepEqual(problems.map((p) => p.kind), ['write-failing'], 'nothing moved yet: the folder cannot be written');
  assert.ok(sh('mount', ['-o', 'remount,rw', mountpoint]).ok);
  readOnly = false;

  insert(db, 'after');
  await db.sync();
  const report = problems.find((p) => p.kind === 'journal-damaged');
  assert.ok(report?.kind === 'journal-damaged', JSON.stringify(problems));
  assert.equal(report.lost, 2);
  assert.deepEqual(readFileSync(report.movedTo), damaged, 'moved aside as it was before the first checkpoint replaced it');
  db.closeSync();
  const reopened = await openForTest(t, dir);
  assert.deepEqual(values(reopened.db), ['before', 'r1', 'r2', 'after']);
  assert.deepEqual(reopened.problems, []);
});

test('a journal that is not a journal, found while the folder is read-only: the store opens, and moves it aside once it can write', async (t) => {
  const dir = smallDisk(t);
  if (!dir) return;
  const mountpoint = join(dir, '..');
  const first = await storeOn(t, dir);
  first.db.closeSync();
  const text = Buffer.from('{"this": "is not a journal"}\n');
  writeFileSync(join(dir, 'pipulate.db.journal'), text);
  assert.ok(sh('mount', ['-o', 'remount,ro', mountpoint]).ok);
  let readOnly = true;
  defer(t, () => readOnly && void sh('mount', ['-o', 'remount,rw', mountpoint]));
  const { db, problems } = await openForTest(t, dir);
  assert.deepEqual(values(db), ['before']);
  assert.ok(sh('mount', ['-o', 'remount,rw', mountpoint]).ok);
  readOnly = false;
  insert(db, 'after');
  await db.sync();
  const moved = problems.find((p) => p.kind === 'moved-aside');
  assert.ok(moved?.kind === 'moved-aside', JSON.stringify(problems));
  assert.deepEqual(readFileSync(moved.movedTo), text);
  db.closeSync();
  const reopened = await openForTest(t, dir);
  assert.deepEqual(values(reopened.db), ['before', 'after']);
});
