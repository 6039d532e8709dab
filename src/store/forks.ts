/**
 * Stores an earlier version forked. It kept the store in the window's workspace storage,
 * and VS Code gives a second window on the same workspace a folder of its own (`<id>-1`,
 * `<id>-2`, … beside `<id>`, while the first window holds `<id>`'s lock), so a second
 * window silently started a second, empty store, and what was added there showed up only
 * in that kind of window. The store now lives in one place (location.ts), which adopts
 * the store of the first window opened; the others' are found here and merged into it:
 *
 * - each profile of a fork that holds anything (todos, messages, workflow runs) becomes
 *   a profile of its own, named for where it came from, with all of it, in order; a
 *   fork's bookkeeping (active profile, undo log) is not taken;
 * - the fork is read as its store would open (the snapshot, its journal replayed, the
 *   schema brought up to date), under its lock: a window of an older version that still
 *   has it open keeps it, and it is merged the next time;
 * - its files are left as they were, with the marker adoptStore leaves, so it is merged
 *   once, and nothing is lost if the merge is cut short (a crash before the marker merges
 *   it again: the user would see it twice, never lose it).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as l10n from '@vscode/l10n';
import type { Database as SqlJsDatabase } from 'sql.js';
import { APP_TABLES, MIGRATIONS, type AppStore } from './appSchema';
import { loadEngine, readGeneration, replay } from './database';
import { readJournal } from './journal';
import { MOVED_MARKER } from './location';
import { acquireLock } from './lock';
import { applySchema, sqlJsTarget } from './migrate';
import { StoreLockedError } from './errors';

const hasStore = (dir: string) => fs.existsSync(path.join(dir, 'pipulate.db'));

/**
 * The stores kept by other windows on this workspace: `storageDir` is this window's
 * (`<workspace storage>/<id>/<extension>`); its siblings `<id>`, `<id>-N` are looked in
 * for a store not moved or merged yet. This window's own is included.
 */
export async function findForks(storageDir: string): Promise<string[]> {
  const extension = path.basename(storageDir);
  const own = path.basename(path.dirname(storageDir));
  const root = path.dirname(path.dirname(storageDir));
  const base = /^(.+)-\d{1,3}$/.exec(own)?.[1] ?? own;
  let names: string[];
  try {
    names = await fs.promises.readdir(root);
  } catch {
    return [];
  }
  return names
    .filter((name) => name === base || (name.startsWith(`${base}-`) && /^\d{1,3}$/.test(name.slice(base.length + 1))))
    .sort()
    .map((name) => path.join(root, name, extension))
    .filter((dir) => hasStore(dir) && !fs.existsSync(path.join(dir, MOVED_MARKER)));
}

export interface MergedFork {
  /** The profiles added, by their new names. */
  profiles: string[];
  todos: number;
  messages: number;
  runs: number;
}

/**
 * Adds what the store in `fork` holds to `store` (see the top of this file), then marks
 * the fork as merged. Throws StoreLockedError while a window has the fork open.
 */
export async function mergeFork(store: AppStore, fork: string, options: { wasmPath: string; into: string; now?: () => Date }): Promise<MergedFork> {
  const lock = await acquireLock(path.join(fork, 'pipulate.db.lock'), 0);
  try {
    const data = await readFork(fork, options.wasmPath);
    let merged: MergedFork;
    try {
      merged = addTo(store, data, (options.now?.() ?? new Date()).toLocaleDateString());
    } finally {
      data.close();
    }
    await store.db.sync();
    fs.writeFileSync(path.join(fork, MOVED_MARKER), `${JSON.stringify({ mergedInto: options.into, at: new Date().toISOString(), profiles: merged.profiles })}\n`);
    return merged;
  } finally {
    lock.release();
  }
}

/** The fork's data as its store would open: its snapshot, its journal's records replayed, at this version's schema. */
async function readFork(fork: string, wasmPath: string): Promise<SqlJsDatabase> {
  const SQL = await loadEngine(wasmPath);
  const db = new SQL.Database(await fs.promises.readFile(path.join(fork, 'pipulate.db')));
  try {
    const journal = readJournal(path.join(fork, 'pipulate.db.journal'));
    // A journal of another generation is not this snapshot's: left where it is, as its store would leave it.
    if (journal && journal.generation === readGeneration(db)) replay(db, journal.records);
    applySchema(sqlJsTarget(db), APP_TABLES, MIGRATIONS);
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

function addTo(store: AppStore, fork: SqlJsDatabase, day: string): MergedFork {
  const read = sqlJsTarget(fork).all;
  const merged: MergedFork = { profiles: [], todos: 0, messages: 0, runs: 0 };
  store.db.transaction(() => {
    let priority = Number(store.db.all('SELECT coalesce(max(priority), -1) AS p FROM profile')[0]!.p) + 1;
    for (const profile of read('SELECT id, name FROM profile ORDER BY priority, id')) {
      const todos = read('SELECT title, done, priority, link FROM todo WHERE profile_id = ? ORDER BY priority, id', [profile.id!]);
      const messages = read('SELECT role, content, created, status, model, data FROM message WHERE profile_id = ? ORDER BY id', [profile.id!]);
      const runRows = read('SELECT workflow, key, state, created, updated, finalized FROM pipeline WHERE profile_id = ? ORDER BY rowid', [profile.id!]);
      if (todos.length + messages.length + runRows.length === 0) continue;
      const name = l10n.t('{0} (from another window, {1})', String(profile.name), day);
      const id = store.profiles.insert({ name, priority: priority++ }).id;
      // Raw values: the rows are as the fork's schema (brought up to date) stores them.
      for (const t of todos) store.db.write('INSERT INTO todo (title, done, priority, link, profile_id) VALUES (?, ?, ?, ?, ?)', [t.title!, t.done!, t.priority!, t.link ?? null, id]);
      for (const m of messages) {
        store.db.write('INSERT INTO message (role, content, created, status, model, data, profile_id) VALUES (?, ?, ?, ?, ?, ?, ?)', [m.role!, m.content!, m.created!, m.status!, m.model ?? null, m.data ?? null, id]);
      }
      for (const r of runRows) {
        store.db.write('INSERT INTO pipeline (workflow, key, state, created, updated, finalized, profile_id) VALUES (?, ?, ?, ?, ?, ?, ?)', [r.workflow!, r.key!, r.state!, r.created!, r.updated!, r.finalized!, id]);
      }
      merged.profiles.push(name);
      merged.todos += todos.length;
      merged.messages += messages.length;
      merged.runs += runRows.length;
    }
  });
  return merged;
}

/**
 * Merges every fork found beside `storageDir` (findForks) into `store`, whose folder is
 * `into`. A fork a window still has open is left for next time (`log` says so); what was
 * merged is returned, one entry a fork that held anything.
 */
export async function mergeForks(store: AppStore, storageDir: string, options: { wasmPath: string; into: string; log: (line: string) => void }): Promise<MergedFork[]> {
  const merged: MergedFork[] = [];
  for (const fork of await findForks(storageDir)) {
    try {
      const result = await mergeFork(store, fork, options);
      options.log(`Merged the store another window kept in ${fork} into ${options.into}: ${JSON.stringify(result)}`);
      if (result.profiles.length > 0) merged.push(result);
    } catch (err) {
      if (!(err instanceof StoreLockedError)) throw err;
      options.log(`The store in ${fork} is open in another window; it is merged once that window closes.`);
    }
  }
  return merged;
}
