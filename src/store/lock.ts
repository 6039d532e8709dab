/**
 * One writer per store. The lock is a file holding the owner's pid and host, created
 * atomically (written under a temporary name, then hard-linked into place, which fails
 * if the lock exists). A lock whose owner is a dead process on this host is stale and is
 * taken over at once, so a VS Code that was killed does not lock the user out.
 *
 * Why not proper-lockfile: it decides staleness by mtime alone, so after a crash the
 * next window would wait out the stale period, and a busy extension host that misses
 * its mtime refresh would lose its lock.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import { StoreLockedError } from './errors';

interface Owner {
  pid: number;
  host: string;
  since: string;
}

/** Locks held by this process, so a second open in the same process is refused too. */
const heldHere = new Set<string>();

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readOwner(file: string): Owner | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as Owner;
  } catch {
    return undefined;
  }
}

function describe(owner: Owner | undefined): string {
  return owner ? `process ${owner.pid} on ${owner.host} (since ${owner.since})` : 'another process';
}

function tryCreate(file: string): boolean {
  const tmp = `${file}.${process.pid}.${Date.now()}`;
  const owner: Owner = { pid: process.pid, host: os.hostname(), since: new Date().toISOString() };
  fs.writeFileSync(tmp, JSON.stringify(owner));
  try {
    fs.linkSync(tmp, file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

export interface Lock {
  readonly file: string;
  release(): void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Takes the lock, waiting up to `waitMs` for a live owner to let go (a window being
 * reloaded closes its store a moment after the new one starts opening).
 */
export async function acquireLock(file: string, waitMs = 3000): Promise<Lock> {
  if (heldHere.has(file)) throw new StoreLockedError(file, `this process (${process.pid})`);
  const deadline = Date.now() + waitMs;
  for (;;) {
    if (tryCreate(file)) break;
    const owner = readOwner(file);
    const stale =
      owner === undefined
        ? ageMs(file) > 2000 // unreadable and not just being written: left by a crash
        : owner.host === os.hostname() && (owner.pid === process.pid || !isAlive(owner.pid));
    if (stale) {
      fs.rmSync(file, { force: true });
      continue;
    }
    if (Date.now() >= deadline) throw new StoreLockedError(file, describe(owner));
    await sleep(100);
  }
  heldHere.add(file);
  let released = false;
  return {
    file,
    release() {
      if (released) return;
      released = true;
      heldHere.delete(file);
      try {
        if (readOwner(file)?.pid === process.pid) fs.rmSync(file, { force: true });
      } catch {
        // A folder that no longer lets us remove it: the lock names this process, so it
        // is stale (and taken over) once this process is gone, or reopened by it.
      }
    },
  };
}

function ageMs(file: string): number {
  try {
    return Date.now() - fs.statSync(file).mtimeMs;
  } catch {
    return Infinity;
  }
}
