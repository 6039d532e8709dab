/**
 * "Apply to file": what the file would become with a reply's code block in place of what
 * was attached (the selected text, found where it is now; the whole file), and the offer
 * that shows it (asks which attachment when several, refuses what cannot be applied).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { proposeCode, proposedText, type ApplyPorts } from '../../../src/chat/applyCode';
import type { Attachment } from '../../../src/chat/attachments';

const file = 'import { lex } from "./lex";\n\nexport function parse(input) {\n  return lex(input);\n}\n';
const lines: Attachment = { folder: 'app', path: 'src/parse.ts', start: 2, end: 4, language: 'typescript', text: 'export function parse(input) {\n  return lex(input);\n}' };
const fix = 'export function parse(input = "") {\n  return lex(input.trim());\n}';

test('a selection: the block takes the place of the selected lines, the rest of the file as it was', () => {
  assert.equal(proposedText(file, lines, fix), 'import { lex } from "./lex";\n\n' + fix + '\n');
  // A code block's last line end, or a whole-line selection's, changes nothing.
  assert.equal(proposedText(file, { ...lines, text: lines.text + '\n' }, fix + '\n'), 'import { lex } from "./lex";\n\n' + fix + '\n');
});

test('a selection inside a line: only the selected text is replaced', () => {
  const a: Attachment = { ...lines, start: 3, end: 3, text: 'lex(input)' };
  assert.equal(proposedText(file, a, 'lex(input ?? "")'), file.replace('lex(input)', 'lex(input ?? "")'));
});

test('the file changed since it was attached: the selected text is found where it is now, the nearest of several', () => {
  const moved = '// a header\n// more\n' + file + '\nexport function parse2(input) {\n  return lex(input);\n}\n';
  const twice = moved.replace('export function parse2', 'export function parse');
  const result = proposedText(twice, lines, fix);
  assert.equal(result, '// a header\n// more\nimport { lex } from "./lex";\n\n' + fix + '\n\nexport function parse(input) {\n  return lex(input);\n}\n', 'the occurrence nearest to lines 3-5 is replaced');
  // Reindented: found by its lines, replaced whole.
  const indented = 'class P {\n  export function parse(input) {\n    return lex(input);\n  }\n}\n';
  assert.equal(proposedText(indented, lines, fix), 'class P {\n' + fix + '\n}\n');
});

test('gone from the file: refused, with what to do', () => {
  assert.throws(() => proposedText('nothing here\n', lines, fix), /The attached lines are no longer in src\/parse\.ts: attach them again/);
});

test('a whole file: the block becomes the file; its CRLF line ends and last line end are kept', () => {
  const whole: Attachment = { folder: 'app', path: 'README.md', language: 'markdown', text: '# Old\n' };
  assert.equal(proposedText('# Old\r\nline\r\n', whole, '# New\nbody'), '# New\r\nbody\r\n');
  assert.equal(proposedText('# Old', whole, '# New\n'), '# New');
  assert.equal(proposedText(file.replace(/\n/g, '\r\n'), lines, fix), ('import { lex } from "./lex";\n\n' + fix + '\n').replace(/\n/g, '\r\n'));
});

function ports(text: string | undefined, answer: number | undefined) {
  const calls: { picked: string[][]; proposed: { path: string; base: string; text: string }[] } = { picked: [], proposed: [] };
  const p: ApplyPorts = {
    read: async () => text,
    pick: async (_, items) => {
      calls.picked.push(items);
      return answer;
    },
    propose: async (f, base, proposed) => void calls.proposed.push({ path: f.path, base, text: proposed }),
  };
  return { p, calls };
}

test('proposeCode: one attachment is used at once; of several the user picks; cancelled, nothing is shown', async () => {
  const one = ports(file, 0);
  assert.equal(await proposeCode(one.p, [lines], fix), true);
  assert.deepEqual(one.calls.picked, []);
  assert.deepEqual(one.calls.proposed, [{ path: 'src/parse.ts', base: file, text: 'import { lex } from "./lex";\n\n' + fix + '\n' }]);

  const readme: Attachment = { folder: 'app', path: 'README.md', language: 'markdown', text: '# Old\n' };
  const two = ports('# Old\n', 1);
  assert.equal(await proposeCode(two.p, [lines, readme], '# New'), true);
  assert.deepEqual(two.calls.picked, [['src/parse.ts (lines 3-5)', 'README.md']]);
  assert.equal(two.calls.proposed[0]!.text, '# New\n');

  const cancelled = ports(file, undefined);
  assert.equal(await proposeCode(cancelled.p, [lines, readme], fix), false);
  assert.deepEqual(cancelled.calls.proposed, []);
});

test('proposeCode refuses, showing nothing: no attachment, a file no longer there, a block that changes nothing', async () => {
  const none = ports(file, 0);
  await assert.rejects(proposeCode(none.p, [], fix), /had nothing attached/);
  const gone = ports(undefined, 0);
  await assert.rejects(proposeCode(gone.p, [lines], fix), /not in the workspace any more/);
  const same = ports(file, 0);
  await assert.rejects(proposeCode(same.p, [lines], lines.text), /already holds: there is nothing to apply/);
  assert.deepEqual([...none.calls.proposed, ...gone.calls.proposed, ...same.calls.proposed], []);
});
