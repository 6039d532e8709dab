/**
 * Search across every profile's todos and conversations ("Pipulate: Search"), through
 * SQLite's full-text search. sql.js is built with FTS3/FTS4, not FTS5, so: one FTS4
 * table per searched table, external-content (the text is not stored twice), kept in step
 * by triggers, so every way a row changes (a service, the model's tools, an undo, a
 * journal replay, a restore) updates the index in the same transaction. Created by a
 * migration (schema version 3) that also indexes what is already there.
 *
 * A query is the words typed, each as a prefix ("rep" finds "report"); results come
 * newest first, which FTS4 walks its index for without sorting (ORDER BY docid DESC).
 */
import type { Database } from '../store/database';

// not-ui: the FTS table's option
const TOKENIZE = `tokenize=unicode61 "remove_diacritics=2"`;

/** Each searched table: its FTS4 table and the column indexed. */
const INDEXED = [
  { table: 'todo', column: 'title', fts: 'todo_search' },
  { table: 'message', column: 'content', fts: 'message_search' },
] as const;

/** Creates the index and its triggers (migration 3 in appSchema.ts), and indexes what the tables hold. */
export function createSearchIndex(db: Database): void {
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

export interface SearchHit {
  kind: 'todo' | 'message';
  id: number;
  profileId: number;
  profileName: string;
  /** The matching text around the words found, on one line. */
  snippet: string;
  /** For a todo: whether it is done; for a message: its role and when it was written. */
  done?: boolean;
  role?: string;
  created?: number;
}

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

  /** The newest `limit` todos and the newest `limit` messages that hold every word of `typed`, in any profile. */
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
        WHERE message_search MATCH ? ORDER BY message_search.docid DESC LIMIT ?`,
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
    ];
  }
}
