/** Opens real stores on real disk, in fresh temporary folders. */
import { copyFileSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import initSqlJs, { type Database as SqlJsDatabase } from 'sql.js';
import { Database, loadEngine, stampGeneration, type OpenOptions, type StoreProblem } from '../../src/store/database';
import { HEADER_SIZE, readJournal } from '../../src/store/journal';

export const wasmPath = require.resolve('sql.js/dist/sql-wasm.wasm');

export function tempDir(prefix = 'pipulate-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function openStore(dir: string, options: Partial<OpenOptions> = {}): Promise<Database> {
  return Database.open({ dir, wasmPath, lockWaitMs: 0, ...options });
}

const cleanups = new WeakMap<TestContext, (() => void)[]>();

/** Runs `fn` when the test ends, last registered first (node's `t.after` runs them in order). */
export function defer(t: TestContext, fn: () => void): void {
  let stack = cleanups.get(t);
  if (!stack) {
    const fns: (() => void)[] = [];
    cleanups.set(t, (stack = fns));
    t.after(() => {
      for (const f of fns.reverse()) f();
    });
  }
  stack.push(fn);
}

/** A temp folder removed when the test ends. */
export function scratchDir(t: TestContext, prefix?: string): string {
  const dir = tempDir(prefix);
  defer(t, () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Opens a store that is closed (if still open) when the test ends; collects what it reports. */
export async function openForTest(
  t: TestContext,
  dir: string,
  options: Partial<OpenOptions> = {},
): Promise<{ db: Database; problems: StoreProblem[] }> {
  const problems: StoreProblem[] = [];
  const db = await openStore(dir, {
    ...options,
    onProblem: (p) => {
      problems.push(p);
      options.onProblem?.(p);
    },
  });
  defer(t, () => {
    try {
      db.closeSync();
    } catch {
      // The test itself decides whether a failing close matters.
    }
  });
  return { db, problems };
}

/** Resolves when `cond()` holds, polling; rejects after `ms` (a generous bound, never a timing assertion). */
export async function waitFor(cond: () => boolean, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Whether `p` has settled by now (after letting pending I/O callbacks run). */
export async function settled(p: Promise<unknown>): Promise<boolean> {
  let done = false;
  p.then(
    () => (done = true),
    () => (done = true),
  );
  await new Promise((r) => setImmediate(r));
  return done;
}

/**
 * What a crash would leave right now: a copy of the store's files (not its lock) in a new
 * folder, so it can be opened while the original is still open in this process.
 */
export function crashCopy(t: TestContext, dir: string): string {
  const copy = scratchDir(t, 'pipulate-crash-');
  for (const name of readdirSync(dir)) {
    if (!name.endsWith('.lock')) copyFileSync(join(dir, name), join(copy, name));
  }
  return copy;
}

/** Opens a snapshot file with sql.js directly, as a second, independent reader. */
export async function readSnapshot(file: string): Promise<SqlJsDatabase> {
  const SQL = await initSqlJs({ wasmBinary: readFileSync(wasmPath) as unknown as ArrayBuffer });
  return new SQL.Database(readFileSync(file));
}

/** Byte offsets [start, end) of each record in a journal file. */
export function recordSpans(file: string): [number, number][] {
  const j = readJournal(file)!;
  const spans: [number, number][] = [];
  let at = HEADER_SIZE;
  for (const r of j.records) {
    spans.push([at, at + 8 + r.length]);
    at += 8 + r.length;
  }
  return spans;
}

/** Damages one byte of a file in place. */
export function flipByte(file: string, offset: number): void {
  const data = readFileSync(file);
  data[offset]! ^= 0x5a;
  writeFileSync(file, data);
}

/**
 * Replaces `db`'s whole data with `bytes` (a SQLite file) as Restore from Backup does,
 * without the worker: the bytes stamped as the store's next snapshot, written to its
 * slot, taken in. True if taken (false: the store moved on since `slot` was given).
 */
export async function takeSnapshot(db: Database, bytes: Uint8Array, slot = db.snapshotSlot()): Promise<boolean> {
  const SQL = await loadEngine(wasmPath);
  const copy = new SQL.Database(bytes);
  stampGeneration(copy, slot.generation);
  const stamped = copy.export();
  copy.close();
  writeFileSync(slot.file, stamped);
  return db.replaceWithSnapshot(slot, stamped);
}
