/** Finding TODO comments: languages' comment syntaxes, words, exclusions (.gitignore), and the scan over many files. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GitIgnores, scanFiles, scanText, syntaxOf, wordsPattern } from '../../../src/tasks/todoComments';

const words = wordsPattern(['TODO', 'FIXME', 'HACK']);
const found = (text: string, path: string) => scanText(text, path, words).map((c) => [c.line, c.word, c.text]);

describe('todo comments', () => {
  it('finds them in line and block comments of C-like languages, not in strings or names', () => {
    const ts = [
      'const todo = "TODO: not a comment";', // 0: in a string, no comment
      '// TODO: handle errors', // 1
      'call(); // fixme(bob) - the retry', // 2
      '/* HACK: until v2 */ x();', // 3
      '/*', // 4
      ' * TODO wrap this up', // 5
      ' */', // 6
      'const todoList = [];', // 7: a name
      '// TODOS are plural, no match', // 8
    ].join('\n');
    assert.deepEqual(found(ts, 'src/a.ts'), [
      [1, 'TODO', 'handle errors'],
      [2, 'FIXME', 'the retry'],
      [3, 'HACK', 'until v2'],
      [5, 'TODO', 'wrap this up'],
    ]);
  });

  it('knows the comments of Python, shell, Lua, SQL, HTML and Makefiles; skips what is not code', () => {
    assert.deepEqual(found('x = "# TODO no"\n# TODO: yes\n"""\nFIXME in a docstring\n"""', 'a.py'), [[1, 'TODO', 'yes'], [3, 'FIXME', 'in a docstring']]);
    assert.deepEqual(found('echo hi # HACK: quoting', 'run.sh'), [[0, 'HACK', 'quoting']]);
    assert.deepEqual(found('--[[\nTODO: lua block\n]]\n-- FIXME line', 'x.lua'), [[1, 'TODO', 'lua block'], [3, 'FIXME', 'line']]);
    assert.deepEqual(found('SELECT 1; -- TODO: index', 'q.sql'), [[0, 'TODO', 'index']]);
    assert.deepEqual(found('<p>TODO not</p>\n<!-- TODO: alt text -->', 'i.html'), [[1, 'TODO', 'alt text']]);
    assert.deepEqual(found('all:\n\t# TODO: tests', 'Makefile'), [[1, 'TODO', 'tests']]);
    assert.deepEqual(found('TODO: in a text file', 'notes.txt'), []);
    assert.equal(syntaxOf('image.png'), undefined);
    assert.deepEqual(found('// TODO: windows\r\nok();\r\n// FIXME: crlf', 'w.c'), [[0, 'TODO', 'windows'], [2, 'FIXME', 'crlf']]);
  });

  it('takes the words from the setting', () => {
    const mine = wordsPattern(['XXX', 'NOTE']);
    assert.deepEqual(scanText('// XXX: a\n// TODO: b\n# NOTE c', 'a.ts', mine).map((c) => c.word), ['XXX']);
    assert.throws(() => wordsPattern(['', 'a b']), /no words/);
  });

  it('keeps the whole line as the anchor', () => {
    assert.equal(scanText('  retry(); // TODO: backoff', 'a.js', words)[0]!.lineText, '  retry(); // TODO: backoff');
  });

  it('.gitignore rules apply under their folder; nested files re-include; .git is always skipped', () => {
    const ig = new GitIgnores();
    ig.add('.gitignore', 'node_modules/\ndist\n*.log\n');
    ig.add('pkg/.gitignore', 'generated/\n!keep.log\n');
    assert.equal(ig.ignores('node_modules/x/index.js'), true);
    assert.equal(ig.ignores('dist/bundle.js'), true);
    assert.equal(ig.ignores('src/dist.ts'), false);
    assert.equal(ig.ignores('pkg/generated/a.ts'), true);
    assert.equal(ig.ignores('generated/a.ts'), false);
    assert.equal(ig.ignores('pkg/keep.log'), false);
    assert.equal(ig.ignores('pkg/other.log'), true);
    assert.equal(ig.ignores('.git/config'), true);
    assert.equal(ig.ignores('src/a.ts'), false);
  });

  it('scans many files in batches, skipping binary and huge ones; stops when cancelled', async () => {
    const files = new Map<string, string>();
    for (let i = 0; i < 300; i++) files.set(`src/f${String(i).padStart(3, '0')}.ts`, i % 10 === 0 ? `x();\n// TODO: item ${i}\n` : 'y();\n');
    files.set('bin/blob.ts', '// TODO: \0binary');
    files.set('big.ts', `// TODO: big\n${'x'.repeat(2000)}`);
    const enc = new TextEncoder();
    const progress: number[] = [];
    const all = await scanFiles([...files.keys()], {
      words,
      read: async (p) => enc.encode(files.get(p)!),
      maxBytes: 1000,
      onProgress: (done) => progress.push(done),
    });
    assert.equal(all.length, 30);
    assert.equal(all[0]!.text, 'item 0');
    assert.equal(progress.at(-1), files.size);
    let reads = 0;
    const some = await scanFiles([...files.keys()], {
      words,
      concurrency: 10,
      read: async (p) => (reads++, enc.encode(files.get(p)!)),
      isCancelled: () => reads >= 50,
    });
    assert.equal(reads, 50);
    assert.equal(some.length, 5);
  });
});
