/** The chat queue on its own: order, holds, drops, failures, re-entrant pushes. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ChatQueue } from '../../../src/chat/chatQueue';

interface Item {
  profileId: number;
  text: string;
}

function queue() {
  const out: string[] = [];
  const q = new ChatQueue<Item>((item) => {
    if (item.text === 'explode') throw new Error('boom');
    if (item.text === 'gone') return false;
    out.push(`${item.profileId}:${item.text}`);
    return true;
  });
  return { q, out };
}

test('items go out at once, in order, when nothing holds them', async () => {
  const { q, out } = queue();
  const a = q.push({ profileId: 1, text: 'a' });
  assert.deepEqual(out, ['1:a'], 'synchronously');
  q.push({ profileId: 2, text: 'b' });
  q.push({ profileId: 1, text: 'c' });
  assert.deepEqual(out, ['1:a', '2:b', '1:c']);
  assert.equal(await a, true);
});

test('a held profile waits, in order; the others do not', async () => {
  const { q, out } = queue();
  q.hold(1);
  const first = q.push({ profileId: 1, text: 'a' });
  q.push({ profileId: 2, text: 'x' });
  q.push({ profileId: 1, text: 'b' });
  assert.deepEqual(out, ['2:x']);
  assert.equal(q.pending(1), 2);
  assert.equal(q.isHeld(1), true);
  q.release(1);
  assert.deepEqual(out, ['2:x', '1:a', '1:b']);
  assert.equal(await first, true);
  assert.equal(q.pending(), 0);
});

test('holds nest', () => {
  const { q, out } = queue();
  q.hold(1);
  q.hold(1);
  q.push({ profileId: 1, text: 'a' });
  q.release(1);
  assert.deepEqual(out, []);
  q.release(1);
  assert.deepEqual(out, ['1:a']);
});

test('drop forgets a profile’s waiting items; dispose forgets all', async () => {
  const { q, out } = queue();
  q.hold(1);
  const dropped = q.push({ profileId: 1, text: 'a' });
  assert.equal(q.drop(1), 1);
  assert.equal(await dropped, false);
  q.push({ profileId: 1, text: 'b' });
  assert.deepEqual(out, ['1:b'], 'the hold went with the drop');
  q.hold(2);
  const waiting = q.push({ profileId: 2, text: 'c' });
  q.dispose();
  assert.equal(await waiting, false);
  assert.equal(await q.push({ profileId: 3, text: 'd' }), false);
  assert.deepEqual(out, ['1:b']);
});

test('a failing delivery rejects that push only', async () => {
  const { q, out } = queue();
  q.hold(1);
  const bad = q.push({ profileId: 1, text: 'explode' });
  const good = q.push({ profileId: 1, text: 'ok' });
  q.release(1);
  await assert.rejects(bad, /boom/);
  assert.equal(await good, true);
  assert.deepEqual(out, ['1:ok']);
});

test('an item its delivery drops (its profile is gone) resolves false', async () => {
  const { q, out } = queue();
  assert.equal(await q.push({ profileId: 1, text: 'gone' }), false);
  assert.equal(await q.push({ profileId: 1, text: 'kept' }), true);
  assert.deepEqual(out, ['1:kept']);
});

test('a push made while delivering waits for its turn', () => {
  const out: string[] = [];
  const q: ChatQueue<Item> = new ChatQueue<Item>((item) => {
    out.push(`start ${item.text}`);
    if (item.text === 'a') void q.push({ profileId: 1, text: 'from a' });
    out.push(`end ${item.text}`);
    return true;
  });
  q.hold(1);
  q.push({ profileId: 1, text: 'a' });
  q.push({ profileId: 1, text: 'b' });
  q.release(1);
  assert.deepEqual(out, ['start a', 'end a', 'start b', 'end b', 'start from a', 'end from a']);
});
