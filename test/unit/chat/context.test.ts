/** The token estimate and the reply's reserve, and telling a full context afterwards (the window itself: prompt.test.ts). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { contextWasFull, estimateTokens, promptTokens, replyReserve, type OutgoingMessage } from '../../../src/chat/context';

const msg = (role: OutgoingMessage['role'], chars: number, tag = ''): OutgoingMessage => ({ role, content: tag + 'x'.repeat(Math.max(0, chars - tag.length)) });

test('the estimate: about 4 characters a token, plus a few per message', () => {
  assert.equal(estimateTokens([]), 0);
  assert.equal(estimateTokens([msg('user', 400)]), 104);
  assert.equal(estimateTokens([msg('user', 1), msg('assistant', 8)]), 5 + 6);
  assert.equal(replyReserve(8192), 1024);
  assert.equal(replyReserve(1024), 256);
});

test('the prompt’s and the reply’s tokens tell a full context', () => {
  assert.equal(contextWasFull(100, 50, 2048), false);
  assert.equal(contextWasFull(2040, 5, 2048), true);
  assert.equal(contextWasFull(1800, 300, 2048), true);
  assert.equal(contextWasFull(0, undefined, 2048), false);
});

test('the prompt’s size is the estimate of what was sent, or the server’s count when that is more', () => {
  // A prefix cache: the server evaluated (and counts) only the new tokens.
  assert.equal(promptTokens(1500, 12), 1500);
  assert.equal(promptTokens(1500, undefined), 1500);
  // The estimate was low: the server's count is a better lower bound.
  assert.equal(promptTokens(1500, 1900), 1900);
});
