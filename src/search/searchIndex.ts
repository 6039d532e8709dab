/**
 * Search across every profile's todos, conversations and workflow runs ("Pipulate:
 * Search"), through SQLite's full-text search. sql.js is built with FTS3/FTS4, not FTS5,
 * so: one FTS4 table per searched table, kept in step by triggers, so every way a row
 * changes (a service, the model's tools, an undo, a journal replay, a restore) updates
 * the index in the same transaction. Todos and messages are indexed external-content
 * (the text is not stored twice); a run's text is made from its record (its workflow,
 * key and the values of its steps), so its index keeps that text itself. Created by
 * migrations (schema versions 3 and 5) that also index what is already there.
 *
 * A query is the words typed, each as a prefix ("rep" finds "report"); results come
 * newest first, which FTS4 walks its index for without sorting (ORDER BY docid DESC).
 */
import type { Database } from '../store/database';
import type { SchemaTarget } from '../store/migrate';

// not-ui: the FTS table's option
const TOKENIZE = `tokenize=unicode61 "remove_diacritics=2"`;

/** Each searched table: its FTS4 table and the column indexed. */
const INDEXED = [
  { table: 'todo', column: 'title', fts: 'todo_search' },
  { table: 'message', column: 'content', fts: 'message_search' },
] as const;

/** Creates the index and its triggers (migration 3 in appSchema.ts), and indexes what the tables hold. */
export function createSearchIndex(db: SchemaTarget): void {
  for (const { table, column, fts } of INDEXED) {
    db.write(`CREATE VIRTUAL TABLE IF NOT EXISTS ${fts} USING fts4(content="${table}", ${column}, prefix="2,3", ${TOKENIZE})`);
    // External content: the index forgets a row by reading its old text, so before the row changes.
    db.write(`CREATE TRIGGER IF NOT EXISTS ${fts}_bd BEFORE DELETE ON ${table} BEGIN DELETE FROM ${fts} WHERE docid = old.id; END`);
    db.write(`CREATE TRIGGER IF NOT EXISTS ${fts}_bu BEFORE UPDATE OF ${column} ON ${table} BEGIN DELETE FROM ${fts} WHERE docid = old.id; END`);
    db.write(`CREATE TRIGGER IF NOT EXISTS ${fts}_au AFTER UPDATE OF ${column} ON ${table} BEGIN INSERT INTO ${fts} (docid, ${column}) VALUES (new.id, new.${column}); END`);
    db.write(`CREATE TRIGGER IF NOT EXISTS ${fts}_ai AFTER INSERT ON ${table} BEGIN INSERT INTO ${fts} (docid, ${column}) VALUES (new.id, new.${column}); END`);
    db.write(`INSERT INTO ${fts} (${fts}) VALUES ('rebuild')`);
  }
}

/**
 * A run's searchable text, from its row (`new` or `old` in a trigger, the table's name in
 * a query): its workflow, its key and the values its steps were given. A state that is
 * not what the service writes (edited by hand) gives what can be read of it, never an error.
 */
function runText(row: string): string {
  // not-ui: SQL
  return `${row}.workflow || ' ' || ${row}.key || coalesce(' ' || CASE WHEN json_valid(${row}.state) THEN (
    SELECT group_concat(v.value ->> '$.value', ' ') FROM json_each(${row}.state, '$.values') v WHERE v.type = 'object') END, '')`;
}

/** The index of workflow runs and its triggers (migration 5 in appSchema.ts), over the runs there are. Its docid is the run's rowid. */
export function createRunSearchIndex(db: SchemaTarget): void {
  db.write(`CREATE VIRTUAL TABLE IF NOT EXISTS run_search USING fts4(body, prefix="2,3", ${TOKENIZE})`);
  db.write(`CREATE TRIGGER IF NOT EXISTS run_search_ai AFTER INSERT ON pipeline BEGIN INSERT INTO run_search (docid, body) VALUES (new.rowid, ${runText('new')}); END`);
  db.write(`CREATE TRIGGER IF NOT EXISTS run_search_ad AFTER DELETE ON pipeline BEGIN DELETE FROM run_search WHERE docid = old.rowid; END`);
  db.write(
    `CREATE TRIGGER IF NOT EXISTS run_search_au AFTER UPDATE OF workflow, key, state ON pipeline BEGIN
       DELETE FROM run_search WHERE docid = old.rowid; INSERT INTO run_search (docid, body) VALUES (new.rowid, ${runText('new')}); END`,
  );
  db.write(`DELETE FROM run_search`);
  db.write(`INSERT INTO run_search (docid, body) SELECT rowid, ${runText('pipeline')} FROM pipeline`);
}

