/**
 * Reading a long conversation page by page (`chat/history`): the snapshot's newest page,
 * then older pages by id, every message once, in order, and only the profile's own.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SNAPSHOT_PAGE } from '../../../src/chat/chatService';
import type { AppStore } from '../../../src/store/appSchema';
import { setup } from './harness';

const T = { timeout: 20_000 };

/** `n` messages in each of `profiles`, interleaved (so a profile's ids are not consecutive), in one transaction. */
function seed(store: AppStore, profiles: number[], n: number): void {
  store.db.transaction(() => {
    for (let i = 0; i < n; i++) {
      for (const profile_id of profiles) {
        const role = i % 3 === 0 ? 'user' : i % 3 === 1 ? 'assistant' : 'note';
        store.messages.insert({ profile_id, role, content: `${profile_id}:${i}`, created: i, status: 'done', model: null });
      }
    }
  });
}

test('the snapshot carries the newest page; chat/history pages cover every message exactly once, in order', T, async (t) => {
  const h = await setup(t);
  const other = h.store.profiles.insert({ name: 'Home' });
  seed(h.store, [h.profile.id, other.id], 1234);

  const snap = h.chat.snapshot(h.profile);
  assert.equal(snap.messages.length, SNAPSHOT_PAGE);
  assert.equal(snap.more, true);
  const seen = [...snap.messages];
  let more: boolean = snap.more;
  let pages = 0;
  while (more) {
    const page = h.chat.history(h.profile.id, seen[0]!.id, 100);
    assert.ok(page.messages.length > 0 && page.messages.length <= 100);
    seen.unshift(...page.messages);
    more = page.more;
    pages++;
  }
  assert.equal(pages, Math.ceil((1234 - SNAPSHOT_PAGE) / 100));
  assert.deepEqual(
    seen.map((m) => m.content),
    Array.from({ length: 1234 }, (_, i) => `${h.profile.id}:${i}`),
  );
  assert.equal(new Set(seen.map((m) => m.id)).size, 1234);
  assert.deepEqual(h.chat.history(h.profile.id, seen[0]!.id, 100), { messages: [], more: false });
});

test('more is false on the page that holds the first message, even when it is full', T, async (t) => {
  const h = await setup(t);
  seed(h.store, [h.profile.id], SNAPSHOT_PAGE + 100);
  const snap = h.chat.snapshot(h.profile);
  assert.equal(snap.more, true);
  const page = h.chat.history(h.profile.id, snap.messages[0]!.id, 100);
  assert.equal(page.messages.length, 100);
  assert.equal(page.more, false);
  assert.equal(page.messages[0]!.content, `${h.profile.id}:0`);

  const small = await setup(t);
  seed(small.store, [small.profile.id], SNAPSHOT_PAGE);
  assert.equal(small.chat.snapshot(small.profile).more, false, 'exactly one page');
});

test('chat/history is scoped: an id of another profile, or a deleted one, reads nothing of theirs', T, async (t) => {
  const h = await setup(t);
  const other = h.store.profiles.insert({ name: 'Home' });
  const gone = h.store.profiles.insert({ name: 'Gone' });
  seed(h.store, [h.profile.id, other.id, gone.id], 300);
  const newestOfOther = h.store.messages.rows({ where: { profile_id: other.id }, orderBy: 'id DESC', limit: 1 })[0]!.id;

  // Before an id of another profile: this profile's messages older than that id, none of the other's.
  const page = h.chat.history(h.profile.id, newestOfOther, 500);
  assert.ok(page.messages.length > 0);
  assert.ok(page.messages.every((m) => m.content.startsWith(`${h.profile.id}:`)));

  // A deleted profile's conversation is gone with it; asking for it (by its id or before its ids) reads nothing.
  const goneIds = h.store.messages.rows({ where: { profile_id: gone.id }, select: ['id'] }).map((r) => r.id);
  h.store.db.transaction(() => {
    h.chat.removeProfile(gone.id);
    h.store.profiles.delete(gone.id);
  });
  assert.deepEqual(h.chat.history(gone.id, Number.MAX_SAFE_INTEGER, 500), { messages: [], more: false });
  for (const before of [goneIds.at(-1)! + 1, goneIds[150]!]) {
    const mine = h.chat.history(h.profile.id, before, 500);
    assert.ok(mine.messages.every((m) => m.content.startsWith(`${h.profile.id}:`)));
    assert.ok(mine.messages.every((m) => !goneIds.includes(m.id)));
  }
});
