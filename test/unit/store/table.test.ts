/** The MiniDataAPI table over a real store: CRUD, queries, types, keys, hostile input. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { appStore, ensureTables } from '../../../src/store/appSchema';
import { NotFoundError, SchemaError } from '../../../src/store/errors';
import { defineTable } from '../../../src/store/schema';
import { Table } from '../../../src/store/table';
import { defer, openForTest, openStore, scratchDir } from '../../helpers/store';

/** A table with a compound key and every column type. */
const cellTable = defineTable({
  name: 'cell',
  columns: {
    sheet: { type: 'text' },
    row: { type: 'integer' },
    value: { type: 'real', default: 0 },
    flag: { type: 'boolean', default: false },
    data: { type: 'json', nullable: true },
  },
  pk: ['sheet', 'row'],
});

async function app(t: import('node:test').TestContext) {
  const dir = scratchDir(t);
  const { db } = await openForTest(t, dir);
  return { dir, ...appStore(db) };
}

test('insert returns the stored row with defaults and a generated id', async (t) => {
  const { todos } = await app(t);
  const a = todos.insert({ title: 'first', profile_id: 1 });
  assert.deepEqual(a, { id: 1, title: 'first', done: false, priority: 0, profile_id: 1, link: null });
  const b = todos.insert({ title: 'second', profile_id: 1, done: true, priority: 5 });
  assert.deepEqual(b, { id: 2, title: 'second', done: true, priority: 5, profile_id: 1, link: null });
  assert.deepEqual(todos.get(2), b);
});

test('insert of an existing key fails and changes nothing', async (t) => {
  const { todos } = await app(t);
  todos.insert({ id: 7, title: 'seven', profile_id: 1 });
  assert.throws(() => todos.insert({ id: 7, title: 'again', profile_id: 2 }), /UNIQUE constraint/);
  assert.equal(todos.get(7).title, 'seven');
  assert.equal(todos.count(), 1);
});

test('upsert inserts a new key and replaces an existing one', async (t) => {
  const { todos } = await app(t);
  const inserted = todos.upsert({ id: 3, title: 'new', profile_id: 1 });
  assert.deepEqual(inserted, { id: 3, title: 'new', done: false, priority: 0, profile_id: 1, link: null });
  const replaced = todos.upsert({ id: 3, title: 'changed', done: true, profile_id: 1 });
  assert.deepEqual(replaced, { id: 3, title: 'changed', done: true, priority: 0, profile_id: 1, link: null });
  assert.equal(todos.count(), 1);
  assert.deepEqual(todos.get(3), replaced);
});

test('update by key returns the updated row; a missing key is NotFoundError', async (t) => {
  const { todos } = await app(t);
  const a = todos.insert({ title: 'a', profile_id: 1 });
  const other = todos.insert({ title: 'b', profile_id: 1 });
  const updated = todos.update({ id: a.id, done: true, title: 'a!' });
  assert.deepEqual(updated, { ...a, done: true, title: 'a!' });
  assert.deepEqual(todos.get(a.id), updated);
  assert.deepEqual(todos.get(other.id), other, 'other rows untouched');
  assert.throws(() => todos.update({ id: 999, title: 'x' }), NotFoundError);
  assert.throws(() => todos.update({ id: 999 }), NotFoundError);
  assert.throws(() => todos.update({ title: 'no key' }), SchemaError);
});

test('delete by key; a missing key is NotFoundError', async (t) => {
  const { todos } = await app(t);
  const a = todos.insert({ title: 'a', profile_id: 1 });
  const b = todos.insert({ title: 'b', profile_id: 1 });
  todos.delete(a.id);
  assert.equal(todos.has(a.id), false);
  assert.deepEqual(todos.get(b.id), b);
  assert.throws(() => todos.delete(a.id), NotFoundError);
  assert.throws(() => todos.get(a.id), (err: unknown) => err instanceof NotFoundError && /todo/.test(err.message));
});

test('get and has', async (t) => {
  const { todos } = await app(t);
  const a = todos.insert({ title: 'a', profile_id: 1 });
  assert.equal(todos.has(a.id), true);
  assert.equal(todos.has(a.id + 1), false);
  assert.deepEqual(todos.get(a.id), a);
  assert.throws(() => todos.get(a.id + 1), NotFoundError);
});

