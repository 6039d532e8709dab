/** "Pipulate: Search": the FTS4 index kept in step with the tables, across profiles, and built for databases made before it. */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { appStore, APP_TABLES, MIGRATIONS } from '../../../src/store/appSchema';
import { applySchema, schemaVersion } from '../../../src/store/migrate';
import { Search, matchExpression } from '../../../src/search/searchIndex';
import { Table } from '../../../src/store/table';
import { pipelineTable } from '../../../src/workflows/pipelineTable';
import { openForTest, scratchDir } from '../../helpers/store';

async function fresh(t: TestContext) {
  const { db } = await openForTest(t, scratchDir(t));
  const store = appStore(db);
  const work = store.profiles.insert({ name: 'Work' });
  const home = store.profiles.insert({ name: 'Home' });
  return { db, store, work, home, search: new Search(db) };
}

const found = (search: Search, q: string) => search.find(q).map((h) => `${h.kind}:${h.profileName}:${h.snippet}`);

const run = (profileId: number, key: string, values: Record<string, string>, workflow = 'plan-feature') => ({
  profile_id: profileId,
  workflow,
  key,
  state: { values: Object.fromEntries(Object.entries(values).map(([id, value], at) => [id, { value, at }])) },
  created: 1,
  updated: 2,
});

test('todos and messages of every profile are found by the words typed, each word a prefix, accents and case ignored', async (t) => {
  const { store, work, home, search } = await fresh(t);
  store.todos.insert({ title: 'Write the quarterly Report', profile_id: work.id });
  store.todos.insert({ title: 'Buy milk', profile_id: home.id });
  store.messages.insert({ profile_id: home.id, role: 'assistant', content: 'The café opens at nine;\nbring the report.', created: 1 });
  assert.deepEqual(found(search, 'rep'), ['todo:Work:Write the quarterly Report', 'message:Home:The café opens at nine; bring the report.']);
  assert.deepEqual(found(search, 'cafe rep'), ['message:Home:The café opens at nine; bring the report.']);
  assert.deepEqual(found(search, 'MILK'), ['todo:Home:Buy milk']);
  assert.deepEqual(found(search, 'nothing-like-this'), []);
});

test('the index follows inserts, renames and deletes, a deleted profile’s rows included', async (t) => {
  const { db, store, work, home, search } = await fresh(t);
  const todo = store.todos.insert({ title: 'draft proposal', profile_id: work.id });
  const msg = store.messages.insert({ profile_id: home.id, role: 'user', content: 'gardening plans', created: 1 });
  assert.equal(search.find('proposal').length, 1);
  store.todos.update({ id: todo.id, title: 'final budget' });
  assert.deepEqual(found(search, 'proposal'), []);
  assert.deepEqual(found(search, 'budget'), ['todo:Work:final budget']);
  store.todos.update({ id: todo.id, done: true }); // a change of another column keeps it indexed
  assert.deepEqual(found(search, 'budget'), ['todo:Work:final budget']);
  store.messages.update({ id: msg.id, content: 'gardening plans for spring' });
  assert.deepEqual(found(search, 'spring'), ['message:Home:gardening plans for spring']);
  store.todos.delete(todo.id);
  assert.deepEqual(found(search, 'budget'), []);
  db.transaction(() => {
    store.messages.deleteWhere({ profile_id: home.id });
    store.profiles.delete(home.id);
  });
  assert.deepEqual(found(search, 'gardening'), []);
  // The index itself agrees with the tables (FTS4's own check of an external-content index).
  db.write(`INSERT INTO todo_search (todo_search) VALUES ('integrity-check')`);
  db.write(`INSERT INTO message_search (message_search) VALUES ('integrity-check')`);
});

test('the index survives a reopen: journal replay and a checkpoint keep it in step', async (t) => {
  const dir = scratchDir(t);
  const first = await openForTest(t, dir);
  const store = appStore(first.db);
  const p = store.profiles.insert({ name: 'Default' });
  store.todos.insert({ title: 'replayed from the journal', profile_id: p.id });
  await first.db.sync();
  const copy = (await import('../../helpers/store')).crashCopy(t, dir);
  const reopened = await openForTest(t, copy);
  appStore(reopened.db);
  assert.deepEqual(found(new Search(reopened.db), 'journal'), ['todo:Default:replayed from the journal']);
});

