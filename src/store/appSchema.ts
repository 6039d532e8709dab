/**
 * Pipulate's tables and the migrations that bring an older database to them (applied by
 * migrate.ts's applySchema). The store's machinery (migrate.ts, kv.ts) knows nothing of
 * these tables; this module re-exports what importers used to find here.
 */
import type { Database } from './database';
import { KeyValue, kvTable } from './kv';
import { applySchema, dropColumns, ensureTables, type Migration } from './migrate';
import { createRunSearchIndex, createSearchIndex } from '../search/searchIndex';
import { undoTable } from '../tools/undoTable';
import { pipelineTable } from '../workflows/pipelineTable';
import { defineTable, type Row, type TableSpec } from './schema';
import { Table } from './table';

export { kvTable } from './kv';
export { ensureTables, migrate, schemaVersion, type Migration } from './migrate';

export const profileTable = defineTable({
  name: 'profile',
  columns: {
    id: { type: 'integer' },
    name: { type: 'text' },
    priority: { type: 'integer', default: 0 },
  },
  pk: ['id'],
});

export const todoTable = defineTable({
  name: 'todo',
  columns: {
    id: { type: 'integer' },
    title: { type: 'text' },
    done: { type: 'boolean', default: false },
    priority: { type: 'integer', default: 0 },
    profile_id: { type: 'integer' },
    /** Where in the code the todo points (a CodeLink, src/tasks/anchor.ts); null for most todos. Added to older databases by ensureTables. */
    link: { type: 'json', nullable: true },
  },
  pk: ['id'],
  indexes: [['profile_id', 'priority']],
});

export const messageTable = defineTable({
  name: 'message',
  columns: {
    id: { type: 'integer' },
    profile_id: { type: 'integer' },
    /** user, assistant, system, note (an action the model is told of), or tool (a card: what the model did with its tools). */
    role: { type: 'text' },
    content: { type: 'text' },
    /** Milliseconds since the epoch, given by the caller (replay must be deterministic). */
    created: { type: 'integer' },
    /** done, stopped (the user stopped it) or error. */
    status: { type: 'text', default: 'done' },
    model: { type: 'text', nullable: true },
    /** A round's tool calls (assistant) or its card (role tool): see src/chat/cards.ts. */
    data: { type: 'json', nullable: true },
    /**
     * Replaced by an edit or a regenerate (src/chat/conversation.ts): out of the view and of
     * what the model is sent, kept until the conversation is cleared. Added to older databases by ensureTables.
     */
    replaced: { type: 'boolean', default: false },
  },
  pk: ['id'],
  indexes: [['profile_id', 'id']],
});

export type Profile = Row<typeof profileTable>;
export type Todo = Row<typeof todoTable>;
export type Message = Row<typeof messageTable>;

export const APP_TABLES: readonly TableSpec[] = [profileTable, todoTable, messageTable, kvTable, pipelineTable, undoTable];

/** Append new steps here; a new database is made at the last version without running any. */
export const MIGRATIONS: readonly Migration[] = [
  // Version 1 is the first schema, as ensureTables makes it.
  { version: 1, up: () => {} },
  // Pipulate's profile form had these; nothing here ever used them.
  { version: 2, up: (db) => dropColumns(db, 'profile', ['address', 'code', 'active']) },
  // The full-text index "Pipulate: Search" uses (src/search/searchIndex.ts). Its triggers
  // name these tables, which a database from before the message table lacks until now.
  {
    version: 3,
    onNew: true,
    up: (db) => {
      ensureTables(db, [todoTable, messageTable]);
      createSearchIndex(db);
    },
  },
  // Workflow runs (src/workflows/pipelineTable.ts). A version 3 store may have the table
  // already, with runs: the workflow service made it itself then. They are kept as they are.
  { version: 4, up: (db) => ensureTables(db, [pipelineTable]) },
  // Workflow runs in "Pipulate: Search" (src/search/searchIndex.ts), over the runs there are.
  { version: 5, onNew: true, up: (db) => createRunSearchIndex(db) },
  // The undo log (src/tools/undoTable.ts). A version 5 store may have the table already,
  // with entries: the undo log made it itself then. They are kept as they are.
  { version: 6, up: (db) => ensureTables(db, [undoTable]) },
];

export interface AppStore {
  db: Database;
  profiles: Table<typeof profileTable>;
  todos: Table<typeof todoTable>;
  messages: Table<typeof messageTable>;
  kv: KeyValue;
}

export function appStore(db: Database): AppStore {
  applySchema(db, APP_TABLES, MIGRATIONS);
  return {
    db,
    profiles: new Table(db, profileTable),
    todos: new Table(db, todoTable),
    messages: new Table(db, messageTable),
    kv: new KeyValue(new Table(db, kvTable)),
  };
}
