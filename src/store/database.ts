/**
 * sql.js keeps the database in memory; this class makes it durable.
 *
 * - A write runs in memory at once and is recorded; `sync()` resolves once every
 *   write made so far is on disk. Writes that arrive while a flush runs go together
 *   in the next one (group commit), so the cost of a change is one small append and
 *   one fdatasync, whatever the size of the database.
 * - On open: load the snapshot, replay the journal (dropping a torn tail; a damaged
 *   record ends the replay and the journal is moved aside, see journal.ts).
 * - Now and then, and on close: a checkpoint folds everything into a new snapshot
 *   (write temp, fsync, rename, fsync folder) and starts an empty journal.
 * - A snapshot or journal that cannot be read is moved aside, never overwritten.
 * - A write that fails (disk full, read-only folder) is kept in memory and retried;
 *   `onProblem` tells the user while it fails and when it recovers.
 * - Only the holder of the lock writes the folder. A store opened without it (a folder
 *   that could not be written, with no live owner's lock in it) takes it at its first
 *   flush, and only if no other window has written the files since it read them.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as l10n from '@vscode/l10n';
import initSqlJs, { type Database as SqlJsDatabase, type SqlJsStatic, type Statement } from 'sql.js';
import { StoreClosedError, StoreLockedError, StoreTakenError } from './errors';
import { fsyncDir, fsyncDirSync, moveAside, readIfExists, removeQuietly, writeFileAtomicSync } from './fsutil';
import { JournalFormatError, JournalWriter, encodeAppend, readJournal, type JournalContents } from './journal';
import { acquireLock, type Lock } from './lock';
import type { SqlValue } from './schema';

export type SqlRow = Record<string, SqlValue>;

export type StoreProblem =
  /** A damaged file was moved to `movedTo`, untouched. */
  | { kind: 'moved-aside'; message: string; movedTo: string }
  /**
   * The journal was damaged in the middle: `lost` saved changes (at least) could not be
   * restored; the journal's original bytes are at `movedTo`.
   */
  | { kind: 'journal-damaged'; message: string; lost: number; movedTo: string }
  | { kind: 'write-failing' | 'write-recovered' | 'tail-dropped'; message: string };

/** Moves a damaged file aside now, or (without the lock) once the lock is taken; reports where it went. */
type SetAside = (file: string, why: string, problem: (movedTo: string) => StoreProblem) => void;

export interface OpenOptions {
  /** The folder that holds the store's files; created if missing. */
  dir: string;
  /** Path of sql.js's `sql-wasm.wasm`. */
  wasmPath: string;
  fileName?: string;
  onProblem?: (problem: StoreProblem) => void;
  log?: (line: string) => void;
  /** The journal is folded into the snapshot when it outgrows both this and the snapshot. */
  checkpointMinBytes?: number;
  /** How long to wait for another process to release the lock. */
  lockWaitMs?: number;
}

/** Errors that mean "this folder cannot be written now": kept in memory and retried, not fatal. */
const WRITE_BLOCKED = new Set(['ENOSPC', 'EDQUOT', 'EROFS', 'EACCES', 'EPERM', 'EIO']);
export function isWriteBlocked(err: unknown): boolean {
  return WRITE_BLOCKED.has((err as NodeJS.ErrnoException)?.code ?? '');
}

// not-ui: the file format's magic
const SQLITE_HEADER = Buffer.from('SQLite format 3\0', 'latin1');
const META_TABLE = '_pipulate_meta';

let engine: Promise<SqlJsStatic> | undefined;
/** sql.js, loaded once per process. */
export function loadEngine(wasmPath: string): Promise<SqlJsStatic> {
  engine ??= initSqlJs({ wasmBinary: fs.readFileSync(wasmPath) as unknown as ArrayBuffer });
  return engine;
}

/** A snapshot made elsewhere, to be taken as the store's (Database.snapshotSlot, replaceWithSnapshot). */
export interface SnapshotSlot {
  file: string;
  generation: number;
}

/** Names the snapshot a journal belongs to; written in memory only, never journaled. */
export function stampGeneration(sql: SqlJsDatabase, generation: number): void {
  sql.run(`CREATE TABLE IF NOT EXISTS ${META_TABLE} (key TEXT PRIMARY KEY, value)`);
  sql.run(`INSERT OR REPLACE INTO ${META_TABLE} VALUES ('generation', ?)`, [generation]);
}

