/** Command steps' runner: real processes through the shell; output streamed, capped, timed out and stopped. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runShell } from '../../../src/workflows/shellCommand';
import { scratchDir } from '../../helpers/store';

async function collect(it: AsyncIterable<string>): Promise<string> {
  let out = '';
  for await (const piece of it) out += piece;
  return out;
}

test('output of stdout and stderr, in the folder given; a failing command says its exit code', async (t) => {
  const dir = scratchDir(t);
  const out = await collect(runShell('pwd && echo err 1>&2', { cwd: dir, timeoutMs: 5000, signal: new AbortController().signal }));
  assert.match(out, new RegExp(`${dir.split('/').pop()}\\n`));
  assert.match(out, /err\n/);
  assert.match(await collect(runShell('exit 3', { cwd: dir, timeoutMs: 5000, signal: new AbortController().signal })), /\[Exit code 3\]/);
});

test('output past the cap is cut and the command stopped; a command past its time limit is stopped with an error', async (t) => {
  const dir = scratchDir(t);
  const out = await collect(runShell('yes x', { cwd: dir, timeoutMs: 5000, signal: new AbortController().signal, maxChars: 1000 }));
  assert.equal(out.split('\n[')[0]!.length, 1000);
  assert.match(out, /Output cut at 1000 characters/);
  const started = Date.now();
  await assert.rejects(collect(runShell('sleep 30', { cwd: dir, timeoutMs: 300, signal: new AbortController().signal })), /longer than 0 seconds/);
  assert.ok(Date.now() - started < 10_000, 'the sleep was killed, not waited for');
});

test('Stop (the signal) kills the command and its children; what arrived is kept', async (t) => {
  const dir = scratchDir(t);
  const controller = new AbortController();
  let out = '';
  for await (const piece of runShell('echo first; sleep 30; echo never', { cwd: dir, timeoutMs: 60_000, signal: controller.signal })) {
    out += piece;
    controller.abort();
  }
  assert.equal(out, 'first\n');
});

test('"Describe my changes" runs git diff --staged, or git diff when nothing is staged', async (t) => {
  const { execFileSync } = await import('node:child_process');
  const { writeFileSync } = await import('node:fs');
  const { BUILTIN_WORKFLOWS } = await import('../../../src/workflows/builtins');
  const { parseWorkflow } = await import('../../../src/workflows/definition');
  const builtin = BUILTIN_WORKFLOWS.find((b) => b.name === 'describe-my-changes')!;
  const parsed = parseWorkflow(builtin.name, builtin.text);
  assert.ok(parsed.ok);
  const step = parsed.workflow.steps[0]!;
  assert.equal(step.type, 'command');
  const command = step.type === 'command' ? step.run : '';
  const dir = scratchDir(t);
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, stdio: 'pipe' });
  git('init', '-q');
  git('-c', 'user.email=a@b', '-c', 'user.name=a', 'commit', '-q', '--allow-empty', '-m', 'init');
  writeFileSync(`${dir}/notes.txt`, 'staged line\n');
  git('add', 'notes.txt');
  git('-c', 'user.email=a@b', '-c', 'user.name=a', 'commit', '-q', '-m', 'notes');
  writeFileSync(`${dir}/notes.txt`, 'staged line\nnot staged yet\n');
  const run = () => collect(runShell(command, { cwd: dir, timeoutMs: 10_000, signal: new AbortController().signal }));
  assert.match(await run(), /\+not staged yet/, 'nothing staged: the changes not staged');
  writeFileSync(`${dir}/other.txt`, 'to commit\n');
  git('add', 'other.txt');
  const staged = await run();
  assert.match(staged, /\+to commit/);
  assert.doesNotMatch(staged, /not staged yet/, 'something staged: only what the commit takes');
});
