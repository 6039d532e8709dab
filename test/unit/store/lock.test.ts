/** One writer per store: the pid lock, across this process and others. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { StoreLockedError, StoreTakenError } from '../../../src/store/errors';
import { Writer } from '../../helpers/child';
import { defer, openForTest, openStore, scratchDir, settled, waitFor } from '../../helpers/store';
import { fill, sh, smallDisk } from './disk';

const lockOf = (dir: string) => join(dir, 'pipulate.db.lock');

/** The pid of a process that has exited and been reaped. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  const pid = Number(r.stdout);
  assert.throws(() => process.kill(pid, 0), { code: 'ESRCH' });
  return pid;
}

test('a second open in the same process is refused with StoreLockedError', async (t) => {
  const dir = scratchDir(t);
  const { db } = await openForTest(t, dir);
  await assert.rejects(openStore(dir, { lockWaitMs: 500 }), (err: unknown) => {
    assert.ok(err instanceof StoreLockedError);
    assert.match(err.message, new RegExp(`this process \\(${process.pid}\\)`));
    return true;
  });
  // The refused open did not take the lock away from the first.
  assert.equal(JSON.parse(readFileSync(lockOf(dir), 'utf8')).pid, process.pid);
  db.write('CREATE TABLE x (a)');
  await db.sync();
  db.closeSync();
  assert.equal(existsSync(lockOf(dir)), false);
  const again = await openForTest(t, dir);
  assert.deepEqual(again.db.all("SELECT name FROM sqlite_master WHERE name = 'x'"), [{ name: 'x' }]);
});

test('an open while another live process holds the store is refused with a clear message', async (t) => {
  const dir = scratchDir(t);
  const child = new Writer(['hold', dir, '3']);
  t.after(() => child.kill());
  await child.waitForLine((l) => l === 'ready');
  await assert.rejects(openStore(dir), (err: unknown) => {
    assert.ok(err instanceof StoreLockedError);
    assert.ok(err.message.includes(`process ${child.pid} on ${hostname()}`), err.message);
    assert.match(err.message, /Close the other window/);
    assert.ok(err.message.includes(lockOf(dir)), 'says which file to delete if no window has it');
    return true;
  });
  // The holder is unharmed and still has the lock.
  assert.equal(JSON.parse(readFileSync(lockOf(dir), 'utf8')).pid, child.pid);
  child.send('close\n');
  await child.waitForLine((l) => l === 'closed');
  const { db } = await openForTest(t, dir);
  assert.equal(db.all('SELECT count(*) AS n FROM item')[0]!.n, 3);
});

test('a lock whose owner is released within lockWaitMs is acquired', async (t) => {
  const dir = scratchDir(t);
  const child = new Writer(['hold', dir, '2']);
  t.after(() => child.kill());
  await child.waitForLine((l) => l === 'ready');
  const opening = openStore(dir, { lockWaitMs: 15_000 });
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(await settled(opening), false, 'waits while the owner is alive');
  child.send('close\n');
  const db = await opening;
  t.after(() => db.closeSync());
  assert.equal(db.all('SELECT count(*) AS n FROM item')[0]!.n, 2);
  assert.equal(JSON.parse(readFileSync(lockOf(dir), 'utf8')).pid, process.pid);
});

test('a stale lock of a dead process on this host is taken over at once', async (t) => {
  const dir = scratchDir(t);
  const pid = deadPid();
  writeFileSync(lockOf(dir), JSON.stringify({ pid, host: hostname(), since: new Date().toISOString() }));
  const { db } = await openForTest(t, dir); // lockWaitMs 0: no waiting allowed
  assert.equal(JSON.parse(readFileSync(lockOf(dir), 'utf8')).pid, process.pid);
  db.write('CREATE TABLE ok (a)');
  await db.sync();
});

test('a lock held on another host is never taken over', async (t) => {
  const dir = scratchDir(t);
  const pid = deadPid();
  const owner = JSON.stringify({ pid, host: `not-${hostname()}`, since: '2026-01-01T00:00:00.000Z' });
  writeFileSync(lockOf(dir), owner);
  await assert.rejects(openStore(dir), (err: unknown) => err instanceof StoreLockedError && err.message.includes(`not-${hostname()}`));
  assert.equal(readFileSync(lockOf(dir), 'utf8'), owner);
});

test('an unreadable lock is waited on while fresh and taken over once old', async (t) => {
  const dir = scratchDir(t);
  writeFileSync(lockOf(dir), 'garbage');
  await assert.rejects(openStore(dir), StoreLockedError);
  const old = new Date(Date.now() - 60_000);
  utimesSync(lockOf(dir), old, old);
  await openForTest(t, dir);
  assert.equal(JSON.parse(readFileSync(lockOf(dir), 'utf8')).pid, process.pid);
});

test('an open that fails after taking the lock lets it go', async (t) => {
  const dir = scratchDir(t);
  // A journal that cannot even be read (a folder in its place) makes open fail.
  mkdirSync(join(dir, 'pipulate.db.journal'));
  await assert.rejects(openStore(dir), { code: 'EISDIR' });
  assert.equal(existsSync(lockOf(dir)), false, 'no lock file left behind');
  rmSync(join(dir, 'pipulate.db.journal'), { recursive: true });
  const { db } = await openForTest(t, dir); // not "locked by this process"
  db.write('CREATE TABLE ok (a)');
  await db.sync();
});

/** Every file in `dir` with its bytes. */
function filesOf(dir: string): Record<string, string> {
  return Object.fromEntries(readdirSync(dir).map((f) => [f, readFileSync(join(dir, f)).toString('base64')]));
}