/** A slot a checkpoint has passed (Database.replaceWithSnapshot). */
class StaleSlot extends Error {}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const openForReading = (file: string) => new Promise<number>((resolve, reject) => fs.open(file, 'r', (err, fd) => (err ? reject(err) : resolve(fd))));

interface Waiter {
  seq: number;
  resolve: () => void;
  reject: (err: Error) => void;
}

/** The table a data-changing statement writes to (`version`): `INSERT INTO "todo"…`, `UPDATE todo…`, `DELETE FROM "todo"…`. */
const WRITES_TO = /^\s*(?:INSERT(?:\s+OR\s+\w+)?\s+INTO|REPLACE\s+INTO|UPDATE(?:\s+OR\s+\w+)?|DELETE\s+FROM)\s+"?([A-Za-z_]\w*)"?(?=[\s(]|$)/i;

export class Database {
  readonly snapshotPath: string;
  readonly journalPath: string;
  readonly lockPath: string;

  private statements = new Map<string, Statement>();
  /** Statements being stepped now: a lazy reader (each) may hold one while others run. */
  private readonly inUse = new Set<Statement>();
  private txDepth = 0;
  private txStatements: [string, SqlValue[]][] = [];

  /** Committed transactions not yet handed to the journal, each a record's payload. */
  private pending: Buffer[] = [];
  /** Number of the last recorded write, and of the last one known to be on disk. */
  private seq = 0;
  private durableSeq = 0;
  private waiters: Waiter[] = [];
  private flushing: Promise<void> | undefined;
  /** The batch an append is writing right now: not on disk yet, and no longer in `pending`. */
  private inFlight: Buffer[] = [];
  /** After a checkpoint fails, the journal just grows until this time (a checkpoint rewrites everything). */
  private checkpointRetryAt = 0;
  private failing = false;
  private closed = false;
  private snapshotBytes = 0;
  /** Damaged files found by an open without the lock: moved aside once it is taken, before anything replaces them. */
  private setAsides: (() => void)[] = [];
  /** What the files were when this store read them (see takeLock). */
  private loadedFrom = '';
  /** While the folder is fsynced after replaceWithSnapshot's renames: appends wait for it. */
  private settling: Promise<void> | undefined;
  /** Set once this store knows it must never write (see takeLock); every save fails with it. */
  private refusal: Error | undefined;
  /** Writes counted (see `version`): per table, the number of its last write; and of the last that may have changed any. */
  private writes = 0;
  private readonly tableWrites = new Map<string, number>();
  private anyWrite = 0;

  private constructor(
    private sql: SqlJsDatabase,
    private generation: number,
    private journal: JournalWriter | undefined,
    private lock: Lock | undefined,
    private readonly options: OpenOptions,
  ) {
    const file = options.fileName ?? 'pipulate.db';
    this.snapshotPath = path.join(options.dir, file);
    this.journalPath = `${this.snapshotPath}.journal`;
    this.lockPath = `${this.snapshotPath}.lock`;
  }

  static async open(options: OpenOptions): Promise<Database> {
    const SQL = await loadEngine(options.wasmPath);
    const file = path.join(options.dir, options.fileName ?? 'pipulate.db');
    const log = options.log ?? (() => {});
    const report = (problem: StoreProblem) => {
      log(problem.message);
      options.onProblem?.(problem);
    };

    // A folder we cannot write is not fatal: the store runs in memory and keeps trying.
    // (A live owner's lock in it is still honoured: acquireLock throws StoreLockedError.)
    let lock: Lock | undefined;
    try {
      fs.mkdirSync(options.dir, { recursive: true });
      lock = await acquireLock(`${file}.lock`, options.lockWaitMs);
    } catch (err) {
      if (!isWriteBlocked(err)) throw err;
      report({ kind: 'write-failing', message: cannotWrite(options.dir, err) });
    }
    try {
      return Database.load(SQL, options, lock, report);
    } catch (err) {
      // Whatever went wrong, a later open (in this process too) must not find it locked.
      lock?.release();
      throw err;
    }
  }

  /** The rest of `open`, once the lock is held (or the folder is known to be read-only). */
  private static load(SQL: SqlJsStatic, options: OpenOptions, lock: Lock | undefined, report: (problem: StoreProblem) => void): Database {
    const file = path.join(options.dir, options.fileName ?? 'pipulate.db');
    const journalPath = `${file}.journal`;
    if (lock) removeLeftovers(file);
    // Taken before reading, so a change made while reading counts as a change.
    const loadedFrom = fingerprint(file, journalPath);
    const deferred: (() => void)[] = [];
    const setAside: SetAside = (target, why, problem) => {
      const run = () => report(problem(moveAside(target, why)));
      if (lock) run();
      else deferred.push(run);
    };

    const { db, generation, snapshotBytes, damaged } = loadSnapshot(SQL, file, setAside);
    // sql.js's database file is in memory (MEMFS), gone with the process, and has no other
    // connection: SQLite need not keep a rollback journal file beside it, nor look for a
    // hot one and re-check the file before each transaction. Doing so was most of the
    // time of replaying a journal (10,000 records: ~450 ms, ~80 ms without).
    db.run('PRAGMA journal_mode = MEMORY');
    db.run('PRAGMA locking_mode = EXCLUSIVE');
    const journal = damaged ? undefined : openJournal(db, journalPath, generation, lock !== undefined, setAside, report);

    const store = new Database(db, generation, journal, lock, options);
    store.snapshotBytes = snapshotBytes;
    store.setAsides = deferred;
    store.loadedFrom = loadedFrom;
    if (lock && !journal) {
      try {
        // Either no journal yet, or one that must not be appended to: start from a checkpoint.
        store.checkpointSync();
      } catch (err) {
        if (!isWriteBlocked(err)) throw err;
        report({ kind: 'write-failing', message: cannotWrite(options.dir, err) });
      }
    }
    return store;
  }

  // ---- reading and writing ---------------------------------------------------------

  /** Runs a read-only query. */
  all(sql: string, params: readonly SqlValue[] = []): SqlRow[] {
    return this.execute(sql, params);
  }

  /**
   * Runs a read-only query lazily, a row per step, for a reader that may stop early (a
   * prompt reads newest first until its budget is full). The statement is given back
   * when the reader stops; consume it at once, since a checkpoint in between would free
   * it under the reader.
   */
  *each(sql: string, params: readonly SqlValue[] = []): Generator<SqlRow> {
    const stmt = this.borrow(sql);
    try {
      stmt.bind(params as SqlValue[]);
      const names = stmt.getColumnNames();
      while (stmt.step()) yield rowOf(names, stmt.get());
    } finally {
      this.giveBack(sql, stmt);
    }
  }

  /** Runs a statement that changes data; it is recorded in the journal once its transaction commits. */
  write(sql: string, params: readonly SqlValue[] = []): SqlRow[] {
    if (this.refusal) throw this.refusal;
    const rows = this.execute(sql, params);
    const table = WRITES_TO.exec(sql)?.[1];
    if (table) this.tableWrites.set(table.toLowerCase(), ++this.writes);
    else this.anyWrite = ++this.writes; // a schema change, a pragma: any table may be different
    const entry: [string, SqlValue[]] = [sql, [...params]];
    if (this.txDepth > 0) this.txStatements.push(entry);
    else this.record([entry]);
    return rows;
  }

  /**
   * Runs `fn` as one transaction: all its writes or none, as one journal record.
   * A nested call joins the outer transaction.
   */
  transaction<T>(fn: () => T): T {
    if (this.txDepth > 0) {
      this.txDepth++;
      try {
        return fn();
      } finally {
        this.txDepth--;
      }
    }
    this.assertOpen();
    this.sql.run('BEGIN');
    this.txDepth = 1;
    this.txStatements = [];
    try {
      const result = fn();
      this.sql.run('COMMIT');
      if (this.txStatements.length > 0) this.record(this.txStatements);
      return result;
    } catch (err) {
      this.sql.run('ROLLBACK');
      this.anyWrite = ++this.writes;
      throw err;
    } finally {
      this.txDepth = 0;
      this.txStatements = [];
    }
  }

  /**
   * Changes whenever a row of `table` may have changed: a write to it, a transaction
   * rolled back, a schema change, the whole database replaced. A cache of rows kept by
   * their one writer (the chat's Conversation) is valid while it stays the same (or
   * changes only by the writer's own writes).
   */
  version(table: string): number {
    return Math.max(this.tableWrites.get(table.toLowerCase()) ?? 0, this.anyWrite);
  }

  /** Resolves once every write made before the call is on disk. */
  sync(): Promise<void> {
    if (this.durableSeq >= this.seq) return Promise.resolve();
    if (this.closed) return Promise.reject(new StoreClosedError());
    if (this.refusal) return Promise.reject(this.refusal);
    return new Promise((resolve, reject) => this.waiters.push({ seq: this.seq, resolve, reject }));
  }

  /** True while some write has not reached the disk. */
  get dirty(): boolean {
    return this.durableSeq < this.seq;
  }

  get journalBytes(): number {
    return this.journal?.bytes ?? 0;
  }

  /** A consistent copy of the whole database, as SQLite file bytes. */
  export(): Uint8Array {
    this.assertOpen();
    return this.sql.export();
  }

  /**
   * The files on disk that hold every change made durable so far, opened now (so a
   * checkpoint renaming new files over them later does not change what is read): the
   * snapshot, and the first `journalBytes` of its journal (appends only go after them).
   * They are opened off the main thread (an open can wait on a busy disk); they belong
   * together if no checkpoint swapped the files meanwhile (each one moves to a new
   * generation in one synchronous step), which is checked once both are open, and
   * otherwise they are opened again. `undefined` when the files do not hold everything
   * durable (a store without the lock, or with no snapshot written yet): the caller then
   * copies `export()`. The caller closes both fds. (`open` opens a file for reading; a
   * test puts a checkpoint between the two opens through it.)
   */
  async openDurableFiles(open = openForReading): Promise<{ snapshotFd: number; journalFd: number | undefined; journalBytes: number } | undefined> {
    for (;;) {
      this.assertOpen();
      if (!this.lock || this.snapshotBytes === 0) return undefined;
      const generation = this.generation;
      const fds: number[] = [];
      try {
        fds.push(await open(this.snapshotPath));
        if (this.journal) fds.push(await open(this.journalPath));
      } catch (err) {
        fds.forEach((fd) => fs.closeSync(fd));
        throw err;
      }
      if (!this.closed && this.generation === generation) {
        return { snapshotFd: fds[0]!, journalFd: fds[1], journalBytes: this.journal?.bytes ?? 0 };
      }
      fds.forEach((fd) => fs.closeSync(fd));
    }
  }

  /**
   * Where a snapshot made elsewhere (a worker taking in a backup or an import) is written,
   * and the generation it must be stamped with (stampGeneration) to follow this store's.
   */
  snapshotSlot(): SnapshotSlot {
    const generation = this.generation + 1;
    return { file: `${this.snapshotPath}.tmp-${process.pid}-${generation}-taken-in`, generation };
  }

  /**
   * Makes the snapshot written at `slot` (its bytes given too) the store's whole data,
   * with an empty journal, once every change made before is on disk. What the host's
   * thread does is cut in short steps: the data loaded into sql.js; the empty journal
   * written off the thread; then one synchronous step swaps the files (two renames) and
   * the data in memory, so they never disagree; the folder is fsynced off the thread, and
   * until it is, changes made meanwhile wait to be appended (nothing is acknowledged on a
   * rename that could still be undone by a crash). False, and the file removed, if a
   * checkpoint came since the slot was given: the caller prepares a new one.
   */
  async replaceWithSnapshot(slot: SnapshotSlot, bytes: Uint8Array): Promise<boolean> {
    const next = new (await loadEngine(this.options.wasmPath)).Database(bytes);
    let journal: Awaited<ReturnType<typeof JournalWriter.prepare>> | undefined;
    try {
      next.run('PRAGMA journal_mode = MEMORY');
      next.run('PRAGMA locking_mode = EXCLUSIVE');
      journal = await JournalWriter.prepare(this.journalPath, slot.generation);
      do await this.sync();
      while (this.dirty);
      this.assertOpen();
      if (this.refusal) throw this.refusal;
      // Without the lock, nothing could be written; the user must not be told it was replaced.
      if (!this.lock) throw new Error(`Pipulate cannot write to ${this.options.dir} now, so it cannot replace its data.`);
      if (slot.generation !== this.generation + 1) {
        removeQuietly(slot.file);
        throw new StaleSlot();
      }
      this.setAsideNow();
      fs.renameSync(slot.file, this.snapshotPath);
    } catch (err) {
      journal?.discard();
      next.close();
      if (err instanceof StaleSlot) return false;
      throw err;
    }
    // From here on: the new snapshot is in place. A crash before the new journal's rename
    // (or before the folder's fsync) finds an older journal, which is ignored on open.
    for (const stmt of this.statements.values()) stmt.free();
    this.statements.clear();
    const old = this.sql;
    this.sql = next;
    this.anyWrite = ++this.writes;
    old.close();
    this.generation = slot.generation;
    this.snapshotBytes = bytes.length;
    this.journal?.closeSync();
    this.journal = undefined;
    try {
      this.journal = journal.install();
    } catch (err) {
      // As after a checkpoint: the next flush checkpoints again before appending anything.
      journal.discard();
      this.options.log?.(`Pipulate could not start a new journal after replacing its data (${(err as Error).message}); it writes a new snapshot first.`);
    }
    this.settling = fsyncDir(this.options.dir);
    await this.settling;
    this.settling = undefined;
    return true;
  }

  private execute(sql: string, params: readonly SqlValue[]): SqlRow[] {
    const stmt = this.borrow(sql);
    try {
      stmt.bind(params as SqlValue[]);
      const rows: SqlRow[] = [];
      let names: string[] | undefined;
      while (stmt.step()) rows.push(rowOf((names ??= stmt.getColumnNames()), stmt.get()));
      return rows;
    } finally {
      this.giveBack(sql, stmt);
    }
  }

  /** The prepared statement for `sql`: the cached one, or a fresh one while the cached one is being stepped. */
  private borrow(sql: string): Statement {
    this.assertOpen();
    let stmt = this.statements.get(sql);
    if (!stmt) this.statements.set(sql, (stmt = this.sql.prepare(sql)));
    else if (this.inUse.has(stmt)) stmt = this.sql.prepare(sql);
    this.inUse.add(stmt);
    return stmt;
  }

  private giveBack(sql: string, stmt: Statement): void {
    this.inUse.delete(stmt);
    if (this.statements.get(sql) === stmt) stmt.reset();
    else stmt.free();
  }

  private assertOpen(): void {
    if (this.closed) throw new StoreClosedError();
  }

  // ---- durability --------------------------------------------------------------------

  private record(statements: [string, SqlValue[]][]): void {
    this.pending.push(Buffer.from(JSON.stringify(statements)));
    this.seq++;
    this.flushing ??= this.flushLoop();
  }

  private async flushLoop(): Promise<void> {
    let backoff = 100;
    while (!this.closed && !this.refusal && this.durableSeq < this.seq) {
      if (this.settling) await this.settling;
      const upTo = this.seq;
      try {
        if (!this.lock) await this.takeLock();
        if (!this.journal) {
          await this.checkpoint();
        } else if (this.journal.bytes > Math.max(this.options.checkpointMinBytes ?? 8 << 20, this.snapshotBytes) && Date.now() >= this.checkpointRetryAt) {
          await this.checkpointOrAppend();
        } else {
          await this.appendPending();
        }
        if (this.closed) break;
        this.markDurable(upTo);
        backoff = 100;
        if (this.failing) {
          this.failing = false;
          this.report({ kind: 'write-recovered', message: l10n.t('Pipulate can write its database again; every change is saved.') });
        }
      } catch (err) {
        if (this.closed) break;
        if (err instanceof StoreTakenError) {
          this.refuse(err);
          break;
        }
        if (!this.failing) {
          this.failing = true;
          this.report({ kind: 'write-failing', message: cannotWrite(this.options.dir, err) });
        }
        await sleep(backoff);
        backoff = Math.min(backoff * 2, 5000);
      }
    }
    this.flushing = undefined;
  }

  /**
   * Takes the lock this store opened without. Another window may have taken the store
   * meanwhile, and written it: then saving this store's state would overwrite that.
   */
  private async takeLock(): Promise<void> {
    let lock: Lock;
    try {
      lock = await acquireLock(this.lockPath, this.options.lockWaitMs);
    } catch (err) {
      if (err instanceof StoreLockedError) throw new StoreTakenError(this.options.dir, l10n.t('another window ({0})', err.owner));
      throw err;
    }
    try {
      if (fingerprint(this.snapshotPath, this.journalPath) !== this.loadedFrom) throw new StoreTakenError(this.options.dir, l10n.t('another window'));
    } catch (err) {
      lock.release();
      throw err;
    }
    this.lock = lock;
  }

  /** From now on this store saves nothing: every write and every wait for one fails with `err`. */
  private refuse(err: Error): void {
    this.refusal = err;
    this.pending = [];
    for (const w of this.waiters) w.reject(err);
    this.waiters = [];
    this.report({ kind: 'write-failing', message: err.message });
  }

  private async appendPending(): Promise<void> {
    const batch = this.pending.splice(0);
    this.inFlight = batch;
    try {
      await this.journal!.append(encodeAppend(batch));
    } catch (err) {
      if (!this.closed) this.pending.unshift(...batch);
      throw err;
    } finally {
      this.inFlight = [];
    }
  }

  /**
   * A snapshot that cannot be written (a nearly full disk, a folder that takes no new
   * files) must not hold up writes the open journal can still take.
   */
  private async checkpointOrAppend(): Promise<void> {
    try {
      await this.checkpoint();
    } catch (err) {
      if (!this.journal || this.closed) throw err; // the old journal is gone: only a checkpoint will do
      this.checkpointRetryAt = Date.now() + 30_000;
      this.options.log?.(`Pipulate could not fold its journal into a new snapshot (${(err as Error).message}); it keeps appending and tries again later.`);
      await this.appendPending();
    }
  }

  /**
   * Folds everything in memory into a new snapshot and starts an empty journal. What is
   * pending now is covered by the snapshot; it stays pending (closeSync may still need
   * to save it) until the snapshot is in place.
   */
  private async checkpoint(): Promise<void> {
    const generation = this.generation + 1;
    const bytes = this.exportWithGeneration(generation);
    const covered = this.pending.length;
    const tmp = `${this.snapshotPath}.tmp-${process.pid}-${generation}`;
    try {
      const handle = await fs.promises.open(tmp, 'w');
      try {
        await handle.writeFile(bytes);
        await handle.sync();
      } finally {
        await handle.close();
      }
    } catch (err) {
      removeQuietly(tmp);
      throw err;
    }
    // closeSync may have written a newer snapshot meanwhile; this one must not replace it.
    if (this.closed) {
      removeQuietly(tmp);
      return;
    }
    // From here on all is synchronous, so closeSync (and a reopen after it) cannot come
    // between the rename and the new journal.
    try {
      this.setAsideNow();
      fs.renameSync(tmp, this.snapshotPath);
    } catch (err) {
      removeQuietly(tmp);
      throw err;
    }
    this.pending.splice(0, covered);
    fsyncDirSync(this.options.dir);
    this.adoptSnapshot(generation, bytes.length);
  }

  private checkpointSync(): void {
    const generation = this.generation + 1;
    const bytes = this.exportWithGeneration(generation);
    this.setAsideNow();
    writeFileAtomicSync(this.snapshotPath, bytes);
    this.pending = [];
    // Everything is on disk now, even if starting the new journal fails below.
    this.markDurable(this.seq);
    this.adoptSnapshot(generation, bytes.length);
  }

  /** Moves aside the damaged files an open without the lock left in place; one at a time, so a failure leaves the rest to retry. */
  private setAsideNow(): void {
    while (this.setAsides.length > 0) {
      this.setAsides[0]!();
      this.setAsides.shift();
    }
  }

  /** The snapshot of `generation` is on disk: the old journal is obsolete from now on. */
  private adoptSnapshot(generation: number, size: number): void {
    this.generation = generation;
    this.snapshotBytes = size;
    this.journal?.closeSync();
    this.journal = undefined;
    // If this fails, the next flush checkpoints again before appending anything.
    this.journal = JournalWriter.createSync(this.journalPath, generation);
  }

  private exportWithGeneration(generation: number): Uint8Array {
    stampGeneration(this.sql, generation);
    return this.sql.export();
  }

  private markDurable(upTo: number): void {
    this.durableSeq = Math.max(this.durableSeq, upTo);
    const still: Waiter[] = [];
    for (const w of this.waiters) (w.seq <= this.durableSeq ? w.resolve() : still.push(w));
    this.waiters = still;
  }

  private report(problem: StoreProblem): void {
    this.options.log?.(problem.message);
    this.options.onProblem?.(problem);
  }

  /**
   * Saves everything and closes, synchronously (VS Code gives deactivate little time and
   * may not wait for a promise). Throws if the changes could not be saved.
   */
  closeSync(): void {
    if (this.closed) return;
    let failure: Error | undefined;
    if (this.lock) {
      try {
        this.checkpointSync();
        this.markDurable(this.seq);
      } catch (err) {
        failure = err as Error;
        // The snapshot could not be written; the journal may still take what is pending,
        // with the batch an append is still writing (same bytes at the same place: only an
        // append's first record is marked, and that is the batch's first here too).
        const unsaved = [...this.inFlight, ...this.pending];
        if (this.journal && unsaved.length > 0) {
          try {
            this.journal.appendSync(encodeAppend(unsaved));
            this.pending = [];
            this.markDurable(this.seq);
            failure = undefined;
          } catch {
            // Keep the first error: it says why the snapshot failed.
          }
        } else if (!this.dirty) {
          failure = undefined; // Everything was already in the journal.
        }
      }
    }
    this.closed = true;
    const lost = this.dirty ? (failure ?? this.refusal ?? new Error(`Pipulate could not write to ${this.options.dir}`)) : undefined;
    for (const w of this.waiters) (lost ? w.reject(lost) : w.resolve());
    this.waiters = [];
    for (const stmt of this.statements.values()) stmt.free();
    this.statements.clear();
    this.sql.close();
    this.journal?.closeSync();
    this.lock?.release();
    if (lost) throw lost;
  }

  /** Waits for pending writes (briefly), then closes. */
  async close(): Promise<void> {
    if (!this.closed && this.dirty && !this.failing) await this.sync();
    this.closeSync();
  }
}

/** A result row by column name. Not getAsObject(): it asks sqlite for the column names
 * again on every row, which was half the cost of listing 10,000 todos. */
function rowOf(names: readonly string[], values: readonly unknown[]): SqlRow {
  const row: SqlRow = {};
  for (let i = 0; i < names.length; i++) row[names[i]!] = values[i] as SqlValue;
  return row;
}

function cannotWrite(dir: string, err: unknown): string {
  const code = (err as NodeJS.ErrnoException)?.code;
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return l10n.t('Pipulate cannot save to {0}: the disk is full. Your changes are kept in memory and saved as soon as it can write again; do not close VS Code until then.', dir);
  }
  if (code === 'EROFS' || code === 'EACCES' || code === 'EPERM') {
    return l10n.t(
      'Pipulate cannot save to {0}: the folder is read-only or not writable. Your changes are kept in memory and saved as soon as it can write again; do not close VS Code until then.',
      dir,
    );
  }
  return l10n.t(
    'Pipulate cannot save to {0}: {1}. Your changes are kept in memory and saved as soon as it can write again; do not close VS Code until then.',
    dir,
    (err as Error)?.message ?? String(err),
  );
}

