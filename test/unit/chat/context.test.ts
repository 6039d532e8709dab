/** Fitting a conversation into num_ctx, by estimate, and reading Ollama's counts afterwards. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { contextWasFull, estimateTokens, fitToContext, replyReserve, type OutgoingMessage } from '../../../src/chat/context';

const msg = (role: OutgoingMessage['role'], chars: number, tag = ''): OutgoingMessage => ({ role, content: tag + 'x'.repeat(Math.max(0, chars - tag.length)) });

test('the estimate: about 4 characters a token, plus a few per message', () => {
  assert.equal(estimateTokens([]), 0);
  assert.equal(estimateTokens([msg('user', 400)]), 104);
  assert.equal(estimateTokens([msg('user', 1), msg('assistant', 8)]), 5 + 6);
  assert.equal(replyReserve(8192), 1024);
  assert.equal(replyReserve(1024), 256);
});

test('a conversation that fits is sent whole', () => {
  const system = [msg('system', 100)];
  const history = [msg('user', 100), msg('assistant', 100), msg('user', 100)];
  const fit = fitToContext(system, history, 2048);
  assert.equal(fit.fits, true);
  assert.equal(fit.omitted, 0);
  assert.deepEqual(fit.messages, [...system, ...history]);
});

test('a long one keeps the system prompt and the newest messages, in order', () => {
  const system = [msg('system', 400)];
  const history = Array.from({ length: 50 }, (_, i) => msg(i % 2 ? 'assistant' : 'user', 400, `#${i} `));
  const fit = fitToContext(system, history, 2048); // budget 1536 tokens; each message 104
  assert.equal(fit.fits, true);
  assert.ok(fit.omitted > 0);
  assert.equal(fit.messages[0], system[0]);
  assert.deepEqual(fit.messages.slice(1), history.slice(fit.omitted));
  assert.ok(fit.sentEstimate <= fit.budget);
  assert.ok(fit.sentEstimate + 104 > fit.budget, 'as many as fit');
  assert.equal(fit.estimate, estimateTokens([...system, ...history]));
});

test('when even the newest message does not fit, nothing is to be sent', () => {
  const fit = fitToContext([msg('system', 100)], [msg('user', 100), msg('user', 10_000)], 1024);
  assert.equal(fit.fits, false);
  assert.ok(fit.minimum > fit.budget);
});

test('Ollama’s counts tell a full context', () => {
  assert.equal(contextWasFull(100, 50, 2048), false);
  assert.equal(contextWasFull(2040, 5, 2048), true);
  assert.equal(contextWasFull(1800, 300, 2048), true);
  assert.equal(contextWasFull(undefined, undefined, 2048), false);
});