/**
 * Opens the store at `dir` in a new process (a second window), as `uid`; returns what it
 * printed. It is expected to be refused at once: the time limit only stops a hang.
 */
function openInAnotherProcess(dir: string, uid?: number): string {
  const writer = join(__dirname, '..', '..', 'crash', 'writer.ts');
  const r = spawnSync(process.execPath, ['--import', 'tsx', writer, 'hold', dir, '0'], {
    encoding: 'utf8',
    timeout: 20_000,
    ...(uid === undefined ? {} : { uid, gid: uid }),
  });
  return `${r.stdout}${r.stderr}`;
}

/** Ways a folder stops taking writes: each makes `dir` so and returns the path to open it by and a way back. */
const unwritable: [string, (t: TestContext, dir: string) => { path: string; uid?: number; undo: () => void }][] = [
  [
    'takes no new files (chattr +i: EPERM)',
    (t, dir) => {
      assert.ok(sh('chattr', ['+i', dir]).ok, 'chattr +i');
      let on = true;
      const undo = () => on && ((on = false), sh('chattr', ['-i', dir]));
      defer(t, undo);
      return { path: dir, undo };
    },
  ],
  [
    'is mounted read-only (EROFS)',
    (t, dir) => {
      const view = scratchDir(t, 'pipulate-ro-');
      assert.ok(sh('mount', ['--bind', dir, view]).ok && sh('mount', ['-o', 'remount,bind,ro', view]).ok, 'a read-only bind mount');
      let on = true;
      const undo = () => on && ((on = false), sh('umount', [view]));
      defer(t, undo);
      return { path: view, undo };
    },
  ],
  ['is on a full disk (ENOSPC)', (_t, dir) => ({ path: dir, undo: fill(dir) })],
  [
    'this user may not write (EACCES)',
    (_t, dir) => {
      chmodSync(join(dir, '..'), 0o755);
      chmodSync(dir, 0o755);
      return { path: dir, uid: 65534, undo: () => {} };
    },
  ],
];

