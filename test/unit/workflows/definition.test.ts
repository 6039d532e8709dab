/** Workflow files: parsing JSON with comments, every error with its place, templates, and the built-in workflows. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BUILTIN_WORKFLOWS } from '../../../src/workflows/builtins';
import { WorkflowCatalog } from '../../../src/workflows/catalog';
import { parseWorkflow, type DefinitionError } from '../../../src/workflows/definition';
import { fillTemplate, referencesIn } from '../../../src/workflows/template';

function errorsOf(text: string, name = 'demo'): DefinitionError[] {
  const r = parseWorkflow(name, text);
  assert.equal(r.ok, false, 'expected errors');
  return r.ok ? [] : r.errors;
}

/** Where `needle` is in `text`: its zero-based line and column. */
function where(text: string, needle: string): { line: number; column: number } {
  const offset = text.indexOf(needle);
  assert.ok(offset >= 0, `${needle} not in the text`);
  const before = text.slice(0, offset).split('\n');
  return { line: before.length - 1, column: before[before.length - 1]!.length };
}

test('a valid file with comments and a trailing comma parses into its steps, defaults filled in', () => {
  const r = parseWorkflow(
    'greet',
    `// a comment
{
  /* block */ "title": "Greet",
  "steps": [
    { "id": "name", "title": "Name", "type": "input" },
    { "id": "ok", "title": "OK?", "type": "input", "input": "checkbox" },
    { "id": "color", "title": "Colour", "type": "input", "input": "choice", "options": ["red", "blue"] },
    { "id": "poem", "title": "Poem", "type": "generate", "prompt": "A poem for {{name}} in {{ color }}" },
  ],
}`,
  );
  assert.ok(r.ok, JSON.stringify(!r.ok && r.errors));
  assert.equal(r.workflow.title, 'Greet');
  assert.deepEqual(
    r.workflow.steps.map((s) => [s.id, s.type, s.type === 'input' ? `${s.input}:${s.required}` : s.type === 'generate' ? s.prompt : s.type === 'todos' ? s.from : s.run]),
    [
      ['name', 'input', 'text:true'],
      ['ok', 'input', 'checkbox:false'],
      ['color', 'input', 'choice:true'],
      ['poem', 'generate', 'A poem for {{name}} in {{ color }}'],
    ],
  );
});

test('a JSON syntax error is reported at its line and column', () => {
  const text = '{\n  "title": "x",\n  "steps": [ { "id": "a" "title": "b" } ]\n}';
  const [e] = errorsOf(text);
  assert.match(e!.message, /JSON: CommaExpected/);
  assert.deepEqual({ line: e!.line, column: e!.column }, where(text, '"title": "b"'));
});

test('every schema error is reported, each at the value it is about', () => {
  const text = `{
  "title": "",
  "colour": 1,
  "steps": [
    { "id": "a", "title": "A", "type": "input", "input": "dropdown" },
    { "id": "a", "title": "Again", "type": "input" },
    { "id": "9bad", "title": "B", "type": "sing" },
    { "id": "c", "title": "C", "type": "input", "pattern": "([", "default": "{{later}} and {{c}}" },
    { "id": "later", "title": "L", "type": "generate" },
    { "id": "ch", "title": "Ch", "type": "input", "input": "choice" }
  ]
}`;
  const errors = errorsOf(text);
  const at = (re: RegExp) => {
    const e = errors.find((x) => re.test(x.message));
    assert.ok(e, `no error matching ${re}: ${errors.map((x) => x.message).join(' | ')}`);
    return { line: e.line, column: e.column };
  };
  assert.deepEqual(at(/"title" cannot be empty/), where(text, '""'));
  assert.deepEqual(at(/Unknown property "colour"/), where(text, '"colour"'));
  assert.deepEqual(at(/"input" is one of/), where(text, '"dropdown"'));
  assert.deepEqual(at(/Another step has the id "a"/), where(text, '"a", "title": "Again"'));
  assert.deepEqual(at(/A step id is letters/), where(text, '"9bad"'));
  assert.deepEqual(at(/"type" is one of input, generate/), where(text, '"sing"'));
  assert.deepEqual(at(/not a valid regular expression/), where(text, '"(["'));
  assert.deepEqual(at(/"\{\{later\}\}" is not an earlier step/), where(text, '{{later}}'));
  assert.deepEqual(at(/"\{\{c\}\}" names this step/), where(text, '{{c}}'));
  assert.deepEqual(at(/"prompt" is missing/), where(text, '{ "id": "later"'));
  assert.deepEqual(at(/A choice needs "options"/), where(text, '{ "id": "ch"'));
  assert.equal(errors.length, 11, errors.map((e) => e.message).join('\n'));
});

