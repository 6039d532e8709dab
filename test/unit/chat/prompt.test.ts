/**
 * What a reply sends (prompt.ts) on a real store: read newest first only as far as
 * needed, the same choice as reading everything, a start that stays byte-identical
 * across turns until a block of old messages leaves.
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { estimateTokens, replyReserve, TOKENS_PER_MESSAGE } from '../../../src/chat/context';
import { Conversation } from '../../../src/chat/conversation';
import { KEEP_AFTER_DROP, PromptWindow, type Prompt, type PromptInput } from '../../../src/chat/prompt';
import { appStore } from '../../../src/store/appSchema';
import type { Message } from '../../../src/store/appSchema';
import { openForTest, scratchDir } from '../../helpers/store';
import { setup } from './harness';

async function conversationOf(t: TestContext) {
  const { db } = await openForTest(t, scratchDir(t, 'pipulate-prompt-'));
  const store = appStore(db);
  const profile = store.profiles.insert({ name: 'Work' });
  let clock = 0;
  const conversation = new Conversation(store, () => ++clock);
  /** One exchange: a user message, a note, the reply; `size` characters each. */
  const turn = (i: number, size = 120) => {
    conversation.add(profile.id, 'user', `question ${i} ${'q'.repeat(size)}`);
    conversation.note(profile.id, { text: `Added todo “t${i}”` });
    conversation.add(profile.id, 'assistant', `answer ${i} ${'a'.repeat(size)}`);
  };
  const ask = (i: number) => conversation.add(profile.id, 'user', `question ${i}`);
  return { store, conversation, profileId: profile.id, turn, ask };
}

/** Counts the rows a reader takes. */
function counted(rows: Iterable<Message>): { rows: Iterable<Message>; taken: () => number } {
  let n = 0;
  return {
    rows: (function* () {
      for (const row of rows) {
        n++;
        yield row;
      }
    })(),
    taken: () => n,
  };
}

const input = (numCtx: number, work = 'The to-do list: [ ] t0'): PromptInput => ({ systemPrompt: 'Be brief.', work: () => work, numCtx, retry: false });

test('reading lazily, newest first, chooses the same messages as reading the whole conversation, shorter or longer than the context', async (t) => {
  const c = await conversationOf(t);
  for (const turns of [1, 3, 40, 200]) {
    c.store.messages.deleteWhere({ profile_id: c.profileId });
    for (let i = 0; i < turns; i++) c.turn(i);
    c.ask(turns);
    const whole = c.store.messages.rows({ where: { profile_id: c.profileId }, orderBy: 'id' }).reverse();
    for (const numCtx of [512, 2048, 8192, 100_000]) {
      const reference = new PromptWindow().build(c.profileId, whole, input(numCtx));
      const lazy = new PromptWindow().build(c.profileId, c.conversation.newestFirst(c.profileId), input(numCtx));
      assert.deepEqual(lazy, reference, `${turns} turns, num_ctx ${numCtx}`);
    }
  }
});

test('a conversation that fits is sent whole, as before: the system prompt, the history, the work, the newest question', async (t) => {
  const c = await conversationOf(t);
  for (let i = 0; i < 3; i++) c.turn(i, 10);
  c.ask(3);
  const prompt = new PromptWindow().build(c.profileId, c.conversation.newestFirst(c.profileId), input(8192));
  const history = c.store.messages.rows({ where: { profile_id: c.profileId }, orderBy: 'id' });
  assert.equal(prompt.fits, true);
  assert.equal(prompt.trimmed, false);
  assert.deepEqual(prompt.messages, [
    { role: 'system', content: 'Be brief.' },
    ...history.slice(0, -1).map((m) => ({ role: m.role === 'note' ? 'system' : m.role, content: m.content })),
    { role: 'system', content: 'The to-do list: [ ] t0' },
    { role: 'user', content: 'question 3' },
  ]);
});

test('a send reads only what the prompt needs, however long the conversation', async (t) => {
  const c = await conversationOf(t);
  for (let i = 0; i < 2000; i++) c.turn(i, 40);
  c.ask(2000);
  const numCtx = 2048;
  const budget = numCtx - replyReserve(numCtx);
  const reader = counted(c.conversation.newestFirst(c.profileId));
  const prompt = new PromptWindow().build(c.profileId, reader.rows, input(numCtx));
  assert.equal(prompt.trimmed, true);
  assert.ok(reader.taken() <= budget / TOKENS_PER_MESSAGE + 1, `${reader.taken()} of 6001 rows read`);
});

/** What the next prompt must start with: the whole of `before`, byte for byte (the reply and what follows come after it). */
function stablePart(before: Prompt): string {
  return JSON.stringify(before.messages).slice(0, -1);
}