/**
 * Replays the journal onto `db`, and returns it open for appending if it can go on
 * being appended to (with the lock, whole, in the current format). A journal that
 * cannot be replayed whole is moved aside, with the changes before the trouble kept.
 */
function openJournal(
  db: SqlJsDatabase,
  journalPath: string,
  generation: number,
  writable: boolean,
  setAside: SetAside,
  report: (p: StoreProblem) => void,
): JournalWriter | undefined {
  let contents: JournalContents | undefined;
  try {
    contents = readJournal(journalPath);
  } catch (err) {
    if (!(err instanceof JournalFormatError)) throw err;
    setAside(journalPath, 'unreadable', (movedTo) => ({ kind: 'moved-aside', message: l10n.t('The Pipulate journal was not readable and was moved to {0}.', movedTo), movedTo }));
    return undefined;
  }
  // (A journal older than the snapshot was already folded into it: a checkpoint was cut short.)
  if (!contents || contents.generation < generation) return undefined;
  if (contents.generation > generation) {
    // A journal for a snapshot we do not have: replaying it onto this one would be wrong.
    setAside(journalPath, 'orphaned', (movedTo) => ({ kind: 'moved-aside', message: l10n.t('The Pipulate journal did not belong to the database file and was moved to {0}.', movedTo), movedTo }));
    return undefined;
  }
  const failure = replay(db, contents.records);
  if (failure) {
    setAside(journalPath, 'unreplayable', (movedTo) => ({
      kind: 'moved-aside',
      message: l10n.t('A change in the Pipulate journal could not be applied ({0}); the journal was moved to {1} and the changes before it were kept.', failure.message, movedTo),
      movedTo,
    }));
    return undefined;
  }
  if (contents.lost > 0) {
    // Only the records before the damage are replayed. Each record was written against the
    // state the ones before it left (ids SQLite chose, rows they changed): without the
    // damaged one, a later one could change the wrong row, or fail halfway, making a state
    // that never was. They stay in the moved journal, for whoever can piece them together.
    const { lost, records } = contents;
    setAside(journalPath, 'corrupt', (movedTo) => ({
      kind: 'journal-damaged',
      message:
        lost === 1
          ? l10n.t(
              'The Pipulate journal is damaged: at least 1 saved change could not be restored (the damaged one and every one after it); the {0} before the damage were. The journal as it was is kept in {1}.',
              records.length,
              movedTo,
            )
          : l10n.t(
              'The Pipulate journal is damaged: at least {0} saved changes could not be restored (the damaged one and every one after it); the {1} before the damage were. The journal as it was is kept in {2}.',
              lost,
              records.length,
              movedTo,
            ),
      lost,
      movedTo,
    }));
    return undefined;
  }
  if (contents.droppedBytes > 0) {
    // not-ui: logged only (core.ts noticeOf: a dropped torn tail is not shown)
    report({ kind: 'tail-dropped', message: `Dropped ${contents.droppedBytes} bytes of an unfinished change at the end of the journal (an interrupted write).` });
  }
  return writable && contents.current ? JournalWriter.openSync(journalPath, contents.validEnd) : undefined;
}

