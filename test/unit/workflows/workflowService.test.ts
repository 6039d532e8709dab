/**
 * Workflow runs on a real store, through the whole core (createCore) and the fake Ollama
 * server: keys, resume, submit with checks, revert, finalize and unlock, a definition
 * changed or deleted under a run, notes to the model, a profile's runs going with it,
 * a generate step streamed, stopped and kept across a reopen of the store.
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { UserError } from '../../../src/errors';
import { pipelineTable } from '../../../src/workflows/pipelineTable';
import { Table } from '../../../src/store/table';
import { setupTools, type ToolHarness } from '../tools/harness';

const T = { timeout: 20_000 };

const FILE = `{
  "title": "Trip",
  "steps": [
    { "id": "city", "title": "City", "type": "input", "pattern": "[A-Z][a-z]+" },
    { "id": "days", "title": "Days", "type": "input", "input": "choice", "options": ["1", "2", "3"] },
    { "id": "note", "title": "Note", "type": "input", "input": "multiline", "required": false, "default": "Going to {{city}}" },
    { "id": "sure", "title": "Sure", "type": "input", "input": "checkbox", "required": true }
  ]
}`;

async function setup(t: TestContext, options: Parameters<typeof setupTools<'ollama'>>[1] = {}) {
  const h = await setupTools(t, options);
  h.core.catalog.setFile('trip', '/ws/.pipulate/workflows/trip.json', FILE);
  const p = h.core.tasks.activeProfileId;
  const notes = () => h.core.store.messages.rows({ where: { profile_id: p, role: 'note' }, orderBy: 'id' }).map((m) => m.content);
  return { ...h, p, w: h.core.workflows, notes };
}

const states = (run: { steps: { id: string; state: string }[] }) => run.steps.map((s) => `${s.id}:${s.state}`).join(' ');

test('a run without a key gets profile-workflow-NN, the next free number; a typed key that exists resumes that run', T, async (t) => {
  const h = await setup(t);
  const a = await h.w.start(h.p, 'trip');
  const b = await h.w.start(h.p, 'trip');
  assert.equal(a.key, 'default-trip-01');
  assert.equal(b.key, 'default-trip-02');
  const mine = await h.w.start(h.p, 'trip', '  my trip ');
  assert.equal(mine.key, 'my trip');
  await h.w.submit(h.p, 'trip', 'my trip', 'city', 'Paris');
  const resumed = await h.w.start(h.p, 'trip', 'my trip');
  assert.equal(resumed.current, 'days', 'resumes at the first unfinished step');
  assert.equal(resumed.steps[0]!.value, 'Paris');
  assert.deepEqual(h.w.runs(h.p, 'trip').map((r) => r.key).sort(), ['default-trip-01', 'default-trip-02', 'my trip']);
  await assert.rejects(h.w.start(h.p, 'nope'), UserError);
  await assert.rejects(h.w.start(h.p, 'trip', 'x'.repeat(101)), /at most 100/);
});

test('steps go in order, each checked; the default is filled from earlier steps; each finished step is a note for the model', T, async (t) => {
  const h = await setup(t);
  const { key } = await h.w.start(h.p, 'trip', 'k');
  await assert.rejects(h.w.submit(h.p, 'trip', key, 'days', '2'), /not the step to fill now/);
  await assert.rejects(h.w.submit(h.p, 'trip', key, 'city', '  '), /“City” is required/);
  await assert.rejects(h.w.submit(h.p, 'trip', key, 'city', 'paris'), /expected form/);
  let run = await h.w.submit(h.p, 'trip', key, 'city', ' Paris ');
  assert.equal(run.steps[0]!.value, 'Paris', 'a text value is trimmed');
  await assert.rejects(h.w.submit(h.p, 'trip', key, 'days', '9'), /Choose one of the options/);
  run = await h.w.submit(h.p, 'trip', key, 'days', '2');
  assert.equal(run.current, 'note');
  assert.equal(run.steps[2]!.value, 'Going to Paris', 'the default, filled');
  run = await h.w.submit(h.p, 'trip', key, 'note', '');
  assert.equal(run.current, 'sure', 'an optional step may be left empty');
  await assert.rejects(h.w.submit(h.p, 'trip', key, 'sure', 'false'), /must be checked/);
  await assert.rejects(h.w.submit(h.p, 'trip', key, 'sure', 'yes'), /true or false/);
  run = await h.w.submit(h.p, 'trip', key, 'sure', 'true');
  assert.equal(run.current, null);
  assert.equal(states(run), 'city:done days:done note:done sure:done');
  await h.core.chat.settled();
  assert.deepEqual(h.notes().slice(-2), ['Workflow “Trip” (run “k”): step “Note” done: “”', 'Workflow “Trip” (run “k”): step “Sure” done: “true”']);
  assert.equal(h.notes().filter((n) => n.startsWith('Workflow')).length, 4);
});

test('revert clears the step and every later one; finalize locks a finished run, unlock opens it again', T, async (t) => {
  const h = await setup(t);
  const { key } = await h.w.start(h.p, 'trip', 'k');
  for (const [step, value] of [['city', 'Rome'], ['days', '3'], ['note', 'x'], ['sure', 'true']] as const) await h.w.submit(h.p, 'trip', key, step, value);
  let run = await h.w.revert(h.p, 'trip', key, 'days');
  assert.equal(states(run), 'city:done days:current note:pending sure:pending');
  await assert.rejects(h.w.finalize(h.p, 'trip', key), /Finish every step/);
  for (const [step, value] of [['days', '1'], ['note', ''], ['sure', 'true']] as const) await h.w.submit(h.p, 'trip', key, step, value);
  run = await h.w.finalize(h.p, 'trip', key);
  assert.equal(run.finalized, true);
  await assert.rejects(h.w.revert(h.p, 'trip', key, 'city'), /finalized: unlock it/);
  await assert.rejects(h.w.submit(h.p, 'trip', key, 'city', 'Oslo'), /finalized/);
  run = await h.w.unlock(h.p, 'trip', key);
  assert.equal(run.finalized, false);
  run = await h.w.revert(h.p, 'trip', key, 'city');
  assert.equal(states(run), 'city:current days:pending note:pending sure:pending');
  const changed = h.events.of('workflow/changed').map((n) => n.run.key);
  assert.ok(changed.length >= 10 && changed.every((k) => k === 'k'), 'every change is told to the views');
});

test('a definition changed under a run: values stay with step ids, a removed step shows as removed, a new step is not done; a deleted definition opens read-only', T, async (t) => {
  const h = await setup(t);
  const { key } = await h.w.start(h.p, 'trip', 'k');
  await h.w.submit(h.p, 'trip', key, 'city', 'Rome');
  await h.w.submit(h.p, 'trip', key, 'days', '2');
  h.core.catalog.setFile(
    'trip',
    '/ws/.pipulate/workflows/trip.json',
    `{ "title": "Trip 2", "steps": [
      { "id": "who", "title": "Who", "type": "input" },
      { "id": "city", "title": "Town", "type": "input" }
    ] }`,
  );
  let run = h.w.open(h.p, 'trip', key);
  assert.equal(run.title, 'Trip 2');
  assert.equal(states(run), 'who:current city:done days:removed');
  assert.equal(run.steps.find((s) => s.id === 'days')!.value, '2');
  run = await h.w.submit(h.p, 'trip', key, 'who', 'Ann');
  assert.equal(run.current, null);

  h.core.catalog.setFile('trip', '/ws/.pipulate/workflows/trip.json', '{ broken');
  run = h.w.open(h.p, 'trip', key);
  assert.equal(run.readOnly, true);
  assert.equal(states(run), 'city:removed days:removed who:removed', 'what the run holds is still shown, in the order it was given');
  await assert.rejects(h.w.revert(h.p, 'trip', key, 'city'), /gone or has errors/);
  await assert.rejects(h.w.finalize(h.p, 'trip', key), /gone or has errors/);
  await assert.rejects(h.w.start(h.p, 'trip'), /Problems panel/);
  assert.deepEqual(h.w.runs(h.p).map((r) => r.key), ['k'], 'the run is still listed');
});

test('a profile’s runs go with the profile; another profile’s runs are its own', T, async (t) => {
  const h = await setup(t);
  await h.w.start(h.p, 'trip', 'k');
  const other = await h.core.tasks.addProfile('Other Place');
  const run = await h.w.start(other.id, 'trip');
  assert.equal(run.key, 'other-place-trip-01');
  assert.deepEqual(h.w.runs(h.p).map((r) => r.key), ['k']);
  await h.core.tasks.deleteProfile(other.id);
  const table = new Table(h.db, pipelineTable);
  assert.equal(table.count({ profile_id: other.id }), 0);
  assert.equal(table.count({ profile_id: h.p }), 1);
  await assert.rejects(h.w.start(other.id, 'trip'), /no longer exists/);
});

test('a stored state that is not what was written reads as an empty run, not a failure', T, async (t) => {
  const h = await setup(t);
  await h.w.start(h.p, 'trip', 'k');
  new Table(h.db, pipelineTable).update({ profile_id: h.p, workflow: 'trip', key: 'k', state: { values: { city: 42, days: { value: '2' } } } });
  const run = h.w.open(h.p, 'trip', 'k');
  assert.equal(states(run), 'city:current days:done note:pending sure:pending');
});

const PLAN = `{ "title": "Plan", "steps": [
  { "id": "goal", "title": "Goal", "type": "input" },
  { "id": "plan", "title": "Plan", "type": "generate", "prompt": "Plan for: {{goal}}" }
] }`;

test('a generate step streams the model’s text into the step as a draft, edited before it is accepted; the prompt is filled from earlier steps', T, async (t) => {
  const h = await setup(t);
  h.core.catalog.setFile('plan', '/ws/plan.json', PLAN);
  const { key } = await h.w.start(h.p, 'plan', 'k');
  await assert.rejects(h.w.generate(h.p, 'plan', key, 'plan'), /Only the current step/);
  await h.w.submit(h.p, 'plan', key, 'goal', 'ship it');
  h.fake.scriptChat({ tokens: ['- one', '\n- two'], tokenDelayMs: 5 });
  const ended = h.events.next('workflow/generated');
  await h.w.generate(h.p, 'plan', key, 'plan');
  const done = await ended;
  assert.equal(done.status, 'done');
  assert.equal(done.text, '- one\n- two');
  assert.deepEqual(h.events.of('workflow/delta').map((d) => d.text), ['- one', '\n- two']);
  const sent = h.fake.chats[0]!.body.messages;
  assert.deepEqual(sent, [{ role: 'user', content: 'Plan for: ship it' }], 'only the filled prompt, outside the conversation');
  let run = h.w.open(h.p, 'plan', key);
  assert.equal(run.steps[1]!.value, '- one\n- two', 'the draft is the current step’s value');
  assert.equal(run.steps[1]!.prompt, 'Plan for: ship it');
  run = await h.w.submit(h.p, 'plan', key, 'plan', '- one, edited');
  assert.equal(run.steps[1]!.value, '- one, edited');
  assert.equal(run.current, null);
});

test('stop keeps what arrived as the draft; an unreachable model ends in an error the step shows; a draft outlives a reopened store', T, async (t) => {
  const h = await setup(t);
  h.core.catalog.setFile('plan', '/ws/plan.json', PLAN);
  await h.w.start(h.p, 'plan', 'k');
  await h.w.submit(h.p, 'plan', 'k', 'goal', 'g');
  h.fake.scriptChat({ tokens: ['first', ' second', ' third'], tokenDelayMs: 400 });
  const firstDelta = h.events.next('workflow/delta');
  const ended = h.events.next('workflow/generated');
  await h.w.generate(h.p, 'plan', 'k', 'plan');
  await assert.rejects(h.w.generate(h.p, 'plan', 'k', 'plan'), /already being written/);
  await assert.rejects(h.w.submit(h.p, 'plan', 'k', 'plan', 'x'), /stop it first/);
  await firstDelta;
  assert.equal(h.w.open(h.p, 'plan', 'k').generating, true);
  assert.equal(h.w.stopGenerating(h.p, 'plan', 'k'), true);
  const stopped = await ended;
  assert.equal(stopped.status, 'stopped');
  assert.equal(stopped.text, 'first');
  assert.equal(h.w.open(h.p, 'plan', 'k').steps[1]!.value, 'first');

  h.settings.host = 'http://127.0.0.1:9';
  const failed = h.events.next('workflow/generated');
  await h.w.generate(h.p, 'plan', 'k', 'plan');
  const f = await failed;
  assert.equal(f.status, 'error');
  assert.ok(f.error && f.error.length > 0);
  // The chat's diagnosis, with the chat's actions.
  assert.ok(f.problem!.title && f.problem!.actions.length > 0, 'explained as the chat explains it');

  h.settings.host = h.fake.url;
  h.settings.model = 'missing-model';
  const missing = h.events.next('workflow/generated');
  await h.w.generate(h.p, 'plan', 'k', 'plan');
  const m = await missing;
  assert.match(m.problem!.title, /missing-model/);
  assert.ok(m.problem!.actions.includes('pull'), 'the chat offers to pull it: so does the step');
});

test('a generate step’s draft is on disk: reopening the store shows it', T, async (t) => {
  const h = await setup(t);
  h.core.catalog.setFile('plan', '/ws/plan.json', PLAN);
  await h.w.start(h.p, 'plan', 'k');
  await h.w.submit(h.p, 'plan', 'k', 'goal', 'g');
  h.fake.scriptChat({ tokens: ['draft'] });
  const ended = h.events.next('workflow/generated');
  await h.w.generate(h.p, 'plan', 'k', 'plan');
  await ended;
  h.core.dispose();
  h.db.closeSync();
  const again: ToolHarness = await setupTools(t, { dir: h.dir, fakeToUse: h.fake });
  again.core.catalog.setFile('plan', '/ws/plan.json', PLAN);
  const run = again.core.workflows.open(again.core.tasks.activeProfileId, 'plan', 'k');
  assert.equal(run.current, 'plan');
  assert.equal(run.steps[0]!.value, 'g');
  assert.equal(run.steps[1]!.value, 'draft');
});


const TODOS = `{ "title": "Todo it", "steps": [
  { "id": "plan", "title": "Plan", "type": "input", "input": "multiline" },
  { "id": "todos", "title": "To todos", "type": "todos", "from": "{{plan}}" }
] }`;

const texts = (run: { steps: { card?: { card: { items: { text: string; state: string }[] } } }[] }, i: number) => run.steps[i]!.card?.card.items.map((x) => `${x.state}: ${x.text}`);

test('a todos step proposes its lines (list markers dropped) on the chat’s confirmation card; Apply selected adds those, the step is done with them; Undo Last Model Change takes them back', T, async (t) => {
  const h = await setup(t);
  h.core.catalog.setFile('todo-it', '/ws/todo-it.json', TODOS);
  await h.w.start(h.p, 'todo-it', 'k');
  let run = await h.w.submit(h.p, 'todo-it', 'k', 'plan', '- Write the parser\n\n2. Test it\n* [ ] Ship <b>it</b>\n   ');
  assert.deepEqual(run.steps[1]!.todos, ['Write the parser', 'Test it', 'Ship <b>it</b>'], 'the current step shows exactly what it will add');
  run = await h.w.submit(h.p, 'todo-it', 'k', 'todos', 'ignored');
  assert.deepEqual(h.list(), [], 'nothing is added before the user answers the card');
  assert.equal(run.current, 'todos');
  assert.deepEqual(texts(run, 1), ['proposed: Add todo “Write the parser”', 'proposed: Add todo “Test it”', 'proposed: Add todo “Ship <b>it</b>”']);
  const card = run.steps[1]!.card!;
  assert.equal(card.card.from?.text, 'Workflow “Todo it”, run “k”: step “To todos”');
  assert.ok(h.cards().some((m) => m.id === card.id && m.card.state === 'waiting'), 'the same card is in the chat');
  await assert.rejects(h.w.submit(h.p, 'todo-it', 'k', 'todos', ''), /wait for your answer on their card/);

  const told = h.events.next('workflow/changed', (n) => n.run.current === null);
  await h.core.chat.decide(h.p, card.id, [0, 2]);
  assert.deepEqual(h.list(), ['Write the parser', 'Ship <b>it</b>']);
  run = h.w.open(h.p, 'todo-it', 'k');
  assert.equal(run.current, null);
  assert.equal(run.steps[1]!.value, 'Write the parser\nShip <b>it</b>', 'the step keeps the todos it added');
  assert.deepEqual(texts(run, 1), ['applied: Add todo “Write the parser”', 'rejected: Add todo “Test it”', 'applied: Add todo “Ship <b>it</b>”']);
  assert.deepEqual(texts((await told).run, 1), texts(run, 1), 'the run panel is told');
  await h.core.chat.settled();
  assert.ok(h.notes().includes('Added todo “Write the parser”'), 'the todos are the user’s own, not “the model’s”');
  assert.ok(h.notes().some((n) => n.startsWith('Workflow “Todo it” (run “k”): step “To todos” done')));

  const undone = h.events.next('workflow/changed', (n) => n.run.steps[1]!.card?.card.items[0]!.state === 'undone');
  assert.equal(await h.core.chat.undoCard(h.p), true, 'Pipulate: Undo Last Model Change finds the card');
  assert.deepEqual(h.list(), []);
  assert.deepEqual(texts(h.w.open(h.p, 'todo-it', 'k'), 1), ['undone: Add todo “Write the parser”', 'rejected: Add todo “Test it”', 'undone: Add todo “Ship <b>it</b>”']);
  await undone;

  // The model is told what the step proposed and what was decided, as a note: there were no calls of its own to answer.
  h.fake.scriptChat({ tokens: ['ok'] });
  await h.core.chat.send(h.p, 'hi');
  await h.core.chat.settled();
  const sent = h.fake.chats.at(-1)!.body.messages as { role: string; content: string }[];
  assert.ok(!sent.some((m) => m.role === 'tool'));
  assert.match(sent.find((m) => m.content.includes('proposed changes (not you)'))!.content, /Step “todos” of the user's workflow run “k” \(“todo-it”\)[^]*- add_todo: Added todo \d+ “Write the parser”[^]*\(The user undid it later\.\)[^]*rejected this change/);
});

test('a todos step whose card is rejected stays to do and can propose again; reverting while its card waits takes the card back; another profile’s run may not add here', T, async (t) => {
  const h = await setup(t);
  h.core.catalog.setFile('todo-it', '/ws/todo-it.json', TODOS);
  await h.w.start(h.p, 'todo-it', 'k');
  await h.w.submit(h.p, 'todo-it', 'k', 'plan', 'one\ntwo');
  let run = await h.w.submit(h.p, 'todo-it', 'k', 'todos', '');
  await h.core.chat.decide(h.p, run.steps[1]!.card!.id, 'none');
  run = h.w.open(h.p, 'todo-it', 'k');
  assert.equal(run.current, 'todos');
  assert.equal(run.steps[1]!.card, undefined, 'the step offers its todos again');
  assert.deepEqual(h.list(), []);

  run = await h.w.submit(h.p, 'todo-it', 'k', 'todos', '');
  const waiting = run.steps[1]!.card!;
  assert.equal(waiting.card.state, 'waiting');
  assert.equal((await h.w.revert(h.p, 'todo-it', 'k', 'plan')).current, 'plan');
  assert.equal(h.cards().find((m) => m.id === waiting.id)!.card.state, 'cancelled', 'the card is taken back');
  await assert.rejects(h.core.chat.decide(h.p, waiting.id, 'all'), /not waiting/);
  assert.deepEqual(h.list(), []);

  const other = await h.core.tasks.addProfile('Other');
  await h.w.submit(h.p, 'todo-it', 'k', 'plan', 'x');
  assert.equal(h.core.tasks.activeProfileId, other.id);
  await assert.rejects(h.w.submit(h.p, 'todo-it', 'k', 'todos', ''), /Switch to this run’s profile first/);
  assert.deepEqual(h.list(), [], 'nothing was added to the other profile');
});

test('a todos step with adding todos allowed (pipulate.tools.autoApprove) adds them at once, on a card that says so; a card waiting at a restart comes back cancelled and the step proposes again', T, async (t) => {
  const h = await setup(t, { settings: { tools: { enabled: true, autoApprove: ['add'], maxRounds: 8 } } });
  h.core.catalog.setFile('todo-it', '/ws/todo-it.json', TODOS);
  await h.w.start(h.p, 'todo-it', 'k');
  await h.w.submit(h.p, 'todo-it', 'k', 'plan', 'one\ntwo');
  let run = await h.w.submit(h.p, 'todo-it', 'k', 'todos', '');
  assert.deepEqual(h.list(), ['one', 'two']);
  assert.equal(run.current, null);
  assert.equal(run.steps[1]!.value, 'one\ntwo');
  assert.deepEqual(run.steps[1]!.card!.card.items.map((i) => [i.state, i.auto]), [['applied', true], ['applied', true]]);

  h.settings.tools = { enabled: true, autoApprove: [], maxRounds: 8 };
  await h.w.start(h.p, 'todo-it', 'k2');
  await h.w.submit(h.p, 'todo-it', 'k2', 'plan', 'three');
  run = await h.w.submit(h.p, 'todo-it', 'k2', 'todos', '');
  assert.equal(run.steps[1]!.card!.card.state, 'waiting');
  await h.db.sync();
  h.core.dispose();
  h.db.closeSync();
  const again = await setupTools(t, { dir: h.dir, fakeToUse: h.fake });
  again.core.catalog.setFile('todo-it', '/ws/todo-it.json', TODOS);
  run = again.core.workflows.open(h.p, 'todo-it', 'k2');
  assert.equal(run.current, 'todos');
  assert.equal(run.steps[1]!.card, undefined, 'the cancelled card is not offered');
  run = await again.core.workflows.submit(h.p, 'todo-it', 'k2', 'todos', '');
  assert.equal(run.steps[1]!.card!.card.state, 'waiting', 'a new card');
  await again.core.chat.decide(h.p, run.steps[1]!.card!.id, 'all');
  assert.deepEqual(again.list(), ['one', 'two', 'three']);
  assert.equal(again.core.workflows.open(h.p, 'todo-it', 'k2').current, null);
});

test('a todos step does not put its card inside a reply streaming in the chat: refused, with what to do; once the reply ends it goes', T, async (t) => {
  const h = await setup(t);
  h.core.catalog.setFile('todo-it', '/ws/todo-it.json', TODOS);
  await h.w.start(h.p, 'todo-it', 'k');
  await h.w.submit(h.p, 'todo-it', 'k', 'plan', 'one');
  h.fake.scriptChat({ hang: true });
  await h.core.chat.send(h.p, 'hi');
  await assert.rejects(h.w.submit(h.p, 'todo-it', 'k', 'todos', ''), /The model is replying in the chat: let it finish \(or stop it\)/);
  assert.equal(h.cards().length, 0);
  h.core.chat.stop(h.p);
  await h.core.chat.settled();
  const run = await h.w.submit(h.p, 'todo-it', 'k', 'todos', '');
  assert.equal(run.steps[1]!.card!.card.state, 'waiting');
});

test('a todos step refuses an empty list and more than 50 lines, adding nothing', T, async (t) => {
  const h = await setup(t);
  h.core.catalog.setFile('todo-it', '/ws/todo-it.json', TODOS.replace('"input": "multiline"', '"input": "multiline", "required": false'));
  await h.w.start(h.p, 'todo-it', 'k');
  await h.w.submit(h.p, 'todo-it', 'k', 'plan', '');
  await assert.rejects(h.w.submit(h.p, 'todo-it', 'k', 'todos', ''), /nothing to add/);
  await h.w.revert(h.p, 'todo-it', 'k', 'plan');
  await h.w.submit(h.p, 'todo-it', 'k', 'plan', Array.from({ length: 51 }, (_, i) => `- item ${i}`).join('\n'));
  await assert.rejects(h.w.submit(h.p, 'todo-it', 'k', 'todos', ''), /51 todos: at most 50/);
  assert.deepEqual(h.list(), []);
  assert.equal(h.w.open(h.p, 'todo-it', 'k').current, 'todos');
});
