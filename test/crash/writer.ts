/**
 * A child process that writes to a store until it is killed, for the crash tests.
 *
 *   writer.ts loop <dir> <seed> <checkpointMinBytes>
 *     Writes forever: inserts, updates, deletes and transactions, several at a time
 *     (group commit), from two concurrent workers. Prints a line for each write it is
 *     about to issue that the parent must know of ("d <id>": a delete that may or may
 *     not land), and one for each ACKNOWLEDGED write, only after `await db.sync()`:
 *       I <id>            a row of `item` inserted
 *       U <k> <n>         counter k set to n (n only grows)
 *       T <txid> <size>   a transaction that inserted <size> rows into `part`
 *       D <id>            item <id> deleted
 *       C                 a checkpoint happened (the journal shrank)
 *       c                 the journal has outgrown the snapshot: the next flush is a checkpoint
 *
 *   writer.ts hold <dir> <rows>
 *     Opens the store, inserts <rows> rows, syncs, prints "ready", and waits for lines on
 *     stdin: "write <body>" inserts a row and prints "wrote <body>" once it is synced;
 *     "close" closes the store and exits. Otherwise it holds the store until killed.
 *
 *   writer.ts flood <file>
 *     No store: prints "n <i>" for i = 1, 2, … as fast as it can, and after each line
 *     appends <i> to <file> (the effect the line announces, as "d <id>" announces a
 *     delete), until killed. It checks that printing loses nothing (see `out`).
 *
 * Every line is written to fd 1 synchronously (`out`), so every line printed before a
 * SIGKILL reaches the parent, however late the parent reads.
 */
import { appendFileSync, statSync, writeSync } from 'node:fs';
import { Database } from '../../src/store/database';
import { random } from '../helpers/random';

const [mode, dir, arg1, arg2] = process.argv.slice(2);
const wasmPath = require.resolve('sql.js/dist/sql-wasm.wasm');
const eagain = new Int32Array(new SharedArrayBuffer(4));

/**
 * Prints a line for the parent. Once this returns, the line is in the kernel's buffer and
 * reaches the parent even if this process is SIGKILLed the next moment. process.stdout
 * does not promise that: to a pipe (node gives a child a socketpair) it writes
 * asynchronously once a few hundred lines wait unread, and keeps the rest in this
 * process's memory, where a SIGKILL loses them. A parent slowed down by a busy machine
 * then missed "d <id>" lines of deletes that did reach the disk, and took the deleted
 * items for lost ones. So: write(2) on fd 1 directly, which blocks while the buffer is full.
 */
function out(line: string): void {
  const data = Buffer.from(`${line}\n`);
  for (let done = 0; done < data.length; ) {
    try {
      done += writeSync(1, data, done);
    } catch (err) {
      // fd 1 is non-blocking once something has made process.stdout: wait for the parent to read.
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
      Atomics.wait(eagain, 0, 0, 1);
    }
  }
}

export const SCHEMA = [
  'CREATE TABLE IF NOT EXISTS item (id INTEGER PRIMARY KEY AUTOINCREMENT, body TEXT NOT NULL)',
  // Few rows, rewritten over and over with a payload: the journal grows much faster than
  // the database, so checkpoints (with tiny checkpointMinBytes) come often.
  'CREATE TABLE IF NOT EXISTS counter (k INTEGER PRIMARY KEY, n INTEGER NOT NULL, note TEXT)',
  // A transaction's rows, and the counter value (k, n) it set in the same transaction.
  'CREATE TABLE IF NOT EXISTS part (id INTEGER PRIMARY KEY AUTOINCREMENT, txid TEXT NOT NULL, size INTEGER NOT NULL, k INTEGER NOT NULL, n INTEGER NOT NULL, body TEXT NOT NULL)',
];

