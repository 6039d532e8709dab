/**
 * Replacing the store's data with a backup ("Restore from Backup") or with a file Export
 * Data wrote, here or in another workspace ("Import Data"). The order keeps everything:
 *
 * 1. the file is checked (inspectDataFile): damaged, not Pipulate's or from a newer
 *    schema, it is refused and nothing changes;
 * 2. replies stop (what arrived is saved) and every change is on disk;
 * 3. the current data is backed up (a copy of its own, never today's backup, which may be
 *    the one being restored); if that fails, nothing is replaced;
 * 4. the store takes the file's data and writes it as its snapshot; an older schema is
 *    migrated as on open;
 * 5. every view starts again from it (tasks/reset, chat/reset).
 */
import * as l10n from '@vscode/l10n';
import type { SqlJsStatic } from 'sql.js';
import type { Core } from '../core';
import { UserError } from '../errors';
import { APP_TABLES, MIGRATIONS } from '../store/appSchema';
import { applySchema, ensureTables } from '../store/migrate';
import { undoTable } from '../tools/undo';
import type { Backups, BackupEntry } from './backups';
import { inspectDataFile, type DataSummary } from './dataFile';

export async function replaceData(
  core: Pick<Core, 'store' | 'tasks' | 'chat' | 'events'>,
  backups: Pick<Backups, 'backUp'>,
  SQL: SqlJsStatic,
  bytes: Uint8Array,
  name: string,
): Promise<{ summary: DataSummary; before: BackupEntry }> {
  const summary = inspectDataFile(SQL, bytes, name);
  const { db } = core.store;
  core.chat.stop();
  await core.chat.settled();
  await db.sync();
  let before: BackupEntry;
  try {
    before = await backups.backUp('before-restore');
  } catch (err) {
    throw new UserError(l10n.t('Pipulate could not back up the current data first ({0}), so it replaced nothing.', (err as Error).message));
  }
  await db.sync(); // a change made while the backup was written
  db.replaceWith(bytes, SQL);
  applySchema(db, APP_TABLES, MIGRATIONS);
  ensureTables(db, [undoTable]);
  await core.tasks.reload();
  core.events.emit({ kind: 'chat/reset', snapshot: core.chat.snapshot(core.tasks.activeProfile()) });
  return { summary, before };
}
