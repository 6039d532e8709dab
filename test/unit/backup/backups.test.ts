/** Dated backups on a real disk: scheduling by the day, pruning, failure told once, and a copy consistent while writes go on. */
import assert from 'node:assert/strict';
import { closeSync, openSync, readdirSync, writeFileSync, rmSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { appStore } from '../../../src/store/appSchema';
import { defaultBackupFolder, summaryOf } from '../../../src/backup/backups';
import { backupsFor } from '../../helpers/backups';
import { loadEngine } from '../../../src/store/database';
import { parseJournal } from '../../../src/store/journal';
import { Table } from '../../../src/store/table';
import { pipelineTable } from '../../../src/workflows/pipelineTable';
import { openForTest, readSnapshot, scratchDir, takeSnapshot, waitFor, wasmPath } from '../../helpers/store';

const todoTitles = async (file: string) => {
  const db = await readSnapshot(file);
  try {
    return (db.exec('SELECT title FROM todo ORDER BY id')[0]?.values ?? []).map((r) => String(r[0]));
  } finally {
    db.close();
  }
};

test('the default folder is per workspace, named for it, outside VS Code', () => {
  const a = defaultBackupFolder('/home/u', 'my project', 'file:///work/my%20project');
  const b = defaultBackupFolder('/home/u', 'my project', 'file:///elsewhere/my%20project');
  assert.match(a, /^\/home\/u\/\.pipulate\/backups\/my project-[0-9a-f]{8}$/);
  assert.notEqual(a, b);
  assert.match(defaultBackupFolder('/h', '../../etc', 'x'), /^\/h\/\.pipulate\/backups\/\.\._\.\._etc-/);
});

test('a backup holds the data, says what it holds, and opens as a plain SQLite file', async (t) => {
  const { db } = await openForTest(t, scratchDir(t));
  const store = appStore(db);
  const p = store.profiles.insert({ name: 'Work' });
  store.todos.insert({ title: 'write report', profile_id: p.id });
  store.messages.insert({ profile_id: p.id, role: 'user', content: 'hello', created: 1 });
  new Table(db, pipelineTable).insert({ profile_id: p.id, workflow: 'hello', key: 'first', state: { values: {} }, created: 1, updated: 1 });
  await db.sync();
  const folder = join(scratchDir(t), 'backups');
  const { backups } = backupsFor(t, db, folder);
  const entry = await backups.backUp();
  assert.deepEqual(await todoTitles(entry.file), ['write report']);
  const [listed] = await backups.list();
  assert.equal(listed!.file, entry.file);
  assert.deepEqual({ ...listed!.summary, schema: 0 }, { profiles: 1, todos: 1, messages: 1, runs: 1, schema: 0 });
  assert.equal(listed!.summary!.schema, summaryOf(db).schema);
});

test('once a day: the first check backs up, later checks that day do not, the next day does; the last `keep` are kept', async (t) => {
  const { db } = await openForTest(t, scratchDir(t));
  const store = appStore(db);
  const folder = join(scratchDir(t), 'backups');
  let day = 1;
  let backedUp = 0;
  const { backups } = backupsFor(t, db, folder, {
    keep: () => 3,
    now: () => new Date(2026, 0, day, 12, 0, 0),
    firstCheckMs: 0,
    checkEveryMs: 5,
    log: (line) => line.startsWith('Backed up') && backedUp++,
  });
  store.todos.insert({ title: 'day 1', profile_id: 1 });
  await db.sync();
  backups.start();
  await waitFor(() => backedUp === 1, 'the first backup');
  await new Promise((r) => setTimeout(r, 50)); // several more checks the same day
  assert.equal(backedUp, 1);
  for (let next = 2; next <= 5; next++) {
    store.todos.insert({ title: `day ${next}`, profile_id: 1 });
    await db.sync();
    day = next;
    await waitFor(() => backedUp === next, `the backup of day ${next}`);
  }
  const files = readdirSync(folder).filter((f) => f.endsWith('.db')).sort();
  assert.deepEqual(files, ['pipulate-2026-01-03.db', 'pipulate-2026-01-04.db', 'pipulate-2026-01-05.db']);
  assert.deepEqual(readdirSync(folder).filter((f) => f.endsWith('.json')).length, 3);
  assert.deepEqual(await todoTitles(join(folder, 'pipulate-2026-01-04.db')), ['day 1', 'day 2', 'day 3', 'day 4']);
});

test('a backup that cannot be written is told once, retried at later checks, and never stops the store', async (t) => {
  const { db } = await openForTest(t, scratchDir(t));
  const store = appStore(db);
  const parent = scratchDir(t);
  const folder = join(parent, 'backups');
  writeFileSync(folder, 'a file where the folder should be'); // mkdir fails (EEXIST/ENOTDIR), even as root
  let attempts = 0;
  const { backups, told } = backupsFor(t, db, folder, {
    firstCheckMs: 0,
    checkEveryMs: 5,
    log: (line) => line.startsWith('Pipulate could not back up') && attempts++,
  });
  backups.start();
  await waitFor(() => attempts >= 3, 'three failed attempts');
  assert.equal(told.length, 1);
  assert.match(told[0]!, /^failing: Pipulate could not back up its data to .*backups/);
  store.todos.insert({ title: 'still works', profile_id: 1 });
  await db.sync();
  rmSync(folder);
  await waitFor(() => told.length === 2, 'the recovery');
  assert.equal(told[1], 'recovered');
  assert.equal(readdirSync(folder).filter((f) => f.endsWith('.db')).length, 1);
});

test('a backup taken while writes go on holds every change acknowledged before it started', async (t) => {
  // A small checkpoint threshold, so checkpoints replace the files while the backup reads them.
  const { db } = await openForTest(t, scratchDir(t), { checkpointMinBytes: 4096 });
  const store = appStore(db);
  const acknowledged: string[] = [];
  for (let i = 0; i < 300; i++) {
    store.todos.insert({ title: `before ${i} ${'x'.repeat(100)}`, profile_id: 1 });
    if (i % 10 === 9) await db.sync();
  }
  await db.sync();
  for (const r of store.todos.rows({ orderBy: 'id' })) acknowledged.push(r.title);
  // Some of these are durable, some pending when the backup starts.
  for (let i = 0; i < 5; i++) store.todos.insert({ title: `pending ${i}`, profile_id: 1 });
  const { backups } = backupsFor(t, db, join(scratchDir(t), 'backups'));
  const backup = backups.backUp();
  let writing = true;
  const writer = (async () => {
    for (let i = 0; writing; i++) {
      store.todos.insert({ title: `during ${i} ${'y'.repeat(200)}`, profile_id: 1 });
      if (i % 3 === 0) store.todos.deleteWhere({ title: acknowledged[i % 50]! }); // rows that existed before the backup go too
      await db.sync();
    }
  })();
  const entry = await backup;
  writing = false;
  await writer;
  const titles = await todoTitles(entry.file);
  for (const title of acknowledged) assert.ok(titles.includes(title), `the backup lacks ${title.slice(0, 20)}`);
  // And it is one moment of the store: the changes after the acknowledged ones are a prefix of them, in order.
  const pending = titles.filter((x) => x.startsWith('pending'));
  assert.deepEqual(pending, ['pending 0', 'pending 1', 'pending 2', 'pending 3', 'pending 4'].slice(0, pending.length));
  assert.equal(readFileSync(entry.file).subarray(0, 15).toString(), 'SQLite format 3');
});

test('on close: the folded snapshot is copied as today’s backup', async (t) => {
  const { db } = await openForTest(t, scratchDir(t));
  const store = appStore(db);
  store.todos.insert({ title: 'last thing', profile_id: 1 });
  await db.sync();
  const folder = join(scratchDir(t), 'backups');
  const { backups } = backupsFor(t, db, folder, { now: () => new Date(2026, 5, 7, 23, 59) });
  const summary = summaryOf(db);
  db.closeSync();
  backups.copyOnClose(db.snapshotPath, summary);
  assert.deepEqual(await todoTitles(join(folder, 'pipulate-2026-06-07.db')), ['last thing']);
  const [entry] = await backups.list();
  assert.equal(entry!.summary!.todos, 1);
});

test('copies made before a restore are kept apart: they never push out the daily backups, nor replace the backup being restored', async (t) => {
  const { db } = await openForTest(t, scratchDir(t));
  appStore(db);
  await db.sync();
  const folder = join(scratchDir(t), 'backups');
  let minute = 0;
  const { backups } = backupsFor(t, db, folder, { keep: () => 2, now: () => new Date(2026, 2, 1 + Math.floor(minute / 10), 10, minute % 10) });
  for (; minute < 30; minute += 10) await backups.backUp(); // three days
  const daily = (await backups.list()).map((e) => e.file);
  for (let i = 0; i < 3; i++, minute++) await backups.backUp('before-restore'); // three copies on the fourth day
  const entries = await backups.list();
  assert.deepEqual(entries.filter((e) => e.kind === 'daily').map((e) => e.file), daily.slice(0, 2), 'the two newest days');
  assert.deepEqual(
    entries.filter((e) => e.kind === 'before-restore').map((e) => e.file.split('/').at(-1)),
    ['pipulate-2026-03-04-100200-before-restore.db', 'pipulate-2026-03-04-100100-before-restore.db'],
  );
  // A backup whose .json is gone is still listed, its contents unknown until checked.
  rmSync(`${daily[0]!.slice(0, -3)}.json`);
  const unknown = (await backups.list()).find((e) => e.file === daily[0]);
  assert.equal(unknown?.summary, undefined);
});

test('the snapshot and journal a backup reads belong together, though a checkpoint swaps both while they are being opened', async (t) => {
  const { db } = await openForTest(t, scratchDir(t));
  const store = appStore(db);
  store.profiles.insert({ name: 'Before' });
  await db.sync();
  const SQL = await loadEngine(wasmPath);
  const replacement = new SQL.Database(db.export());
  replacement.run(`UPDATE profile SET name = 'After'`);
  const bytes = replacement.export();
  replacement.close();

  // Right after the snapshot is opened, a new snapshot and journal take the files' places.
  let swapped = false;
  const files = (await db.openDurableFiles(async (file) => {
    const fd = openSync(file, 'r');
    if (!swapped) swapped = await takeSnapshot(db, bytes);
    return fd;
  }))!;
  assert.ok(swapped);
  t.after(() => [files.snapshotFd, files.journalFd].forEach((fd) => fd !== undefined && closeSync(fd)));
  const snapshot = new SQL.Database(readFileSync(files.snapshotFd));
  const generation = Number(snapshot.exec(`SELECT value FROM _pipulate_meta WHERE key = 'generation'`)[0]!.values[0]![0]);
  assert.equal(snapshot.exec('SELECT name FROM profile')[0]!.values[0]![0], 'After');
  snapshot.close();
  assert.equal(parseJournal(readFileSync(files.journalFd!).subarray(0, files.journalBytes))?.generation ?? generation, generation);
});
