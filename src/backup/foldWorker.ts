/**
 * A worker thread that turns the store's files into one backup file: the snapshot with
 * its journal's records replayed into it, exported as a plain SQLite file. Loading and
 * exporting a large database takes hundreds of milliseconds of one thread; here that
 * thread is not the extension host's.
 *
 * It reads the files through descriptors the main thread opened at a moment when they
 * belonged together (Database.openDurableFiles): descriptors belong to the process, so
 * the worker can read them, and the main thread closes them when the worker is done.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import initSqlJs from 'sql.js';
import { replay } from '../store/database';
import { parseJournal } from '../store/journal';
import { rawQuery, summarize, type DataSummary } from './dataFile';
import { fsyncDirSync } from '../store/fsutil';
import * as path from 'node:path';

export interface FoldJob {
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

export type FoldResult = { ok: true; summary: DataSummary } | { ok: false; message: string; code?: string };

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

export async function fold(job: FoldJob): Promise<DataSummary> {
  const SQL = await initSqlJs({ wasmBinary: fs.readFileSync(job.wasmPath) as unknown as ArrayBuffer });
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
    const bytes = db.export();
    const tmp = `${job.out}.tmp-${process.pid}`;
    try {
      const fd = fs.openSync(tmp, 'w');
      try {
        fs.writeFileSync(fd, bytes);
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
      fs.renameSync(tmp, job.out);
    } catch (err) {
      fs.rmSync(tmp, { force: true });
      throw err;
    }
    fsyncDirSync(path.dirname(job.out));
    return summary;
  } finally {
    db.close();
  }
}

/**
 * Gives this thread the lowest priority (Linux: a nice value is per thread, and
 * /proc/thread-self names it): on a busy machine the extension host's thread then gets a
 * CPU first whenever both want one, and the backup takes the time that is left.
 * Elsewhere the priority is the process's, so it is left alone.
 */
function yieldToTheHost(): void {
  if (process.platform !== 'linux' || process.env.PIPULATE_NO_NICE) return;
  try {
    const tid = Number(path.basename(fs.readlinkSync('/proc/thread-self')));
    if (tid > 0 && tid !== process.pid) os.setPriority(tid, 19);
  } catch {
    // No /proc: the backup runs at the host's priority, as before.
  }
}

if (parentPort) {
  const port = parentPort;
  yieldToTheHost();
  fold(workerData as FoldJob).then(
    (summary) => port.postMessage({ ok: true, summary } satisfies FoldResult),
    (err: NodeJS.ErrnoException) => port.postMessage({ ok: false, message: err?.message ?? String(err), code: err?.code } satisfies FoldResult),
  );
}
