/** The key/value store (Pipulate's DictLikeDB). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { appStore } from '../../../src/store/appSchema';
import { crashCopy, openForTest, scratchDir } from '../../helpers/store';

const kinds: [string, unknown][] = [
  ['null', null],
  ['zero', 0],
  ['int', 42],
  ['negative float', -3.25],
  ['big', Number.MAX_SAFE_INTEGER],
  ['true', true],
  ['false', false],
  ['empty string', ''],
  ['numeric string', '42'],
  ['json-looking string', '{"a":1}'],
  ['string', 'héllo 😀\u0000'],
  ['empty array', []],
  ['array', [1, 'a', null, true, [2], { b: 3 }]],
  ['empty object', {}],
  ['object', { model: 'llama3', ui: { wide: true, tabs: ['a', 'b'] }, n: null }],
];

test('get/set/delete/clear/keys', async (t) => {
  const { db } = await openForTest(t, scratchDir(t));
  const { kv } = appStore(db);
  assert.equal(kv.get('missing'), undefined);
  assert.deepEqual(kv.keys(), []);
  kv.set('b', 1);
  kv.set('a', 2);
  kv.set('b', 3);
  assert.deepEqual(kv.keys(), ['a', 'b']);
  assert.equal(kv.get('b'), 3);
  assert.equal(kv.delete('b'), true);
  assert.equal(kv.delete('b'), false);
  assert.equal(kv.get('b'), undefined);
  assert.deepEqual(kv.keys(), ['a']);
  kv.set('c', 'x');
  kv.clear();
  assert.deepEqual(kv.keys(), []);
  assert.equal(kv.get('a'), undefined);
  kv.set('a', 'again');
  assert.equal(kv.get('a'), 'again');
});

test('values of every JSON kind round-trip, in memory and after replay', async (t) => {
  const dir = scratchDir(t);
  const { db } = await openForTest(t, dir);
  const { kv } = appStore(db);
  for (const [key, value] of kinds) kv.set(key, value);
  for (const [key, value] of kinds) assert.deepEqual(kv.get(key), value, key);
  assert.deepEqual(kv.keys(), kinds.map(([k]) => k).sort());
  await db.sync();

  const replayed = appStore((await openForTest(t, crashCopy(t, dir))).db).kv;
  for (const [key, value] of kinds) assert.deepEqual(replayed.get(key), value, `${key} after replay`);
});

test('a stored null is there (it is not a missing key)', async (t) => {
  const { db } = await openForTest(t, scratchDir(t));
  const { kv } = appStore(db);
  kv.set('n', null);
  assert.equal(kv.get('n'), null);
  assert.deepEqual(kv.keys(), ['n']);
  assert.equal(kv.delete('n'), true);
});
