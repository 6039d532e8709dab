/**
 * Pipulate's tables, and how an older database is brought up to date.
 *
 * On open, every table is created or transformed to its declaration (new columns
 * added; anything lossy refused), then each migration newer than the database's
 * `user_version` runs once, in a transaction of its own.
 */
import type { Database } from './database';
import { createTableSql, defineTable, transformSql, type ExistingColumn, type Row, type TableSpec } from './schema';
import { Table } from './table';
import { KeyValue } from './kv';

export const profileTable = defineTable({
  name: 'profile',
  columns: {
    id: { type: 'integer' },
    name: { type: 'text' },
    address: { type: 'text', default: '' },
    code: { type: 'text', default: '' },
    active: { type: 'boolean', default: true },
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
  },
  pk: ['id'],
  indexes: [['profile_id', 'priority']],
});

export const messageTable = defineTable({
  name: 'message',
  columns: {
    id: { type: 'integer' },
    profile_id: { type: 'integer' },
    /** user, assistant, system, or note (an action the model is told of). */
    role: { type: 'text' },
    content: { type: 'text' },
    /** Milliseconds since the epoch, given by the caller (replay must be deterministic). */
    created: { type: 'integer' },
    /** done, stopped (the user stopped it) or error. */
    status: { type: 'text', default: 'done' },
    model: { type: 'text', nullable: true },
  },
  pk: ['id'],
  indexes: [['profile_id', 'id']],
});

export const kvTable = defineTable({
  name: 'kv',
  columns: {
    key: { type: 'text' },
    value: { type: 'json', nullable: true },
  },
  pk: ['key'],
});

export type Profile = Row<typeof profileTable>;
export type Todo = Row<typeof todoTable>;
export type Message = Row<typeof messageTable>;

export const APP_TABLES: readonly TableSpec[] = [profileTable, todoTable, messageTable, kvTable];

export interface Migration {
  /** The schema version this migration brings the database to. */
  version: number;
  up(db: Database): void;
}

/** Version 1 is the first schema: its tables are made by `ensureTables`. Append new steps here. */
export const MIGRATIONS: readonly Migration[] = [{ version: 1, up: () => {} }];

export function ensureTables(db: Database, tables: readonly TableSpec[]): void {
  db.transaction(() => {
    for (const table of tables) {
      const existing = db.all(`SELECT name, type, pk FROM pragma_table_info(?)`, [table.name]) as unknown as ExistingColumn[];
      const statements = existing.length ? transformSql(table, existing) : createTableSql(table);
      // Indexes that exist already are left out, so an open with nothing to change writes nothing.
      const indexes = new Set(db.all(`SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ?`, [table.name]).map((r) => r.sql));
      for (const sql of statements) if (!indexes.has(sql.replace(' IF NOT EXISTS', ''))) db.write(sql);
    }
  });
}

export function schemaVersion(db: Database): number {
  return Number(db.all('PRAGMA user_version')[0]!.user_version);
}

export function migrate(db: Database, migrations: readonly Migration[]): void {
  for (const m of migrations) {
    if (m.version <= schemaVersion(db)) continue;
    db.transaction(() => {
      m.up(db);
      db.write(`PRAGMA user_version = ${Math.trunc(m.version)}`);
    });
  }
}

export interface AppStore {
  db: Database;
  profiles: Table<typeof profileTable>;
  todos: Table<typeof todoTable>;
  messages: Table<typeof messageTable>;
  kv: KeyValue;
}

export function appStore(db: Database): AppStore {
  ensureTables(db, APP_TABLES);
  migrate(db, MIGRATIONS);
  return {
    db,
    profiles: new Table(db, profileTable),
    todos: new Table(db, todoTable),
    messages: new Table(db, messageTable),
    kv: new KeyValue(new Table(db, kvTable)),
  };
}
