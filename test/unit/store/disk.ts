/**
 * Real disks that fill up or stop taking writes, for the store's tests: a small tmpfs
 * mounted for the test (the tests run as root, and chmod does not stop root).
 */
import { spawnSync } from 'node:child_process';
import { closeSync, fstatSync, ftruncateSync, mkdirSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { defer, scratchDir } from '../../helpers/store';

export function sh(cmd: string, args: string[]): { ok: boolean; err: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return { ok: r.status === 0, err: `${r.stderr}${r.error?.message ?? ''}`.trim() };
}

/** A fresh tmpfs of `size`, unmounted when the test ends; undefined (and the test skipped) where mounting is not allowed. */
export function smallDisk(t: TestContext, size = '256k'): string | undefined {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) {
    t.skip('needs root on Linux to mount a small tmpfs (chmod cannot make a folder read-only for root)');
    return undefined;
  }
  const mountpoint = scratchDir(t, 'pipulate-disk-');
  const r = sh('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', mountpoint]);
  if (!r.ok) {
    t.skip(`cannot mount a tmpfs here (${r.err})`);
    return undefined;
  }
  defer(t, () => {
    sh('umount', ['-l', mountpoint]);
  });
  const dir = join(mountpoint, 'store');
  mkdirSync(dir);
  return dir;
}

/** Fills the disk to the last byte, or to `leave` bytes short of it; returns a function that frees it again. */
export function fill(dir: string, leave = 0): () => void {
  const file = join(dir, '..', 'filler');
  const fd = openSync(file, 'a');
  for (const chunk of [65536, 4096, 512, 1]) {
    const buf = Buffer.alloc(chunk, 1);
    try {
      for (;;) writeSync(fd, buf);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
    }
  }
  if (leave > 0) ftruncateSync(fd, fstatSync(fd).size - leave);
  closeSync(fd);
  return () => rmSync(file);
}
