/**
 * The store's speed, each figure against a baseline measured side by side:
 *
 * 1. A durable one-row change (todos.update + db.sync, one at a time) at 1,000 and at
 *    200,000 rows, against a bare append + fdatasync of the same bytes on the same disk;
 *    and the 200,000-row change against the 1,000-row one (the cost must not grow with
 *    the database).
 * 2. The same change against the naive approach: export the whole database and write
 *    it (+ fsync) on every change.
 * 3. Listing one profile's 10,000 todos out of 200,000 through the (profile_id,
 *    priority) index, against the same query on a copy of the table without the index,
 *    and against reading 10,000 rows off the front of the table.
 * 4. Opening a 50 MB store whose journal holds 10,000 changes (left by a process that
 *    never closed it), against reading the same files and handing the snapshot to
 *    sql.js; and the memory that open keeps.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import initSqlJs from 'sql.js';
import { appStore, todoTable, type AppStore } from '../src/store/appSchema';
import { Database, type OpenOptions } from '../src/store/database';
import { readJournal } from '../src/store/journal';
import { createTableSql, defineTable } from '../src/store/schema';
import { Table } from '../src/store/table';
import { MB, benchDisk, eachOp, emit, fmt, info, interleave, progress, removeDir, run, scratchDir, timed } from './lib';

const wasmPath = require.resolve('sql.js/dist/sql-wasm.wasm');
const PROFILES = 20;
const SMALL = 1_000;
const LARGE = 200_000;
const NO_CHECKPOINT = 1 << 30;

const INSERT_PROFILE = 'INSERT INTO profile (id, name) VALUES (?, ?)';
const INSERT_TODO = 'INSERT INTO todo (id, title, done, priority, profile_id) VALUES (?, ?, ?, ?, ?)';
const INSERT_MESSAGE = 'INSERT INTO message (profile_id, role, content, created, model) VALUES (?, ?, ?, ?, ?)';

const fsWrite = promisify(fs.write);
const fdatasync = promisify(fs.fdatasync);

function open(dir: string, options: Partial<OpenOptions> = {}): Promise<Database> {
  return Database.open({ dir, wasmPath, lockWaitMs: 0, ...options });
}

/** Todos are added in runs of this many per profile, the profiles taking turns (as a user works in one, then another). */
const RUN = 50;

/** Profiles and `n` todos spread over them, in one transaction. */
function fillTodos(db: Database, n: number): void {
  db.transaction(() => {
    for (let p = 1; p <= PROFILES; p++) db.write(INSERT_PROFILE, [p, `Profile ${p}`]);
    for (let i = 1; i <= n; i++) {
      const profile = (Math.floor((i - 1) / RUN) % PROFILES) + 1;
      db.write(INSERT_TODO, [i, `Todo ${i}: call the plumber about the kitchen sink`, i % 3 === 0 ? 1 : 0, (i * 7919) % 1000, profile]);
    }
  });
}

interface TodoStore {
  dir: string;
  db: Database;
  app: AppStore;
  rows: number;
  changes: number;
}

/** A store of `rows` todos, closed once and reopened, as a user would find it. */
async function todoStore(rows: number): Promise<TodoStore> {
  const dir = scratchDir(`store-${rows}-`);
  let db = await open(dir);
  appStore(db);
  const buildMs = await timed(() => fillTodos(db, rows));
  const before = db.journalBytes;
  await db.sync();
  const record = db.journalBytes - before;
  db.closeSync();
  db = await open(dir);
  const app = appStore(db);
  await db.sync();
  if (rows === LARGE) {
    info(`Built ${rows.toLocaleString('en')} todos in ${fmt(buildMs, 'ms')} (one transaction of prepared inserts through db.write; its journal record is ${fmt(record / MB, 'MB')} of JSON); snapshot ${fmt(fs.statSync(db.snapshotPath).size / MB, 'MB')}.`);
  }
  return { dir, db, app, rows, changes: 0 };
}

/** One durable change: toggles a todo somewhere in the table and waits until it is on disk. */
async function toggle(store: TodoStore): Promise<void> {
  const n = ++store.changes;
  store.app.todos.update({ id: 1 + ((n * 7919) % store.rows), done: n % 2 === 0 });
  await store.db.sync();
}

/** The bytes one toggle adds to the journal, read back from the journal file itself. */
async function oneRecord(store: TodoStore): Promise<Buffer> {
  const start = store.db.journalBytes;
  await toggle(store);
  return fs.readFileSync(store.db.journalPath).subarray(start, store.db.journalBytes);
}

