/** Tables declared by schema: created, transformed without loss, migrated once. */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { APP_TABLES, appStore, ensureTables, migrate, schemaVersion, type Migration } from '../../../src/store/appSchema';
import type { Database } from '../../../src/store/database';
import { SchemaError } from '../../../src/store/errors';
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
  assert.deepEqual(tables.map((r) => r.name), ['kv', 'message', 'profile', 'todo']);
  assert.deepEqual(columns(db, 'todo'), [
    { name: 'id', type: 'INTEGER', pk: 1, nn: 0, dflt: null },
    { name: 'title', type: 'TEXT', pk: 0, nn: 1, dflt: null },
    { name: 'done', type: 'BOOLEAN', pk: 0, nn: 1, dflt: '0' },
    { name: 'priority', type: 'INTEGER', pk: 0, nn: 1, dflt: '0' },
    { name: 'profile_id', type: 'INTEGER', pk: 0, nn: 1, dflt: null },
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
    assert.deepEqual(app.profiles.get(p.id), { id: p.id, name: 'Default', address: '', code: '', active: true, priority: 0 });
    assert.equal(app.todos.count(), 1);
    assert.equal(app.kv.get('last_profile_id'), p.id);
    assert.equal(schemaVersion(db), 1);
    await db.close();
  }
});

test('defineTable rejects bad names and keys', () => {
  assert.throws(() => defineTable({ name: 'a b', columns: { id: { type: 'integer' } }, pk: ['id'] }), SchemaError);
  assert.throws(() => defineTable({ name: 't', columns: { 'x"y': { type: 'integer' } }, pk: ['x"y'] }), SchemaError);
  assert.throws(() => defineTable({ name: 't', columns: { id: { type: 'integer' } }, pk: ['nope'] }), SchemaError);
  assert.throws(() => defineTable({ name: 't', columns: { id: { type: 'integer' } }, pk: [] }), SchemaError);
  assert.throws(() => defineTable({ name: 't', columns: { id: { type: 'integer' } }, pk: ['id'], indexes: [['nope']] }), SchemaError);
});
