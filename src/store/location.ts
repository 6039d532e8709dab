/**
 * One folder, one store, whatever the window. VS Code gives each window its own workspace
 * storage folder, and may give a second window on the same folder another one (`…-1`,
 * seen with two browser tabs): a store kept there forks silently. So the store lives
 * under the global storage, in a folder named for the workspace's identity (its folder's
 * or workspace file's URI): every window on that workspace opens the same store, and a
 * second one meets its lock.
 *
 * A store a window kept in its workspace storage before is adopted on first open: copied
 * into a staging folder, each file read back and compared, then the staging folder is
 * renamed into place (so a crash leaves the whole store there or none of it), and the old
 * files are left where they were with a marker saying where they went: nothing is lost.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fsyncDirSync } from './fsutil';
import { acquireLock } from './lock';

export const MOVED_MARKER = 'pipulate.db.moved-to';

/** The store's folder for a workspace: `<global storage>/workspaces/<hash of its identity>`. */
export function storeFolder(globalDir: string, identity: string): string {
  return path.join(globalDir, 'workspaces', createHash('sha256').update(identity).digest('hex').slice(0, 16));
}

const hasStore = (dir: string) => ['pipulate.db', 'pipulate.db.journal'].some((f) => fs.existsSync(path.join(dir, f)));

/**
 * Moves the store in `from` to `to` if `to` has none yet and `from` has one that was not
 * moved before. 'moved' or 'nothing'; throws StoreLockedError if a window still has the
 * old store open (an older version of the extension), so the caller opens it where it is.
 */
export async function adoptStore(from: string, to: string): Promise<'moved' | 'nothing'> {
  if (hasStore(to) || !hasStore(from) || fs.existsSync(path.join(from, MOVED_MARKER))) return 'nothing';
  const lock = await acquireLock(path.join(from, 'pipulate.db.lock'));
  try {
    const staging = `${to}.adopting-${process.pid}`;
    fs.rmSync(staging, { recursive: true, force: true });
    fs.mkdirSync(staging, { recursive: true });
    for (const name of ['pipulate.db', 'pipulate.db.journal']) {
      const source = path.join(from, name);
      if (!fs.existsSync(source)) continue;
      const bytes = fs.readFileSync(source);
      const target = path.join(staging, name);
      fs.writeFileSync(target, bytes);
      const fd = fs.openSync(target, 'r');
      fs.fsyncSync(fd);
      fs.closeSync(fd);
      if (!fs.readFileSync(target).equals(bytes)) throw new Error(`The copy of ${source} in ${staging} does not read back the same.`);
    }
    fsyncDirSync(staging);
    fs.mkdirSync(path.dirname(to), { recursive: true });
    // An empty folder (made by an earlier run that stopped short) gives way; one with a store never does (hasStore above).
    if (fs.existsSync(to)) fs.rmdirSync(to);
    fs.renameSync(staging, to);
    fsyncDirSync(path.dirname(to));
    fs.writeFileSync(path.join(from, MOVED_MARKER), `${JSON.stringify({ movedTo: to, at: new Date().toISOString() })}\n`);
    return 'moved';
  } finally {
    lock.release();
  }
}
