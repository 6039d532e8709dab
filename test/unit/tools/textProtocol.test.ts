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

/** What a reader shows and finds, the reply fed in these pieces. */
function through(reader: TextCalls | BareCalls, pieces: string[]) {
  let shown = '';
  for (const piece of pieces) shown += reader.feed(piece);
  shown += reader.end();
  return { shown, ...reader.calls() };
}

const QWEN = 'I will add it.\n<tool_call>\n{"name": "add_todo", "arguments": {"title": "Call the bank"}}\n</tool_call>\nDone soon.';

test('<tool_call> tags (Qwen, Hermes) are taken out of the shown text however the stream is cut, by both readers', () => {
  for (const make of [() => new TextCalls(), () => new BareCalls()]) {
    for (const pieces of cuts(QWEN)) {
      const r = through(make(), pieces);
      assert.equal(r.shown, 'I will add it.\nDone soon.', `${make().constructor.name} ${JSON.stringify(pieces.slice(0, 2))}`);
      assert.deepEqual(r.calls, [{ name: 'add_todo', arguments: { title: 'Call the bank' } }]);
      assert.deepEqual(r.problems, []);
    }
  }
});

test('a reply that is only tags: several calls, any case, the last one unclosed, arguments as a JSON string', () => {
  const text = '<tool_call>{"name": "list_todos", "arguments": {}}</tool_call>\n<TOOL_CALL>\n{"name": "complete_todo", "arguments": "{\\"id\\": 3}"}\n</Tool_Call>\n<tool_call>\n{"name": "add_todo", "arguments": {"title": "x"}}';
  for (const make of [() => new TextCalls(), () => new BareCalls()]) {
    for (const pieces of cuts(text)) {
      const r = through(make(), pieces);
      assert.equal(r.shown, '', JSON.stringify(pieces.slice(0, 2)));
      assert.deepEqual(r.calls, [
        { name: 'list_todos', arguments: {} },
        { name: 'complete_todo', arguments: '{"id": 3}' },
        { name: 'add_todo', arguments: { title: 'x' } },
      ]);
    }
  }
});

test("Qwen 3's <function=…><parameter=…> form inside the tags is read; a text protocol reader keeps the block to show the model", () => {
  const text = 'Sure.\n<tool_call>\n<function=move_todo>\n<parameter=id>\n12\n</parameter>\n<parameter=position>\n1\n</parameter>\n</function>\n</tool_call>';
  for (const pieces of cuts(text)) {
    const reader = new TextCalls();
    const r = through(reader, pieces);
    assert.equal(r.shown, 'Sure.\n');
    assert.deepEqual(r.calls, [{ name: 'move_todo', arguments: { id: '12', position: '1' } }]);
    assert.equal(reader.raw.length, 1);
  }
  const two = through(new BareCalls(), ['<tool_call><function=list_todos></function><function=add_todo><parameter=title>Multi\nline</parameter></function></tool_call>']);
  assert.deepEqual(two.calls, [
    { name: 'list_todos', arguments: {} },
    { name: 'add_todo', arguments: { title: 'Multi\nline' } },
  ]);
});

test('tags that are not at the start of a line, or in code, are the model’s words, shown as written', () => {
  for (const text of ['Qwen writes <tool_call> tags around its calls.', 'Not a block: ```tool in the middle of a line', 'Use `<tool_call>` like this: `<tool_call>{"name": "x"}</tool_call>`', 'a < b and <tool is not a tag\n<tool_calls> neither\n<tool', '</tool_call> alone']) {
    for (const make of [() => new TextCalls(), () => new BareCalls()]) {
      for (const pieces of cuts(text)) {
        const r = through(make(), pieces);
        assert.equal(r.shown, text, JSON.stringify(pieces.slice(0, 2)));
        assert.deepEqual(r.calls, []);
      }
    }
  }
});

test('malformed and hostile tag contents: refused and said (short), never shown, never guessed; a readable call beside them is taken', () => {
  const huge = 'A'.repeat(1_000_000);
  const r = through(new BareCalls(), [
    'Here.\n<tool_call>\nadd_todo("x")\n</tool_call>\n',
    `<tool_call>{"name": "add_todo", "arguments": {"title": "<img src=x onerror=alert(1)>"}}</tool_call>\n`,
    `<tool_call>${huge}</tool_call>\n`,
    '<tool_call>{"name": "add_todo", "arguments": {"title": "a"}, "parameters": {"title": "b"}}</tool_call>\n',
    '<tool_call><function=rename_todo><parameter=id>1</parameter><parameter=id>2</parameter></function></tool_call>\n',
    '<tool_call><function=add_todo><parameter=title>x</parameter></function> and then rm -rf /</tool_call>\n',
    '<tool_call>\n<tool_call>{"name": "list_todos"}\n</tool_call>\n',
    'Bye.',
  ]);
  assert.equal(r.shown, 'Here.\nBye.');
  assert.deepEqual(r.calls, [{ name: 'add_todo', arguments: { title: '<img src=x onerror=alert(1)>' } }], 'markup is an argument like any text (shown inert, checked by the schema)');
  assert.equal(r.problems.length, 6, r.problems.join('\n'));
  assert.match(r.problems[0]!, /Not valid JSON in the tool block: add_todo\("x"\)/);
  assert.ok(r.problems.every((p) => p.length < 300), 'a megabyte is not echoed');
  assert.match(r.problems[2]!, /Not an action/, 'two argument lists: not guessed');
  assert.match(r.problems[3]!, /Not a call \(expected <function=name>/, 'an argument given twice');
  assert.match(r.problems[4]!, /rm -rf/, 'text after the function: the block is refused');
  assert.match(r.problems[5]!, /Not valid JSON in the tool block: <tool_call>/, 'a nested opener: its line is refused');
});

test('a native model’s bare JSON reply still wins over tags: held back from its first character', () => {
  const reader = new BareCalls();
  assert.equal(reader.feed('{"name": "add_todo", "arguments": {"title": "<tool_call>"}}'), '');
  assert.equal(reader.end(), '');
  assert.deepEqual(reader.calls().calls, [{ name: 'add_todo', arguments: { title: '<tool_call>' } }]);
});
