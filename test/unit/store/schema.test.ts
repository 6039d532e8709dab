/** Tables declared by schema: created, transformed without loss, migrated once. */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { APP_TABLES, MIGRATIONS, appStore, kvTable, messageTable, todoTable } from '../../../src/store/appSchema';
import type { Database } from '../../../src/store/database';
import { SchemaError } from '../../../src/store/errors';
import { applySchema, ensureTables, migrate, schemaVersion, type Migration } from '../../../src/store/migrate';
import { defineTable, type ColumnSpec } from '../../../src/store/schema';
import { Table } from '../../../src/store/table';
import { crashCopy, openForTest, scratchDir } from '../../helpers/store';

function columns(db: Database, table: string) {
  return db.all('SELECT name, type, pk, "notnull" AS nn, dflt_value AS dflt FROM pragma_table_info(?) ORDER BY cid', [table]);
}

function noteV1() {
  return defineTable({
    name: 'note',
    columns: { id: { type: 'integer' }, body: { type: 'text' }, pinned: { type: 'boolean', default: false } },
    pk: ['id'],
  });
}

function noteWith<const E extends Record<string, ColumnSpec>>(extra: E, pk: readonly string[] = ['id']) {
  return defineTable({
    name: 'note',
    columns: { id: { type: 'integer' }, body: { type: 'text' }, pinned: { type: 'boolean', default: false }, ...extra },
    pk,
  });
}

async function withNotes(t: TestContext) {
  const dir = scratchDir(t);
  const { db } = await openForTest(t, dir);
  ensureTables(db, [noteV1()]);
  const notes = new Table(db, noteV1());
  notes.insert({ body: 'one' });
  notes.insert({ body: 'two', pinned: true });
  await db.sync();
  return { dir, db, notes };
}

test('ensureTables creates every declared table with its types, keys and indexes', async (t) => {
  const { db } = await openForTest(t, scratchDir(t));
  ensureTables(db, APP_TABLES);
  const tables = db.all("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '\\_%' ESCAPE '\\' ORDER BY name");
  assert.deepEqual(tables.map((r) => r.name), ['kv', 'message', 'pipeline', 'profile', 'todo', 'undo']);
  assert.deepEqual(columns(db, 'todo'), [
    { name: 'id', type: 'INTEGER', pk: 1, nn: 0, dflt: null },
    { name: 'title', type: 'TEXT', pk: 0, nn: 1, dflt: null },
    { name: 'done', type: 'BOOLEAN', pk: 0, nn: 1, dflt: '0' },
    { name: 'priority', type: 'INTEGER', pk: 0, nn: 1, dflt: '0' },
    { name: 'profile_id', type: 'INTEGER', pk: 0, nn: 1, dflt: null },
    { name: 'link', type: 'JSON_TEXT', pk: 0, nn: 0, dflt: null },
  ]);
  const indexes = db.all("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'todo'");
  assert.deepEqual(indexes.map((r) => r.name), ['todo_profile_id_priority']);
  // NOT NULL is enforced.
  assert.throws(() => db.write('INSERT INTO todo (title) VALUES (?)', ['no profile']), /NOT NULL/);
});

test('transform adds a nullable column and a column with a default, keeping the data', async (t) => {
  const { dir, db } = await withNotes(t);
  const v2 = noteWith({ tag: { type: 'text', nullable: true }, weight: { type: 'real', default: 1.5 }, meta: { type: 'json', default: '{}' } });
  ensureTables(db, [v2]);
  const notes = new Table(db, v2);
  assert.deepEqual(notes.rows({ orderBy: 'id' }), [
    { id: 1, body: 'one', pinned: false, tag: null, weight: 1.5, meta: {} },
    { id: 2, body: 'two', pinned: true, tag: null, weight: 1.5, meta: {} },
  ]);
  notes.insert({ id: 3, body: 'three', tag: 'x' });
  await db.sync();
  // The migration was journaled like any change: a crash now replays it.
  const again = new Table((await openForTest(t, crashCopy(t, dir))).db, v2);
  assert.deepEqual(again.rows({ orderBy: 'id' }).map((n) => [n.body, n.tag, n.weight]), [
    ['one', null, 1.5],
    ['two', null, 1.5],
    ['three', 'x', 1.5],
  ]);
});

test('ensureTables on an up-to-date table changes nothing', async (t) => {
  const { db, notes } = await withNotes(t);
  const before = db.export();
  ensureTables(db, [noteV1()]);
  assert.deepEqual(db.export(), before);
  assert.equal(notes.count(), 2);
});

