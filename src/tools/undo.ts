/**
 * One undo for everyone: the log of changes that can be taken back, the model's (one
 * entry per card) and the user's own deletes and clears alike. Each entry holds how to
 * revert exactly (src/tasks/revert.ts: the deleted rows with their place, the old
 * titles...), written in the same transaction as the change it reverts, so it survives
 * a reload with it. `TasksService.revert` carries it out: an undo is a change like any
 * other (the views update, the model is told).
 *
 * The table is the store's (src/tools/undoTable.ts, made by src/store/appSchema.ts).
 */
import * as l10n from '@vscode/l10n';
import { UserError } from '../errors';
import type { AppStore } from '../store/appSchema';
import { Table } from '../store/table';
import type { RevertStep } from '../tasks/revert';
import type { TasksService } from '../tasks/tasksService';
import { undoTable, type UndoEntry } from './undoTable';

export type UndoSource = 'model' | 'user';

/**
 * Entries kept per profile and source: the newest KEEP at least. Older ones are dropped
 * now and then (at the first new entry of a session, then every PRUNE_EVERY), not at each:
 * looking for them is a query in every change's transaction.
 */
const KEEP = 50;
const PRUNE_EVERY = 16;

export class UndoLog {
  private readonly table: Table<typeof undoTable>;
  /** Per profile and source, new entries since the last prune in this session. */
  private readonly sincePrune = new Map<string, number>();

  constructor(
    store: AppStore,
    private readonly tasks: TasksService,
    private readonly now: () => number = Date.now,
  ) {
    this.table = new Table(store.db, undoTable);
  }

  /**
   * Adds one change to an entry: the card's entry (created with its first change: `first`,
   * when the caller knows it is, saves looking for one), or a new one for the user's. Call
   * it from `ChangeOptions.record`, inside the change's transaction.
   */
  record(profileId: number, source: UndoSource, cardId: number | null, steps: RevertStep[], note: string, first = false): UndoEntry {
    const existing = cardId === null || first ? undefined : this.table.rows({ where: { card_id: cardId, undone: false }, limit: 1 })[0];
    if (existing) {
      return this.table.update({ id: existing.id, steps: [...(existing.steps as RevertStep[]), ...steps], label: [...(existing.label as string[]), note] });
    }
    const entry = this.table.insert({ profile_id: profileId, source, card_id: cardId, steps, label: [note], created: this.now(), undone: false });
    const counted = `${profileId} ${source}`;
    const since = this.sincePrune.get(counted);
    this.sincePrune.set(counted, since === undefined || since + 1 >= PRUNE_EVERY ? 0 : since + 1);
    if (since !== undefined && since + 1 < PRUNE_EVERY) return entry;
    const old = this.table.rows({ where: { profile_id: profileId, source }, orderBy: 'id DESC', offset: KEEP, limit: 1 })[0];
    if (old) this.table.deleteWhere('profile_id = ? AND source = ? AND id <= ?', [profileId, source, old.id]);
    return entry;
  }

  /** The newest entry not undone yet, of a profile and source (of a card, with `cardId`). */
  last(profileId: number, source: UndoSource, cardId?: number): UndoEntry | undefined {
    const where = cardId === undefined ? { profile_id: profileId, source, undone: false } : { profile_id: profileId, source, card_id: cardId, undone: false };
    return this.table.rows({ where, orderBy: 'id DESC', limit: 1 })[0];
  }

  /** The profile is being deleted: its entries go (call it inside the profile delete's transaction). */
  removeProfile(profileId: number): void {
    this.table.deleteWhere({ profile_id: profileId });
  }

  hasUndo(cardId: number): boolean {
    return this.table.count({ card_id: cardId, undone: false }) > 0;
  }

  /**
   * Reverts an entry through TasksService and marks it undone, in the revert's own
   * transaction (`alongside` may write more there: the card that shows it).
   */
  async undo(entry: UndoEntry, alongside?: () => void): Promise<void> {
    const current = this.table.rows({ where: { id: entry.id }, limit: 1 })[0];
    if (!current || current.undone) throw new UserError(l10n.t('That change was undone already.'));
    await this.tasks.revert(entry.profile_id, current.steps as RevertStep[], (current.label as string[]).join('; '), () => {
      this.table.update({ id: entry.id, undone: true });
      alongside?.();
    });
  }
}
