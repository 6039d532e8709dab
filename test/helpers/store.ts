/** Opens real stores on real disk, in fresh temporary folders. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Database, type OpenOptions } from '../../src/store/database';

export const wasmPath = require.resolve('sql.js/dist/sql-wasm.wasm');

export function tempDir(prefix = 'pipulate-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function openStore(dir: string, options: Partial<OpenOptions> = {}): Promise<Database> {
  return Database.open({ dir, wasmPath, lockWaitMs: 0, ...options });
}