async function durableChange(small: TodoStore, large: TodoStore): Promise<void> {
  progress('durable one-row change');
  const record = await oneRecord(large);
  const recordSmall = await oneRecord(small);
  const file = path.join(scratchDir('append-'), 'append.bin');
  const fd = fs.openSync(file, 'w');
  let position = 0;
  const bareAppend = async () => {
    await fsWrite(fd, record, 0, record.length, position);
    await fdatasync(fd);
    position += record.length;
  };
  const OPS = 20;
  const r = await interleave(
    {
      bare: () => eachOp(OPS, bareAppend),
      small: () => eachOp(OPS, () => toggle(small)),
      large: () => eachOp(OPS, () => toggle(large)),
    },
    { rounds: 31 },
  );
  fs.closeSync(fd);
  info(
    `Durable change: todos.update({id, done}) then await db.sync(), one at a time, ${OPS} in a row per turn, 31 turns each, interleaved; median of all. ` +
      `Its journal record is ${record.length} bytes (${recordSmall.length} at 1,000 rows). ` +
      `Baseline: fs.write of those ${record.length} bytes at the end of a file + fs.fdatasync, the same way.`,
  );
  const bare = 'bare append + fdatasync of the same bytes';
  const goal = (ratio: number) => ({ goal: '<= 2x', meets: ratio <= 2 });
  let ratio = r.small.median / r.bare.median;
  emit({ figure: 'durable one-row change, 1,000 rows', unit: 'ms', subject: r.small.median, baseline: r.bare.median, baselineLabel: bare, ratio, ...goal(ratio) });
  ratio = r.large.median / r.bare.median;
  emit({ figure: 'durable one-row change, 200,000 rows', unit: 'ms', subject: r.large.median, baseline: r.bare.median, baselineLabel: bare, ratio, ...goal(ratio) });
  ratio = r.large.median / r.small.median;
  emit({
    figure: 'durable one-row change, 200,000 vs 1,000 rows',
    unit: 'ms',
    subject: r.large.median,
    baseline: r.small.median,
    baselineLabel: 'the same change at 1,000 rows',
    ratio,
    goal: '<= 1.15x (no worse; 15% is noise)',
    meets: ratio <= 1.15,
  });
}

/** The naive way: the same change, then the whole database exported and written over one file, fsync'd. */
async function exportPerChange(store: TodoStore, rounds: number, naiveOps: number): Promise<void> {
  const SQL = await initSqlJs({ wasmBinary: fs.readFileSync(wasmPath) as unknown as ArrayBuffer });
  const raw = new SQL.Database(store.db.export());
  const file = path.join(scratchDir('naive-'), 'whole.db');
  let n = 0;
  let exportedBytes = 0;
  const naive = async () => {
    n++;
    raw.run('UPDATE todo SET done = ? WHERE id = ?', [n % 2, 1 + ((n * 7919) % store.rows)]);
    const bytes = raw.export();
    exportedBytes = bytes.length;
    const handle = await fs.promises.open(file, 'w');
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
  };
  const r = await interleave({ naive: () => eachOp(naiveOps, naive), journal: () => eachOp(20, () => toggle(store)) }, { rounds });
  raw.close();
  const rows = store.rows.toLocaleString('en');
  emit({
    figure: `durable change, journal vs export per change, ${rows} rows`,
    unit: 'ms',
    subject: r.journal.median,
    baseline: r.naive.median,
    baselineLabel: `db.export() + write ${fmt(exportedBytes / MB, 'MB')} + fsync per change`,
    note: `the journal is ${Math.round(r.naive.median / r.journal.median)}x faster`,
  });
}