test('a database made before search (schema 2) gets the index, over what it already holds, by migration 3', async (t) => {
  const { db } = await openForTest(t, scratchDir(t));
  applySchema(db, APP_TABLES, MIGRATIONS.filter((m) => m.version <= 2));
  assert.equal(schemaVersion(db), 2);
  db.write(`INSERT INTO profile (id, name) VALUES (1, 'Old')`);
  db.write(`INSERT INTO todo (title, profile_id) VALUES ('legacy entry', 1)`);
  appStore(db);
  assert.equal(schemaVersion(db), MIGRATIONS.at(-1)!.version);
  assert.deepEqual(found(new Search(db), 'legacy'), ['todo:Old:legacy entry']);
});

test('what the user types is never FTS syntax', () => {
  assert.equal(matchExpression('  '), undefined);
  assert.equal(matchExpression('"a" OR b* -c NEAR/2 (d'), 'a* or* b* c* near* 2* d*');
  assert.equal(matchExpression('Straße'), 'straße*');
});

test('hostile input finds what its words find and never fails', async (t) => {
  const { store, work, search } = await fresh(t);
  store.todos.insert({ title: 'or near and not', profile_id: work.id });
  for (const typed of ['"', 'OR', 'AND NOT', '*', 'NEAR/3', "'); DROP TABLE todo; --", '\u0000', 'a'.repeat(5000)]) search.find(typed);
  assert.deepEqual(found(search, 'OR NEAR'), ['todo:Work:or near and not']);
});

test('workflow runs are found by their key, their workflow and the values of their steps, and the index follows every change', async (t) => {
  const { db, work, home, search } = await fresh(t);
  const runs = new Table(db, pipelineTable);
  runs.insert(run(work.id, 'launch-q3', { goal: 'Ship the billing dashboard', plan: '1. schema\n2. charts' }));
  runs.insert(run(home.id, 'garden', { goal: 'Plant tomatoes' }, 'hello'));
  assert.deepEqual(found(search, 'billing'), ['run:Work:plan-feature launch-q3 Ship the billing dashboard 1. schema 2. charts']);
  assert.deepEqual(found(search, 'hello tomat'), ['run:Home:hello garden Plant tomatoes']);
  const [hit] = search.find('launch');
  assert.deepEqual(hit && hit.kind === 'run' && { workflow: hit.workflow, key: hit.key, profileId: hit.profileId }, { workflow: 'plan-feature', key: 'launch-q3', profileId: work.id });
  // A step given a value, a step reverted: the index follows the record.
  runs.update({ ...run(work.id, 'launch-q3', { goal: 'Ship the invoices page' }), finalized: false });
  assert.deepEqual(found(search, 'billing'), []);
  assert.deepEqual(found(search, 'invoices'), ['run:Work:plan-feature launch-q3 Ship the invoices page']);
  runs.update({ profile_id: work.id, workflow: 'plan-feature', key: 'launch-q3', finalized: true }); // another column: still indexed
  assert.equal(search.find('invoices').length, 1);
  // A state edited by hand into something else is searched by what can be read of it, and never fails a change.
  db.write(`UPDATE pipeline SET state = 'not json' WHERE key = 'garden'`);
  assert.deepEqual(found(search, 'garden'), ['run:Home:hello garden']);
  db.write(`UPDATE pipeline SET state = '{"values": {"a": "text", "b": {"value": 7}}}' WHERE key = 'garden'`);
  assert.deepEqual(found(search, 'garden'), ['run:Home:hello garden 7']);
  // Deleted (as a deleted profile's runs are): gone from the index.
  runs.deleteWhere({ profile_id: work.id });
  assert.deepEqual(found(search, 'invoices'), []);
  assert.deepEqual(db.all(`SELECT count(*) AS n FROM run_search`), [{ n: 1 }]);
});

test('a database with runs from before their search (schema 4) gets them indexed by migration 5', async (t) => {
  const { db } = await openForTest(t, scratchDir(t));
  applySchema(db, APP_TABLES, MIGRATIONS.filter((m) => m.version <= 4));
  assert.equal(schemaVersion(db), 4);
  db.write(`INSERT INTO profile (id, name) VALUES (1, 'Old')`);
  new Table(db, pipelineTable).insert(run(1, 'before-search', { goal: 'legacy rollout' }));
  appStore(db);
  assert.equal(schemaVersion(db), MIGRATIONS.at(-1)!.version);
  assert.deepEqual(found(new Search(db), 'rollout'), ['run:Old:plan-feature before-search legacy rollout']);
});
