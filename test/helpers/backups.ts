/** Backups of a test's store into a real folder, with what they tell the user collected. */
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { Backups, type BackupOptions } from '../../src/backup/backups';
import type { Database } from '../../src/store/database';
import { wasmPath } from './store';

export const workerPath = join(__dirname, 'foldWorker.mjs');

export function backupsFor(t: TestContext, db: Database, folder: string, options: Partial<BackupOptions> = {}) {
  const told: string[] = [];
  const backups = new Backups({
    db,
    folder: () => folder,
    keep: () => 14,
    workerPath,
    wasmPath,
    onFailing: (m) => told.push(`failing: ${m}`),
    onRecovered: () => told.push('recovered'),
    log: () => {},
    ...options,
  });
  t.after(() => backups.stop());
  return { backups, told };
}