/**
 * Applies journal records in order, each as its transaction; stops at the first that
 * fails and returns its error. Statements are prepared once and reused: a journal
 * repeats the same few, and preparing each one again (db.run) added a third to the time
 * of replaying 10,000 records.
 */
export function replay(db: SqlJsDatabase, records: readonly Buffer[]): Error | undefined {
  const prepared = new Map<string, Statement>();
  try {
    for (const record of records) {
      const statements = JSON.parse(record.toString('utf8')) as [string, SqlValue[]][];
      db.run('BEGIN');
      try {
        for (const [sql, params] of statements) {
          let stmt = prepared.get(sql);
          if (!stmt) {
            stmt = db.prepare(sql);
            prepared.set(sql, stmt);
          }
          stmt.run(params);
        }
        db.run('COMMIT');
      } catch (err) {
        db.run('ROLLBACK');
        throw err;
      }
    }
    return undefined;
  } catch (err) {
    return err as Error;
  } finally {
    for (const stmt of prepared.values()) stmt.free();
  }
}

/** Identifies what the files hold: a checkpoint replaces a file (a new inode), an append grows it. */
function fingerprint(...files: string[]): string {
  return files
    .map((file) => {
      try {
        const s = fs.statSync(file);
        return `${s.ino}:${s.size}:${s.mtimeMs}`;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return '-';
        throw err;
      }
    })
    .join(' ');
}

