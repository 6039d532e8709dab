/** The text protocol's parser: the block found and hidden however the stream is cut, and what small models write a little off. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TOOLS } from '../../../src/tools/registry';
import { BareCalls, describeProtocol, TextCalls } from '../../../src/tools/textProtocol';

function read(pieces: string[]) {
  const reader = new TextCalls();
  let shown = '';
  for (const piece of pieces) shown += reader.feed(piece);
  shown += reader.end();
  return { shown, ...reader.calls(), raw: reader.raw };
}

/** Every way of cutting `text` in two, and one character a chunk. */
function cuts(text: string): string[][] {
  const out = [[...text]];
  for (let i = 0; i <= text.length; i++) out.push([text.slice(0, i), text.slice(i)]);
  return out;
}

test('a block is taken out of the shown text however the stream is cut', () => {
  const text = 'I will add it.\n```tool\n[{"tool": "add_todo", "args": {"title": "Call the bank"}}]\n```\nDone soon.';
  for (const pieces of cuts(text)) {
    const r = read(pieces);
    assert.equal(r.shown, 'I will add it.\nDone soon.', JSON.stringify(pieces.slice(0, 2)));
    assert.deepEqual(r.calls, [{ name: 'add_todo', arguments: { title: 'Call the bank' } }]);
    assert.deepEqual(r.problems, []);
  }
});

test('other code blocks and stray backticks are shown as they are, however the stream is cut', () => {
  const text = 'Use `x`:\n```ts\nconst a = 1;\n```\n``` toolbox\n```\nend ``';
  for (const pieces of cuts(text)) {
    const r = read(pieces);
    assert.equal(r.shown, text);
    assert.deepEqual(r.calls, []);
  }
});

test('unambiguous variants are taken: fence names, an unclosed block, one object, one object a line, name/arguments, arguments beside the tool', () => {
  assert.deepEqual(read(['```TOOLS\n{"name": "list_todos"}']).calls, [{ name: 'list_todos', arguments: {} }]);
  assert.deepEqual(read(['```tool_code\n{"tool": "add_todo", "title": "a"}\n{"function": "add_todo", "arguments": {"title": "b"}}\n```']).calls, [
    { name: 'add_todo', arguments: { title: 'a' } },
    { name: 'add_todo', arguments: { title: 'b' } },
  ]);
  assert.deepEqual(read(['```tool [{"tool": "list_todos", "args": {}}]```']).calls, [{ name: 'list_todos', arguments: {} }], 'all on one line');
  assert.deepEqual(read(['```tool\n{"tool": "add_todo", "parameters": "{\\"title\\": \\"c\\"}"}\n```']).calls, [{ name: 'add_todo', arguments: '{"title": "c"}' }]);
});

test('what is ambiguous or unreadable is refused and said, the rest taken', () => {
  const r = read(['```tool\n', '{"tool": "add_todo", "args": {"title": "ok"}},\n', '{"tool": "add_todo", "args": {"title": "a"}, "arguments": {"title": "b"}}\n', 'add_todo("x")\n', '{"args": {}}\n```']);
  assert.deepEqual(r.calls, [{ name: 'add_todo', arguments: { title: 'ok' } }]);
  assert.equal(r.problems.length, 3);
  assert.match(r.problems[0]!, /Not valid JSON in the tool block: add_todo\("x"\)/);
  assert.match(r.problems[1]!, /Not an action.*"arguments"/);
  assert.match(r.problems[2]!, /Not an action.*\{"args":\{\}\}/);
  assert.equal(r.shown, '');
});

test('the protocol told to the model names every tool with its parameters', () => {
  const text = describeProtocol(TOOLS);
  for (const tool of TOOLS) assert.ok(text.includes(`- ${tool.name}(`), tool.name);
  assert.match(text, /move_todo\(id: integer, position: integer\)/);
  assert.match(text, /recent_notes\(limit: integer\?\)/);
});

test('a native model’s call written as its whole reply is taken, never shown; other replies are shown as written', () => {
  const bare = (pieces: string[]) => {
    const reader = new BareCalls();
    let shown = '';
    for (const piece of pieces) shown += reader.feed(piece);
    shown += reader.end();
    return { shown, calls: reader.calls().calls };
  };
  assert.deepEqual(bare([' {"name": "add_todo", ', '"parameters": {"title": "Buy milk"}}']), { shown: '', calls: [{ name: 'add_todo', arguments: { title: 'Buy milk' } }] });
  assert.deepEqual(bare(['[{"name": "list_todos"}]']), { shown: '', calls: [{ name: 'list_todos', arguments: {} }] });
  assert.deepEqual(bare(['{"name": "format_disk", "parameters": {}}']), { shown: '{"name": "format_disk", "parameters": {}}', calls: [] }, 'no unknown tool is guessed');
  assert.deepEqual(bare(['{"answer": ', '42}']), { shown: '{"answer": 42}', calls: [] });
  assert.deepEqual(bare(['[x', '] done']), { shown: '[x] done', calls: [] });
  const reader = new BareCalls();
  assert.equal(reader.feed('Sure, '), 'Sure, ', 'words stream at once');
  assert.equal(reader.feed('{"name": "add_todo"}'), '{"name": "add_todo"}');
  assert.deepEqual(reader.calls().calls, []);
});