async function loop(db: Database, seed: number, checkpointMinBytes: number): Promise<never> {
  const rand = random(seed);
  const pick = (n: number) => Math.floor(rand() * n);
  const body = (max: number) => 'x'.repeat(pick(max)) + `-${seed}-${pick(1e9)}`;
  // Counter values are taken from one sequence that only grows across rounds.
  let n = Number(db.all('SELECT max(n) AS m FROM counter')[0]!.m ?? 0);
  const live: number[] = db.all('SELECT id FROM item').map((r) => Number(r.id));
  let lastJournal = db.journalBytes;
  let txCount = 0;

  const worker = async (name: string): Promise<never> => {
    for (;;) {
      const acks: string[] = [];
      const batch = 1 + pick(8);
      for (let i = 0; i < batch; i++) {
        const r = rand();
        if (r < 0.3) {
          const id = Number(db.write('INSERT INTO item (body) VALUES (?) RETURNING id', [body(100)])[0]!.id);
          acks.push(`I ${id}`);
        } else if (r < 0.6) {
          const k = pick(5);
          n++;
          db.write('INSERT INTO counter (k, n, note) VALUES (?, ?, ?) ON CONFLICT (k) DO UPDATE SET n = excluded.n, note = excluded.note', [k, n, body(2000)]);
          acks.push(`U ${k} ${n}`);
        } else if (r < 0.85 && live.length > 0) {
          const id = live.splice(pick(live.length), 1)[0]!;
          out(`d ${id}`);
          db.write('DELETE FROM item WHERE id = ?', [id]);
          acks.push(`D ${id}`);
        } else {
          const txid = `${seed}-${name}-${txCount++}`;
          const size = 2 + pick(4);
          const k = pick(5);
          const m = ++n;
          db.transaction(() => {
            for (let p = 0; p < size; p++) db.write('INSERT INTO part (txid, size, k, n, body) VALUES (?, ?, ?, ?, ?)', [txid, size, k, m, body(20)]);
            db.write('INSERT INTO counter (k, n) VALUES (?, ?) ON CONFLICT (k) DO UPDATE SET n = excluded.n', [k, m]);
          });
          acks.push(`T ${txid} ${size}`, `U ${k} ${m}`);
        }
      }
      await db.sync();
      for (const a of acks) {
        out(a);
        if (a.startsWith('I ')) live.push(Number(a.slice(2)));
      }
      if (db.journalBytes < lastJournal) out('C');
      lastJournal = db.journalBytes;
      if (checkpointMinBytes < db.journalBytes && db.journalBytes > statSync(db.snapshotPath).size) out('c');
      // Let the other worker and the flush interleave with this one.
      if (pick(3) === 0) await new Promise((r) => setImmediate(r));
    }
  };
  return Promise.race([worker('a'), worker('b')]);
}

/** The flood mode: a line, then the effect it announces, forever. */
async function flood(file: string): Promise<never> {
  for (let i = 1; ; i++) {
    out(`n ${i}`);
    appendFileSync(file, `${i}\n`);
    if (i % 100 === 0) await new Promise((r) => setImmediate(r));
  }
}

async function main(): Promise<void> {
  if (mode === 'flood') return flood(dir!);
  const db = await Database.open({
    dir: dir!,
    wasmPath,
    lockWaitMs: 0,
    checkpointMinBytes: mode === 'loop' ? Number(arg2) : undefined,
    onProblem: (p) => out(`P ${p.kind} ${p.message.replace(/\n/g, ' ')}`),
  });
  db.transaction(() => SCHEMA.forEach((sql) => db.write(sql)));
  if (mode === 'loop') {
    out('start');
    await loop(db, Number(arg1), Number(arg2));
  } else if (mode === 'hold') {
    for (let i = 0; i < Number(arg1); i++) db.write('INSERT INTO item (body) VALUES (?)', [`held ${i}`]);
    await db.sync();
    out('ready');
    let partial = '';
    process.stdin.setEncoding('utf8');
    process.stdin.on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop()!;
      for (const line of lines) {
        if (line.startsWith('write ')) {
          const body = line.slice('write '.length);
          db.write('INSERT INTO item (body) VALUES (?)', [body]);
          void db.sync().then(() => out(`wrote ${body}`));
        } else if (line === 'close') {
          db.closeSync();
          out('closed');
          process.exit(0);
        }
      }
    });
  } else {
    throw new Error(`unknown mode ${mode}`);
  }
}

main().catch((err) => {
  out(`E ${(err as Error).name}: ${(err as Error).message}`);
  process.exit(1);
});
