/**
 * One writer per store. The lock is a file holding the owner's pid and host, created
 * atomically (written under a temporary name, then hard-linked into place, which fails
 * if the lock exists). A lock whose owner is a dead process on this host is stale and is
 * taken over at once, so a VS Code that was killed does not lock the user out. A live
 * owner's lock is honoured whatever state the folder is in: a window that cannot create
 * its own lock file there (read-only, full, not its own) still reads the one that is.
 *
 * Why not proper-lockfile: it decides staleness by mtime alone, so after a crash the
 * next window would wait out the stale period, and a busy extension host that misses
 * its mtime refresh would lose its lock.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as l10n from '@vscode/l10n';
import { StoreLockedError } from './errors';
import { removeQuietly } from './fsutil';

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

/**
 * Who holds the lock: its owner; 'none' if there is no lock file; 'garbage' if it holds
 * no owner (emptied by a power loss, say); 'unknown' if it cannot be read.
 */
function readOwner(file: string): Owner | 'none' | 'garbage' | 'unknown' {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'none' : 'unknown';
  }
  try {
    const owner = JSON.parse(text) as Owner;
    return typeof owner?.pid === 'number' && typeof owner.host === 'string' ? owner : 'garbage';
  } catch {
    return 'garbage';
  }
}

function describe(owner: ReturnType<typeof readOwner>): string {
  return typeof owner === 'object' ? l10n.t('process {0} on {1} (since {2})', owner.pid, owner.host, owner.since) : l10n.t('another process');
}

function tryCreate(file: string): boolean {
  const tmp = `${file}.${process.pid}.${Date.now()}`;
  const owner: Owner = { pid: process.pid, host: os.hostname(), since: new Date().toISOString() };
  try {
    fs.writeFileSync(tmp, JSON.stringify(owner));
    fs.linkSync(tmp, file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    removeQuietly(tmp); // also when a full disk let it be created but not written
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
  if (heldHere.has(file)) throw new StoreLockedError(file, l10n.t('this process ({0})', process.pid));
  const deadline = Date.now() + waitMs;
  for (;;) {
    let cannotCreate: unknown;
    try {
      if (tryCreate(file)) break;
    } catch (err) {
      // A folder that takes no new files (read-only, full): an owner's lock in it still counts.
      cannotCreate = err;
    }
    const owner = readOwner(file);
    if (owner === 'none') {
      if (cannotCreate) throw cannotCreate;
      continue; // let go meanwhile
    }
    const stale =
      owner === 'garbage'
        ? ageMs(file) > 2000 // not just being written: left by a crash
        : owner !== 'unknown' && owner.host === os.hostname() && (owner.pid === process.pid || !isAlive(owner.pid));
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
        const owner = readOwner(file);
        if (typeof owner === 'object' && owner.pid === process.pid) fs.rmSync(file, { force: true });
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