test('rows() filters by a where object or a where string with args, orders, pages, counts', async (t) => {
  const { todos } = await app(t);
  for (let i = 1; i <= 10; i++) todos.insert({ title: `t${i}`, priority: i % 3, done: i % 2 === 0, profile_id: i <= 6 ? 1 : 2 });

  assert.deepEqual(
    todos.rows({ where: { profile_id: 2 }, orderBy: 'id' }).map((r) => r.title),
    ['t7', 't8', 't9', 't10'],
  );
  assert.deepEqual(
    todos.rows({ where: { profile_id: 1, done: true }, orderBy: 'id' }).map((r) => r.title),
    ['t2', 't4', 't6'],
  );
  assert.deepEqual(
    todos.rows({ where: 'priority = ? AND id > ?', args: [0, 3], orderBy: 'id' }).map((r) => r.title),
    ['t6', 't9'],
  );
  assert.deepEqual(
    todos.rows({ orderBy: 'priority DESC, id' }).map((r) => r.id),
    [2, 5, 8, 1, 4, 7, 10, 3, 6, 9],
  );
  assert.deepEqual(
    todos.rows({ orderBy: 'id desc', limit: 3 }).map((r) => r.id),
    [10, 9, 8],
  );
  assert.deepEqual(
    todos.rows({ orderBy: 'id', limit: 2, offset: 4 }).map((r) => r.id),
    [5, 6],
  );
  assert.deepEqual(
    todos.rows({ orderBy: 'id', offset: 8 }).map((r) => r.id),
    [9, 10],
  );
  assert.equal(todos.count(), 10);
  assert.equal(todos.count({ profile_id: 1 }), 6);
  assert.equal(todos.count('done = ?', [1]), 5);
  assert.equal(todos.deleteWhere({ profile_id: 2, done: false }), 2);
  assert.equal(todos.count(), 8);
});

test('rows({ select }) returns only the chosen columns, typed as such, with every other option', async (t) => {
  const { todos } = await app(t);
  for (let i = 1; i <= 4; i++) todos.insert({ title: `t${i}`, done: i % 2 === 0, profile_id: 1 });
  const picked = todos.xtra({ profile_id: 1 }).rows({ select: ['id', 'done'], where: { done: true }, orderBy: 'id DESC', limit: 1 });
  assert.deepEqual(picked, [{ id: 4, done: true }], 'converted from SQL like a whole row (done is a boolean)');
  // The row type narrows: the columns left out are not there to use.
  // @ts-expect-error title was not selected
  void picked[0]!.title;
  const ids: { id: number }[] = todos.rows({ select: ['id'], orderBy: 'id' });
  assert.deepEqual(ids, [{ id: 1 }, { id: 2 }, { id: 3 }, { id: 4 }]);
  assert.throws(() => todos.rows({ select: [] }), (err: unknown) => err instanceof SchemaError && /select/.test(err.message));
  assert.throws(() => todos.rows({ select: ['nope' as never] }), (err: unknown) => err instanceof SchemaError && /nope/.test(err.message));
  assert.throws(() => todos.rows({ select: ['id, (SELECT 1)' as never] }), SchemaError);
});

test('rows() refuses an option it does not know, naming it, instead of ignoring it', async (t) => {
  const { todos } = await app(t);
  todos.insert({ title: 'a', profile_id: 1 });
  for (const option of ['order_by', 'selct', 'where_args', 'limt', 'xtra']) {
    assert.throws(
      () => todos.rows({ [option]: 1 } as never),
      (err: unknown) => err instanceof SchemaError && err.message.includes(`"${option}"`) && /orderBy/.test(err.message),
      option,
    );
  }
  // A known option left undefined is fine.
  assert.equal(todos.rows({ where: undefined, limit: undefined }).length, 1);
});

