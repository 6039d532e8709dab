/** What the model may change without asking: the settings' list, "Always allow" per profile, never deleting from a card. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ask, setupTools } from './harness';

const T = { timeout: 30_000 };

test('"Always allow" on a card: that kind applies without asking from then on, in this profile only; revoked, it asks again', T, async (t) => {
  const h = await setupTools(t);
  const home = h.core.tasks.activeProfileId;
  h.fake.scriptChat({ tokens: [''], toolCalls: [{ name: 'add_todo', arguments: { title: 'one' } }] }, { tokens: ['ok'] });
  await h.core.chat.send(home, 'add one');
  const first = await h.card('waiting');
  await h.core.chat.decide(home, first.id, 'all', true);
  await h.core.chat.settled();
  assert.deepEqual(h.core.approvals.list(home), { profile: ['add'], settings: [] });

  h.fake.scriptChat({ tokens: [''], toolCalls: [{ name: 'add_todo', arguments: { title: 'two' } }] }, { tokens: ['ok'] });
  await ask(h, 'add two');
  assert.deepEqual(h.list(), ['one', 'two']);
  assert.equal(h.cards().at(-1)!.card.items[0]!.auto, true);

  const other = await h.core.tasks.addProfile('Other');
  h.fake.scriptChat({ tokens: [''], toolCalls: [{ name: 'add_todo', arguments: { title: 'three' } }] });
  await h.core.chat.send(other.id, 'add three');
  const asked = await h.card('waiting', (c) => c.items[0]!.text === 'Add todo “three”');
  assert.equal(asked.card.items[0]!.auto, false, 'another profile asks');
  h.core.chat.stop(other.id);
  await h.core.chat.settled();

  await h.core.approvals.set(home, []);
  assert.deepEqual(h.core.approvals.list(home).profile, []);
});

test('deleting is never allowed from a card, even with "always"; only the settings list can allow it', T, async (t) => {
  const h = await setupTools(t);
  const home = h.core.tasks.activeProfileId;
  const a = await h.core.tasks.addTodo('a');
  const b = await h.core.tasks.addTodo('b');
  h.fake.scriptChat({ tokens: [''], toolCalls: [{ name: 'delete_todo', arguments: { id: a.id } }] }, { tokens: ['ok'] });
  await h.core.chat.send(home, 'delete a');
  const card = await h.card('waiting');
  assert.equal(card.card.items[0]!.canAlways, false);
  await h.core.chat.decide(home, card.id, 'all', true);
  await h.core.chat.settled();
  assert.deepEqual(h.core.approvals.list(home).profile, [], '"always" did not allow deleting');
  h.core.approvals.allow(home, ['delete', 'clearCompleted']);
  assert.deepEqual(h.core.approvals.list(home).profile, [], 'nor can anything else but the settings');

  h.settings.tools = { enabled: true, autoApprove: ['delete', 'no-such-kind'], maxRounds: 8 };
  assert.deepEqual(h.core.approvals.list(home).settings, ['delete']);
  h.fake.scriptChat({ tokens: [''], toolCalls: [{ name: 'delete_todo', arguments: { id: b.id } }] }, { tokens: ['ok'] });
  await ask(h, 'delete b');
  assert.deepEqual(h.list(), []);
});
