/** The tools' requests through the router, as the webviews send them: validated, answered once on disk, the views patched. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { HostMessage, Notification } from '../../../src/protocol';
import { setupTools, type ToolHarness } from './harness';

const T = { timeout: 20_000 };

function view(h: ToolHarness, kind: 'tasks' | 'chat') {
  const posted: HostMessage[] = [];
  const connection = h.core.router.connect({ post: (m) => posted.push(m) }, kind);
  let id = 0;
  return {
    notified: () => posted.flatMap((m): Notification[] => (m.type === 'notify' ? [m.body] : [])),
    async request(body: unknown) {
      const mine = ++id;
      await connection.handle({ type: 'request', id: mine, body });
      return posted.find((m) => m.type === 'response' && m.id === mine) as Extract<HostMessage, { type: 'response' }>;
    },
  };
}

test('todo/delete, then tasks/undo: the todo is back; the Tasks view alone hears tasks/undoable', T, async (t) => {
  const h = await setupTools(t);
  const tasks = view(h, 'tasks');
  const chat = view(h, 'chat');
  const todo = await h.core.tasks.addTodo('Keep me');
  assert.equal((await tasks.request({ kind: 'todo/delete', id: todo.id })).ok, true);
  assert.deepEqual(h.list(), []);
  assert.deepEqual(tasks.notified().filter((n) => n.kind === 'tasks/undoable'), [{ kind: 'tasks/undoable', label: 'Deleted todo “Keep me”' }]);
  assert.equal(chat.notified().some((n) => n.kind === 'tasks/undoable'), false);
  const undone = await tasks.request({ kind: 'tasks/undo' });
  assert.deepEqual([undone.ok, undone.ok && undone.data], [true, true]);
  assert.deepEqual(h.list(), ['Keep me']);
  const again = await tasks.request({ kind: 'tasks/undo' });
  assert.deepEqual([again.ok, again.ok && again.data], [true, false]);
});

test('tool/decide and tool/undo: validated, answered with the card once applied; a bad body is refused', T, async (t) => {
  const h = await setupTools(t);
  const chat = view(h, 'chat');
  h.fake.scriptChat({ tokens: [''], toolCalls: [{ name: 'add_todo', arguments: { title: 'a' } }, { name: 'add_todo', arguments: { title: 'b' } }] }, { tokens: ['ok'] });
  await chat.request({ kind: 'chat/send', text: 'add a and b' });
  const card = await h.card('waiting');

  for (const apply of ['some', [-1], [1.5], 'x'.repeat(100)]) {
    const bad = await chat.request({ kind: 'tool/decide', cardId: card.id, apply });
    assert.equal(bad.ok, false, JSON.stringify(apply).slice(0, 20));
  }
  const answered = await chat.request({ kind: 'tool/decide', cardId: card.id, apply: [1] });
  assert.ok(answered.ok);
  const dto = answered.data as { card: { items: { state: string }[] } };
  assert.deepEqual(dto.card.items.map((i) => i.state), ['rejected', 'applied']);
  assert.deepEqual(h.list(), ['b']);
  await h.core.chat.settled();

  const undo = await chat.request({ kind: 'tool/undo', cardId: card.id });
  assert.deepEqual([undo.ok, undo.ok && undo.data], [true, true]);
  assert.deepEqual(h.list(), []);
  const finished = chat.notified().flatMap((n) => (n.kind === 'chat/finished' && n.message.id === card.id ? [n.message] : []));
  assert.equal(finished.at(-1)?.card?.items[1]!.state, 'undone', 'the card is sent again, undone');
  const gone = await chat.request({ kind: 'tool/undo', cardId: 424242 });
  assert.deepEqual([gone.ok, !gone.ok && gone.error], [false, 'That card is not in this conversation.']);
});