test('not an object, no steps, an empty file and a bad file name are errors, never exceptions', () => {
  assert.match(errorsOf('[1]')[0]!.message, /A workflow is an object/);
  assert.match(errorsOf('{"title": "t"}')[0]!.message, /"steps" is missing/);
  assert.match(errorsOf('{"title": "t", "steps": []}')[0]!.message, /"steps" is empty/);
  assert.match(errorsOf('   ')[0]!.message, /empty/);
  assert.match(errorsOf('{"title": "t", "steps": [{"id": "a", "title": "A", "type": "input"}]}', 'has space')[0]!.message, /file name/);
  assert.match(errorsOf('{"title": 3, "steps": [7]}').map((e) => e.message).join('|'), /"title" must be a text.*A step is an object/);
});

test('templates: references found with their place, filled once (a value holding {{x}} stays as written)', () => {
  assert.deepEqual(referencesIn('Hi {{name}}, {{ b-2 }}!'), [
    { id: 'name', index: 3, length: 8 },
    { id: 'b-2', index: 13, length: 9 },
  ]);
  assert.equal(fillTemplate('Hello, {{name}}! {{missing}}.', { name: '{{secret}} <b>' , secret: 'no' }), 'Hello, {{secret}} <b>! .');
});

test('every built-in workflow and template parses; the catalog offers the runnable ones, and a file replaces or breaks only its own', () => {
  for (const b of BUILTIN_WORKFLOWS) {
    const r = parseWorkflow(b.name, b.text);
    assert.ok(r.ok, `${b.name}: ${JSON.stringify(!r.ok && r.errors)}`);
  }
  const catalog = new WorkflowCatalog();
  let changes = 0;
  catalog.onChange(() => changes++);
  assert.deepEqual(catalog.list().map((e) => e.name), ['describe-my-changes', 'hello', 'plan-a-feature']);
  assert.equal(catalog.get('hello')?.title, 'Hello');

  const errors = catalog.setFile('hello', '/w/.pipulate/workflows/hello.json', '{ "title": }');
  assert.ok(errors.length > 0);
  assert.equal(catalog.get('hello'), undefined, 'a broken file hides the built-in of its name');
  assert.equal(catalog.get('plan-a-feature')?.title, 'Plan a feature', 'the others keep working');
  catalog.setFile('mine', '/w/.pipulate/workflows/mine.json', '{"title": "Mine", "steps": [{"id": "a", "title": "A", "type": "input"}]}');
  assert.deepEqual(catalog.list().map((e) => [e.name, e.errors.length > 0]), [['describe-my-changes', false], ['hello', true], ['mine', false], ['plan-a-feature', false]]);
  catalog.removeFile('hello');
  assert.equal(catalog.get('hello')?.title, 'Hello', 'the built-in is back');
  assert.equal(changes, 3);
});

test('todos steps: "from" is required and names earlier steps; its lines lose their list markers', async () => {
  const { todoLines } = await import('../../../src/workflows/template');
  const text = '{ "title": "t", "steps": [ { "id": "a", "title": "A", "type": "todos", "from": "{{a}}", "prompt": "x" }, { "id": "b", "title": "B", "type": "todos" } ] }';
  const messages = errorsOf(text).map((e) => e.message);
  assert.deepEqual(messages, ['"{{a}}" names this step: only earlier steps can be used.', '"prompt" does not apply to todos steps.', '"from" is missing.']);
  assert.deepEqual(todoLines(' - one\r\n\n1) two\n+ [x] three\n•  four\n  plain  \n-\n'), ['one', 'two', 'three', 'four', 'plain', '-']);
});