async function listing(large: TodoStore): Promise<void> {
  progress('listing one profile');
  const { db, app } = large;
  // Two copies of the table, filled from the real one and read through the same Table API:
  // one without the index; one with it, but with the profiles taking turns row by row, so
  // that every page holds rows of every profile (the worst case for the index).
  const unindexedSpec = defineTable({ ...todoTable, name: 'todo_noindex', indexes: [] });
  const scatteredSpec = defineTable({ ...todoTable, name: 'todo_scattered' });
  db.transaction(() => {
    for (const sql of [...createTableSql(unindexedSpec), ...createTableSql(scatteredSpec)]) db.write(sql);
    db.write('INSERT INTO todo_noindex SELECT * FROM todo');
    db.write(`INSERT INTO todo_scattered (id, title, done, priority, profile_id, link) SELECT id, title, done, priority, ((id - 1) % ${PROFILES}) + 1, link FROM todo`);
  });
  await db.sync();
  const profile = 7;
  const indexed = app.todos.xtra({ profile_id: profile });
  const unindexed = new Table(db, unindexedSpec).xtra({ profile_id: profile });
  const scattered = new Table(db, scatteredSpec).xtra({ profile_id: profile });
  const plan = (table: string) =>
    db
      .all(`EXPLAIN QUERY PLAN SELECT * FROM "${table}" WHERE "profile_id" IS ? ORDER BY "priority"`, [profile])
      .map((r) => r.detail)
      .join('; ');
  const expected = LARGE / PROFILES;
  const check = (n: number) => {
    if (n !== expected) throw new Error(`expected ${expected} rows, got ${n}`);
  };
  const r = await interleave(
    {
      full: () => timed(() => check(app.todos.rows({ limit: expected }).length)),
      indexed: () => timed(() => check(indexed.rows({ orderBy: 'priority' }).length)),
      unindexed: () => timed(() => check(unindexed.rows({ orderBy: 'priority' }).length)),
      scattered: () => timed(() => check(scattered.rows({ orderBy: 'priority' }).length)),
    },
    { rounds: 15 },
  );
  info(
    `Listing: todos.xtra({profile_id}).rows({orderBy: 'priority'}); 20 profiles, todos added in runs of ${RUN} per profile. ` +
      `Plans: with the index "${plan('todo')}"; without it "${plan('todo_noindex')}".`,
  );
  const figure = "list one profile's 10,000 of 200,000 todos";
  const ratio = r.indexed.median / r.full.median;
  emit({
    figure,
    unit: 'ms',
    subject: r.indexed.median,
    baseline: r.full.median,
    baselineLabel: 'SELECT * FROM todo LIMIT 10000 through the same Table API',
    ratio,
    goal: '<= 2x',
    meets: ratio <= 2,
  });
  emit({
    figure: `${figure}, index vs no index`,
    unit: 'ms',
    subject: r.indexed.median,
    baseline: r.unindexed.median,
    baselineLabel: 'the same query on a copy of the table without the index (scan + sort)',
    note: `the index makes it ${(r.unindexed.median / r.indexed.median).toFixed(1)}x faster`,
  });
  emit({
    figure: `${figure}, profiles interleaved row by row, index vs no index`,
    unit: 'ms',
    subject: r.scattered.median,
    baseline: r.unindexed.median,
    baselineLabel: 'the same query without the index',
    note: `worst case for the index: every page holds rows of every profile; ${(r.unindexed.median / r.scattered.median).toFixed(1)}x`,
  });
}

// ---- opening a large store with a long journal --------------------------------------------

const OPEN_TARGET = 50 * MB;
const OPEN_CHANGES = 10_000;
const OPEN_TODOS = 100_000;

interface Fixture {
  dir: string;
  snapshot: string;
  journal: string;
  doneCount: number;
  records: number;
}

/**
 * A ~50 MB snapshot (100,000 todos and chat messages of ~1 KB) and a journal of 10,000
 * changes after it, as left by a process that made them and was killed: the files are
 * copied while the store is open, everything synced, never closed.
 */
async function openFixture(): Promise<Fixture> {
  progress('building the 50 MB store');
  const work = scratchDir('open-build-');
  let db = await open(work);
  appStore(db);
  fillTodos(db, OPEN_TODOS);
  const pageSize = Number(db.all('PRAGMA page_size')[0]!.page_size);
  const size = () => Number(db.all('PRAGMA page_count')[0]!.page_count) * pageSize;
  const words = 'the quick brown fox jumps over the lazy dog while the model explains how to fix the build; ';
  db.transaction(() => {
    for (let i = 1; size() < OPEN_TARGET; i++) {
      for (let k = 0; k < 1000; k++, i++) {
        const role = i % 2 ? 'user' : 'assistant';
        db.write(INSERT_MESSAGE, [(i % PROFILES) + 1, role, `${i}: ${words.repeat(10)}`, 1_700_000_000_000 + i * 1000, role === 'user' ? null : 'llama3.2']);
      }
    }
  });
  await db.sync();
  db.closeSync();

  db = await open(work, { checkpointMinBytes: NO_CHECKPOINT });
  const app = appStore(db);
  for (let n = 1; n <= OPEN_CHANGES; n++) app.todos.update({ id: 1 + ((n * 7919) % OPEN_TODOS), done: n % 2 === 0 });
  await db.sync();
  const doneCount = Number(db.all('SELECT count(*) AS n FROM todo WHERE done = 1')[0]!.n);
  const dir = scratchDir('open-fixture-');
  const snapshot = path.join(dir, path.basename(db.snapshotPath));
  const journal = path.join(dir, path.basename(db.journalPath));
  fs.copyFileSync(db.snapshotPath, snapshot);
  fs.copyFileSync(db.journalPath, journal);
  db.closeSync();
  removeDir(work);
  const records = readJournal(journal)!.records.length;
  if (records < OPEN_CHANGES) throw new Error(`the fixture's journal has ${records} records`);
  return { dir, snapshot, journal, doneCount, records };
}

