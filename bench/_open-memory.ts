/**
 * Child process of bench/store.ts: opens one copy of the 50 MB store (mode `store`, with
 * Database.open) or only reads its files into sql.js (mode `raw`), then prints what the
 * process holds, after a garbage collection, as one JSON line (MB).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import initSqlJs from 'sql.js';
import { Database } from '../src/store/database';
import { memoryMB, run } from './lib';

const wasmPath = require.resolve('sql.js/dist/sql-wasm.wasm');

run(async () => {
  const [mode, dir] = process.argv.slice(2);
  if (!dir) throw new Error('usage: _open-memory.ts store|raw <dir>');
  let keep: unknown;
  if (mode === 'store') {
    keep = await Database.open({ dir, wasmPath, lockWaitMs: 0, checkpointMinBytes: 1 << 30 });
  } else {
    const SQL = await initSqlJs({ wasmBinary: fs.readFileSync(wasmPath) as unknown as ArrayBuffer });
    const bytes = fs.readFileSync(path.join(dir, 'pipulate.db'));
    fs.readFileSync(path.join(dir, 'pipulate.db.journal'));
    keep = new SQL.Database(bytes);
  }
  const m = memoryMB();
  process.stdout.write(`${JSON.stringify(m)}\n`);
  if (!keep) throw new Error('nothing opened');
});
