/**
 * A send does not wait for the disk before asking the model: the request goes out while the
 * user's message is being written, and the reply is taken only once the message is on disk.
 * Shown on a real full disk (a small tmpfs, filled): the request reaches the fake server
 * while nothing can be written, no reply text is taken, and once there is room again the
 * message is saved and the reply comes in whole.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { settled } from '../../helpers/store';
import { fill, smallDisk } from '../store/disk';
import { setup, tokens } from './harness';

test('on a full disk the request goes out at once, and its reply waits until the message is saved', { timeout: 60_000 }, async (t) => {
  const dir = smallDisk(t, '512k');
  if (!dir) return;
  const h = await setup(t, { dir });
  const words = tokens(5);
  h.fake.scriptChat({ tokens: words });
  const free = fill(dir);

  const sent = h.chat.send(h.profile.id, `Hello ${'x'.repeat(5000)}`);
  const asked = await Promise.race([h.fake.chatAt(0), new Promise<undefined>((r) => setTimeout(r, 10_000, undefined))]);
  assert.ok(asked, 'the model is asked while the message cannot be written yet');
  const exchange = asked;
  assert.equal(await exchange.closed, 'complete', 'the server has sent the whole reply');
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(await settled(sent), false, 'send waits for the message to be saved');
  assert.equal(h.events.of('chat/delta').length, 0, 'no reply text is taken before the message is on disk');
  assert.equal(h.events.of('chat/finished').length, 0);

  free();
  await sent;
  const done = await h.events.finished();
  assert.equal(done.status, 'done');
  assert.equal(done.content, words.join(''));
  assert.match(h.fake.chats[0]!.body.messages.at(-1)!.content as string, /^Hello x/);
});