test('each() yields what rows() returns for the same query, one row at a time, and lets go of the table when the reader stops', async (t) => {
  const { todos, db } = await app(t);
  for (let i = 0; i < 50; i++) todos.insert({ title: `t${i}`, profile_id: 1 + (i % 2), priority: i % 7 });
  const queries = [
    {},
    { where: { profile_id: 2 }, orderBy: 'priority DESC, id' },
    { where: 'title > ?', args: ['t3'], orderBy: 'id DESC', limit: 5, offset: 2 },
    { select: ['id', 'title'] as const, where: { profile_id: 1 } },
  ];
  for (const query of queries) assert.deepEqual([...todos.each(query)], todos.rows(query), JSON.stringify(query));
  assert.throws(() => [...todos.each({ limt: 1 } as never)], SchemaError);

  // A reader that stops early: its statement is freed, so the table can change at once
  // (an open statement would make SQLite refuse to drop the table: "database table is locked").
  const taken = [];
  for (const row of todos.each({ orderBy: 'id DESC' })) {
    taken.push(row.title);
    if (taken.length === 2) break;
  }
  assert.deepEqual(taken, ['t49', 't48']);
  // The same query again while a reader still steps it: each gets its own place.
  const pairs = [];
  for (const outer of todos.each({ where: { profile_id: 1 }, orderBy: 'id', limit: 3 })) {
    pairs.push([outer.id, todos.rows({ where: { profile_id: 1 }, orderBy: 'id', limit: 3 }).length, [...todos.each({ where: { profile_id: 1 }, orderBy: 'id', limit: 3 })].length]);
  }
  assert.deepEqual(pairs, [[1, 3, 3], [3, 3, 3], [5, 3, 3]]);
  todos.insert({ title: 'after', profile_id: 1 });
  assert.doesNotThrow(() => db.write('DROP TABLE "todo"'));
});

test('unknown columns and bad orderBy are refused with SchemaError before any SQL runs', async (t) => {
  const { todos, db } = await app(t);
  todos.insert({ title: 'a', profile_id: 1 });
  await db.sync();
  const before = db.export();
  const bad: (() => unknown)[] = [
    () => todos.rows({ orderBy: 'nope' }),
    () => todos.rows({ orderBy: 'id; DROP TABLE todo' }),
    () => todos.rows({ orderBy: 'id DESC, (SELECT 1)' }),
    () => todos.rows({ orderBy: 'id sideways' }),
    () => todos.rows({ orderBy: '"id"' }),
    () => todos.rows({ orderBy: '__proto__' }),
    () => todos.rows({ where: { nope: 1 } as never }),
    () => todos.rows({ where: { 'id = 1 OR 1': 1 } as never }),
    () => todos.count({ constructor: 1 } as never),
    () => todos.insert({ title: 'x', profile_id: 1, evil: 1 } as never),
    () => todos.upsert({ id: 1, title: 'x', profile_id: 1, 'title" = 1; --': 1 } as never),
    () => todos.update({ id: 1, nope: 2 } as never),
    () => todos.xtra({ nope: 1 } as never),
    () => todos.deleteWhere({ toString: 1 } as never),
  ];
  for (const fn of bad) assert.throws(fn, SchemaError, String(fn));
  assert.deepEqual(db.export(), before, 'nothing changed');
  assert.equal(db.dirty, false, 'nothing was recorded');
});

test('keys of the wrong shape are refused', async (t) => {
  const { db } = await app(t);
  ensureTables(db, [cellTable]);
  const cells = new Table(db, cellTable);
  assert.throws(() => cells.get('a'), SchemaError);
  assert.throws(() => cells.get(['a']), SchemaError);
  assert.throws(() => cells.get(['a', 1, 2]), SchemaError);
});

test('booleans come back as booleans and json round-trips every JSON kind', async (t) => {
  const { db } = await app(t);
  ensureTables(db, [cellTable]);
  const cells = new Table(db, cellTable);
  const values: unknown[] = [
    null,
    0,
    -1.5,
    1e300,
    '',
    'text',
    '123',
    'null',
    true,
    false,
    [],
    [1, 'two', null, [3], { four: 4 }],
    {},
    { nested: { deep: [true, false, null] }, 'key with "quotes"': 'v', emoji: '😀', nul: 'a\u0000b' },
  ];
  values.forEach((data, row) => cells.insert({ sheet: 's', row, data, flag: row % 2 === 0 }));
  // A fresh read from SQL, not the row insert handed back.
  for (const [row, data] of values.entries()) {
    const got = cells.get(['s', row]);
    assert.deepEqual(got.data, data, `row ${row}`);
    assert.equal(got.flag, row % 2 === 0);
    assert.equal(typeof got.flag, 'boolean');
  }
  assert.equal(cells.get(['s', 0]).value, 0, 'default of a real column');
  // And what is on disk is text, so '123' is not turned into a number by affinity.
  assert.deepEqual(db.all('SELECT typeof(data) AS t, data FROM cell WHERE row = 6'), [{ t: 'text', data: '"123"' }]);
  assert.deepEqual(db.all('SELECT typeof(flag) AS t, flag FROM cell WHERE row = 0'), [{ t: 'integer', flag: 1 }]);
});

