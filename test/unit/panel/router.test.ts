/** The router over the real core: typed answers, capped echoes of bad input, each view sent only what it shows. */
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { createCore, type Core } from '../../../src/core';
import type { HostMessage, Notification, ViewKind } from '../../../src/protocol';
import { defer, openForTest, scratchDir } from '../../helpers/store';
import { quietUi } from '../../helpers/ui';

const ui = quietUi();

async function start(t: TestContext): Promise<{ core: Core; logs: string[] }> {
  const dir = scratchDir(t);
  const { db } = await openForTest(t, dir);
  const logs: string[] = [];
  const core = createCore({
    db,
    storage: { dir, scope: 'workspace' },
    // Nothing listens on port 9: these tests never reach a model.
    chat: { settings: () => ({ host: 'http://127.0.0.1:9', model: 'm', systemPrompt: 's', numCtx: 2048, timeoutMs: 1000 }), log: () => undefined },
    ui,
    log: (level, line) => logs.push(`${level}: ${line}`),
  });
  defer(t, () => core.dispose());
  return { core, logs };
}

/** A view as the router sees it: what it was posted, and a way to send it requests. */
function connect(core: Core, kind: ViewKind) {
  const posted: HostMessage[] = [];
  const connection = core.router.connect({ post: (m) => posted.push(m) }, kind);
  let id = 0;
  const notified = () => posted.flatMap((m) => (m.type === 'notify' ? [m.body] : []));
  return {
    posted,
    notified,
    kinds: () => notified().map((n: Notification) => n.kind),
    async request(body: unknown) {
      const mine = ++id;
      await connection.handle({ type: 'request', id: mine, body });
      const answer = posted.find((m) => m.type === 'response' && m.id === mine);
      assert.ok(answer, 'every request is answered');
      return answer as Extract<HostMessage, { type: 'response' }>;
    },
  };
}

describe('router', () => {
  it('answers a message with a megabyte of kind with a short error, and logs a short line', async (t) => {
    const { core, logs } = await start(t);
    const view = connect(core, 'tasks');
    const huge = 'x'.repeat(1_000_000);
    const answer = await view.request({ kind: huge });
    assert.equal(answer.ok, false);
    assert.ok(!answer.ok && answer.error.startsWith('Invalid request: '));
    assert.ok(!answer.ok && answer.error.length < 1000, `the error is ${!answer.ok && answer.error.length} characters long`);
    assert.ok(logs.every((l) => l.length < 1000), 'no log line echoes the input whole');
    assert.ok(logs.some((l) => l.includes('Rejected a malformed message')));
    // A huge value inside a known request is capped the same way.
    const titled = await view.request({ kind: 'todo/add', title: huge });
    assert.ok(!titled.ok && titled.error.length < 1000);
  });

  it('answers each request with its declared data', async (t) => {
    const { core } = await start(t);
    const view = connect(core, 'tasks');
    const added = await view.request({ kind: 'todo/add', title: 'Write the report' });
    assert.ok(added.ok);
    const todo = added.data as { id: number; title: string; done: boolean };
    assert.equal(todo.title, 'Write the report');
    const toggled = await view.request({ kind: 'todo/toggle', id: todo.id });
    assert.deepEqual(toggled.ok && (toggled.data as { done: boolean }).done, true);
    const cleared = await view.request({ kind: 'todo/clearCompleted' });
    assert.deepEqual(cleared.ok && cleared.data, 1);
    const deleted = await view.request({ kind: 'todo/delete', id: todo.id });
    assert.deepEqual(deleted, { type: 'response', id: 4, ok: false, error: 'That todo no longer exists.' });
  });

  it('logs a user error as one line without a stack', async (t) => {
    const { core, logs } = await start(t);
    const view = connect(core, 'tasks');
    await view.request({ kind: 'todo/toggle', id: 12345 });
    const line = logs.find((l) => l.includes('todo/toggle'));
    assert.ok(line?.startsWith('info: '), `logged as: ${line}`);
    assert.ok(!line?.includes('\n    at '), 'no stack trace for an expected error');
  });

  it('sends each view only the notifications it shows', async (t) => {
    const { core } = await start(t);
    const tasksView = connect(core, 'tasks');
    const chatView = connect(core, 'chat');
    await tasksView.request({ kind: 'todo/add', title: 'Call the bank' });
    assert.ok(tasksView.kinds().includes('todo/changed'));
    assert.ok(!tasksView.kinds().some((k) => k.startsWith('chat/')), `tasks got ${tasksView.kinds()}`);
    assert.ok(!chatView.kinds().some((k) => k.startsWith('todo/') || k.startsWith('tasks/')), `chat got ${chatView.kinds()}`);
    assert.ok(chatView.kinds().includes('chat/appended'), 'the note reaches the chat');
  });

  it('tells the Chat view the new conversation on a profile switch, without it asking', async (t) => {
    const { core } = await start(t);
    const chatView = connect(core, 'chat');
    const work = await core.tasks.addProfile('Work');
    await core.tasks.switchProfile(work.id);
    const resets = chatView.notified().filter((n): n is Extract<Notification, { kind: 'chat/reset' }> => n.kind === 'chat/reset');
    assert.equal(resets.length, 1);
    assert.equal(resets[0].snapshot.profileId, work.id);
    assert.equal(resets[0].snapshot.profileName, 'Work');
    // Switching to the profile already shown sends nothing more.
    await core.tasks.switchProfile(work.id);
    assert.equal(chatView.notified().filter((n) => n.kind === 'chat/reset').length, 1);
  });

  it('answers chat/history from the active profile’s conversation only, and refuses a page size out of bounds', async (t) => {
    const { core } = await start(t);
    const view = connect(core, 'chat');
    const home = core.tasks.activeProfileId;
    const work = await core.tasks.addProfile('Work'); // the switch writes a note in each conversation
    const workNote = core.store.messages.rows({ where: { profile_id: work.id } })[0]!;
    await core.tasks.switchProfile(home);
    const answer = await view.request({ kind: 'chat/history', before: workNote.id + 1000, limit: 50 });
    assert.ok(answer.ok);
    const page = answer.data as { messages: { id: number }[]; more: boolean };
    const mine = core.store.messages.rows({ where: { profile_id: home }, orderBy: 'id' }).map((m) => m.id);
    assert.deepEqual(page.messages.map((m) => m.id), mine);
    assert.equal(page.more, false);
    for (const limit of [0, 501, 1.5]) assert.equal((await view.request({ kind: 'chat/history', before: 1, limit })).ok, false);
  });
});

describe('router, views that are still loading', () => {
  it('keeps "focus the input" for a view that has not spoken yet, and tells it at its first word', async (t) => {
    const { core } = await start(t);
    const loading = connect(core, 'tasks');
    core.events.emit({ kind: 'focus/input', view: 'tasks' });
    const before = loading.kinds().filter((k) => k === 'focus/input').length;
    await loading.request({ kind: 'tasks/snapshot' });
    const after = loading.kinds().filter((k) => k === 'focus/input').length;
    assert.equal(after, before + 1, 'told again once its script speaks');
    // A view that has spoken hears it at once, and nothing is kept for later.
    core.events.emit({ kind: 'focus/input', view: 'tasks' });
    const next = connect(core, 'tasks');
    await next.request({ kind: 'tasks/snapshot' });
    assert.equal(next.kinds().filter((k) => k === 'focus/input').length, 0, 'nothing kept once a view that spoke heard it');
  });
});