function copyFixture(fixture: Fixture): string {
  const dir = scratchDir('open-');
  fs.copyFileSync(fixture.snapshot, path.join(dir, path.basename(fixture.snapshot)));
  fs.copyFileSync(fixture.journal, path.join(dir, path.basename(fixture.journal)));
  return dir;
}

async function opening(fixture: Fixture): Promise<void> {
  progress('opening the 50 MB store');
  const SQL = await initSqlJs({ wasmBinary: fs.readFileSync(wasmPath) as unknown as ArrayBuffer });
  const snapshotName = path.basename(fixture.snapshot);
  const journalName = path.basename(fixture.journal);
  const r = await interleave(
    {
      raw: async () => {
        const dir = copyFixture(fixture);
        let sqlDb: { close(): void } | undefined;
        const ms = await timed(() => {
          const bytes = fs.readFileSync(path.join(dir, snapshotName));
          fs.readFileSync(path.join(dir, journalName));
          sqlDb = new SQL.Database(bytes);
        });
        sqlDb!.close();
        removeDir(dir);
        return ms;
      },
      store: async () => {
        const dir = copyFixture(fixture);
        let db: Database | undefined;
        const ms = await timed(async () => {
          db = await open(dir, { checkpointMinBytes: NO_CHECKPOINT });
        });
        const done = Number(db!.all('SELECT count(*) AS n FROM todo WHERE done = 1')[0]!.n);
        if (done !== fixture.doneCount || db!.journalBytes !== fs.statSync(fixture.journal).size) {
          throw new Error(`the journal was not replayed as expected (${done} done, expected ${fixture.doneCount})`);
        }
        db!.closeSync();
        removeDir(dir);
        return ms;
      },
    },
    { rounds: 11 },
  );
  const snapshotMB = fs.statSync(fixture.snapshot).size / MB;
  const journalKB = fs.statSync(fixture.journal).size / 1024;
  info(
    `Open: a ${fmt(snapshotMB, 'MB')} snapshot and a ${fmt(journalKB, 'KB')} journal of ${fixture.records.toLocaleString('en')} records, ` +
      'copied fresh (so in the page cache) before each open; Database.open checks the snapshot (PRAGMA quick_check) and replays every record.',
  );
  emit({
    figure: 'open a 50 MB store, replaying a 10,000-record journal',
    unit: 'ms',
    subject: r.store.median,
    baseline: r.raw.median,
    baselineLabel: 'readFileSync of both files + new SQL.Database(snapshot)',
  });

  progress('memory of the open store');
  const samples: Record<'store' | 'raw', MemoryFigures[]> = { store: [], raw: [] };
  for (let i = 0; i < 3; i++) {
    for (const mode of ['store', 'raw'] as const) {
      const dir = copyFixture(fixture);
      samples[mode].push(openInChild(mode, dir));
      removeDir(dir);
    }
  }
  const median = (mode: 'store' | 'raw', key: keyof MemoryFigures) => {
    const values = samples[mode].map((s) => s[key]).sort((a, b) => a - b);
    return values[Math.floor(values.length / 2)]!;
  };
  const label = 'a process that only read the files into new SQL.Database(snapshot)';
  info(
    'Memory: process.memoryUsage() after a GC, in a fresh process holding the open database (median of 3). ' +
      "sql.js keeps the database file in its in-memory file system (here the very buffer read from disk: arrayBuffers) and SQLite's own memory (page cache) in WebAssembly memory; Node counts both in external.",
  );
  for (const [key, what] of [
    ['heapUsed', 'JS heap used'],
    ['arrayBuffers', 'array buffers (the database file)'],
    ['external', 'external (incl. array buffers)'],
    ['rss', 'resident set size'],
  ] as const) {
    emit({ figure: `memory after opening the 50 MB store: ${what}`, unit: 'MB', subject: median('store', key), baseline: median('raw', key), baselineLabel: label });
  }
}

interface MemoryFigures {
  rss: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
}

function openInChild(mode: 'store' | 'raw', dir: string): MemoryFigures {
  const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', path.join(__dirname, '_open-memory.ts'), mode, dir], {
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`memory child (${mode}) failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as MemoryFigures;
}

run(async () => {
  info(`Disk: ${benchDisk().description}.`);
  progress('building stores of 1,000 and 200,000 todos');
  const small = await todoStore(SMALL);
  const large = await todoStore(LARGE);
  await durableChange(small, large);
  progress('export per change');
  await exportPerChange(small, 11, 10);
  await exportPerChange(large, 7, 1);
  await listing(large);
  small.db.closeSync();
  large.db.closeSync();
  removeDir(small.dir);
  removeDir(large.dir);
  await opening(await openFixture());
});