test('the start stays byte-identical across turns while the todos change and the conversation grows, until a block leaves', async (t) => {
  const c = await conversationOf(t);
  const window = new PromptWindow();
  const numCtx = 2048;
  const budget = numCtx - replyReserve(numCtx);
  let previous: Prompt | undefined;
  let drops = 0;
  let stableTurns = 0;
  for (let i = 0; i < 60; i++) {
    c.ask(i);
    const prompt = window.build(c.profileId, c.conversation.newestFirst(c.profileId), input(numCtx, `The to-do list, turn ${i}: ${'[ ] x '.repeat(i % 7)}`));
    assert.equal(prompt.fits, true);
    assert.deepEqual(prompt.messages[0], { role: 'system', content: 'Be brief.' }, 'the system prompt never carries the todos');
    assert.ok(prompt.sentEstimate <= budget);
    if (previous) {
      if (JSON.stringify(prompt.messages).startsWith(stablePart(previous))) stableTurns++;
      else {
        drops++;
        assert.ok(prompt.sentEstimate <= budget * KEEP_AFTER_DROP + estimateTokens(prompt.messages.slice(-2)), 'a drop goes down to about KEEP_AFTER_DROP of the budget');
        assert.equal(prompt.trimmed, true);
      }
    }
    previous = prompt;
    // The reply and a note, as a turn leaves them.
    c.conversation.add(c.profileId, 'assistant', `answer ${i} ${'a'.repeat(150)}`);
    c.conversation.note(c.profileId, { text: `Completed todo “t${i}”` });
  }
  assert.ok(drops >= 2, `${drops} drops`);
  assert.ok(stableTurns >= 50, `${stableTurns} of 59 turns kept the start`);
  assert.ok(stableTurns >= drops * 8, 'many stable turns per drop');
});

test('the todo list is written once, before the question then newest, and stays there unchanged; a block drop writes it anew', async (t) => {
  const c = await conversationOf(t);
  const window = new PromptWindow();
  c.ask(0);
  const first = window.build(c.profileId, c.conversation.newestFirst(c.profileId), input(2048, 'list A'));
  assert.deepEqual(first.messages.slice(1), [{ role: 'system', content: 'list A' }, { role: 'user', content: 'question 0' }]);
  c.conversation.add(c.profileId, 'assistant', 'answer 0');
  c.conversation.note(c.profileId, { text: 'Completed todo “t0”' });
  c.ask(1);
  const second = window.build(c.profileId, c.conversation.newestFirst(c.profileId), input(2048, 'list B'));
  assert.deepEqual(second.messages.slice(1), [
    { role: 'system', content: 'list A' },
    { role: 'user', content: 'question 0' },
    { role: 'assistant', content: 'answer 0' },
    { role: 'system', content: 'Completed todo “t0”' },
    { role: 'user', content: 'question 1' },
  ]);
  // Long enough to drop a block: the list is written again, as it is now, before the newest question.
  for (let i = 2; i < 60; i++) c.turn(i, 40);
  c.ask(60);
  const dropped = window.build(c.profileId, c.conversation.newestFirst(c.profileId), input(2048, 'list C'));
  assert.equal(dropped.trimmed, true);
  assert.deepEqual(dropped.messages.slice(-2), [{ role: 'system', content: 'list C' }, { role: 'user', content: 'question 60' }]);
  assert.ok(!dropped.messages.some((m) => m.content === 'list A'));
});

test('a retry leaves out the failed replies after the newest question; the work still goes just before it', async (t) => {
  const c = await conversationOf(t);
  c.ask(1);
  c.conversation.add(c.profileId, 'assistant', 'Half', 'error');
  const prompt = new PromptWindow().build(c.profileId, c.conversation.newestFirst(c.profileId), { ...input(4096), retry: true });
  assert.deepEqual(prompt.messages.slice(1), [
    { role: 'system', content: 'The to-do list: [ ] t0' },
    { role: 'user', content: 'question 1' },
  ]);
});

test('nothing is to be sent when the newest question alone is too long', async (t) => {
  const c = await conversationOf(t);
  c.turn(0);
  c.conversation.add(c.profileId, 'user', 'x'.repeat(10_000));
  const prompt = new PromptWindow().build(c.profileId, c.conversation.newestFirst(c.profileId), input(1024));
  assert.equal(prompt.fits, false);
  assert.ok(prompt.minimum > prompt.budget);
});

test('through the service: the model server evaluates only the new part of each prompt (the fake’s prefix cache)', { timeout: 30_000 }, async (t) => {
  let todos = 0;
  const h = await setup(t, { settings: { numCtx: 2048 }, deps: { describeWork: () => `The to-do list has ${todos} todos.` } });
  const counts: number[] = [];
  for (let i = 0; i < 12; i++) {
    todos = i;
    h.fake.scriptChat({ tokens: [`answer ${i} `, 'b'.repeat(200)] });
    await h.chat.send(h.profile.id, `question ${i} ${'q'.repeat(200)}`);
    await h.chat.settled();
    counts.push((await h.fake.chatAt(i)).promptEvalCount!);
  }
  const bodies = await Promise.all(counts.map((_, i) => h.fake.chatAt(i).then((e) => e.body.messages as unknown[])));
  const total = (i: number) => estimateTokens(bodies[i] as never);
  let cheap = 0;
  for (let i = 1; i < counts.length; i++) if (counts[i]! < total(i) / 2) cheap++;
  assert.ok(cheap >= 8, `prompt_eval_count ${counts.join(', ')} against totals ${counts.map((_, i) => total(i)).join(', ')}`);
});
