/** Following a link to code as the file changes: moved, edited, gone, several matches; renames. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { linkLabel, linkPlace, relocate, renamedPath, type CodeLink } from '../../../src/tasks/anchor';

const file = ['function parse(input) {', '  const tokens = lex(input);', '  return build(tokens);', '}', ''].join('\n');
const at = (start: number, end: number, anchor: string): CodeLink => ({ folder: 'app', path: 'src/parse.ts', start, end, anchor });

describe('anchor', () => {
  it('stays where it is when the text is still there', () => {
    assert.deepEqual(relocate(at(1, 1, 'const tokens = lex(input);'), file), at(1, 1, 'const tokens = lex(input);'));
  });

  it('follows its text when lines are inserted above it (moved)', () => {
    const moved = `// header\n// more\n\n${file}`;
    const link = relocate(at(1, 2, '  const tokens = lex(input);\n  return build(tokens);'), moved);
    assert.equal(link.start, 4);
    assert.equal(link.end, 5);
    assert.equal(link.gone, undefined);
  });

  it('follows its text when lines above it are deleted, in CRLF files too', () => {
    const shorter = file.split('\n').slice(1).join('\r\n');
    assert.equal(relocate(at(2, 2, 'return build(tokens);'), shorter).start, 1);
  });

  it('of several matches, takes the one nearest to where it was', () => {
    const text = ['x();', 'retry();', 'a();', 'b();', 'retry();', 'c();', 'd();', 'e();', 'retry();'].join('\n');
    assert.equal(relocate(at(5, 5, 'retry();'), text).start, 4);
    assert.equal(relocate(at(7, 7, 'retry();'), text).start, 8);
    assert.equal(relocate(at(0, 0, 'retry();'), text).start, 1);
  });

  it('finds text that was only reindented (edited around it)', () => {
    const reindented = file.replace('  const tokens', '\t\tconst   tokens');
    const link = relocate(at(1, 1, '  const tokens = lex(input);'), reindented);
    assert.equal(link.start, 1);
    assert.equal(link.gone, undefined);
  });

  it('says gone when its text was edited away or deleted, keeping where it was', () => {
    const edited = file.replace('lex(input)', 'scan(input)');
    const link = relocate(at(1, 1, '  const tokens = lex(input);'), edited);
    assert.equal(link.gone, true);
    assert.equal(link.start, 1);
    // Back again: found, and no longer gone.
    assert.equal(relocate(link, file).gone, undefined);
  });

  it('leaves a link to a blank line where it is (nothing to look for)', () => {
    assert.deepEqual(relocate(at(4, 4, ''), 'a\nb'), at(4, 4, ''));
  });

  it('shows a place short (the row) and whole (the model)', () => {
    assert.equal(linkLabel(at(41, 41, 'x')), 'parse.ts:42');
    assert.equal(linkLabel(at(41, 43, 'x')), 'parse.ts:42-44');
    assert.equal(linkPlace(at(41, 41, 'x')), 'src/parse.ts:42');
  });

  it('moves with a renamed file or folder, not with a file of a similar name', () => {
    const from = { folder: 'app', path: 'src' };
    const to = { folder: 'app', path: 'lib' };
    assert.deepEqual(renamedPath(at(0, 0, ''), from, to), { folder: 'app', path: 'lib/parse.ts' });
    assert.deepEqual(renamedPath(at(0, 0, ''), { folder: 'app', path: 'src/parse.ts' }, { folder: 'app', path: 'src/parser.ts' }), { folder: 'app', path: 'src/parser.ts' });
    assert.equal(renamedPath({ folder: 'app', path: 'src2/parse.ts' }, from, to), undefined);
    assert.equal(renamedPath(at(0, 0, ''), { folder: 'other', path: 'src' }, to), undefined);
  });
});
