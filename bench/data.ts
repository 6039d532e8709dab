/**
 * The user's data kept and found (src/backup/, src/search/):
 *
 * 1. A backup of a 50 MB store whose journal holds 2,000 changes, while the extension
 *    host would go on working: how long it takes, and the longest the event loop is held
 *    meanwhile (a 1 ms ticker measures every stretch; the time the thread waited for a
 *    CPU that other processes had is counted apart, see longestBlock). Goal: no block
 *    over 50 ms, in the worst of 5 rounds. Baseline,
 *    side by side: the naive backup, `export()` of the database and a write of its bytes
 *    on the main thread.
 * 2. Search as you type over 200,000 todos and 50,000 messages in 20 profiles: the time
 *    of every keystroke of a two-word query (from its second character), through the FTS4
 *    index (Search.find), against a plain `LIKE '%…%'` scan of the same columns with the
 *    same order and limit. Goal: at most 0.2x.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as hooks from 'node:perf_hooks';
import { Backups } from '../src/backup/backups';
import { replaceData } from '../src/backup/restore';
import { createCore } from '../src/core';
import { appStore } from '../src/store/appSchema';
import { Database, loadEngine } from '../src/store/database';
import { quietUi } from '../test/helpers/ui';
import { Search } from '../src/search/searchIndex';
import { MB, emit, fmt, info, interleave, progress, removeDir, run, scratchDir } from './lib';

const wasmPath = require.resolve('sql.js/dist/sql-wasm.wasm');
const workerPath = path.resolve('dist/backupWorker.js');

/** Words with a skewed frequency (a few common, most rare), as text has. */
function vocabulary(n: number, seed = 7): { words: string[]; pick: () => string } {
  let x = seed;
  const rnd = () => ((x = (x * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  const letters = 'abcdefghijklmnopqrstuvwxyz';
  const words = Array.from({ length: n }, () => Array.from({ length: 3 + Math.floor(rnd() * 7) }, () => letters[Math.floor(rnd() * 26)]).join(''));
  return { words, pick: () => words[Math.floor(n * rnd() ** 3)]! };
}

function sentence(pick: () => string, n: number): string {
  return Array.from({ length: n }, pick).join(' ');
}

/**
 * How long this thread has waited for a CPU while it was ready to run, in ms (Linux's
 * schedstat: on-CPU time, then run-queue wait); 0 where there is no such file.
 */
const schedstat = `/proc/self/task/${process.pid}/schedstat`;
function runQueueWait(): number {
  try {
    return Number(fs.readFileSync(schedstat, 'utf8').split(' ')[1]) / 1e6;
  } catch {
    return 0;
  }
}

/**
 * Runs `fn` while a 1 ms ticker watches the event loop. Between two ticks, the loop's
 * active time (event-loop utilization) is how long it ran code, or sat in a synchronous
 * system call; on a machine shared with other busy processes it also counts the time the
 * thread was ready but had no CPU (preempted). That wait is the machine's, not ours, and
 * it is counted apart (`waited`): `block`, the figure, is the longest active stretch less
 * the CPU wait in it; `active` the longest raw one; `gap` the longest wall-clock time
 * between ticks.
 */
async function longestBlock(fn: () => Promise<unknown>): Promise<{ ms: number; block: number; active: number; waited: number; gap: number }> {
  let last = performance.now();
  let elu = hooks.performance.eventLoopUtilization();
  let queued = runQueueWait();
  let block = 0;
  let active = 0;
  let waited = 0;
  let gap = 0;
  const ticker = setInterval(() => {
    const now = performance.now();
    const delta = hooks.performance.eventLoopUtilization(elu);
    elu = hooks.performance.eventLoopUtilization();
    const q = runQueueWait();
    const wait = q - queued;
    queued = q;
    block = Math.max(block, delta.active - Math.min(wait, delta.active));
    active = Math.max(active, delta.active);
    waited = Math.max(waited, wait);
    gap = Math.max(gap, now - last);
    last = now;
  }, 1);
  await new Promise((r) => setTimeout(r, 5));
  block = active = waited = gap = 0;
  const start = performance.now();
  await fn();
  const ms = performance.now() - start;
  await new Promise((r) => setTimeout(r, 5));
  clearInterval(ticker);
  return { ms, block, active, waited, gap };
}

async function backupBench(): Promise<void> {
  const dir = scratchDir();
  const out = scratchDir();
  try {
    progress('backup: building a 50 MB store');
    const building = await Database.open({ dir, wasmPath, lockWaitMs: 0, checkpointMinBytes: 1 << 30 });
    const store = appStore(building);
    const { pick } = vocabulary(5000);
    const bytes = () => Number(building.all('PRAGMA page_count')[0]!.page_count) * Number(building.all('PRAGMA page_size')[0]!.page_size);
    building.transaction(() => {
      for (let p = 1; p <= 20; p++) store.profiles.insert({ name: `Profile ${p}` });
      for (let i = 0; i < 60_000; i++) store.todos.insert({ title: sentence(pick, 6), profile_id: 1 + (i % 20) });
    });
    for (let n = 0; bytes() < 50 * MB; n++) {
      building.transaction(() => {
        for (let i = 0; i < 2000; i++) store.messages.insert({ profile_id: 1 + (i % 20), role: i % 2 ? 'assistant' : 'user', content: sentence(pick, 120), created: n * 2000 + i });
      });
    }
    building.closeSync(); // the snapshot holds it all
    const db = await Database.open({ dir, wasmPath, lockWaitMs: 0, checkpointMinBytes: 1 << 30 });
    await backupRounds(db, out);
    db.closeSync();
  } finally {
    removeDir(dir);
    removeDir(out);
  }
}

async function backupRounds(db: Database, out: string): Promise<void> {
  const store = appStore(db);
  for (let i = 0; i < 2000; i++) {
    store.todos.insert({ title: `journaled ${i}`, profile_id: 1 });
    if (i % 100 === 99) await db.sync();
  }
  await db.sync();
  const size = fs.statSync(db.snapshotPath).size;
  info(`Backup: a ${(size / MB).toFixed(1)} MB snapshot with a ${(db.journalBytes / 1024).toFixed(0)} KB journal (2,000 changes).`);
  const backups = new Backups({ db, folder: () => out, keep: () => 100, workerPath, wasmPath, onFailing: (m) => progress(m), onRecovered: () => {}, log: () => {} });
  const blocks = { worker: [] as number[], naive: [] as number[], idle: [] as number[] };
  const raw = { worker: [] as number[], naive: [] as number[], idle: [] as number[] };
  const waits = { worker: [] as number[], naive: [] as number[], idle: [] as number[] };
  const measure = (name: keyof typeof blocks, fn: () => Promise<unknown>) => async () => {
    const r = await longestBlock(fn);
    blocks[name].push(r.block);
    raw[name].push(r.active);
    waits[name].push(r.waited);
    return r.ms;
  };
  const result = await interleave(
    {
      worker: measure('worker', () => backups.backUp()),
      naive: measure('naive', async () => {
        const bytes = db.export();
        await fs.promises.writeFile(path.join(out, 'naive.db'), bytes);
      }),
      // Nothing to do for as long: the noise floor of the machine.
      idle: measure('idle', () => new Promise((r) => setTimeout(r, 1000))),
    },
    { rounds: 5 },
  );
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const worst = (xs: number[]) => Math.max(...xs);
  emit({
    figure: 'backup of a 50 MB store: longest event-loop block',
    unit: 'ms',
    subject: median(blocks.worker),
    baseline: median(blocks.naive),
    baselineLabel: 'export() + write on the main thread',
    goal: '<= 50 ms (worst of 5)',
    meets: worst(blocks.worker) <= 50,
    note:
      `worst of 5: ${fmt(worst(blocks.worker), 'ms')} (idle loop: ${fmt(worst(blocks.idle), 'ms')}); not counted, the longest wait for a CPU ` +
      `while ready to run (other processes): backup ${fmt(worst(waits.worker), 'ms')}, idle loop ${fmt(worst(waits.idle), 'ms')}; ` +
      `raw active stretch with it: backup ${fmt(worst(raw.worker), 'ms')}, idle loop ${fmt(worst(raw.idle), 'ms')}, naive ${fmt(worst(raw.naive), 'ms')}`,
  });
  emit({
    figure: 'backup of a 50 MB store: time to a backup on disk',
    unit: 'ms',
    subject: result.worker.median,
    baseline: result.naive.median,
    baselineLabel: 'export() + write on the main thread',
    note: 'the worker loads sql.js, replays the journal into the snapshot, exports and fsyncs the file',
  });
  await restoreRounds(db, backups, (await backups.list()).find((e) => e.kind === 'daily')!.file, out);
}

/**
 * 3. Restoring that backup (Restore from Backup; Import Data is the same): the longest
 *    block of the event loop while the worker checks and prepares the file, the current
 *    data is backed up, the store takes the prepared snapshot and the views start again
 *    (TasksService.reload, the chat's snapshot). Baseline, side by side: the same check,
 *    load and snapshot write on the main thread (read the file, load it into sql.js,
 *    quick_check, export, write), as restores were made before the worker took them.
 */
async function restoreRounds(db: Database, backups: Backups, file: string, out: string): Promise<void> {
  const core = createCore({ db, storage: { dir: out, scope: 'workspace' }, chat: { settings: () => ({ host: 'http://127.0.0.1:9', model: 'none', systemPrompt: '', numCtx: 8192, timeoutMs: 1000 }), log: () => {} }, ui: quietUi(), log: () => {} });
  const SQL = await loadEngine(wasmPath);
  const blocks = { worker: [] as number[], naive: [] as number[] };
  const waits = { worker: [] as number[], naive: [] as number[] };
  const measure = (name: keyof typeof blocks, fn: () => Promise<unknown>) => async () => {
    const r = await longestBlock(fn);
    blocks[name].push(r.block);
    waits[name].push(r.waited);
    return r.ms;
  };
  const result = await interleave(
    {
      worker: measure('worker', () => replaceData(core, backups, file, 'the backup')),
      naive: measure('naive', async () => {
        const loaded = new SQL.Database(await fs.promises.readFile(file));
        loaded.exec('PRAGMA quick_check');
        await fs.promises.writeFile(path.join(out, 'naive-restore.db'), loaded.export());
        loaded.close();
      }),
    },
    { rounds: 3 },
  );
  core.dispose();
  const worst = (xs: number[]) => Math.max(...xs);
  emit({
    figure: 'restore of a 50 MB backup: longest event-loop block',
    unit: 'ms',
    subject: worst(blocks.worker),
    baseline: worst(blocks.naive),
    baselineLabel: 'check, load and snapshot write on the main thread',
    goal: '<= 50 ms',
    meets: worst(blocks.worker) <= 50,
    note: `worst of 3; not counted, the longest wait for a CPU other processes had: restore ${fmt(worst(waits.worker), 'ms')}, baseline ${fmt(worst(waits.naive), 'ms')}`,
  });
  emit({
    figure: 'restore of a 50 MB backup: time to the restored data in every view',
    unit: 'ms',
    subject: result.worker.median,
    baseline: result.naive.median,
    baselineLabel: 'check, load and snapshot write on the main thread',
    note: 'the restore also writes a backup of the data as it was before (a worker)',
  });
}

async function searchBench(): Promise<void> {
  const dir = scratchDir();
  try {
    progress('search: 200,000 todos and 50,000 messages');
    const db = await Database.open({ dir, wasmPath, lockWaitMs: 0, checkpointMinBytes: 1 << 30 });
    const store = appStore(db);
    const { words, pick } = vocabulary(20_000);
    db.transaction(() => {
      for (let p = 1; p <= 20; p++) store.profiles.insert({ name: `Profile ${p}` });
      for (let i = 0; i < 200_000; i++) store.todos.insert({ title: sentence(pick, 6), profile_id: 1 + (i % 20) });
      for (let i = 0; i < 50_000; i++) store.messages.insert({ profile_id: 1 + (i % 20), role: i % 2 ? 'assistant' : 'user', content: sentence(pick, 60), created: i });
    });
    await db.sync();
    // Two words of a message, the rarer ones of it, typed one character at a time.
    const sample = String(store.messages.get(25_000).content).split(' ');
    const rank = (w: string) => words.indexOf(w);
    const [a, b] = [...new Set(sample)].sort((x, y) => rank(y) - rank(x));
    const query = `${b} ${a}`;
    const keystrokes = Array.from({ length: query.length - 1 }, (_, i) => query.slice(0, i + 2)).filter((q) => !q.endsWith(' '));
    const search = new Search(db);
    const like = (typed: string) => {
      const terms = typed.split(/\s+/).filter(Boolean);
      const where = (col: string) => terms.map(() => `${col} LIKE ?`).join(' AND ');
      const args = terms.map((t) => `%${t}%`);
      db.all(`SELECT t.id, t.profile_id, p.name, t.title FROM todo t JOIN profile p ON p.id = t.profile_id WHERE ${where('t.title')} ORDER BY t.id DESC LIMIT 30`, args);
      db.all(`SELECT m.id, m.profile_id, p.name, m.content FROM message m JOIN profile p ON p.id = m.profile_id WHERE ${where('m.content')} ORDER BY m.id DESC LIMIT 30`, args);
    };
    const perKey = (fn: (q: string) => unknown) => () =>
      keystrokes.map((q) => {
        const start = performance.now();
        fn(q);
        return performance.now() - start;
      });
    const result = await interleave({ fts: perKey((q) => search.find(q)), like: perKey(like) }, { rounds: 5 });
    info(`Search: "${query}" typed (${keystrokes.length} keystrokes); ${search.find(query).length} results at the end.`);
    emit({
      figure: 'search per keystroke, 200,000 todos + 50,000 messages',
      unit: 'ms',
      subject: result.fts.median,
      baseline: result.like.median,
      baselineLabel: "LIKE '%…%' scan, same order and limit",
      goal: '<= 0.2x',
      meets: result.fts.median / result.like.median <= 0.2,
      note: `slowest keystroke: ${fmt(Math.max(...result.fts.samples), 'ms')} (LIKE ${fmt(Math.max(...result.like.samples), 'ms')})`,
    });
    db.closeSync();
  } finally {
    removeDir(dir);
  }
}

run(async () => {
  if (!fs.existsSync(workerPath)) throw new Error(`${workerPath} is missing: npm run build first.`);
  if (!process.argv.includes('--backup-only')) await searchBench();
  await backupBench();
});
