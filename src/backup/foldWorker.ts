/**
 * A worker thread for the work on a whole database that would hold the extension host
 * for hundreds of milliseconds (loading, checking, migrating and exporting a large
 * database). Two jobs:
 *
 * - backup: turns the store's files into one backup file: the snapshot with its
 *   journal's records replayed into it, exported as a plain SQLite file. It reads the
 *   files through descriptors the main thread opened (Database.openDurableFiles):
 *   descriptors belong to the process, so the worker can read them, and the main thread
 *   closes them when the worker is done.
 * - take-in: checks a file to restore or import (dataFile.ts), brings it to this
 *   version's schema, stamps it as the store's next snapshot and writes it where the
 *   store will rename it into place (Database.replaceWithSnapshot); its bytes go back to
 *   the main thread, moved, not copied.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import initSqlJs, { type SqlJsStatic } from 'sql.js';
import { APP_TABLES, MIGRATIONS } from '../store/appSchema';
import { replay, stampGeneration, type SnapshotSlot } from '../store/database';
import { fsyncDirSync } from '../store/fsutil';
import { parseJournal } from '../store/journal';
import { applySchema, sqlJsTarget } from '../store/migrate';
import { openDataFile, rawQuery, summarize, type DataFileProblem, type DataSummary } from './dataFile';

export interface FoldJob {
  kind: 'backup';
  wasmPath: string;
  /** Where the backup goes; written under a temporary name, then renamed. */
  out: string;
  /** The snapshot and the durable part of its journal (see Database.openDurableFiles)... */
  snapshotFd?: number;
  journalFd?: number;
  journalBytes?: number;
  /** ...or the database's bytes, exported by the main thread. */
  exported?: Uint8Array;
}

export interface TakeInJob {
  kind: 'take-in';
  wasmPath: string;
  /** The file to restore or import. */
  file: string;
  /** Where the store wants its next snapshot, and its generation. */
  slot: SnapshotSlot;
}

export type WorkerJob = FoldJob | TakeInJob;

export type WorkerResult =
  | { ok: true; summary: DataSummary; bytes?: Uint8Array }
  | { ok: false; problem: DataFileProblem }
  | { ok: false; message: string; code?: string };

function readAll(fd: number, length?: number): Buffer {
  const size = length ?? fs.fstatSync(fd).size;
  const buf = Buffer.allocUnsafe(size);
  for (let done = 0; done < size; ) {
    const n = fs.readSync(fd, buf, done, size - done, done);
    if (n === 0) throw new Error(`The store's file ended after ${done} of ${size} bytes.`);
    done += n;
  }
  return buf;
}

const engine = (wasmPath: string): Promise<SqlJsStatic> => initSqlJs({ wasmBinary: fs.readFileSync(wasmPath) as unknown as ArrayBuffer });

/** Writes `bytes` to `file` and fsyncs it; a file left half-written is removed. */
function writeSynced(file: string, bytes: Uint8Array): void {
  try {
    const fd = fs.openSync(file, 'w');
    try {
      fs.writeFileSync(fd, bytes);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch (err) {
    fs.rmSync(file, { force: true });
    throw err;
  }
}

export async function fold(job: FoldJob): Promise<DataSummary> {
  const SQL = await engine(job.wasmPath);
  const db = new SQL.Database(job.exported ?? readAll(job.snapshotFd!));
  try {
    if (job.journalFd !== undefined) {
      const journal = parseJournal(readAll(job.journalFd, job.journalBytes));
      // The first journalBytes were made durable record by record: every one checks out.
      const failure = journal && replay(db, journal.records);
      if (failure) throw failure;
    }
    db.run('DROP TABLE IF EXISTS _pipulate_meta'); // the store's own bookkeeping, not data
    const summary = summarize(rawQuery(db));
    const tmp = `${job.out}.tmp-${process.pid}`;
    writeSynced(tmp, db.export());
    fs.renameSync(tmp, job.out);
    fsyncDirSync(path.dirname(job.out));
    return summary;
  } finally {
    db.close();
  }
}

/** The file's data as the store's next snapshot, or why it cannot be taken in. `summary` is of the file as it was given. */
export async function takeIn(job: TakeInJob): Promise<{ summary: DataSummary; bytes: Uint8Array } | { problem: DataFileProblem }> {
  const opened = openDataFile(await engine(job.wasmPath), fs.readFileSync(job.file));
  if ('problem' in opened) return opened;
  const { db, summary } = opened;
  try {
    const target = sqlJsTarget(db);
    applySchema(target, APP_TABLES, MIGRATIONS);
    stampGeneration(db, job.slot.generation);
    const bytes = db.export();
    writeSynced(job.slot.file, bytes);
    return { summary, bytes };
  } finally {
    db.close();
  }
}

async function perform(job: WorkerJob): Promise<{ result: WorkerResult; transfer: ArrayBuffer[] }> {
  if (job.kind === 'backup') return { result: { ok: true, summary: await fold(job) }, transfer: [] };
  const taken = await takeIn(job);
  if ('problem' in taken) return { result: { ok: false, problem: taken.problem }, transfer: [] };
  return { result: { ok: true, ...taken }, transfer: [taken.bytes.buffer as ArrayBuffer] };
}

if (parentPort) {
  const port = parentPort;
  perform(workerData as WorkerJob).then(
    ({ result, transfer }) => port.postMessage(result, transfer),
    (err: NodeJS.ErrnoException) => port.postMessage({ ok: false, message: err?.message ?? String(err), code: err?.code } satisfies WorkerResult),
  );
}
