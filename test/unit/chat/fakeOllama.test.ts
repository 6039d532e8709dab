/** The fake Ollama server itself, as other suites use it: from the command line, scripted over HTTP. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import * as path from 'node:path';
import { test } from 'node:test';
import { Ollama } from 'ollama';
import { estimateTokens, type OutgoingMessage } from '../../../src/chat/context';
import { startFakeOllama } from '../../fakes/ollamaServer';

const script = path.join(__dirname, '../../fakes/ollamaServer.ts');

test('started from the command line, it prints its URL, takes scripts over HTTP and logs what it got', { timeout: 20_000 }, async (t) => {
  const child = spawn(process.execPath, ['--import', 'tsx', script, '--port', '0', '--models', 'tiny,llama3.2'], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.after(() => child.kill());
  let out = '';
  child.stdout.setEncoding('utf8');
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk: string) => {
      out += chunk;
      const m = /FAKE_OLLAMA_URL=(\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`exited with ${code}`)));
  });
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);

  const ollama = new Ollama({ host: url });
  assert.deepEqual((await ollama.list()).models.map((m) => m.name), ['tiny:latest', 'llama3.2:latest']);
  assert.equal(await (await fetch(url)).text(), 'Ollama is running');

  // Default reply: echoes the last user message.
  const echo = await ollama.chat({ model: 'tiny', messages: [{ role: 'user', content: 'ping pong' }], stream: false });
  assert.equal(echo.message.content, 'You said: ping pong');
  assert.equal(echo.done, true);

  await fetch(`${url}/__fake/script`, { method: 'POST', body: JSON.stringify({ chat: [{ tokens: ['x', 'y'] }], models: ['only'] }) });
  const parts: string[] = [];
  for await (const p of await ollama.chat({ model: 'only', messages: [], stream: true, options: { num_ctx: 1234 } })) parts.push(p.message.content);
  assert.deepEqual(parts, ['x', 'y', '']);

  const log = (await (await fetch(`${url}/__fake/log`)).json()) as { chats: { body: any; outcome: string }[] };
  assert.equal(log.chats.length, 2);
  assert.equal(log.chats[1]!.body.options.num_ctx, 1234);
  assert.equal(log.chats[1]!.outcome, 'complete');

  child.kill('SIGTERM');
  await once(child, 'exit');
});

test('its prefix cache: prompt_eval_count counts only the tokens after what the last prompt and reply share', { timeout: 20_000 }, async (t) => {
  const fake = await startFakeOllama();
  t.after(() => fake.close());
  const ollama = new Ollama({ host: fake.url });
  const ask = async (messages: OutgoingMessage[], tokens = ['Hi', ' there']) => {
    fake.scriptChat({ tokens });
    return (await ollama.chat({ model: 'llama3.2', messages, stream: false })).prompt_eval_count;
  };
  const system: OutgoingMessage = { role: 'system', content: 'Be brief. '.repeat(20) };
  const first: OutgoingMessage[] = [system, { role: 'user', content: 'one' }];
  assert.equal(await ask(first), estimateTokens(first), 'a cold cache evaluates the whole prompt');

  const next: OutgoingMessage = { role: 'user', content: 'and two, a longer question' };
  assert.equal(await ask([...first, { role: 'assistant', content: 'Hi there' }, next]), estimateTokens([next]), 'the last prompt and its reply are cached');
  assert.equal((await fake.chatAt(1)).promptEvalCount, estimateTokens([next]));

  const changed: OutgoingMessage[] = [{ role: 'user', content: 'Hello?' }, next];
  assert.equal(await ask(changed), estimateTokens(changed), 'a different start evaluates everything');
  assert.equal(await ask(changed), 1, 'the same prompt again: at least one token');

  fake.reset();
  assert.equal(await ask(changed), estimateTokens(changed), 'reset empties the cache');
});
