/**
 * The crash test: a child process writes to a store as fast as it can (test/crash/writer.ts)
 * and is killed with SIGKILL at a random moment, round after round, on the same store.
 * After every kill, every write it acknowledged (printed after `await db.sync()`) must
 * be there, the store must open (taking over the dead writer's lock), and what was not
 * acknowledged must not break invariants: a transaction is all there or not at all.
 *
 * Half the rounds use a tiny checkpointMinBytes, so checkpoints run all the time and
 * kills land in them too. The kill moments are random; the outcome must not be.
 * PIPULATE_CRASH_SEED=n replays a run's writes (the kill moments still vary);
 * PIPULATE_CRASH_ROUNDS=n changes the number of rounds; CRASH_DEBUG=1 prints each round;
 * PIPULATE_CRASH_KEEP=<folder> keeps, for each round, the store's files as the kill left
 * them (before anything opens them) and what the writer printed, in <folder>/round-<n>.
 */
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Database } from '../../../src/store/database';
import { Writer } from '../../helpers/child';
import { crashCopy, openForTest, scratchDir, waitFor } from '../../helpers/store';
import { random } from '../../helpers/random';

const ROUNDS = Number(process.env.PIPULATE_CRASH_ROUNDS ?? 30);
const STORE_FILES = ['pipulate.db', 'pipulate.db.journal', 'pipulate.db.lock'];

/** What the writers acknowledged, over all rounds. */
class Acknowledged {
  /** Items acknowledged as inserted; deleted: acknowledged as deleted; maybe: a delete was issued, not acknowledged. */
  items = new Map<number, 'present' | 'maybe-deleted' | 'deleted'>();
  counters = new Map<number, number>();
  txs = new Map<string, number>();
  checkpoints = 0;
  writes = 0;

  read(lines: string[]): void {
    for (const line of lines) {
      const [tag, a, b] = line.split(' ');
      switch (tag) {
        case 'I':
          this.items.set(Number(a), 'present');
          this.writes++;
          break;
        case 'd':
          if (this.items.get(Number(a)) === 'present') this.items.set(Number(a), 'maybe-deleted');
          break;
        case 'D':
          this.items.set(Number(a), 'deleted');
          this.writes++;
          break;
        case 'U':
          this.counters.set(Number(a), Math.max(this.counters.get(Number(a)) ?? 0, Number(b)));
          this.writes++;
          break;
        case 'T':
          this.txs.set(a!, Number(b));
          this.writes++;
          break;
        case 'C':
          this.checkpoints++;
          break;
        case 'c':
          break;
        case 'P':
          // The only damage a kill may leave is a torn last record.
          assert.match(line, /^P tail-dropped /, `the writer reported: ${line}`);
          break;
        case 'E':
          assert.fail(`the writer failed: ${line}`);
          break;
        case 'start':
          break;
        default:
          assert.fail(`unexpected line from the writer: ${line}`);
      }
    }
  }

  check(db: Database, round: number): void {
    const at = `after round ${round}`;
    const items = new Set(db.all('SELECT id FROM item').map((r) => Number(r.id)));
    for (const [id, state] of this.items) {
      if (state === 'present') assert.ok(items.has(id), `acknowledged item ${id} is missing ${at}`);
      if (state === 'deleted') assert.ok(!items.has(id), `item ${id}, acknowledged as deleted, is back ${at}`);
    }
    const counters = new Map(db.all('SELECT k, n FROM counter').map((r) => [Number(r.k), Number(r.n)]));
    for (const [k, n] of this.counters) {
      assert.ok((counters.get(k) ?? -1) >= n, `counter ${k} is ${counters.get(k)}, below the acknowledged ${n} ${at}`);
    }
    // Every transaction that left any row left all of them, and its counter update too.
    const parts = db.all('SELECT txid, size, count(*) AS rows, max(k) AS k, max(n) AS n FROM part GROUP BY txid');
    for (const p of parts) {
      assert.equal(p.rows, p.size, `transaction ${p.txid} is half there (${p.rows} of ${p.size} rows) ${at}`);
      assert.ok((counters.get(Number(p.k)) ?? -1) >= Number(p.n), `transaction ${p.txid}'s counter update is missing ${at}`);
    }
    const present = new Map(parts.map((p) => [String(p.txid), Number(p.size)]));
    for (const [txid, size] of this.txs) assert.equal(present.get(txid), size, `acknowledged transaction ${txid} is missing ${at}`);
  }
}

