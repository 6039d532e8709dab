/** The fake Ollama server itself, as other suites use it: from the command line, scripted over HTTP. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import * as path from 'node:path';
import { test } from 'node:test';
import { Ollama } from 'ollama';

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
