/**
 * Wrappers around node:fs functions, to observe the store's disk traffic and to hold an
 * operation back (as a busy thread pool or a slow disk would) while the test does
 * something in between. They change when the real call runs, never what it does.
 */
import * as fs from 'node:fs';
import type { TestContext } from 'node:test';

type AnyFn = (...args: any[]) => any;
// The CommonJS module object, whose functions can be replaced (an ES namespace's cannot).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const fsModule = require('node:fs') as Record<string, AnyFn> & { promises: Record<string, AnyFn> };

function patch(t: TestContext, target: Record<string, AnyFn>, name: string, make: (real: AnyFn) => AnyFn): void {
  const real = target[name]!;
  target[name] = make(real);
  t.after(() => {
    target[name] = real;
  });
}

/** Counts calls of `fs[name]` whose arguments match. */
export function countCalls(t: TestContext, name: 'fdatasync' | 'write' | 'fsync', when: (args: any[]) => boolean = () => true) {
  const counter = { calls: 0 };
  patch(t, fsModule, name, (real) => function (this: unknown, ...args: any[]) {
    if (when(args)) counter.calls++;
    return real.apply(this, args);
  });
  return counter;
}

export interface Gate {
  /** Resolves when a matching call has been held back. */
  readonly reached: Promise<void>;
  readonly held: number;
  /** Lets the held calls run, and later ones through. */
  release(): void;
}

function makeGate(t: TestContext, target: Record<string, AnyFn>, name: string, when: (args: any[]) => boolean, once: boolean, promise: boolean): Gate {
  const queue: (() => void)[] = [];
  let open = false;
  let tripped = false;
  let reach!: () => void;
  const reached = new Promise<void>((r) => (reach = r));
  patch(t, target, name, (real) => function (this: unknown, ...args: any[]) {
    if (open || (once && tripped) || !when(args)) return real.apply(this, args);
    tripped = true;
    reach();
    if (promise) return new Promise((resolve, reject) => queue.push(() => real.apply(this, args).then(resolve, reject)));
    queue.push(() => real.apply(this, args));
    return undefined;
  });
  t.after(() => gate.release());
  const gate: Gate = {
    reached,
    get held() {
      return queue.length;
    },
    release() {
      open = true;
      for (const run of queue.splice(0)) run();
    },
  };
  return gate;
}

/** Holds back the first call of a callback-style `fs[name]` whose arguments match. */
export function holdCallback(t: TestContext, name: 'fdatasync' | 'write' | 'fsync' | 'ftruncate', when: (args: any[]) => boolean): Gate {
  return makeGate(t, fsModule, name, when, true, false);
}

/** Holds back the first call of `fs.promises[name]` whose arguments match. */
export function holdPromise(t: TestContext, name: 'open' | 'rename', when: (args: any[]) => boolean): Gate {
  return makeGate(t, fsModule.promises, name, when, true, true);
}

/** The fd of an open file, found through /proc (Linux): which fd a call is about. */
export function fdPath(fd: number): string | undefined {
  try {
    return fs.readlinkSync(`/proc/self/fd/${fd}`);
  } catch {
    return undefined;
  }
}