test('values of the wrong type for a column are refused', async (t) => {
  const { todos } = await app(t);
  assert.throws(() => todos.insert({ title: 42 as never, profile_id: 1 }), TypeError);
  assert.throws(() => todos.insert({ title: 'x', profile_id: 'one' as never }), TypeError);
  assert.throws(() => todos.insert({ title: 'x', profile_id: Number.NaN }), TypeError);
  assert.throws(() => todos.insert({ title: 'x', profile_id: Infinity }), TypeError);
  assert.equal(todos.count(), 0);
});

test('a value that does not fit its column\'s declared type is refused on every write path, naming the column', async (t) => {
  const { db, todos, profiles } = await app(t);
  ensureTables(db, [cellTable]);
  const cells = new Table(db, cellTable);
  const todo = todos.insert({ title: 'kept', profile_id: 1 });
  cells.insert({ sheet: 's', row: 1 });
  await db.sync();
  const before = db.export();
  const bad: [() => unknown, RegExp][] = [
    [() => todos.insert({ title: 'x', profile_id: 1, done: 'false' as never }), /todo\.done.*boolean.*"false"/],
    [() => todos.insert({ title: 'x', profile_id: 1, done: 2 as never }), /todo\.done.*boolean.*2/],
    [() => todos.insert({ title: 'x', profile_id: 1, done: 1 as never }), /todo\.done/],
    [() => todos.insert({ title: 'x', profile_id: 1.5 }), /todo\.profile_id.*integer.*1\.5/],
    [() => todos.insert({ title: 'x', profile_id: 2 ** 53 }), /todo\.profile_id/],
    [() => todos.update({ id: todo.id, priority: 0.5 }), /todo\.priority/],
    [() => todos.update({ id: todo.id, done: 'yes' as never }), /todo\.done/],
    [() => todos.upsert({ id: todo.id, title: 'x', profile_id: 1, done: 0 as never }), /todo\.done/],
    [() => profiles.upsert({ id: 3.5, name: 'x' }), /profile\.id/],
    [() => todos.xtra({ done: 'false' as never }), /todo\.done/],
    [() => todos.xtra({ profile_id: 1.5 }), /todo\.profile_id/],
    [() => cells.insert({ sheet: 's', row: 2, value: '1' as never }), /cell\.value.*real/],
    [() => cells.insert({ sheet: 's', row: 2, data: () => 1 }), /cell\.data.*json/],
    [() => cells.insert({ sheet: 's', row: 2, data: 10n }), /cell\.data.*json/],
  ];
  for (const [fn, message] of bad) assert.throws(fn, (err: unknown) => err instanceof TypeError && message.test(err.message), String(fn));
  assert.deepEqual(db.export(), before, 'nothing changed');
  assert.equal(db.dirty, false, 'nothing was recorded');
  // What fits is taken: whole numbers in a real column, booleans, null where nullable.
  assert.equal(cells.insert({ sheet: 's', row: 2, value: 3, flag: true, data: null }).value, 3);
  assert.equal(todos.update({ id: todo.id, done: true, priority: -2 }).done, true);
});