const lossy: [string, () => ReturnType<typeof defineTable>, RegExp][] = [
  ['a dropped column', () => defineTable({ name: 'note', columns: { id: { type: 'integer' }, body: { type: 'text' } }, pk: ['id'] }), /pinned.*no longer declares/],
  ['a retyped column', () => noteWith({ body: { type: 'integer' } }), /body.*TEXT.*integer/],
  ['a boolean made integer', () => noteWith({ pinned: { type: 'integer', default: 0 } }), /pinned/],
  ['a changed primary key', () => noteWith({}, ['body']), /keyed by \(id\).*\(body\)/],
  ['a widened primary key', () => noteWith({}, ['id', 'body']), /keyed by/],
  ['a new NOT NULL column without default', () => noteWith({ owner: { type: 'text' } }), /owner.*nullable or have a default/],
  ['a new NOT NULL column with default null', () => noteWith({ owner: { type: 'text', default: null } }), /owner/],
];

for (const [what, spec, message] of lossy) {
  test(`transform refuses ${what} with SchemaError and leaves the data untouched`, async (t) => {
    const { db, notes } = await withNotes(t);
    const before = db.export();
    const other = defineTable({ name: 'other', columns: { id: { type: 'integer' } }, pk: ['id'] });
    assert.throws(
      () => ensureTables(db, [other, spec()]),
      (err: unknown) => err instanceof SchemaError && message.test(err.message),
    );
    assert.deepEqual(db.export(), before, 'nothing changed, not even the table made before the refusal');
    assert.equal(db.dirty, false, 'nothing was recorded');
    assert.deepEqual(notes.rows({ orderBy: 'id' }).map((n) => n.body), ['one', 'two']);
  });
}

test('migrate runs each step once, in order, and user_version persists across reopen', async (t) => {
  const dir = scratchDir(t);
  const ran: number[] = [];
  const steps = (upTo: number): Migration[] =>
    [1, 2, 3, 4].filter((v) => v <= upTo).map((version) => ({
      version,
      up: (db) => {
        ran.push(version);
        db.write('INSERT INTO log (step) VALUES (?)', [version]);
      },
    }));
  const open = async () => {
    const { db } = await openForTest(t, dir);
    db.write('CREATE TABLE IF NOT EXISTS log (step INTEGER)');
    return db;
  };

  let db = await open();
  assert.equal(schemaVersion(db), 0);
  migrate(db, steps(2));
  migrate(db, steps(2));
  assert.deepEqual(ran, [1, 2]);
  assert.equal(schemaVersion(db), 2);
  await db.sync();
  // A crash now: user_version is replayed from the journal.
  const copy = await openForTest(t, crashCopy(t, dir));
  assert.equal(schemaVersion(copy.db), 2);
  db.closeSync();

  db = await open();
  assert.equal(schemaVersion(db), 2);
  migrate(db, steps(4));
  assert.deepEqual(ran, [1, 2, 3, 4]);
  assert.deepEqual(db.all('SELECT step FROM log').map((r) => r.step), [1, 2, 3, 4]);
  db.closeSync();

  db = await open();
  migrate(db, steps(4));
  assert.deepEqual(ran, [1, 2, 3, 4], 'nothing ran again');
  assert.equal(schemaVersion(db), 4);
});

test('a failing migration is rolled back whole and stops the later ones', async (t) => {
  const { db } = await openForTest(t, scratchDir(t));
  db.write('CREATE TABLE log (step INTEGER)');
  const ran: number[] = [];
  const steps: Migration[] = [
    { version: 1, up: (d) => (ran.push(1), d.write('INSERT INTO log VALUES (1)')) },
    {
      version: 2,
      up: (d) => {
        ran.push(2);
        d.write('INSERT INTO log VALUES (2)');
        throw new Error('step 2 is broken');
      },
    },
    { version: 3, up: () => void ran.push(3) },
  ];
  assert.throws(() => migrate(db, steps), /step 2 is broken/);
  assert.deepEqual(ran, [1, 2]);
  assert.equal(schemaVersion(db), 1);
  assert.deepEqual(db.all('SELECT step FROM log').map((r) => r.step), [1]);
});

