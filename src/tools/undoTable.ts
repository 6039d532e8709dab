/**
 * Pipulate's `undo` table: the undo log's entries (src/tools/undo.ts reads and writes
 * them). Declared here, apart from the log, because the store's schema
 * (src/store/appSchema.ts) makes it and migrates it like the other tables.
 */
import { defineTable, type Row } from '../store/schema';

export const undoTable = defineTable({
  name: 'undo',
  columns: {
    id: { type: 'integer' },
    profile_id: { type: 'integer' },
    /** 'model' (a card's changes) or 'user' (a delete or clear in the Tasks view). */
    source: { type: 'text' },
    /** The card (message id) whose changes these are; null for the user's. */
    card_id: { type: 'integer', nullable: true },
    /** RevertStep[], in the order the changes were made. */
    steps: { type: 'json' },
    /** The notes of the changes, one per change, for the note of the undo and the Tasks view's "Undo". */
    label: { type: 'json' },
    created: { type: 'integer' },
    undone: { type: 'boolean', default: false },
  },
  pk: ['id'],
  indexes: [['profile_id', 'source', 'id'], ['card_id']],
});

export type UndoEntry = Row<typeof undoTable>;
