/** One writer per store: the pid lock, across this process and others. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { StoreLockedError } from '../../../src/store/errors';
import { Writer } from '../../helpers/child';
import { openForTest, openStore, scratchDir, settled } from '../../helpers/store';

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