/** One thing found: where it is (its profile) and the matching text around the words, on one line. */
export type SearchHit = { profileId: number; profileName: string; snippet: string } & (
  | { kind: 'todo'; id: number; done: boolean }
  | { kind: 'message'; id: number; role: string; created: number }
  | { kind: 'run'; workflow: string; key: string; updated: number }
);

/**
 * The MATCH expression for what the user typed: its words (letters and digits), each a
 * prefix, all required. Nothing the user types is taken as FTS syntax, so no input is an
 * error. Undefined when there is no word to look for.
 */
export function matchExpression(typed: string): string | undefined {
  // Lower case: FTS4 reads OR, AND, NOT and NEAR in upper case as operators.
  const words = typed.normalize('NFKC').toLowerCase().match(/[\p{L}\p{N}]+/gu);
  if (!words) return undefined;
  return words.slice(0, 12).map((w) => `${w}*`).join(' ');
}

const oneLine = (text: string) => text.replace(/\s+/g, ' ').trim();

export class Search {
  constructor(private readonly db: Database) {}

  /** The newest `limit` todos, messages and runs (each) that hold every word of `typed`, in any profile (no message an edit replaced: the view no longer shows them). */
  find(typed: string, limit = 30): SearchHit[] {
    const match = matchExpression(typed);
    if (!match) return [];
    const todos = this.db.all(
      `SELECT t.id, t.profile_id, p.name AS profile, t.done, snippet(todo_search, '', '', '…', -1, 12) AS snippet
         FROM todo_search JOIN todo t ON t.id = todo_search.docid JOIN profile p ON p.id = t.profile_id
        WHERE todo_search MATCH ? ORDER BY todo_search.docid DESC LIMIT ?`,
      [match, limit],
    );
    const messages = this.db.all(
      `SELECT m.id, m.profile_id, p.name AS profile, m.role, m.created, snippet(message_search, '', '', '…', -1, 12) AS snippet
         FROM message_search JOIN message m ON m.id = message_search.docid JOIN profile p ON p.id = m.profile_id
        WHERE message_search MATCH ? AND m.replaced = 0 ORDER BY message_search.docid DESC LIMIT ?`,
      [match, limit],
    );
    const runs = this.db.all(
      `SELECT r.profile_id, p.name AS profile, r.workflow, r.key, r.updated, snippet(run_search, '', '', '…', -1, 12) AS snippet
         FROM run_search JOIN pipeline r ON r.rowid = run_search.docid JOIN profile p ON p.id = r.profile_id
        WHERE run_search MATCH ? ORDER BY run_search.docid DESC LIMIT ?`,
      [match, limit],
    );
    return [
      ...todos.map((r) => ({ kind: 'todo' as const, id: Number(r.id), profileId: Number(r.profile_id), profileName: String(r.profile), snippet: oneLine(String(r.snippet)), done: r.done === 1 })),
      ...messages.map((r) => ({
        kind: 'message' as const,
        id: Number(r.id),
        profileId: Number(r.profile_id),
        profileName: String(r.profile),
        snippet: oneLine(String(r.snippet)),
        role: String(r.role),
        created: Number(r.created),
      })),
      ...runs.map((r) => ({
        kind: 'run' as const,
        profileId: Number(r.profile_id),
        profileName: String(r.profile),
        snippet: oneLine(String(r.snippet)),
        workflow: String(r.workflow),
        key: String(r.key),
        updated: Number(r.updated),
      })),
    ];
  }
}
