/**
 * The tool loop end to end: the real core (createCore) on a real store, each kind of fake
 * server over HTTP (Ollama, OpenAI-compatible; test/unit/chat/kinds.ts) answering with
 * native tool calls, and the cards decided as the webview would (chat.decide). Then the
 * text protocol for a model Ollama says has no tools (an OpenAI-compatible server that
 * refuses tools falls back to it: openaiServer.test.ts).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { crashCopy, waitFor } from '../../helpers/store';
import { KINDS, callsOf, toolResults } from '../chat/kinds';
import { ask, setupTools } from './harness';

const T = { timeout: 30_000 };

for (const kind of KINDS) {
  test(`${kind}: native, one call: a waiting card, applied on Apply through TasksService; the result goes back as a tool message, with the tools sent again`, T, async (t) => {
    const h = await setupTools(t, { kind });
    h.fake.scriptChat({ tokens: ['Sure.'], toolCalls: [{ name: 'add_todo', arguments: { title: 'Call the bank' } }] }, { tokens: ['Done, I added it.'] });
    const profileId = h.core.tasks.activeProfileId;
    await h.core.chat.send(profileId, 'add a todo to call the bank');

    const waiting = await h.card('waiting');
    assert.deepEqual(
      waiting.card.items.map((i) => [i.tool, i.state, i.text, i.change, i.canAlways, i.auto]),
      [['add_todo', 'proposed', 'Add todo “Call the bank”', 'add', true, false]],
    );
    assert.deepEqual(h.list(), [], 'nothing is applied before the user says so');
    assert.equal(h.fake.chats.length, 1, 'the loop waits for the user');

    const answered = await h.core.chat.decide(profileId, waiting.id, 'all');
    assert.equal(answered.card!.state, 'done');
    assert.equal(answered.card!.items[0]!.state, 'applied');
    assert.equal(answered.card!.undoable, true);
    assert.deepEqual(h.list(), ['Call the bank']);
    assert.ok(h.events.of('todo/changed').some((n) => n.todo.title === 'Call the bank'), 'the Tasks view is patched at once');

    await h.core.chat.settled();
    const [first, second] = [await h.fake.chatAt(0), await h.fake.chatAt(1)];
    for (const body of [first.body, second.body]) {
      assert.deepEqual(
        body.tools.map((tool: { function: { name: string } }) => tool.function.name).slice(0, 4),
        ['list_todos', 'list_profiles', 'recent_notes', 'add_todo'],
        'the tools go with every request, the one after a tool result too',
      );
    }
    const [call, result] = second.body.messages.slice(-2);
    assert.equal(call.role, 'assistant');
    assert.equal(call.content, 'Sure.');
    assert.deepEqual(callsOf(call), [{ name: 'add_todo', arguments: { title: 'Call the bank' } }]);
    assert.equal(result.role, 'tool');
    const [answer] = toolResults(second.body.messages);
    assert.equal(answer!.name, 'add_todo', 'the result answers its call (by name, or by the id of the call)');
    assert.match(answer!.content, /^Added todo \d+ “Call the bank” at position 1\.$/);

    const last = await h.events.finished((m) => m.role === 'assistant' && m.content === 'Done, I added it.');
    assert.equal(last.status, 'done');
    await waitFor(() => h.core.store.messages.count({ role: 'note', content: 'The model added todo “Call the bank”' }) === 1, 'the note says the model did it');
  });

  test(`${kind}: native, several calls in one turn: one card, Apply selected applies only those; the model is told which were rejected`, T, async (t) => {
    const h = await setupTools(t, { kind });
    const a = await h.core.tasks.addTodo('Report');
    const b = await h.core.tasks.addTodo('Lisbon');
    h.fake.scriptChat(
      {
        tokens: [''],
        toolCalls: [
          { name: 'complete_todo', arguments: { id: a.id } },
          { name: 'move_todo', arguments: { id: b.id, position: 1 } },
          { name: 'rename_todo', arguments: { id: a.id, title: 'Annual report' } },
        ],
      },
      { tokens: ['OK.'] },
    );
    await h.core.chat.send(h.core.tasks.activeProfileId, 'mark the report done, move Lisbon to the top, rename the report');
    const waiting = await h.card('waiting');
    assert.deepEqual(
      waiting.card.items.map((i) => i.text),
      ['Complete todo “Report”', 'Move todo “Lisbon” to the top', 'Rename todo “Report” to “Annual report”'],
    );
    const answered = await h.core.chat.decide(h.core.tasks.activeProfileId, waiting.id, [0, 1]);
    assert.deepEqual(answered.card!.items.map((i) => i.state), ['applied', 'applied', 'rejected']);
    assert.deepEqual(h.list(), ['Lisbon', '[x] Report']);
    await h.core.chat.settled();
    const tools = toolResults((await h.fake.chatAt(1)).body.messages);
    assert.deepEqual(tools.map((r) => r.name), ['complete_todo', 'move_todo', 'rename_todo']);
    assert.match(tools[2]!.content, /rejected/);
    await assert.rejects(h.core.chat.decide(h.core.tasks.activeProfileId, waiting.id, 'all'), /not waiting/, 'a card is answered once');
  });

  test(`${kind}: native, several rounds: a read runs at once, an allowed change applies without asking, then the model answers`, T, async (t) => {
    const h = await setupTools(t, { kind, settings: { tools: { enabled: true, autoApprove: ['complete'], maxRounds: 8 } } });
    const todo = await h.core.tasks.addTodo('Report');
    h.fake.scriptChat(
      { tokens: [''], toolCalls: [{ name: 'list_todos' }] },
      { tokens: [''], toolCalls: [{ name: 'complete_todo', arguments: { id: todo.id } }] },
      { tokens: ['The report is done.'] },
    );
    await ask(h, 'mark the report done');
    assert.deepEqual(h.list(), ['[x] Report']);
    const cards = h.cards().map((m) => m.card);
    assert.deepEqual(cards.map((c) => [c.state, c.items.map((i) => `${i.tool}:${i.state}${i.auto ? ':auto' : ''}`)]), [
      ['done', ['list_todos:read']],
      ['done', ['complete_todo:applied:auto']],
    ]);
    assert.equal(h.fake.chats.length, 3);
    const read = (await h.fake.chatAt(1)).body.messages.at(-1);
    assert.equal(read.role, 'tool');
    assert.deepEqual(JSON.parse(read.content), [{ id: todo.id, title: 'Report', done: false, position: 1 }]);
    assert.ok((await h.fake.chatAt(2)).body.tools.length > 0);
  });

  test(`${kind}: native, malformed arguments and an unknown tool: refused with a reason the model can act on; nothing changes`, T, async (t) => {
    // The megabyte argument in pieces of 64 KB: 7 characters a piece would be 140,000 events.
    const h = await setupTools(t, { kind, fake: { argumentPiece: 65536 } });
    const todo = await h.core.tasks.addTodo('Report');
    h.fake.scriptChat(
      {
        tokens: [''],
        toolCalls: [
          { name: 'rename_todo', arguments: { id: todo.id } },
          { name: 'complete_todo', arguments: { id: 'the report' } },
          { name: 'delete_everything', arguments: {} },
          { name: 'complete_todo', arguments: { id: 999 } },
          { name: 'add_todo', arguments: { title: 'x'.repeat(1_000_000) } },
        ],
      },
      { tokens: ['Sorry.'] },
    );
    await ask(h, 'do things');
    assert.deepEqual(h.list(), ['Report']);
    const [card] = h.cards();
    assert.equal(card!.card.state, 'done', 'nothing waits: every call was refused');
    assert.ok(card!.card.items.every((i) => i.state === 'refused'));
    const results = toolResults((await h.fake.chatAt(1)).body.messages).map((r) => r.content);
    assert.match(results[0], /Wrong arguments for rename_todo: title/);
    assert.match(results[1], /Wrong arguments for complete_todo: id/);
    assert.match(results[2], /no tool named “delete_everything”.*add_todo/);
    assert.match(results[3], new RegExp(`no todo with id 999 in this list\\. The ids are: ${todo.id} “Report”`));
    assert.match(results[4], /too long/);
    assert.ok(results.every((r: string) => r.length < 1000), 'a megabyte of argument is not echoed back');
  });

  test(`${kind}: hostile titles are stored as text; an id of another profile is refused and that profile is untouched`, T, async (t) => {
    const h = await setupTools(t, { kind, settings: { tools: { enabled: true, autoApprove: ['add', 'rename', 'complete', 'delete'], maxRounds: 8 } } });
    const home = h.core.tasks.activeProfileId;
    const other = await h.core.tasks.addProfile('Other');
    const theirs = await h.core.tasks.addTodo('Secret');
    await h.core.tasks.switchProfile(home);
    h.fake.scriptChat(
      {
        tokens: [''],
        toolCalls: [
          { name: 'add_todo', arguments: { title: '<img src=x onerror=alert(1)> **bold**' } },
          { name: 'delete_todo', arguments: { id: theirs.id } },
          { name: 'complete_todo', arguments: { id: String(theirs.id) } },
        ],
      },
      { tokens: ['ok'] },
    );
    await ask(h, 'go');
    assert.deepEqual(h.list(), ['<img src=x onerror=alert(1)> **bold**']);
    assert.deepEqual(h.cards()[0]!.card.items.map((i) => i.state), ['applied', 'refused', 'refused']);
    const kept = h.core.store.todos.get(theirs.id);
    assert.deepEqual([kept.title, kept.done, kept.profile_id], ['Secret', false, other.id]);
  });

  test(`${kind}: stop while a card waits: the card is cancelled, nothing is applied, no further request`, T, async (t) => {
    const h = await setupTools(t, { kind });
    h.fake.scriptChat({ tokens: [''], toolCalls: [{ name: 'add_todo', arguments: { title: 'Never' } }] });
    const profileId = h.core.tasks.activeProfileId;
    await h.core.chat.send(profileId, 'add never');
    const waiting = await h.card('waiting');
    assert.equal(h.core.chat.isGenerating(profileId), true, 'the reply goes on while the card waits');
    assert.equal(h.core.chat.stop(profileId), true);
    const cancelled = await h.card('cancelled');
    assert.equal(cancelled.id, waiting.id);
    assert.deepEqual(cancelled.card.items.map((i) => i.state), ['cancelled']);
    await h.core.chat.settled();
    assert.deepEqual(h.list(), []);
    assert.equal(h.fake.chats.length, 1);
    await assert.rejects(h.core.chat.decide(profileId, waiting.id, 'all'), /not waiting/);
    assert.equal(h.core.store.messages.get(waiting.id).status, 'done');
  });

  test(`${kind}: max rounds: after maxRounds rounds of tools the next calls are not run, and a note says the reply stopped`, T, async (t) => {
    const h = await setupTools(t, { kind, settings: { tools: { enabled: true, autoApprove: [], maxRounds: 2 } } });
    h.fake.setDefaultChat({ tokens: [''], toolCalls: [{ name: 'list_todos' }] });
    await ask(h, 'loop forever');
    assert.equal(h.fake.chats.length, 3, 'two rounds of tools, then one request whose calls are refused');
    const cards = h.cards().map((m) => m.card.items.map((i) => i.state));
    assert.deepEqual(cards, [['read'], ['read'], ['refused']]);
    await waitFor(() => h.core.store.messages.count({ role: 'note' }) > 0, 'the note');
    assert.match(h.core.store.messages.rows({ where: { role: 'note' } })[0]!.content, /Stopped: .* 2 rounds/);
    assert.equal(h.core.chat.isGenerating(), false);
  });

  test(`${kind}: a waiting card left by a crash comes back cancelled, nothing applied`, T, async (t) => {
    const h = await setupTools(t, { kind });
    h.fake.scriptChat({ tokens: [''], toolCalls: [{ name: 'add_todo', arguments: { title: 'Later' } }] });
    await h.core.chat.send(h.core.tasks.activeProfileId, 'add later');
    const waiting = await h.card('waiting');
    await h.db.sync();
    const copy = crashCopy(t, h.dir);
    const again = await setupTools(t, { kind, dir: copy, fakeToUse: h.fake });
    const [card] = again.cards();
    assert.equal(card!.id, waiting.id);
    assert.equal(card!.card.state, 'cancelled');
    assert.deepEqual(card!.card.items.map((i) => i.state), ['cancelled']);
    assert.deepEqual(again.list(), []);
  });

  test(`${kind}: native mode on the model line; tools off: nothing sent, nothing asked`, T, async (t) => {
    const h = await setupTools(t, { kind });
    await h.core.chat.checkConnection();
    assert.equal(h.core.chat.connection().tools, 'native');
    h.settings.tools = { enabled: false, autoApprove: [], maxRounds: 8 };
    assert.equal(h.core.chat.connection().tools, 'off');
    h.fake.scriptChat({ tokens: ['Hi'], toolCalls: [{ name: 'add_todo', arguments: { title: 'x' } }] });
    await ask(h, 'hello');
    assert.equal((await h.fake.chatAt(0)).body.tools, undefined);
    assert.deepEqual(h.cards(), []);
    assert.deepEqual(h.list(), []);
  });

  test(`${kind}: the same change twice in one turn: the first applies, the second fails with why; a read after a change sees it`, T, async (t) => {
    const h = await setupTools(t, { kind, settings: { tools: { enabled: true, autoApprove: ['complete'], maxRounds: 8 } } });
    const todo = await h.core.tasks.addTodo('Report');
    h.fake.scriptChat(
      {
        tokens: [''],
        toolCalls: [
          { name: 'complete_todo', arguments: { id: todo.id } },
          { name: 'Complete-Todo', arguments: { id: todo.id } },
          { name: 'list_todos' },
        ],
      },
      { tokens: ['Done.'] },
    );
    await ask(h, 'mark the report done, twice');
    const [card] = h.cards();
    assert.deepEqual(card!.card.items.map((i) => [i.tool, i.state]), [
      ['complete_todo', 'applied'],
      ['complete_todo', 'failed'],
      ['list_todos', 'read'],
    ]);
    assert.match(card!.card.items[1]!.result!, /done already: nothing to do/);
    assert.deepEqual(JSON.parse(card!.card.items[2]!.result!), [{ id: todo.id, title: 'Report', done: true, position: 1 }]);
    assert.deepEqual(h.list(), ['[x] Report']);
  });

  test(`${kind}: native, a small model that writes its call as the reply’s text: taken as the call, the text never shown`, T, async (t) => {
    const h = await setupTools(t, { kind, settings: { tools: { enabled: true, autoApprove: ['add'], maxRounds: 8 } } });
    h.fake.scriptChat({ tokens: ['{"name": "add_todo", ', '"parameters": {"title": "Buy milk"}}'] }, { tokens: ['Added.'] });
    await ask(h, 'add buy milk');
    assert.deepEqual(h.list(), ['Buy milk']);
    const shown = h.core.store.messages.rows({ where: { role: 'assistant' }, orderBy: 'id' }).map((m) => m.content);
    assert.deepEqual(shown, ['', 'Added.']);
    assert.equal(h.events.of('chat/delta').some((d) => d.text.includes('add_todo')), false, 'not even streamed');
    const second = (await h.fake.chatAt(1)).body.messages;
    assert.equal(second.at(-2).role, 'assistant');
    assert.equal(second.at(-2).content || '', '', 'no text (OpenAI: null)');
    assert.deepEqual(callsOf(second.at(-2)), [{ name: 'add_todo', arguments: { title: 'Buy milk' } }]);
  });
}

// ---- Ollama only: a model without native tools, as /api/show tells ----------------------

test('a model without native tools: the text protocol, the block hidden from the text, the results in one message; no tools sent', T, async (t) => {
  const h = await setupTools(t, { fake: { models: ['tiny:latest'], noTools: ['tiny:latest'] }, settings: { model: 'tiny', tools: { enabled: true, autoApprove: ['add'], maxRounds: 8 } } });
  await h.core.chat.checkConnection();
  assert.equal(h.core.chat.connection().tools, 'text', 'the model line says which mode');
  const block = ['On it.\n', '``', '`to', 'ol\n[{"tool": "add_todo", "args": {"title": "Buy milk"}},\n', '{"tool": "nope"}, ', 'not json]\n``', '`'];
  h.fake.scriptChat({ tokens: block }, { tokens: ['Added.'] });
  await ask(h, 'add buy milk');
  const first = (await h.fake.chatAt(0)).body;
  assert.equal(first.tools, undefined, 'a model without tools never gets them (Ollama would answer 400)');
  assert.match(first.messages[0].content, /^Be brief\.\n\nYou can read and change .*```tool/s);
  const shown = h.core.store.messages.rows({ where: { role: 'assistant' }, orderBy: 'id' }).map((m) => m.content);
  assert.deepEqual(shown, ['On it.\n', 'Added.'], 'the raw block is never shown');
  // The block is not one JSON list: nothing in it is guessed.
  assert.deepEqual(h.list(), []);
  const results = (await h.fake.chatAt(1)).body.messages.at(-1);
  assert.equal(results.role, 'user');
  assert.match(results.content, /^Results of your actions:\n- action: Not valid JSON in the tool block/);
});

test('the text protocol, written a little off but unambiguous: applied; the model sees its own block again', T, async (t) => {
  const h = await setupTools(t, { fake: { models: ['tiny:latest'], noTools: ['tiny:latest'] }, settings: { model: 'tiny', tools: { enabled: true, autoApprove: ['add'], maxRounds: 8 } } });
  h.fake.scriptChat({ tokens: ['Sure!\n```TOOLS\n', '{"name": "add_todo", "arguments": {"title": "Buy milk"}}\n', '{"tool": "list_todos"}'] }, { tokens: ['Added.'] });
  await ask(h, 'add buy milk');
  assert.deepEqual(h.list(), ['Buy milk'], 'an unclosed block at the end, one object a line, name/arguments: all unambiguous');
  const second = (await h.fake.chatAt(1)).body.messages;
  assert.match(second.at(-2).content, /^Sure!\n```tool\n\{"name": "add_todo"/);
  assert.match(second.at(-1).content, /- add_todo: Added todo \d+ “Buy milk”.*\n- list_todos: \[\{"id"/s);
  assert.equal(h.fake.requests.filter((r) => r.path === '/api/show').length, 1, 'the capability is asked once per model');
});

test('Qwen’s <tool_call> tags in the text, split across chunks: taken as calls in both modes, the tags never shown or streamed', T, async (t) => {
  const tags = ['Adding it.\n<tool', '_call>\n{"name": "add_todo", "argu', 'ments": {"title": "Buy milk"}}\n</tool_', 'call>'];
  // Native tools (the server did not turn the tags into tool_calls): they go back as native calls.
  const native = await setupTools(t, { settings: { tools: { enabled: true, autoApprove: ['add'], maxRounds: 8 } } });
  native.fake.scriptChat({ tokens: tags }, { tokens: ['Added.'] });
  await ask(native, 'add buy milk');
  assert.deepEqual(native.list(), ['Buy milk']);
  assert.deepEqual(native.core.store.messages.rows({ where: { role: 'assistant' }, orderBy: 'id' }).map((m) => m.content), ['Adding it.\n', 'Added.']);
  assert.equal(native.events.of('chat/delta').some((d) => d.text.includes('<') || d.text.includes('add_todo')), false, 'not even streamed');
  assert.deepEqual((await native.fake.chatAt(1)).body.messages.at(-2), { role: 'assistant', content: 'Adding it.\n', tool_calls: [{ function: { name: 'add_todo', arguments: { title: 'Buy milk' } } }] });
  // The text protocol: the model is shown its call as the protocol's block.
  const text = await setupTools(t, { fake: { models: ['tiny:latest'], noTools: ['tiny:latest'] }, settings: { model: 'tiny', tools: { enabled: true, autoApprove: ['add'], maxRounds: 8 } } });
  text.fake.scriptChat({ tokens: tags }, { tokens: ['Added.'] });
  await ask(text, 'add buy milk');
  assert.deepEqual(text.list(), ['Buy milk']);
  assert.equal(text.events.of('chat/delta').some((d) => d.text.includes('<')), false);
  const second = (await text.fake.chatAt(1)).body.messages;
  assert.match(second.at(-2).content, /^Adding it\.\n```tool\n\{"name": "add_todo"/);
  assert.match(second.at(-1).content, /- add_todo: Added todo \d+ “Buy milk” at position 1\./);
});
