/** Small file-system steps the durability model is built from. */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Makes a rename or a new file in `dir` durable. Some platforms (Windows) cannot open a folder; there the rename is already durable enough. */
export function fsyncDirSync(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // Not supported here (EISDIR/EPERM on Windows).
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** fsyncDirSync off the main thread. */
export function fsyncDir(dir: string): Promise<void> {
  return new Promise((resolve) =>
    fs.open(dir, 'r', (err, fd) => {
      if (err) return resolve(); // not supported here, as above
      fs.fsync(fd, () => fs.close(fd, () => resolve()));
    }),
  );
}

/**
 * Writes all of `data` at `position`. fs.writeSync may write less than asked without an
 * error (a nearly full disk); the next call then fails with the reason.
 */
export function writeAllSync(fd: number, data: Uint8Array, position: number): void {
  for (let done = 0; done < data.length; ) {
    const n = fs.writeSync(fd, data, done, data.length - done, position + done);
    if (n <= 0) throw Object.assign(new Error(`Short write at ${position + done}`), { code: 'EIO' });
    done += n;
  }
}

/** Best effort: a leftover temp file only takes up space, and the folder may not let us remove it. */
export function removeQuietly(file: string): void {
  try {
    fs.rmSync(file, { force: true });
  } catch {
    // Left for the next open to clean up.
  }
}

/** Writes `data` to `file` so that a reader sees either the old or the whole new content, never a mix. */
export function writeFileAtomicSync(file: string, data: Uint8Array): void {
  const tmp = `${file}.tmp-${process.pid}`;
  try {
    const fd = fs.openSync(tmp, 'w');
    try {
      writeAllSync(fd, data, 0);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
  } catch (err) {
    removeQuietly(tmp);
    throw err;
  }
  fsyncDirSync(path.dirname(file));
}

/** Moves a damaged file out of the way under a name that says when, and returns that name. */
export function moveAside(file: string, why: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/[:.]/g, '-');
  // rename replaces an existing target silently: never lose an earlier damaged file that way.
  let target = `${file}.${why}-${stamp}`;
  for (let n = 2; fs.existsSync(target); n++) target = `${file}.${why}-${stamp}-${n}`;
  fs.renameSync(file, target);
  fsyncDirSync(path.dirname(file));
  return target;
}

export function readIfExists(file: string): Buffer | undefined {
  try {
    return fs.readFileSync(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}
