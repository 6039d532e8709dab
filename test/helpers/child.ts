/** Runs test/crash/writer.ts in a child process and reads what it prints, line by line. */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

const writer = join(__dirname, '..', 'crash', 'writer.ts');

export class Writer {
  readonly lines: string[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readonly proc: ChildProcess;
  private partial = '';
  private listeners: (() => void)[] = [];
  stderr = '';

  constructor(args: string[]) {
    this.proc = spawn(process.execPath, ['--import', 'tsx', writer, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.proc.stdout!.setEncoding('utf8');
    this.proc.stdout!.on('data', (chunk: string) => {
      const parts = (this.partial + chunk).split('\n');
      this.partial = parts.pop()!;
      this.lines.push(...parts);
      for (const l of this.listeners.splice(0)) l();
    });
    this.proc.stderr!.setEncoding('utf8');
    this.proc.stderr!.on('data', (chunk: string) => (this.stderr += chunk));
    // 'close' comes after the pipes are drained, so every printed line is in `lines`.
    this.exited = new Promise((resolve) => this.proc.on('close', (code, signal) => resolve({ code, signal })));
    this.exited.then(() => {
      if (this.partial) this.lines.push(this.partial);
      this.partial = '';
      for (const l of this.listeners.splice(0)) l();
    });
  }

  get pid(): number {
    return this.proc.pid!;
  }

  /** Resolves with the first line matching `test`; rejects if the child exits first or after `ms`. */
  async waitForLine(test: (line: string) => boolean, ms = 20_000): Promise<string> {
    const deadline = Date.now() + ms;
    let done = false;
    this.exited.then(() => (done = true));
    for (;;) {
      const found = this.lines.find(test);
      if (found !== undefined) return found;
      if (done) throw new Error(`writer exited without the expected line; printed:\n${this.lines.slice(-20).join('\n')}\n${this.stderr}`);
      if (Date.now() > deadline) throw new Error(`writer did not print the expected line in time:\n${this.lines.slice(-20).join('\n')}\n${this.stderr}`);
      await new Promise<void>((r) => {
        this.listeners.push(r);
        setTimeout(r, 50);
      });
    }
  }

  send(text: string): void {
    this.proc.stdin!.write(text);
  }

  /** Stops reading what the child prints, as a parent the machine is too busy to run would. */
  stopReading(): void {
    this.proc.stdout!.pause();
  }

  /** SIGKILL, then read what it printed until the pipe is drained and the process gone (reaped, so its pid is dead). */
  async kill(): Promise<void> {
    this.proc.kill('SIGKILL');
    this.proc.stdout!.resume();
    await this.exited;
  }
}
