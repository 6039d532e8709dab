/**
 * Replacing the store's data with a backup ("Restore from Backup") or with a file Export
 * Data wrote, here or in another workspace ("Import Data"). The order keeps everything,
 * and the heavy work (checking, migrating and writing a whole database) is a worker's,
 * so the extension host is never held for long:
 *
 * 1. the worker checks the file (dataFile.ts): damaged, not Pipulate's or from a newer
 *    schema, it is refused and nothing changes; otherwise it migrates an older schema as
 *    on open and writes the result as the store's next snapshot, beside the store;
 * 2. replies stop (what arrived is saved) and every change is on disk;
 * 3. the current data is backed up (a copy of its own, never today's backup, which may be
 *    the one being restored); if that fails, nothing is replaced;
 * 4. the store takes the prepared snapshot in one step (Database.replaceWithSnapshot);
 *    if a checkpoint came meanwhile, the file is prepared again for the new generation;
 * 5. every view starts again from it (tasks/reset, chat/reset).
 */
import * as l10n from '@vscode/l10n';
import type { Core } from '../core';
import { UserError } from '../errors';
import { APP_TABLES, MIGRATIONS } from '../store/appSchema';
import { removeQuietly } from '../store/fsutil';
import { applySchema } from '../store/migrate';
import type { Backups, BackupEntry } from './backups';
import type { DataSummary } from './dataFile';

export async function replaceData(
  core: Pick<Core, 'store' | 'tasks' | 'chat' | 'events'>,
  backups: Pick<Backups, 'backUp' | 'prepareTakeIn'>,
  file: string,
  name: string,
): Promise<{ summary: DataSummary; before: BackupEntry }> {
  const { db } = core.store;
  let slot = db.snapshotSlot();
  let prepared = await backups.prepareTakeIn(file, name, slot);
  try {
    core.chat.stop();
    await core.chat.settled();
    await db.sync();
    let before: BackupEntry;
    try {
      before = await backups.backUp('before-restore');
    } catch (err) {
      throw new UserError(l10n.t('Pipulate could not back up the current data first ({0}), so it replaced nothing.', (err as Error).message));
    }
    while (!(await db.replaceWithSnapshot(slot, prepared.bytes))) {
      slot = db.snapshotSlot();
      prepared = await backups.prepareTakeIn(file, name, slot);
    }
    // Already at this version's schema (the worker migrated it): these find nothing to do.
    applySchema(db, APP_TABLES, MIGRATIONS);
    await core.tasks.reload();
    core.events.emit({ kind: 'chat/reset', snapshot: core.chat.snapshot(core.tasks.activeProfile()) });
    core.events.emit({ kind: 'workflow/reset' });
    return { summary: prepared.summary, before };
  } finally {
    removeQuietly(slot.file); // taken in: renamed already
  }
}
