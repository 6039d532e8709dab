/** The tool registry: definitions that agree with themselves, argument validation, and scoping to the conversation's profile. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseArguments, TOOLS, toolNamed, ToolError } from '../../../src/tools/registry';
import { Toolbox } from '../../../src/tools/toolbox';
import { UndoLog } from '../../../src/tools/undo';
import { setupTools, type ToolHarness } from './harness';

const T = { timeout: 20_000 };

const toolbox = (h: ToolHarness) => new Toolbox(h.core.tasks, h.core.approvals, new UndoLog(h.core.store, h.core.tasks));

test('every tool has a unique name, and its JSON schema names exactly what its valibot schema takes', () => {
  assert.equal(new Set(TOOLS.map((t) => t.name)).size, TOOLS.length);
  for (const tool of TOOLS) {
    const entries = Object.keys((tool.schema as unknown as { entries: object }).entries).sort();
    assert.deepEqual(Object.keys(tool.parameters.properties).sort(), entries, tool.name);
    for (const name of tool.parameters.required) assert.ok(entries.includes(name), `${tool.name}: ${name}`);
    assert.match(tool.name, /^[a-z_]+$/);
    assert.ok(tool.description.length > 10);
  }
  assert.deepEqual(TOOLS.filter((t) => t.kind === 'read').map((t) => t.name), ['list_todos', 'list_profiles', 'recent_notes']);
  assert.equal(toolNamed(' Add-Todo ')?.name, 'add_todo', 'a name a little off is still unambiguous');
  assert.equal(toolNamed('add todo')?.name, 'add_todo');
  assert.equal(toolNamed('addtodo'), undefined, 'a guess is not');
});

test('arguments: what is unambiguous is taken, the rest refused with what the tool takes', () => {
  const rename = toolNamed('rename_todo')!;
  assert.deepEqual(parseArguments(rename, { id: '12', title: '  New  ', extra: true }), { id: 12, title: 'New' });
  assert.deepEqual(parseArguments(rename, '{"id": 3, "title": "<b>x</b>"}'), { id: 3, title: '<b>x</b>' }, 'markup stays text');
  const refused = (raw: unknown) => {
    try {
      parseArguments(rename, raw);
    } catch (err) {
      assert.ok(err instanceof ToolError);
      return err.message;
    }
    assert.fail(`accepted ${JSON.stringify(raw)}`);
  };
  assert.match(refused({ id: 1 }), /^Wrong arguments for rename_todo: title: .*It takes id \(integer\), title \(string\)\.$/);
  assert.match(refused({ id: -1, title: 'x' }), /id: /);
  assert.match(refused({ id: 1.5, title: 'x' }), /id: /);
  assert.match(refused({ id: '1 OR 1', title: 'x' }), /id: /);
  assert.match(refused({ id: 1, title: '   ' }), /title: A title cannot be empty/);
  assert.match(refused({ id: 1, title: 'x'.repeat(2001) }), /title: A title is too long \(2000 characters at most\)/);
  assert.match(refused([1, 'x']), /must be an object/);
  assert.match(refused('{not json'), /not a JSON object/);
  assert.ok(refused({ id: 'y'.repeat(1_000_000), title: 'x' }).length < 600, 'a megabyte is never echoed');
});

test('plan: each call checked against the active profile only; reads and changes told apart', T, async (t) => {
  const h = await setupTools(t);
  const home = h.core.tasks.activeProfileId;
  const mine = await h.core.tasks.addTodo('Mine');
  const done = await h.core.tasks.addTodo('Done already');
  await h.core.tasks.toggleTodo(done.id);
  const other = await h.core.tasks.addProfile('Other');
  const theirs = await h.core.tasks.addTodo('Theirs');
  await h.core.tasks.switchProfile(home);
  const box = toolbox(h);

  const items = box.plan(home, [
    { name: 'list_todos', arguments: {} },
    { name: 'complete_todo', arguments: { id: mine.id } },
    { name: 'complete_todo', arguments: { id: done.id } },
    { name: 'rename_todo', arguments: { id: theirs.id, title: 'Hijacked' } },
    { name: 'switch_profile', arguments: { name: 'other' } },
    { name: 'switch_profile', arguments: { name: 'Nowhere' } },
  ]);
  assert.deepEqual(items.map((i) => [i.state, i.change ?? null]), [
    ['read', null],
    ['proposed', 'complete'],
    ['refused', null],
    ['refused', null],
    ['proposed', 'profile'],
    ['refused', null],
  ]);
  assert.match(items[2]!.result!, /done already: nothing to do/);
  assert.match(items[3]!.result!, new RegExp(`no todo with id ${theirs.id} in this list. The ids are: ${mine.id} “Mine”, ${done.id} “Done already”`));
  assert.equal(items[4]!.text, 'Switch to profile “Other”');
  assert.match(items[5]!.result!, /no profile named “Nowhere”. The profiles are: “Default”, “Other”/);
  assert.deepEqual(JSON.parse(box.read(home, items[0]!, () => [])).map((t: { title: string }) => t.title), ['Mine', 'Done already'], 'only this profile’s todos');

  // The conversation of a profile that is not the active one: its tools refuse, whatever the call.
  const elsewhere = box.plan(other.id, [{ name: 'list_todos', arguments: {} }, { name: 'add_todo', arguments: { title: 'x' } }]);
  assert.deepEqual(elsewhere.map((i) => i.state), ['refused', 'refused']);
  assert.match(elsewhere[0]!.result!, /works in profile “Default”, not in this conversation's profile/);
  await assert.rejects(box.apply(other.id, { ...items[1]!, args: { id: mine.id } }, () => ({ id: 0, first: true })), ToolError);
  assert.equal(h.core.store.todos.get(mine.id).done, false);
});

test('apply checks again: a change that is no longer possible fails and writes nothing', T, async (t) => {
  const h = await setupTools(t);
  const todo = await h.core.tasks.addTodo('Report');
  const box = toolbox(h);
  const [item] = box.plan(h.core.tasks.activeProfileId, [{ name: 'delete_todo', arguments: { id: todo.id } }]);
  await h.core.tasks.deleteTodo(todo.id);
  let saved = 0;
  await assert.rejects(box.apply(h.core.tasks.activeProfileId, item!, () => ({ id: ++saved, first: true })), /no todo with id/);
  assert.equal(saved, 0, 'no card written for it');
});