test('appStore opens idempotently and keeps the data', async (t) => {
  const dir = scratchDir(t);
  let { db } = await openForTest(t, dir);
  let app = appStore(db);
  const p = app.profiles.insert({ name: 'Default' });
  app.todos.insert({ title: 'x', profile_id: p.id });
  app.kv.set('last_profile_id', p.id);
  app = appStore(db);
  assert.equal(app.todos.count(), 1);
  await db.close();

  for (let i = 0; i < 2; i++) {
    ({ db } = await openForTest(t, dir));
    app = appStore(db);
    assert.deepEqual(app.profiles.get(p.id), { id: p.id, name: 'Default', priority: 0 });
    assert.equal(app.todos.count(), 1);
    assert.equal(app.kv.get('last_profile_id'), p.id);
    assert.equal(schemaVersion(db), MIGRATIONS.at(-1)!.version);
    await db.close();
  }
});

test('a new database is made at the latest version without running a migration; an existing one runs them first', async (t) => {
  const dir = scratchDir(t);
  const ran: number[] = [];
  // Step 2 would fail on a new database: it drops a column the declaration no longer has.
  const steps: Migration[] = [
    { version: 1, up: () => void ran.push(1) },
    { version: 2, up: (db) => (ran.push(2), db.write('ALTER TABLE note DROP COLUMN pinned')) },
  ];
  const noteV2 = defineTable({ name: 'note', columns: { id: { type: 'integer' }, body: { type: 'text' } }, pk: ['id'] });
  const fresh = await openForTest(t, dir);
  applySchema(fresh.db, [noteV2], steps);
  assert.deepEqual(ran, []);
  assert.equal(schemaVersion(fresh.db), 2);
  fresh.db.closeSync();

  const { db: old } = await openForTest(t, scratchDir(t));
  ensureTables(old, [noteV1()]);
  new Table(old, noteV1()).insert({ body: 'kept', pinned: true });
  applySchema(old, [noteV2], steps);
  assert.deepEqual(ran, [1, 2]);
  assert.deepEqual(new Table(old, noteV2).rows(), [{ id: 1, body: 'kept' }]);
});

/** profile as version 1 declared it, with the columns version 2 drops. */
const profileV1 = defineTable({
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

test('a version 1 database opens: its profiles are kept and lose only address, code and active', async (t) => {
  const dir = scratchDir(t);
  const v1 = await openForTest(t, dir);
  ensureTables(v1.db, [profileV1, todoTable, messageTable, kvTable]);
  v1.db.write('PRAGMA user_version = 1');
  const oldProfiles = new Table(v1.db, profileV1);
  oldProfiles.insert({ name: 'Work', address: 'https://example.com', code: 'W', active: true, priority: 2 });
  oldProfiles.insert({ name: 'Home', address: '', code: 'H', active: false, priority: 1 });
  new Table(v1.db, todoTable).insert({ title: 'still here', profile_id: 2, done: true });
  v1.db.closeSync();

  const { db } = await openForTest(t, dir);
  const app = appStore(db);
  const expected = [
    { id: 1, name: 'Work', priority: 2 },
    { id: 2, name: 'Home', priority: 1 },
  ];
  assert.deepEqual(app.profiles.rows({ orderBy: 'id' }), expected);
  assert.deepEqual(columns(db, 'profile').map((c) => c.name), ['id', 'name', 'priority']);
  assert.deepEqual(app.todos.rows().map((r) => [r.title, r.profile_id, r.done]), [['still here', 2, true]]);
  assert.equal(schemaVersion(db), MIGRATIONS.at(-1)!.version);
  await db.sync();
  // The migration is journaled like any change: a crash now replays it.
  const replayed = appStore((await openForTest(t, crashCopy(t, dir))).db);
  assert.deepEqual(replayed.profiles.rows({ orderBy: 'id' }), expected);
  db.closeSync();
  const reopened = appStore((await openForTest(t, dir)).db);
  assert.deepEqual(reopened.profiles.rows({ orderBy: 'id' }), expected);
  assert.equal(schemaVersion(reopened.db), MIGRATIONS.at(-1)!.version);
});

test('defineTable rejects bad names and keys', () => {
  assert.throws(() => defineTable({ name: 'a b', columns: { id: { type: 'integer' } }, pk: ['id'] }), SchemaError);
  assert.throws(() => defineTable({ name: 't', columns: { 'x"y': { type: 'integer' } }, pk: ['x"y'] }), SchemaError);
  assert.throws(() => defineTable({ name: 't', columns: { id: { type: 'integer' } }, pk: ['nope'] }), SchemaError);
  assert.throws(() => defineTable({ name: 't', columns: { id: { type: 'integer' } }, pk: [] }), SchemaError);
  assert.throws(() => defineTable({ name: 't', columns: { id: { type: 'integer' } }, pk: ['id'], indexes: [['nope']] }), SchemaError);
});
