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

/** Why a file cannot be taken in: found by the worker, told in words by refusal(). */
export type DataFileProblem =
  | { kind: 'not-sqlite' }
  | { kind: 'unreadable'; detail: string }
  | { kind: 'damaged'; detail: string }
  | { kind: 'not-pipulate' }
  | { kind: 'newer'; schema: number };

/**
 * Opens `bytes` as a Pipulate data file: the database (the caller closes it) and what it
 * holds, or the problem that keeps it out. Nothing is changed by looking.
 */
export function openDataFile(SQL: SqlJsStatic, bytes: Uint8Array): { db: SqlJsDatabase; summary: DataSummary } | { problem: DataFileProblem } {
  if (bytes.length < SQLITE_HEADER.length || Buffer.from(bytes.subarray(0, SQLITE_HEADER.length)).toString('latin1') !== SQLITE_HEADER) {
    return { problem: { kind: 'not-sqlite' } };
  }
  let db: SqlJsDatabase | undefined;
  const refuse = (problem: DataFileProblem) => {
    db?.close();
    return { problem };
  };
  let check: unknown;
  try {
    db = new SQL.Database(bytes);
    check = db.exec('PRAGMA quick_check')[0]?.values[0]?.[0];
  } catch (err) {
    return refuse({ kind: 'unreadable', detail: (err as Error).message });
  }
  if (check !== 'ok') return refuse({ kind: 'damaged', detail: String(check) });
  try {
    const query = rawQuery(db);
    const tables = new Set(query(`SELECT name FROM sqlite_master WHERE type = 'table'`).map((r) => r.name));
    if (!REQUIRED.every((t) => tables.has(t))) return refuse({ kind: 'not-pipulate' });
    const summary = summarize(query);
    if (summary.schema > CURRENT_SCHEMA) return refuse({ kind: 'newer', schema: summary.schema });
    return { db, summary };
  } catch (err) {
    db.close();
    throw err;
  }
}

/** What the user is told of a file `name` that cannot be taken in. */
export function refusal(problem: DataFileProblem, name: string): UserError {
  switch (problem.kind) {
    case 'not-sqlite':
      return new UserError(l10n.t('{0} is not a SQLite database.', name));
    case 'unreadable':
      return new UserError(l10n.t('{0} is damaged and cannot be read ({1}).', name, problem.detail));
    case 'damaged':
      return new UserError(l10n.t('{0} is damaged: it fails its integrity check ({1}).', name, problem.detail));
    case 'not-pipulate':
      return new UserError(l10n.t('{0} does not hold Pipulate data (it has no profiles, todos and messages).', name));
    case 'newer':
      return new UserError(
        l10n.t('{0} was written by a newer version of Pipulate (data version {1}; this one reads up to {2}). Update the extension to take it in.', name, problem.schema, CURRENT_SCHEMA),
      );
  }
}
