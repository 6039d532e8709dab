/**
 * What a Pipulate data file holds, and whether it can be taken in: a backup, or a file
 * that Export Data wrote (here or in another workspace). Both are plain SQLite files.
 * A file that is damaged, is not Pipulate's, or comes from a newer schema is refused
 * with a message saying which; nothing is changed by looking.
 */
import * as l10n from '@vscode/l10n';
import type { SqlJsStatic, Database as SqlJsDatabase } from 'sql.js';
import { UserError } from '../errors';
import { MIGRATIONS } from '../store/appSchema';

export interface DataSummary {
  profiles: number;
  todos: number;
  messages: number;
  /** Workflow runs (a file from before workflows has none). */
  runs: number;
  /** SQLite's user_version: the schema the file was written with. */
  schema: number;
}

/** The schema this version of Pipulate writes and reads. */
export const CURRENT_SCHEMA = Math.max(0, ...MIGRATIONS.map((m) => m.version));

// not-ui: the file format's magic
const SQLITE_HEADER = 'SQLite format 3\0';
const REQUIRED = ['profile', 'todo', 'message'];

/** Something that answers SQL with rows: a Database, or a bare sql.js database. */
export type Query = (sql: string) => Record<string, unknown>[];

export function rawQuery(db: SqlJsDatabase): Query {
  return (sql) => {
    const result = db.exec(sql)[0];
    if (!result) return [];
    return result.values.map((values) => Object.fromEntries(result.columns.map((c, i) => [c, values[i]])));
  };
}

/** Counts what a Pipulate database holds. */
export function summarize(query: Query): DataSummary {
  const tables = new Set(query(`SELECT name FROM sqlite_master WHERE type = 'table'`).map((r) => r.name));
  const count = (table: string) => (tables.has(table) ? Number(query(`SELECT count(*) AS n FROM ${table}`)[0]?.n ?? 0) : 0);
  return {
    profiles: count('profile'),
    todos: count('todo'),
    messages: count('message'),
    runs: count('pipeline'),
    schema: Number(query('PRAGMA user_version')[0]?.user_version ?? 0),
  };
}

/**
 * Checks `bytes` as a Pipulate data file named `name` (for the messages) and says what it
 * holds. Throws a UserError if it cannot be taken in.
 */
export function inspectDataFile(SQL: SqlJsStatic, bytes: Uint8Array, name: string): DataSummary {
  if (bytes.length < SQLITE_HEADER.length || Buffer.from(bytes.subarray(0, SQLITE_HEADER.length)).toString('latin1') !== SQLITE_HEADER) {
    throw new UserError(l10n.t('{0} is not a SQLite database.', name));
  }
  let db: SqlJsDatabase | undefined;
  try {
    let check: unknown;
    try {
      db = new SQL.Database(bytes);
      check = db.exec('PRAGMA quick_check')[0]?.values[0]?.[0];
    } catch (err) {
      throw new UserError(l10n.t('{0} is damaged and cannot be read ({1}).', name, (err as Error).message));
    }
    if (check !== 'ok') throw new UserError(l10n.t('{0} is damaged: it fails its integrity check ({1}).', name, String(check)));
    const query = rawQuery(db);
    const tables = new Set(query(`SELECT name FROM sqlite_master WHERE type = 'table'`).map((r) => r.name));
    if (!REQUIRED.every((t) => tables.has(t))) throw new UserError(l10n.t('{0} does not hold Pipulate data (it has no profiles, todos and messages).', name));
    const summary = summarize(query);
    if (summary.schema > CURRENT_SCHEMA) {
      throw new UserError(
        l10n.t('{0} was written by a newer version of Pipulate (data version {1}; this one reads up to {2}). Update the extension to take it in.', name, summary.schema, CURRENT_SCHEMA),
      );
    }
    return summary;
  } finally {
    db?.close();
  }
}
