/** The journal and snapshot on a real disk: sync, group commit, replay, damaged files, checkpoints. */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import CRC32 from 'crc-32';
import { existsSync, readFileSync, readdirSync, realpathSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import type { Database, StoreProblem } from '../../../src/store/database';
import { StoreClosedError } from '../../../src/store/errors';
import { moveAside } from '../../../src/store/fsutil';
import { HEADER_SIZE, encodeAppend, readJournal } from '../../../src/store/journal';
import { Writer } from '../../helpers/child';
import { countCalls, fdPath, holdCallback } from '../../helpers/fsgate';
import { crashCopy, flipByte, openForTest, readSnapshot, recordSpans, scratchDir, settled } from '../../helpers/store';

const snapshotOf = (dir: string) => join(dir, 'pipulate.db');
const journalOf = (dir: string) => join(dir, 'pipulate.db.journal');

async function withTable(t: TestContext, dir = scratchDir(t), options = {}) {
  const opened = await openForTest(t, dir, options);
  opened.db.write('CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY AUTOINCREMENT, v TEXT NOT NULL)');
  await opened.db.sync();
  return { dir, ...opened };
}

const values = (db: Database) => db.all('SELECT v FROM t ORDER BY id').map((r) => r.v);
const insert = (db: Database, v: string) => db.write('INSERT INTO t (v) VALUES (?)', [v]);

/** Writes `n` rows, each acknowledged on its own, so the journal holds one record per row. */
async function rowsOneByOne(db: Database, n: number, prefix = 'r'): Promise<string[]> {
  const written: string[] = [];
  for (let i = 0; i < n; i++) {
    insert(db, `${prefix}${i}`);
    await db.sync();
    written.push(`${prefix}${i}`);
  }
  return written;
}

const kinds = (problems: StoreProblem[]) => problems.map((p) => p.kind);

/** Where a reported file went; fails if the problem does not say. */
function movedTo(p: StoreProblem | undefined): string {
  assert.ok(p && 'movedTo' in p, `a report that says where the file went: ${JSON.stringify(p)}`);
  return p.movedTo;
}

test('sync() resolves only once the record is written and fdatasync\'d to the journal', async (t) => {
  const { db } = await withTable(t);
  const journal = realpathSync(db.journalPath);
  const gate = holdCallback(t, 'fdatasync', ([fd]) => fdPath(fd) === journal);
  insert(db, 'marker-1');
  const s = db.sync();
  await gate.reached;
  await new Promise((r) => setTimeout(r, 30));
  assert.equal(await settled(s), false, 'not durable before fdatasync returns');
  assert.equal(db.dirty, true);
  gate.release();
  await s;
  assert.equal(db.dirty, false);
  const last = readJournal(journal)!.records.at(-1)!.toString('utf8');
  assert.match(last, /marker-1/);
  // Nothing pending: resolves at once.
  await db.sync();
});

test('group commit: writes made while one flush runs share the next append and fdatasync', async (t) => {
  const { db } = await withTable(t);
  const journal = realpathSync(db.journalPath);
  const syncs = countCalls(t, 'fdatasync', ([fd]) => fdPath(fd) === journal);
  const before = readJournal(journal)!.records.length;
  const sizeBefore = statSync(journal).size;
  const waits: Promise<void>[] = [];
  for (let i = 0; i < 100; i++) {
    insert(db, `g${i}`);
    waits.push(db.sync());
  }
  await Promise.all(waits);
  // Every write is its own record, but they went to disk in at most two flushes: the
  // first write starts a flush at once, the 99 after it wait for it and go together.
  assert.equal(readJournal(journal)!.records.length - before, 100);
  assert.ok(syncs.calls >= 1 && syncs.calls <= 2, `${syncs.calls} fdatasyncs for 100 writes`);
  assert.ok(statSync(journal).size > sizeBefore);
  assert.equal(values(db).length, 100);
});

test('a transaction is one journal record; a rolled-back one leaves nothing', async (t) => {
  const { db, dir } = await withTable(t);
  const before = readJournal(db.journalPath)!.records.length;
  db.transaction(() => {
    insert(db, 'a');
    db.transaction(() => insert(db, 'b')); // nested: joins the outer one
  });
  assert.throws(() =>
    db.transaction(() => {
      insert(db, 'c');
      throw new Error('abandon');
    }),
  );
  await db.sync();
  assert.equal(readJournal(db.journalPath)!.records.length - before, 1);
  assert.deepEqual(values(db), ['a', 'b']);
  const copy = await openForTest(t, crashCopy(t, dir));
  assert.deepEqual(values(copy.db), ['a', 'b']);
});

test('after a crash (SIGKILL of a child) the journal is replayed and the stale lock taken over', async (t) => {
  const dir = scratchDir(t);
  const child = new Writer(['hold', dir, '50']);
  await child.waitForLine((l) => l === 'ready');
  await child.kill();
  assert.ok(existsSync(join(dir, 'pipulate.db.lock')), 'the killed writer left its lock behind');
  assert.ok(readJournal(journalOf(dir))!.records.length > 0, 'its writes are in the journal, not the snapshot');
  const { db, problems } = await openForTest(t, dir);
  assert.equal(db.all('SELECT count(*) AS n FROM item')[0]!.n, 50);
  assert.deepEqual(problems, []);
});

/** A store whose journal holds ten acknowledged records, one row each. */
async function tenRecords(t: TestContext) {
  const { db, dir } = await withTable(t);
  const rows = await rowsOneByOne(db, 10);
  const copy = crashCopy(t, dir);
  const spans = recordSpans(journalOf(copy));
  assert.equal(spans.length, 11, 'the table, then ten rows');
  return { copy, rows, spans };
}

/** Opens a damaged copy, checks it kept exactly `kept`, and that it is clean and writable afterwards. */
async function expectRecovered(t: TestContext, dir: string, kept: string[], problemKinds: StoreProblem['kind'][]) {
  const { db, problems } = await openForTest(t, dir);
  assert.deepEqual(values(db), kept);
  assert.deepEqual(kinds(problems), problemKinds);
  insert(db, 'after');
  await db.sync();
  const j = readJournal(journalOf(dir))!;
  assert.equal(j.droppedBytes, 0, 'no garbage left in the journal');
  assert.equal(statSync(journalOf(dir)).size, j.validEnd);
  const again = await openForTest(t, crashCopy(t, dir));
  assert.deepEqual(values(again.db), [...kept, 'after']);
  assert.deepEqual(again.problems, []);
  return problems;
}

for (const [what, cut] of [
  ['one byte of the payload', (s: [number, number]) => s[1] - 1],
  ['half the payload', (s: [number, number]) => Math.floor((s[0] + 8 + s[1]) / 2)],
  ['inside the record header', (s: [number, number]) => s[0] + 5],
  ['right after the header', (s: [number, number]) => s[0] + 8],
] as const) {
  test(`a torn tail (${what} missing) is dropped and reported; earlier records kept`, async (t) => {
    const { copy, rows, spans } = await tenRecords(t);
    truncateSync(journalOf(copy), cut(spans.at(-1)!));
    const problems = await expectRecovered(t, copy, rows.slice(0, 9), ['tail-dropped']);
    assert.match(problems[0]!.message, /Dropped \d+ bytes/);
  });
}

test('a corrupt tail (a flipped byte in the last record) is dropped and reported', async (t) => {
  const { copy, rows, spans } = await tenRecords(t);
  flipByte(journalOf(copy), spans.at(-1)![1] - 3);
  await expectRecovered(t, copy, rows.slice(0, 9), ['tail-dropped']);
});

test('a corrupt length field in the last record is dropped and reported', async (t) => {
  const { copy, rows, spans } = await tenRecords(t);
  flipByte(journalOf(copy), spans.at(-1)![0] + 3); // the length's high byte: far past the end
  await expectRecovered(t, copy, rows.slice(0, 9), ['tail-dropped']);
});

test('garbage appended after the last record is dropped and reported', async (t) => {
  const { copy, rows } = await tenRecords(t);
  writeFileSync(journalOf(copy), Buffer.concat([readFileSync(journalOf(copy)), randomBytes(100)]));
  await expectRecovered(t, copy, rows, ['tail-dropped']);
});

/** A store with a table and `n` acknowledged rows, one record each, and a crash copy of it to damage. */
async function records(t: TestContext, n: number) {
  const { db, dir } = await withTable(t);
  const rows = await rowsOneByOne(db, n);
  const copy = crashCopy(t, dir);
  const spans = recordSpans(journalOf(copy));
  assert.equal(spans.length, n + 1, 'the table, then one record per row');
  return { db, dir, copy, rows, spans };
}

const damageReport = (problems: StoreProblem[]) => problems.find((p) => p.kind === 'journal-damaged') as Extract<StoreProblem, { kind: 'journal-damaged' }>;

for (const [what, offset] of [
  ['a flipped byte in its payload', (s: [number, number]) => s[0] + 12],
  ['a flipped byte in its length', (s: [number, number]) => s[0] + 2],
  ['a flipped byte in its checksum', (s: [number, number]) => s[0] + 5],
] as const) {
  test(`a damaged record in the middle of the journal (${what}) is damage, not a torn tail: the changes before it are kept, the journal moved aside whole, and the user told`, async (t) => {
    const { copy, rows, spans } = await records(t, 20);
    flipByte(journalOf(copy), offset(spans[10]!)); // the 10th change (spans[0] makes the table)
    const damaged = readFileSync(journalOf(copy));
    // Only the nine before it: the eleven after it were written against a state that had it.
    const problems = await expectRecovered(t, copy, rows.slice(0, 9), ['journal-damaged']);
    const report = damageReport(problems);
    assert.equal(report.lost, 11, 'the damaged change and the ten after it');
    assert.match(report.movedTo, /pipulate\.db\.journal\.corrupt-\d{4}-\d\d-\d\dT[\d-]+Z$/);
    assert.deepEqual(readFileSync(report.movedTo), damaged, 'the journal as it was, byte for byte');
    assert.ok(report.message.includes(report.movedTo), 'the message says where the copy is');
    assert.match(report.message, /at least 11 saved changes could not be restored/);
    assert.match(report.message, /the 10 before the damage were/, 'the table and nine rows');
  });
}

test('damage in the last append, with a record after it in that same append, is a torn tail', async (t) => {
  const { db, dir, rows } = await records(t, 10);
  // The first write starts a flush at once; the two after it wait and go in one append
  // (group commit). A crash in that append may leave its second record whole and its
  // first not (the disk wrote the pages out of order); it was never acknowledged.
  for (const v of ['x1', 'x2', 'x3']) insert(db, v);
  await db.sync();
  const copy = crashCopy(t, dir);
  const spans = recordSpans(journalOf(copy));
  const startsAppend = (span: [number, number]) => (readFileSync(journalOf(copy))[span[0] + 3]! & 0x80) !== 0;
  assert.deepEqual(spans.slice(-3).map(startsAppend), [true, true, false], 'x2 and x3 were one append');
  const data = readFileSync(journalOf(copy));
  data.fill(0, spans.at(-2)![0], spans.at(-2)![1]); // x2 never reached the disk
  writeFileSync(journalOf(copy), data);
  await expectRecovered(t, copy, [...rows, 'x1'], ['tail-dropped']);
});

test('a tail of zeros (the file was extended, its data never written) is a torn tail', async (t) => {
  const { copy, rows } = await records(t, 10);
  writeFileSync(journalOf(copy), Buffer.concat([readFileSync(journalOf(copy)), Buffer.alloc(4096)]));
  await expectRecovered(t, copy, rows, ['tail-dropped']);
});

test('a journal in the format before append marks (PIPJRNL1) is replayed, then replaced by a current one', async (t) => {
  const { copy, rows } = await records(t, 5);
  const current = readJournal(journalOf(copy))!;
  const v1 = Buffer.alloc(HEADER_SIZE);
  v1.write('PIPJRNL1', 'ascii');
  v1.writeUInt32LE(current.generation, 8);
  const v1Record = (payload: Buffer) => {
    const head = Buffer.alloc(8);
    head.writeUInt32LE(payload.length, 0);
    head.writeInt32LE(CRC32.buf(payload), 4);
    return Buffer.concat([head, payload]);
  };
  writeFileSync(journalOf(copy), Buffer.concat([v1, ...current.records.map(v1Record)]));
  const { db, problems } = await openForTest(t, copy);
  assert.deepEqual(values(db), rows);
  assert.deepEqual(problems, []);
  assert.equal(readFileSync(journalOf(copy)).subarray(0, 8).toString('ascii'), 'PIPJRNL2', 'not appended to: checkpointed');
  insert(db, 'after');
  await db.sync();
  const again = await openForTest(t, crashCopy(t, copy));
  assert.deepEqual(values(again.db), [...rows, 'after']);
});

test('a record that checks out but cannot be applied: the journal is moved aside, earlier changes kept', async (t) => {
  const { copy, rows } = await tenRecords(t);
  const bad = encodeAppend([Buffer.from(JSON.stringify([['INSERT INTO nowhere VALUES (?)', [1]]]))]);
  const original = Buffer.concat([readFileSync(journalOf(copy)), bad]);
  writeFileSync(journalOf(copy), original);
  const { db, problems } = await openForTest(t, copy);
  assert.deepEqual(values(db), rows);
  assert.deepEqual(kinds(problems), ['moved-aside']);
  assert.deepEqual(readFileSync(movedTo(problems[0])), original, 'moved whole, byte for byte');
  insert(db, 'after');
  await db.sync();
  db.closeSync();
  const again = await openForTest(t, copy);
  assert.deepEqual(values(again.db), [...rows, 'after']);
});

test('a checkpoint folds the journal into the snapshot once it passes checkpointMinBytes', async (t) => {
  const { db, dir } = await withTable(t, undefined, { checkpointMinBytes: 1 });
  const generation = () => readFileSync(journalOf(dir)).readUInt32LE(8);
  const start = generation();
  const written: string[] = [];
  for (let i = 0; generation() === start; i++) {
    assert.ok(i < 1000, 'a checkpoint happens once the journal outgrows the snapshot');
    insert(db, `c${i}-${'p'.repeat(500)}`);
    written.push(`c${i}-${'p'.repeat(500)}`);
    await db.sync();
  }
  // The write that crossed the line went into the snapshot, and the journal starts empty.
  assert.equal(statSync(journalOf(dir)).size, HEADER_SIZE);
  assert.equal(db.journalBytes, HEADER_SIZE);
  const snap = await readSnapshot(snapshotOf(dir));
  assert.deepEqual(snap.exec('SELECT v FROM t ORDER BY id')[0]!.values.flat(), written);
  assert.deepEqual(snap.exec("SELECT value FROM _pipulate_meta WHERE key = 'generation'")[0]!.values[0], [generation()]);
  snap.close();
  // And it goes on: the next write is appended to the new journal and replays onto the new snapshot.
  insert(db, 'next');
  await db.sync();
  assert.equal(readJournal(journalOf(dir))!.records.length, 1);
  const copy = await openForTest(t, crashCopy(t, dir));
  assert.deepEqual(values(copy.db), [...written, 'next']);
});

test('a journal older than the snapshot (crash between snapshot rename and journal reset) is not replayed again', async (t) => {
  const { db, dir } = await withTable(t);
  await rowsOneByOne(db, 5);
  const oldJournal = readFileSync(journalOf(dir));
  db.closeSync(); // checkpoint: the snapshot now holds the five rows
  assert.notEqual(readFileSync(journalOf(dir)).readUInt32LE(8), oldJournal.readUInt32LE(8));
  writeFileSync(journalOf(dir), oldJournal); // as if the reset never happened
  const reopened = await openForTest(t, dir);
  assert.deepEqual(values(reopened.db), ['r0', 'r1', 'r2', 'r3', 'r4'], 'each row once');
  assert.deepEqual(reopened.problems, []);
  insert(reopened.db, 'r5');
  await reopened.db.sync();
  const copy = await openForTest(t, crashCopy(t, dir));
  assert.deepEqual(values(copy.db), ['r0', 'r1', 'r2', 'r3', 'r4', 'r5']);
});

test('a journal newer than the snapshot (the snapshot was replaced by an older one) is moved aside', async (t) => {
  const { db, dir } = await withTable(t);
  const oldSnapshot = readFileSync(snapshotOf(dir));
  db.closeSync();
  const again = await withTable(t, dir);
  await rowsOneByOne(again.db, 3);
  const copy = crashCopy(t, dir);
  const journal = readFileSync(journalOf(copy));
  writeFileSync(snapshotOf(copy), oldSnapshot);
  const { db: restored, problems } = await openForTest(t, copy);
  assert.deepEqual(kinds(problems), ['moved-aside']);
  assert.deepEqual(readFileSync(movedTo(problems[0])), journal);
  // The old snapshot is what is left: it predates table t, and the store works on it.
  assert.deepEqual(restored.all("SELECT name FROM sqlite_master WHERE name = 't'"), []);
  restored.write('CREATE TABLE t2 (x)');
  await restored.sync();
});

test('closeSync() checkpoints synchronously and a reopen sees everything', async (t) => {
  const { db, dir } = await withTable(t);
  for (let i = 0; i < 20; i++) insert(db, `s${i}`);
  const s = db.sync();
  db.closeSync();
  // Done before closeSync returned: the snapshot has it all, the journal is empty.
  assert.equal(statSync(journalOf(dir)).size, HEADER_SIZE);
  const snap = await readSnapshot(snapshotOf(dir));
  assert.equal(snap.exec('SELECT count(*) FROM t')[0]!.values[0]![0], 20);
  snap.close();
  await s;
  assert.throws(() => insert(db, 'late'), StoreClosedError);
  assert.equal(existsSync(join(dir, 'pipulate.db.lock')), false, 'the lock is released');
  const reopened = await openForTest(t, dir);
  assert.equal(values(reopened.db).length, 20);
  // And close() (the async one) waits for pending writes too.
  insert(reopened.db, 'last');
  await reopened.db.close();
  const third = await openForTest(t, dir);
  assert.equal(values(third.db).length, 21);
});

/** A real multi-page snapshot, to damage. */
async function realSnapshot(t: TestContext): Promise<Buffer> {
  const { db, dir } = await withTable(t);
  db.transaction(() => {
    for (let i = 0; i < 300; i++) insert(db, `${i}-${'z'.repeat(400)}`);
  });
  db.closeSync();
  const bytes = readFileSync(snapshotOf(dir));
  assert.ok(bytes.length > 100_000);
  return bytes;
}

const notSqlite: [string, (t: TestContext) => Promise<Buffer>][] = [
  ['random bytes', async () => randomBytes(8192)],
  ['a text file', async () => Buffer.from('These are my notes, not a database.\n'.repeat(50))],
  ['an empty file', async () => Buffer.alloc(0)],
  ['a SQLite header and nothing else', async () => Buffer.from('SQLite format 3\0', 'latin1')],
  ['a truncated SQLite file', async (t) => (await realSnapshot(t)).subarray(0, 60_000)],
  ['a SQLite file with a page of garbage', async (t) => {
    const bytes = Buffer.from(await realSnapshot(t));
    randomBytes(4096).copy(bytes, 4096 * 10);
    return bytes;
  }],
];

for (const [what, make] of notSqlite) {
  test(`a snapshot that is ${what} is moved aside untouched, reported, and a fresh store works`, async (t) => {
    const original = await make(t);
    const dir = scratchDir(t);
    writeFileSync(snapshotOf(dir), original);
    const { db, problems } = await withTable(t, dir);
    const moved = problems.filter((p) => p.kind === 'moved-aside');
    assert.equal(moved.length, 1, JSON.stringify(problems));
    const aside = movedTo(moved[0]);
    assert.match(aside, /pipulate\.db\.corrupt-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d-\d{3}Z$/);
    assert.ok(moved[0]!.message.includes(aside), 'the message says where');
    assert.deepEqual(readFileSync(aside), original, 'the moved file is the original, byte for byte');
    // The store works, and the new snapshot is a real database.
    insert(db, 'fresh');
    await db.sync();
    db.closeSync();
    const reopened = await openForTest(t, dir);
    assert.deepEqual(values(reopened.db), ['fresh']);
    assert.deepEqual(reopened.problems, []);
    assert.deepEqual(readFileSync(aside), original, 'still untouched');
  });
}

test('a damaged snapshot\'s journal is moved aside with it, and the user is told where', async (t) => {
  const dir = scratchDir(t);
  const journal = Buffer.concat([Buffer.from('PIPJRNL2'), Buffer.alloc(8), encodeAppend([Buffer.from('[]')])]);
  writeFileSync(snapshotOf(dir), 'not a database');
  writeFileSync(journalOf(dir), journal);
  const { problems } = await withTable(t, dir);
  const moved = problems.filter((p) => p.kind === 'moved-aside').map(movedTo);
  assert.equal(moved.length, 2, JSON.stringify(problems));
  assert.deepEqual(moved.map((f) => readFileSync(f).toString('latin1')).sort(), [journal.toString('latin1'), 'not a database'].sort());
});

test('a journal that is not a journal is moved aside untouched, and the snapshot\'s data kept', async (t) => {
  const { db, dir } = await withTable(t);
  insert(db, 'kept');
  db.closeSync();
  const text = Buffer.from('{"this": "is not a journal"}\n');
  writeFileSync(journalOf(dir), text);
  const { db: reopened, problems } = await openForTest(t, dir);
  assert.deepEqual(kinds(problems), ['moved-aside']);
  assert.deepEqual(readFileSync(movedTo(problems[0])), text);
  assert.deepEqual(values(reopened), ['kept']);
  insert(reopened, 'more');
  await reopened.sync();
  const copy = await openForTest(t, crashCopy(t, dir));
  assert.deepEqual(values(copy.db), ['kept', 'more']);
});

test('moving a file aside never overwrites an earlier one of the same name', (t) => {
  const dir = scratchDir(t);
  const file = join(dir, 'pipulate.db');
  const now = new Date('2026-01-02T03:04:05.678Z');
  writeFileSync(file, 'first');
  const a = moveAside(file, 'corrupt', now);
  writeFileSync(file, 'second');
  const b = moveAside(file, 'corrupt', now);
  assert.notEqual(a, b);
  assert.equal(readFileSync(a, 'utf8'), 'first');
  assert.equal(readFileSync(b, 'utf8'), 'second');
  assert.equal(existsSync(file), false);
  assert.equal(readdirSync(dir).length, 2);
});

test('temp files of a checkpoint cut short by a crash are removed on open; other files are left alone', async (t) => {
  const { db, dir } = await withTable(t);
  insert(db, 'kept');
  db.closeSync();
  const leftovers = ['pipulate.db.tmp-99999-7', 'pipulate.db.tmp-99999', 'pipulate.db.journal.tmp-99999'];
  const others = ['pipulate.db.corrupt-2026-01-01T00-00-00-000Z', 'other.db.tmp-1', 'notes.txt'];
  for (const f of [...leftovers, ...others]) writeFileSync(join(dir, f), 'x'.repeat(1000));
  const { db: reopened } = await openForTest(t, dir);
  assert.deepEqual(values(reopened), ['kept']);
  assert.deepEqual(readdirSync(dir).sort(), ['pipulate.db', 'pipulate.db.journal', 'pipulate.db.lock', ...others].sort());
});

test('export() is a consistent SQLite copy of everything written so far, saved or not', async (t) => {
  const { db, dir } = await withTable(t);
  insert(db, 'saved');
  await db.sync();
  insert(db, 'not yet saved');
  const file = join(dir, 'export.sqlite');
  writeFileSync(file, db.export());
  const copy = await readSnapshot(file);
  assert.deepEqual(copy.exec('SELECT v FROM t ORDER BY id')[0]!.values.flat(), ['saved', 'not yet saved']);
  assert.equal(copy.exec('PRAGMA integrity_check')[0]!.values[0]![0], 'ok');
  copy.close();
  // Exporting changes nothing: the store goes on as before.
  insert(db, 'after');
  await db.sync();
  const reopened = await openForTest(t, crashCopy(t, dir));
  assert.deepEqual(values(reopened.db), ['saved', 'not yet saved', 'after']);
});
