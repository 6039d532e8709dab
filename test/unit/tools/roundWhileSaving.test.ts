/**
 * A round of tools does not wait for the disk before asking the model again: the change
 * allowed without asking is made, and the next request goes out while it is being
 * written; the Tasks view, the card and the next reply are told only once it is on disk.
 * Shown on a real full disk (a small tmpfs, filled): the request reaches the fake server
 * while nothing can be written, nothing is told, and once there is room again the change
 * is saved and told in order: the Tasks view, the card, then the reply.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Notification } from '../../../src/protocol';
import { crashCopy } from '../../helpers/store';
import { fill, smallDisk } from '../store/disk';
import { setupTools } from './harness';

test('on a full disk the request after an allowed change goes out at once; the change, its card and the reply are told once it is saved', { timeout: 60_000 }, async (t) => {
  const dir = smallDisk(t, '512k');
  if (!dir) return;
  const h = await setupTools(t, { dir, settings: { tools: { enabled: true, autoApprove: ['add'], maxRounds: 8 } } });
  // Long enough that the round's record needs a new page of the disk (the journal's last one may have room left).
  const title = `Call the bank ${'x'.repeat(1500)}`;
  h.fake.scriptChat({ tokens: [''], firstTokenDelayMs: 300, toolCalls: [{ name: 'add_todo', arguments: { title } }] }, { tokens: ['Added', ' it.'] });
  const profileId = h.core.tasks.activeProfileId;
  await h.core.chat.send(profileId, 'add a todo to call the bank');
  const free = fill(dir);
  const told = h.events.all.length;
  // The files as a crash would leave them when the Tasks view is told of the change.
  let copy: string | undefined;
  h.core.events.on((n) => {
    if (n.kind === 'todo/changed') copy ??= crashCopy(t, dir);
  });

  let timer: NodeJS.Timeout | undefined;
  const asked = await Promise.race([h.fake.chatAt(1), new Promise<undefined>((r) => (timer = setTimeout(r, 10_000, undefined)))]);
  clearTimeout(timer);
  assert.ok(asked, 'the model is asked again while the change cannot be written yet');
  assert.equal(await asked.closed, 'complete', 'the server has sent the whole reply');
  assert.equal(asked.body.messages.at(-1).role, 'tool');
  assert.match(asked.body.messages.at(-1).content, /^Added todo \d+ “Call the bank x+…” at position 1\.$/);
  await new Promise((r) => setTimeout(r, 100));
  const meanwhile = h.events.all.slice(told);
  assert.deepEqual(meanwhile.filter((n) => n.kind === 'todo/changed'), [], 'the Tasks view is not told of a change not on disk');
  assert.deepEqual(meanwhile.filter((n) => n.kind === 'chat/appended' && n.message.card), [], 'nor is the card shown');
  assert.deepEqual(meanwhile.filter((n) => n.kind === 'chat/delta'), [], 'no reply text is taken before the change is on disk');
  assert.equal(h.core.chat.isGenerating(profileId), true);

  free();
  const done = await h.events.finished((m) => m.role === 'assistant' && m.content === 'Added it.');
  assert.equal(done.status, 'done');
  const after = h.events.all.slice(told);
  const at = (find: (n: Notification) => boolean, what: string) => {
    const i = after.findIndex(find);
    assert.ok(i >= 0, what);
    return i;
  };
  const changed = at((n) => n.kind === 'todo/changed' && n.todo.title === title, 'the Tasks view is told');
  const card = at((n) => n.kind === 'chat/appended' && n.message.card?.items[0]?.state === 'applied', 'the card is shown, applied');
  const row = at((n) => n.kind === 'chat/appended' && n.message.id === done.id, 'the next reply gets its row');
  const text = at((n) => n.kind === 'chat/delta' && n.id === done.id, 'its text comes in');
  assert.ok(changed < card && card < row && row < text, 'told in order: the Tasks view, the card, the reply');

  // What was told was on disk: the files at that moment hold the todo, its card (applied) and its undo entry.
  const again = await setupTools(t, { dir: copy!, fakeToUse: h.fake });
  assert.deepEqual(again.list(), [title]);
  assert.deepEqual(again.cards().map((m) => m.card.items.map((i) => i.state)), [['applied']]);
  assert.deepEqual(again.core.store.db.all('SELECT card_id FROM undo WHERE undone = 0'), [{ card_id: again.cards()[0]!.id }]);
});
