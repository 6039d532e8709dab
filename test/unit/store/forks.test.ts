/**
 * Stores an earlier version forked into a second window's workspace storage (`<id>-1`)
 * are merged into the one store, on real files: every profile that holds anything comes
 * in whole (todos, conversation, workflow runs; a change still only in the journal too),
 * the fork's files are left untouched with a marker, once only; a fork still open in a
 * window is left for later; other workspaces' folders are never touched.
 */
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { appStore } from '../../../src/store/appSchema';
import { findForks, mergeForks } from '../../../src/store/forks';
import { MOVED_MARKER } from '../../../src/store/location';
import { Search } from '../../../src/search/searchIndex';
import { Table } from '../../../src/store/table';
import { pipelineTable } from '../../../src/workflows/pipelineTable';
import { crashCopy, openForTest, scratchDir, wasmPath } from '../../helpers/store';

const EXT = 'pipulate.pipulate-vscode';

/** A window's store as an earlier version kept it: `<root>/<folder>/<extension>`. */
async function windowStore(t: TestContext, root: string, folder: string, fill?: (store: ReturnType<typeof appStore>) => void) {
  const dir = join(root, folder, EXT);
  mkdirSync(dir, { recursive: true });
  const { db } = await openForTest(t, dir);
  const store = appStore(db);
  if (!store.profiles.rows().length) store.profiles.insert({ name: 'Default' });
  fill?.(store);
  await db.sync();
  return { dir, db, store };
}

const files = (dir: string) => Object.fromEntries(readdirSync(dir).filter((f) => f !== MOVED_MARKER).map((f) => [f, readFileSync(join(dir, f)).toString('base64')]));

test('a second window’s store is merged: its profiles with all they hold, a change only in its journal too; its files stay as they were, marked; once only', async (t) => {
  const root = scratchDir(t);
  const main = await openForTest(t, scratchDir(t));
  const store = appStore(main.db);
  store.profiles.insert({ name: 'Default' });
  store.todos.insert({ title: 'from the first window', profile_id: 1 });

  // The second tab's store: todos, a message and a workflow run; the last todo only in its journal (a crash).
  const fork = await windowStore(t, root, '5e8218e5-1', (s) => {
    s.todos.insert({ title: 'second tab, first', profile_id: 1 });
    s.messages.insert({ profile_id: 1, role: 'user', content: 'asked in the second tab', created: 5 });
    new Table(s.db, pipelineTable).insert({ profile_id: 1, workflow: 'hello', key: 'tab-run', state: { values: { name: { value: 'Ada', at: 1 } } }, created: 1, updated: 2 });
  });
  fork.db.closeSync();
  const again = await openForTest(t, fork.dir);
  appStore(again.db).todos.insert({ title: 'second tab, only in the journal', profile_id: 1 });
  await again.db.sync();
  const crashed = crashCopy(t, fork.dir);
  again.db.closeSync();
  for (const f of readdirSync(crashed)) copyFileSync(join(crashed, f), join(fork.dir, f));
  // An empty one (a third tab that added nothing), this window's own (already adopted), another workspace's.
  const empty = await windowStore(t, root, '5e8218e5-2');
  empty.db.closeSync();
  const own = await windowStore(t, root, '5e8218e5');
  own.db.closeSync();
  writeFileSync(join(own.dir, MOVED_MARKER), '{}');
  const other = await windowStore(t, root, '5e8218e51-1', (s) => s.todos.insert({ title: 'another workspace', profile_id: 1 }));
  other.db.closeSync();
  const before = { fork: files(fork.dir), other: files(other.dir) };

  assert.deepEqual(await findForks(own.dir), [fork.dir, empty.dir]);
  const logs: string[] = [];
  const merged = await mergeForks(store, own.dir, { wasmPath, into: 'the store', log: (l) => logs.push(l) });
  assert.equal(merged.length, 1);
  const [added] = merged[0]!.profiles;
  assert.match(added!, /^Default \(from another window, .+\)$/);
  assert.deepEqual({ ...merged[0], profiles: undefined }, { profiles: undefined, todos: 2, messages: 1, runs: 1 });

  const profile = store.profiles.rows({ orderBy: 'priority, id' });
  assert.deepEqual(profile.map((p) => p.name), ['Default', added]);
  const id = profile[1]!.id;
  assert.deepEqual(store.todos.rows({ where: { profile_id: id }, orderBy: 'priority, id' }).map((x) => x.title), ['second tab, first', 'second tab, only in the journal']);
  assert.deepEqual(store.messages.rows({ where: { profile_id: id } }).map((m) => m.content), ['asked in the second tab']);
  assert.deepEqual(new Table(main.db, pipelineTable).rows({ where: { profile_id: id } }).map((r) => [r.key, r.state]), [['tab-run', { values: { name: { value: 'Ada', at: 1 } } }]]);
  assert.deepEqual(store.todos.rows({ where: { profile_id: 1 } }).map((x) => x.title), ['from the first window']);
  // Found by Search like the rest, and on disk.
  assert.deepEqual(new Search(main.db).find('journal').map((h) => h.profileName), [added]);
  const reopened = appStore((await openForTest(t, crashCopy(t, dirname(main.db.snapshotPath)))).db);
  assert.equal(reopened.todos.count({ profile_id: id }), 2);

  // The forks are marked, their files untouched; the other workspace's folder is not touched at all.
  assert.deepEqual(files(fork.dir), before.fork);
  assert.equal(JSON.parse(readFileSync(join(fork.dir, MOVED_MARKER), 'utf8')).mergedInto, 'the store');
  assert.ok(existsSync(join(empty.dir, MOVED_MARKER)));
  assert.deepEqual(files(other.dir), before.other);
  assert.equal(existsSync(join(other.dir, MOVED_MARKER)), false);
  // Once only.
  assert.deepEqual(await mergeForks(store, own.dir, { wasmPath, into: 'the store', log: () => {} }), []);
  assert.equal(store.profiles.count(), 2);
});

test('a fork still open in a window (an older version) is left as it is, and merged once that window has closed', async (t) => {
  const root = scratchDir(t);
  const main = await openForTest(t, scratchDir(t));
  const store = appStore(main.db);
  store.profiles.insert({ name: 'Default' });
  const fork = await windowStore(t, root, '-20ba4091-1', (s) => s.todos.insert({ title: 'still open', profile_id: 1 }));
  const logs: string[] = [];
  const own = join(root, '-20ba4091', EXT);
  assert.deepEqual(await mergeForks(store, own, { wasmPath, into: 'x', log: (l) => logs.push(l) }), []);
  assert.match(logs.join('\n'), /open in another window/);
  assert.equal(existsSync(join(fork.dir, MOVED_MARKER)), false);
  fork.db.closeSync();
  const merged = await mergeForks(store, own, { wasmPath, into: 'x', log: () => {} });
  assert.equal(merged[0]?.todos, 1);
});