test('compound primary keys: insert, get, has, update, upsert, delete', async (t) => {
  const { db } = await app(t);
  ensureTables(db, [cellTable]);
  const cells = new Table(db, cellTable);
  cells.insert({ sheet: 'a', row: 1, value: 1.5 });
  cells.insert({ sheet: 'a', row: 2, value: 2.5 });
  cells.insert({ sheet: 'b', row: 1, value: 3.5 });
  assert.throws(() => cells.insert({ sheet: 'a', row: 1 }), /UNIQUE/);
  assert.deepEqual(cells.get(['a', 2]), { sheet: 'a', row: 2, value: 2.5, flag: false, data: null });
  assert.equal(cells.has(['b', 1]), true);
  assert.equal(cells.has(['b', 2]), false);
  assert.deepEqual(cells.update({ sheet: 'b', row: 1, flag: true }), { sheet: 'b', row: 1, value: 3.5, flag: true, data: null });
  assert.equal(cells.get(['a', 1]).flag, false, 'same row number in another sheet untouched');
  assert.throws(() => cells.update({ sheet: 'b', row: 9, flag: true }), NotFoundError);
  assert.throws(() => cells.update({ sheet: 'b', flag: true }), SchemaError);
  cells.upsert({ sheet: 'a', row: 1, value: 9 });
  cells.upsert({ sheet: 'c', row: 1, value: 10 });
  assert.deepEqual(
    cells.rows({ orderBy: 'sheet, row' }).map((c) => [c.sheet, c.row, c.value]),
    [
      ['a', 1, 9],
      ['a', 2, 2.5],
      ['b', 1, 3.5],
      ['c', 1, 10],
    ],
  );
  cells.delete(['a', 1]);
  assert.throws(() => cells.delete(['a', 1]), NotFoundError);
  assert.equal(cells.has(['a', 2]), true);
  assert.equal(cells.count(), 3);
});

const hostile = [
  "'); DROP TABLE todo;--",
  '"; DROP TABLE todo; --',
  "Robert'); DELETE FROM todo WHERE ('1'='1",
  "' OR '1'='1",
  '?',
  '?1 :a @b $c',
  '\\\'',
  'unicode: 日本語 ñ é 😀 \u200b \u202e RTL',
  'nul:\u0000:after',
  '\u0000',
  'newline\nand\r\ttabs',
  ' ',
  '',
  'x'.repeat(100_000),
];

test('hostile values are stored verbatim as bound parameters, and survive reopen', async (t) => {
  const dir = scratchDir(t);
  let db = await openStore(dir);
  let app = appStore(db);
  const ids = hostile.map((title) => app.todos.insert({ title, profile_id: 1 }).id);
  hostile.forEach((title, i) => {
    assert.equal(app.todos.get(ids[i]!).title, title);
    assert.deepEqual(app.todos.rows({ where: { title } }).map((r) => r.id), [ids[i]], `where object ${i}`);
    assert.deepEqual(app.todos.rows({ where: 'title = ?', args: [title] }).map((r) => r.id), [ids[i]], `where string ${i}`);
    app.kv.set(title, { title });
  });
  assert.equal(app.todos.count(), hostile.length, 'the table is still there');
  // SQLite holds exactly these bytes: nothing was cut at a NUL or rewritten.
  const hex = db.all('SELECT id, hex(title) AS h FROM todo ORDER BY id');
  hostile.forEach((title, i) => assert.equal(hex[i]!.h, Buffer.from(title, 'utf8').toString('hex').toUpperCase()));
  // The upsert and update paths bind too.
  app.todos.update({ id: ids[0]!, title: hostile[1]! });
  app.todos.upsert({ id: ids[1]!, title: hostile[0]!, profile_id: 1 });
  await db.sync();
  db.closeSync();

  // Replay from the journal (then from the snapshot) gives the same bytes.
  db = await openStore(dir);
  defer(t, () => db.closeSync());
  app = appStore(db);
  assert.equal(app.todos.get(ids[0]!).title, hostile[1]);
  assert.equal(app.todos.get(ids[1]!).title, hostile[0]);
  hostile.slice(2).forEach((title, i) => assert.equal(app.todos.get(ids[i + 2]!).title, title));
  hostile.forEach((title) => assert.deepEqual(app.kv.get(title), { title }));
  assert.deepEqual(app.kv.keys().sort(), [...hostile].sort());
});

test('a table handle works before and after its table exists', async (t) => {
  const { db } = await app(t);
  const cells = new Table(db, cellTable);
  assert.throws(() => cells.count(), /no such table/);
  ensureTables(db, [cellTable]);
  assert.equal(cells.count(), 0);
  cells.insert({ sheet: 's', row: 1 });
  assert.equal(cells.count(), 1);
});
