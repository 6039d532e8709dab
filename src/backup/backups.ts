/**
 * Dated backups of the store in a folder outside VS Code's storage: one file a day
 * (`pipulate-YYYY-MM-DD.db`, a plain SQLite file, with a `.json` beside it saying what
 * it holds), written once a day while the store is open and when it closes, the last
 * `keep` kept. A copy made before a restore or an import has a name of its own
 * (`pipulate-YYYY-MM-DD-HHMMSS-before-restore.db`), so it never replaces the backup
 * being restored, and is pruned separately.
 *
 * A backup never holds the extension host: the store's files are opened in one step (at
 * a moment when they belong together) and a worker thread reads them, replays the
 * journal into the snapshot and writes the result. A backup that fails (a full disk, an
 * unwritable folder) is told once, tried again at the next check, and never stops work.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import * as l10n from '@vscode/l10n';
import type { Database, SnapshotSlot } from '../store/database';
import { fsyncDirSync } from '../store/fsutil';
import type { DataSummary } from './dataFile';
import { refusal, summarize } from './dataFile';
import type { WorkerJob, WorkerResult } from './foldWorker';

export interface BackupEntry {
  file: string;
  /** The day it is of (YYYY-MM-DD, local time), and when it was written. */
  day: string;
  written: Date;
  kind: 'daily' | 'before-restore';
  /** What it holds, from its `.json`; absent if that is missing. */
  summary?: DataSummary;
}

export interface BackupOptions {
  db: Database;
  /** The folder of this workspace's backups; created when first needed. */
  folder: () => string;
  keep: () => number;
  /** The worker's script (dist/backupWorker.js; src/backup/foldWorker.ts under tsx) and sql.js's wasm. */
  workerPath: string;
  wasmPath: string;
  /** Told once when backups start failing, and once when they work again. */
  onFailing: (message: string) => void;
  onRecovered: () => void;
  log: (line: string) => void;
  now?: () => Date;
  /** How long after start to look for today's backup, and how often after that. */
  firstCheckMs?: number;
  checkEveryMs?: number;
}

const DAILY = /^pipulate-(\d{4}-\d{2}-\d{2})\.db$/;
const BEFORE_RESTORE = /^pipulate-(\d{4}-\d{2}-\d{2})-(\d{6})-before-restore\.db$/;

/** `~/.pipulate/backups/<workspace name>-<short hash of its path>`: a folder per workspace, readable by name. */
export function defaultBackupFolder(home: string, workspaceName: string, workspaceId: string): string {
  const name = workspaceName.replace(/[^\p{L}\p{N}._ -]+/gu, '_').trim().slice(0, 60) || 'workspace';
  const hash = createHash('sha256').update(workspaceId).digest('hex').slice(0, 8);
  return path.join(home, '.pipulate', 'backups', `${name}-${hash}`);
}

function localDay(d: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

function localTime(d: Date): string {
  return [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, '0')).join('');
}

export class Backups {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<BackupEntry> | undefined;
  private failing = false;
  private stopped = false;

  constructor(private readonly options: BackupOptions) {}

  /** Where this workspace's backups go (the setting may change while VS Code runs). */
  folder(): string {
    return this.options.folder();
  }

  private now(): Date {
    return this.options.now?.() ?? new Date();
  }

