/** Cutting text on grapheme boundaries (src/text.ts), as notes and views cut titles. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cutText, oneLine } from '../../../src/text';
import { quote } from '../../../src/tasks/notes';

test('text that fits is left alone', () => {
  assert.equal(cutText('short', 5), 'short');
  assert.equal(cutText('', 0), '');
});

test('a cut never splits a surrogate pair, a flag, a family or an accent', () => {
  assert.equal(cutText('ab😀😀', 4), 'ab…');
  assert.equal(cutText('ab🇫🇷🇫🇷', 7), 'ab🇫🇷…');
  assert.equal(cutText('ab🇫🇷🇫🇷', 6), 'ab…');
  const family = '👨‍👩‍👧';
  assert.equal(cutText(`x${family}y`, family.length + 1), 'x…');
  assert.equal(cutText('ae\u0301e\u0301', 3), 'a…', 'e + combining accent is one character');
  assert.ok(cutText('ab😀😀', 4).length <= 4);
});

test('the result is never longer than asked, ellipsis included', () => {
  for (let max = 1; max < 12; max++) {
    const cut = cutText('😀a😀bc😀😀d', max);
    assert.ok(cut.length <= max, `${max}: ${cut}`);
    assert.ok(cut.endsWith('…'));
  }
});

test('quote: one line, at most 200 characters between the quotes, cut between characters', () => {
  assert.equal(quote('  two\n lines '), '“two lines”');
  const q = quote(`${'a'.repeat(198)}😀😀`);
  assert.equal(q, `“${'a'.repeat(198)}…”`);
  assert.equal(oneLine(' a \t b '), 'a b');
});