test(`SIGKILL at random moments, ${ROUNDS} rounds: no acknowledged write is lost, no transaction is torn`, async (t) => {
  const dir = scratchDir(t, 'pipulate-crash-');
  const seed = Number(process.env.PIPULATE_CRASH_SEED ?? Date.now() % 1e6);
  t.diagnostic(`seed ${seed}`);
  const rand = random(seed);
  const acked = new Acknowledged();
  let killedInCheckpoint = 0;

  for (let round = 0; round < ROUNDS; round++) {
    const tiny = round % 2 === 0;
    const writer = new Writer(['loop', dir, String(seed * 1000 + round), tiny ? '1' : String(8 << 20)]);
    // Kill at once, after up to ~0.5 s of writing, or (in a third of the rounds with
    // checkpoints) just as a checkpoint starts. The first round runs until it has
    // checkpointed at least once, so every run covers writes on both sides of one.
    const r = rand();
    const delay = r < 0.15 ? 0 : Math.floor(rand() * 500);
    const atCheckpoint = tiny && r > 0.66;
    try {
      await writer.waitForLine((l) => l === 'start' || l.startsWith('E '));
      if (round === 0) await writer.waitForLine((l) => l === 'C');
      if (atCheckpoint) await writer.waitForLine((l) => l === 'c', 3000).catch(() => {});
      await new Promise((r) => setTimeout(r, atCheckpoint ? Math.floor(rand() * 4) : delay));
    } finally {
      await writer.kill();
    }
    acked.read(writer.lines);
    if (process.env.CRASH_DEBUG) {
      const sizes = readdirSync(dir).map((f) => `${f}=${statSync(join(dir, f)).size}`).join(' ');
      console.error(`round ${round} delay=${atCheckpoint ? 'c' : delay} tiny=${tiny} lines=${writer.lines.length} C=${writer.lines.filter((l) => l === 'C').length} ${sizes}`);
    }

    if (process.env.PIPULATE_CRASH_KEEP) {
      const keepDir = join(process.env.PIPULATE_CRASH_KEEP, `round-${String(round).padStart(2, '0')}`);
      mkdirSync(keepDir, { recursive: true });
      for (const f of readdirSync(dir)) copyFileSync(join(dir, f), join(keepDir, f));
      writeFileSync(join(keepDir, 'writer.out'), `${writer.lines.join('\n')}\n`);
      writeFileSync(join(keepDir, 'writer.err'), writer.stderr);
    }

    // A checkpoint cut short leaves its temp file; the next open must clean it up.
    if (readdirSync(dir).some((f) => f.includes('.tmp-'))) killedInCheckpoint++;

    // Odd rounds: open the store in place (stale lock taken over, journal replayed) and
    // close it (a checkpoint). Even rounds: look at a copy, and leave the crashed store
    // as it is for the next writer to recover.
    const inPlace = round % 2 === 1;
    if (inPlace) assert.ok(existsSync(join(dir, 'pipulate.db.lock')), 'the killed writer left its lock behind');
    const { db, problems } = await openForTest(t, inPlace ? dir : crashCopy(t, dir));
    assert.deepEqual(problems.filter((p) => p.kind !== 'tail-dropped'), [], `round ${round}`);
    acked.check(db, round);
    if (inPlace) {
      assert.deepEqual(readdirSync(dir).filter((f) => !STORE_FILES.includes(f)), [], `only the store's files after reopening, round ${round}`);
      db.closeSync();
    }
  }
  t.diagnostic(`${acked.writes} acknowledged writes, ${acked.checkpoints} checkpoints seen, ${killedInCheckpoint} kills during a checkpoint's snapshot write`);
  assert.ok(acked.writes > ROUNDS * 10, 'the writers got real work done');
  assert.ok(acked.checkpoints > 0, 'checkpoints happened');

  // And finally, a clean open of the store itself.
  const { db, problems } = await openForTest(t, dir);
  assert.deepEqual(problems.filter((p) => p.kind !== 'tail-dropped'), []);
  acked.check(db, ROUNDS);
});

// The test above trusts the writer's lines: a "d <id>" it missed makes a delete that reached
// the disk look like a lost item. A parent that a busy machine runs late must still get every
// line printed before the kill.
test('every line the writer printed reaches the parent, even one that reads late', async (t) => {
  const effects = join(scratchDir(t, 'pipulate-flood-'), 'effects');
  const writer = new Writer(['flood', effects]);
  writer.stopReading();
  await waitFor(() => existsSync(effects) && statSync(effects).size > 0, 'the writer to start printing', 20_000);
  // Then far more lines than the pipe holds, if the writer gets that far: it must wait for
  // the parent at a full pipe (printing asynchronously, it would run on and keep them in
  // memory). This bounds the wait only; the outcome does not depend on it.
  const deadline = Date.now() + 2000;
  while (Date.now() < deadline && statSync(effects).size < 100_000) await new Promise((r) => setTimeout(r, 20));
  await writer.kill();
  const done = readFileSync(effects, 'utf8').split('\n').filter(Boolean);
  const printed = new Set(writer.lines);
  const missed = done.filter((i) => !printed.has(`n ${i}`));
  assert.ok(done.length > 0, 'the writer ran');
  assert.equal(missed.length, 0, `${missed.length} of the ${done.length} lines the writer printed never reached the parent (first: n ${missed[0]})`);
});