for (const [how, makeUnwritable] of unwritable) {
  test(`a live owner's lock is honoured in a folder that ${how}: a second window is refused and writes nothing`, async (t) => {
    const dir = smallDisk(t);
    if (!dir) return;
    const owner = new Writer(['hold', dir, '3']);
    t.after(() => owner.kill());
    await owner.waitForLine((l) => l === 'ready');
    const before = filesOf(dir);
    const folder = makeUnwritable(t, dir);
    const printed = openInAnotherProcess(folder.path, folder.uid);
    assert.match(printed, new RegExp(`^E StoreLockedError: .*in use by process ${owner.pid} on `, 'm'), printed);
    folder.undo();
    assert.deepEqual(filesOf(dir), before, 'the second window wrote nothing');
    // The owner goes on, and all it acknowledged is kept.
    owner.send('write after\n');
    await owner.waitForLine((l) => l === 'wrote after');
    owner.send('close\n');
    await owner.waitForLine((l) => l === 'closed');
    const { db } = await openForTest(t, dir);
    assert.deepEqual(db.all('SELECT body FROM item ORDER BY id').map((r) => r.body), ['held 0', 'held 1', 'held 2', 'after']);
  });
}

for (const ownerGone of [false, true]) {
  test(`a window that opened without the lock (read-only folder) saves nothing once another took the store${ownerGone ? ' and let it go' : ''}, and says why`, async (t) => {
    const dir = smallDisk(t);
    if (!dir) return;
    const mountpoint = join(dir, '..');
    const seed = new Writer(['hold', dir, '1']);
    await seed.waitForLine((l) => l === 'ready');
    seed.send('close\n');
    await seed.waitForLine((l) => l === 'closed');

    assert.ok(sh('mount', ['-o', 'remount,ro', mountpoint]).ok);
    let readOnly = true;
    defer(t, () => readOnly && void sh('mount', ['-o', 'remount,rw', mountpoint]));
    const { db: late, problems } = await openForTest(t, dir);
    assert.deepEqual(problems.map((p) => p.kind), ['write-failing'], 'runs in memory, and says so');
    assert.ok(sh('mount', ['-o', 'remount,rw', mountpoint]).ok);
    readOnly = false;

    // Another window opens the store now that it can be written, and saves changes.
    const owner = new Writer(['hold', dir, '1']);
    t.after(() => owner.kill());
    await owner.waitForLine((l) => l === 'ready');
    owner.send('write by the owner\n');
    await owner.waitForLine((l) => l === 'wrote by the owner');
    if (ownerGone) {
      owner.send('close\n');
      await owner.waitForLine((l) => l === 'closed');
    }
    const onDisk = filesOf(dir);

    // The late window's first write would take the lock and save its older state over them.
    late.write('INSERT INTO item (body) VALUES (?)', ['by the late window']);
    const saving = late.sync();
    saving.catch(() => {});
    await waitFor(() => problems.some((p) => /has taken the database/.test(p.message)), 'the late window to say it cannot save');
    await assert.rejects(saving, StoreTakenError);
    assert.deepEqual(problems.map((p) => p.kind), ['write-failing', 'write-failing']);
    const said = problems[1]!;
    assert.match(said.message, ownerGone ? /another window has taken the database/ : new RegExp(`another window \\(process ${owner.pid} on `));
    assert.match(said.message, /not saved/);
    assert.throws(() => late.write('INSERT INTO item (body) VALUES (?)', ['again']), StoreTakenError);
    assert.deepEqual(filesOf(dir), onDisk, 'the late window wrote nothing, and left no lock of its own');
    assert.throws(() => late.closeSync(), StoreTakenError, 'closing says the changes were not saved');

    if (!ownerGone) {
      owner.send('close\n');
      await owner.waitForLine((l) => l === 'closed');
    }
    const { db } = await openForTest(t, dir);
    assert.deepEqual(db.all('SELECT body FROM item ORDER BY id').map((r) => r.body), ['held 0', 'held 0', 'by the owner']);
  });
}
