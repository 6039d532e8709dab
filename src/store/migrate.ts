/**
 * Bringing a database to its declared tables. `ensureTables` does what cannot lose data
 * (create tables, add columns and indexes); a numbered migration does the rest (drop,
 * retype, re-key), once, recorded in SQLite's `user_version`.
 */
import type { Database as SqlJsDatabase } from 'sql.js';
import type { Database, SqlRow } from './database';
import { createTableSql, quoteId, transformSql, type ExistingColumn, type SqlValue, type TableSpec } from './schema';

/**
 * What the schema's work needs of a database: the store's Database, or a bare sql.js
 * database in the worker that prepares a file to take in (src/backup/foldWorker.ts).
 */
export type SchemaTarget = Pick<Database, 'all' | 'write' | 'transaction'>;

/** A bare sql.js database as the schema's work sees a store (nothing is journaled: the caller writes the result whole, or only reads it). */
export function sqlJsTarget(db: SqlJsDatabase): SchemaTarget {
  const all = (sql: string, params: readonly SqlValue[] = []): SqlRow[] => {
    const stmt = db.prepare(sql, params as SqlValue[]);
    try {
      const rows: SqlRow[] = [];
      while (stmt.step()) rows.push(stmt.getAsObject() as SqlRow);
      return rows;
    } finally {
      stmt.free();
    }
  };
  let depth = 0;
  return {
    all,
    write: all,
    transaction<T>(fn: () => T): T {
      const outer = depth === 0;
      if (outer) db.run('BEGIN');
      depth++;
      try {
        const result = fn();
        if (outer) db.run('COMMIT');
        return result;
      } catch (err) {
        if (outer) db.run('ROLLBACK');
        throw err;
      } finally {
        depth--;
      }
    },
  };
}

export interface Migration {
  /** The schema version this migration brings the database to. */
  version: number;
  up(db: SchemaTarget): void;
  /** Runs on a new database too, after its tables are made: for what ensureTables cannot make (virtual tables, triggers). */
  onNew?: boolean;
}

/**
 * A new database (none of `tables` there yet) is made in its latest shape at the latest
 * version: no migration runs on it but those marked `onNew`. An existing one first runs the migrations it has not
 * had, on the tables as they are (a transform would refuse what they do), then gets what
 * is new added. So a migration only ever sees a database of the version before it.
 */
export function applySchema(db: SchemaTarget, tables: readonly TableSpec[], migrations: readonly Migration[]): void {
  if (tables.every((t) => columnsOf(db, t.name).length === 0)) {
    db.transaction(() => {
      ensureTables(db, tables);
      for (const m of migrations) if (m.onNew) m.up(db);
      setVersion(db, Math.max(0, ...migrations.map((m) => m.version)));
    });
    return;
  }
  migrate(db, migrations);
  ensureTables(db, tables);
}

export function ensureTables(db: SchemaTarget, tables: readonly TableSpec[]): void {
  db.transaction(() => {
    for (const table of tables) {
      const existing = columnsOf(db, table.name);
      const statements = existing.length ? transformSql(table, existing) : createTableSql(table);
      // Indexes that exist already are left out, so an open with nothing to change writes nothing.
      const indexes = new Set(db.all(`SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ?`, [table.name]).map((r) => r.sql));
      for (const sql of statements) if (!indexes.has(sql.replace(' IF NOT EXISTS', ''))) db.write(sql);
    }
  });
}

export function schemaVersion(db: SchemaTarget): number {
  return Number(db.all('PRAGMA user_version')[0]!.user_version);
}

export function migrate(db: SchemaTarget, migrations: readonly Migration[]): void {
  for (const m of migrations) {
    if (m.version <= schemaVersion(db)) continue;
    db.transaction(() => {
      m.up(db);
      setVersion(db, m.version);
    });
  }
}

/** For a migration: drops those of `columns` that `table` still has, with their data. */
export function dropColumns(db: SchemaTarget, table: string, columns: readonly string[]): void {
  const have = new Set(columnsOf(db, table).map((c) => c.name));
  for (const c of columns) if (have.has(c)) db.write(`ALTER TABLE ${quoteId(table)} DROP COLUMN ${quoteId(c)}`);
}

function columnsOf(db: SchemaTarget, table: string): ExistingColumn[] {
  return db.all(`SELECT name, type, pk FROM pragma_table_info(?)`, [table]) as unknown as ExistingColumn[];
}

function setVersion(db: SchemaTarget, version: number): void {
  db.write(`PRAGMA user_version = ${Math.trunc(version)}`);
}
