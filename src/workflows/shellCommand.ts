/**
 * A workflow's command step, run: the command through the platform's shell in the
 * workspace folder, its output (stdout and stderr, interleaved as they come) streamed,
 * capped, and ended by a time limit or Stop (the process tree's leader is killed).
 * Free of `vscode`; the service decides whether it may run at all (a trusted workspace,
 * the user's click on Run).
 */
import { spawn } from 'node:child_process';
import * as l10n from '@vscode/l10n';
import { UserError } from '../errors';

/** Output kept from one run: a step's value, and part of a prompt, must stay small. */
export const MAX_OUTPUT = 64 * 1024;

export interface ShellOptions {
  cwd: string;
  timeoutMs: number;
  signal: AbortSignal;
  maxChars?: number;
}

/** Yields the output as it comes; ends with a line saying how it ended when not cleanly. */
export async function* runShell(command: string, o: ShellOptions): AsyncIterable<string> {
  const max = o.maxChars ?? MAX_OUTPUT;
  const child = spawn(command, { cwd: o.cwd, shell: true, windowsHide: true, stdio: ['ignore', 'pipe', 'pipe'], detached: process.platform !== 'win32' });
  const queue: string[] = [];
  let wake: (() => void) | undefined;
  let ended: { code: number | null; error?: Error } | undefined;
  let timedOut = false;
  let size = 0;
  let cut = false;
  const push = (text: string) => {
    queue.push(text);
    wake?.();
  };
  const kill = () => {
    try {
      // Detached: the shell leads a process group, so what it started stops with it.
      if (process.platform !== 'win32' && child.pid) process.kill(-child.pid, 'SIGTERM');
      else child.kill();
    } catch {
      /* already gone */
    }
  };
  const take = (chunk: Buffer) => {
    if (cut) return;
    const text = chunk.toString('utf8');
    if (size + text.length > max) {
      push(text.slice(0, max - size));
      cut = true;
      kill();
      return;
    }
    size += text.length;
    push(text);
  };
  child.stdout!.on('data', take);
  child.stderr!.on('data', take);
  child.on('error', (error) => ((ended = { code: null, error }), wake?.()));
  child.on('close', (code) => ((ended ??= { code }), wake?.()));
  const timer = setTimeout(() => ((timedOut = true), kill()), o.timeoutMs);
  const onAbort = () => kill();
  o.signal.addEventListener('abort', onAbort);
  try {
    for (;;) {
      while (queue.length) yield queue.shift()!;
      if (ended) break;
      await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
    }
  } finally {
    clearTimeout(timer);
    o.signal.removeEventListener('abort', onAbort);
    if (!ended) kill();
  }
  if (ended.error) throw new UserError(l10n.t('The command could not be started: {0}', ended.error.message));
  if (cut) yield `\n${l10n.t('[Output cut at {0} characters: the command was stopped.]', max)}`;
  else if (timedOut) throw new UserError(l10n.t('The command took longer than {0} seconds and was stopped.', Math.round(o.timeoutMs / 1000)));
  else if (!o.signal.aborted && ended.code !== 0) yield `\n${l10n.t('[Exit code {0}]', String(ended.code))}`;
}