function loadSnapshot(SQL: SqlJsStatic, file: string, setAside: SetAside): { db: SqlJsDatabase; generation: number; snapshotBytes: number; damaged?: true } {
  const bytes = readIfExists(file);
  if (!bytes) return { db: new SQL.Database(), generation: 0, snapshotBytes: 0 };
  let db: SqlJsDatabase | undefined;
  /** What happened to the file, said once it is known where it was moved. */
  let problem: ((movedTo: string) => string) | undefined;
  if (bytes.length === 0 || !bytes.subarray(0, SQLITE_HEADER.length).equals(SQLITE_HEADER)) {
    problem = (movedTo) => l10n.t('The Pipulate database is not a SQLite database. It was moved to {0}, untouched, and a new empty database was started.', movedTo);
  } else {
    try {
      db = new SQL.Database(bytes);
      const check = db.exec('PRAGMA quick_check')[0]?.values[0]?.[0];
      if (check !== 'ok') {
        problem = (movedTo) =>
          l10n.t('The Pipulate database failed its integrity check ({0}). It was moved to {1}, untouched, and a new empty database was started.', String(check), movedTo);
      }
    } catch (err) {
      problem = (movedTo) =>
        l10n.t('The Pipulate database could not be read ({0}). It was moved to {1}, untouched, and a new empty database was started.', (err as Error).message, movedTo);
    }
  }
  if (!problem && db) return { db, generation: readGeneration(db), snapshotBytes: bytes.length };
  db?.close();
  setAside(file, 'corrupt', (movedTo) => ({
    kind: 'moved-aside',
    message: problem!(movedTo),
    movedTo,
  }));
  // Its journal holds the latest changes to it: the user needs to know where it went too.
  const journal = `${file}.journal`;
  if (fs.existsSync(journal)) {
    setAside(journal, 'corrupt', (movedTo) => ({ kind: 'moved-aside', message: l10n.t('The journal of the damaged Pipulate database was moved to {0}.', movedTo), movedTo }));
  }
  return { db: new SQL.Database(), generation: 0, snapshotBytes: 0, damaged: true };
}

/**
 * Removes the temp files of a snapshot or journal write that a crash cut short (each is
 * as big as the database). Only the lock holder writes them, so none is in use.
 */
function removeLeftovers(file: string): void {
  const base = path.basename(file);
  for (const name of fs.readdirSync(path.dirname(file))) {
    if (name.startsWith(`${base}.tmp-`) || name.startsWith(`${base}.journal.tmp-`)) removeQuietly(path.join(path.dirname(file), name));
  }
}

/** The generation a snapshot was stamped with (stampGeneration); 0 for a file without one. */
export function readGeneration(db: SqlJsDatabase): number {
  try {
    const value = db.exec(`SELECT value FROM ${META_TABLE} WHERE key = 'generation'`)[0]?.values[0]?.[0];
    return typeof value === 'number' ? value : 0;
  } catch {
    return 0; // No meta table: a database made by something else, or by hand.
  }
}