  /** Backs up today if that is not done yet, now (after firstCheckMs) and at every check after. */
  start(): void {
    const check = () => {
      this.timer = undefined;
      void this.backUpIfDue().finally(() => {
        if (!this.stopped) this.timer = setTimeout(check, this.options.checkEveryMs ?? 60 * 60_000);
      });
    };
    this.timer = setTimeout(check, this.options.firstCheckMs ?? 30_000);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Writes today's backup unless it is there; a failure is told (once) and left to the next check. */
  async backUpIfDue(): Promise<void> {
    const today = path.join(this.options.folder(), `pipulate-${localDay(this.now())}.db`);
    if (await exists(today)) return;
    try {
      await this.backUp('daily');
    } catch {
      // Told by backUp; tried again at the next check.
    }
  }

  /**
   * Writes a backup now: today's (replacing an earlier one of today) or a copy made
   * before a restore. Rejects if it could not be written, after telling the user once.
   */
  backUp(kind: 'daily' | 'before-restore' = 'daily'): Promise<BackupEntry> {
    // One at a time: two workers writing the same day's file would race on its rename.
    const previous = this.running ?? Promise.resolve(undefined);
    const run = previous.catch(() => undefined).then(() => this.write(kind));
    this.running = run;
    void run.finally(() => this.running === run && (this.running = undefined)).catch(() => undefined);
    return run;
  }

  private async write(kind: 'daily' | 'before-restore'): Promise<BackupEntry> {
    const folder = this.options.folder();
    const written = this.now();
    const day = localDay(written);
    const file = path.join(folder, kind === 'daily' ? `pipulate-${day}.db` : `pipulate-${day}-${localTime(written)}-before-restore.db`);
    try {
      await fs.promises.mkdir(folder, { recursive: true });
      const summary = await this.fold(file);
      await writeJson(`${file.slice(0, -3)}.json`, { written: written.toISOString(), ...summary });
      await this.prune();
      this.options.log(`Backed up Pipulate's data to ${file}`);
      if (this.failing) {
        this.failing = false;
        this.options.onRecovered();
      }
      return { file, day, written, kind, summary };
    } catch (err) {
      const message = l10n.t('Pipulate could not back up its data to {0}: {1}. Your data is safe; it tries again later.', folder, (err as Error).message);
      this.options.log(message);
      if (!this.failing) {
        this.failing = true;
        this.options.onFailing(message);
      }
      throw err;
    }
  }

  /** Runs the worker on the store's durable files (or, without them, on an export). */
  private async fold(out: string): Promise<DataSummary> {
    const { db, wasmPath } = this.options;
    const files = await db.openDurableFiles();
    try {
      const result = await this.work(files ? { kind: 'backup', wasmPath, out, ...files } : { kind: 'backup', wasmPath, out, exported: db.export() });
      if (!result.ok) throw failure(result, path.basename(out));
      return result.summary;
    } finally {
      if (files) {
        fs.closeSync(files.snapshotFd);
        if (files.journalFd !== undefined) fs.closeSync(files.journalFd);
      }
    }
  }

  /**
   * Checks `file` (a backup, or a file Export Data wrote), named `name` in what the user
   * is told, and prepares it in the worker as the store's next snapshot at `slot`: what
   * it holds and its bytes. A file that cannot be taken in is refused with a UserError.
   */
  async prepareTakeIn(file: string, name: string, slot: SnapshotSlot): Promise<{ summary: DataSummary; bytes: Uint8Array }> {
    const result = await this.work({ kind: 'take-in', wasmPath: this.options.wasmPath, file, slot });
    if (!result.ok) throw failure(result, name);
    return { summary: result.summary, bytes: result.bytes! };
  }

  /** One job on a worker thread of its own (foldWorker.ts). */
  private work(job: WorkerJob): Promise<WorkerResult> {
    return new Promise<WorkerResult>((resolve, reject) => {
      const worker = new Worker(this.options.workerPath, { workerData: job });
      worker.once('message', resolve);
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`The backup worker stopped (exit code ${code}).`)));
    });
  }

  /** This workspace's backups, newest first. */
  async list(): Promise<BackupEntry[]> {
    const folder = this.options.folder();
    let names: string[];
    try {
      names = await fs.promises.readdir(folder);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const entries: BackupEntry[] = [];
    for (const name of names) {
      const daily = DAILY.exec(name);
      const before = BEFORE_RESTORE.exec(name);
      if (!daily && !before) continue;
      const file = path.join(folder, name);
      const sidecar = await readJson(`${file.slice(0, -3)}.json`);
      const written = sidecar?.written ? new Date(String(sidecar.written)) : (await fs.promises.stat(file)).mtime;
      entries.push({
        file,
        day: (daily ?? before)![1]!,
        written,
        kind: daily ? 'daily' : 'before-restore',
        summary: summaryIn(sidecar),
      });
    }
    return entries.sort((a, b) => b.written.getTime() - a.written.getTime() || b.file.localeCompare(a.file));
  }

  /** Keeps the newest `keep` daily backups, and as many copies made before a restore. */
  async prune(): Promise<void> {
    const keep = Math.max(1, Math.trunc(this.options.keep()));
    const entries = await this.list();
    for (const kind of ['daily', 'before-restore'] as const) {
      const old = entries.filter((e) => e.kind === kind).sort((a, b) => b.file.localeCompare(a.file)).slice(keep);
      for (const e of old) {
        await fs.promises.rm(e.file, { force: true });
        await fs.promises.rm(`${e.file.slice(0, -3)}.json`, { force: true });
      }
    }
  }

  /**
   * On close, after the store's closeSync folded everything into its snapshot: copies
   * that file as today's backup, synchronously (VS Code may not wait for a promise in
   * deactivate). `summary` was taken before the store closed. Never throws.
   */
  copyOnClose(snapshotPath: string, summary: DataSummary): void {
    this.stop();
    try {
      const folder = this.options.folder();
      const written = this.now();
      const file = path.join(folder, `pipulate-${localDay(written)}.db`);
      fs.mkdirSync(folder, { recursive: true });
      const tmp = `${file}.tmp-${process.pid}`;
      fs.copyFileSync(snapshotPath, tmp);
      fs.renameSync(tmp, file);
      fs.writeFileSync(`${file.slice(0, -3)}.json`, JSON.stringify({ written: written.toISOString(), ...summary }));
      fsyncDirSync(folder);
    } catch (err) {
      this.options.log(`Pipulate could not back up its data on close: ${(err as Error).message}`);
    }
  }
}

/** The error for a job that failed: a file refused (a UserError saying why), or the worker's error with its code (ENOSPC...). */
function failure(result: Extract<WorkerResult, { ok: false }>, name: string): Error {
  return 'problem' in result ? refusal(result.problem, name) : Object.assign(new Error(result.message), { code: result.code });
}

/** What `db` holds now, for the backup written when it closes. */
export function summaryOf(db: Database): DataSummary {
  return summarize((sql) => db.all(sql));
}

function summaryIn(json: Record<string, unknown> | undefined): DataSummary | undefined {
  const { profiles, todos, messages, runs, schema } = json ?? {};
  const counts = [profiles, todos, messages, runs, schema];
  return counts.every((n) => typeof n === 'number') ? ({ profiles, todos, messages, runs, schema } as DataSummary) : undefined;
}

async function writeJson(file: string, value: unknown): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}`;
  await fs.promises.writeFile(tmp, JSON.stringify(value));
  await fs.promises.rename(tmp, file);
}

const exists = (file: string) => fs.promises.access(file).then(() => true, () => false);

async function readJson(file: string): Promise<Record<string, unknown> | undefined> {
  try {
    return JSON.parse(await fs.promises.readFile(file, 'utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}
