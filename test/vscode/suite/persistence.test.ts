/**
 * Data written through the store survives a reload of the window. Phase 1 writes and
 * records what it wrote; then the window is reloaded (or, on desktop, VS Code is started
 * again on the same user data and folder) and phase 2 reads it back.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readJournal } from '../../../src/store/journal';
import { activatePipulate } from './api';
import { currentPhase, readState, writeState } from './context';

interface Written {
  dataDir: string;
  profileId: number;
  name: string;
  todoId: number;
  kv: { key: string; value: unknown };
  pid: number;
}

const phase = currentPhase();

if (phase === 1) {
  suite('Persistence, phase 1: before the reload', () => {
    test('writes a profile, a todo and a key through the store, durably', async () => {
      const api = await activatePipulate();
      const name = `Survivor ${Date.now().toString(36)}`;
      const profile = api.store.profiles.insert({ name });
      const todo = api.store.todos.xtra({ profile_id: profile.id }).insert({ title: 'outlive the reload' });
      const kv = { key: 'test.survivor', value: { profileId: profile.id, at: name } };
      api.store.kv.set(kv.key, kv.value);
      await api.store.db.sync();
      const written: Written = { dataDir: api.dataDir, profileId: profile.id, name, todoId: todo.id, kv, pid: process.pid };
      writeState('persist.json', written);
      assert.ok(fs.existsSync(path.join(api.dataDir, 'pipulate.db.journal')));
    });
  });
} else {
  // A root hook: it runs before any suite of phase 2 has opened the store (Pipulate opens it only when asked).
  let atStart: { journalRecords: number | undefined; lockLeft: boolean } | undefined;
  suiteSetup(async () => {
    const written = readState<Written>('persist.json');
    const db = written && path.join(written.dataDir, 'pipulate.db');
    // The old extension host may still be shutting down (deactivate) when this one starts:
    // give it a few seconds to let the lock go, then look.
    for (let waited = 0; db && fs.existsSync(`${db}.lock`) && waited < 15_000; waited += 100) await new Promise((r) => setTimeout(r, 100));
    atStart = {
      journalRecords: db ? (readJournal(`${db}.journal`)?.records.length ?? 0) : undefined,
      lockLeft: db ? fs.existsSync(`${db}.lock`) : false,
    };
  });

  suite('Persistence, phase 2: after the reload', () => {
    test('the reload closed the store cleanly, and nothing opened it since', () => {
      assert.ok(atStart, 'the root hook ran');
      assert.equal(atStart.journalRecords, 0, 'deactivate folded the journal into the snapshot');
      assert.equal(atStart.lockLeft, false, 'deactivate let the lock go');
    });

    test('runs in a new extension host', () => {
      const written = readState<Written>('persist.json');
      assert.ok(written, 'phase 1 recorded what it wrote');
      assert.notEqual(process.pid, written.pid, 'the extension host was restarted');
    });

    test('finds the same database, with what phase 1 wrote', async () => {
      const written = readState<Written>('persist.json');
      assert.ok(written, 'phase 1 recorded what it wrote');
      const api = await activatePipulate();
      assert.equal(api.dataDir, written.dataDir, 'same workspace storage folder');
      assert.equal(api.store.profiles.get(written.profileId).name, written.name);
      const todo = api.store.todos.get(written.todoId);
      assert.equal(todo.title, 'outlive the reload');
      assert.equal(todo.profile_id, written.profileId);
      assert.deepEqual(api.store.kv.get(written.kv.key), written.kv.value);
    });
  });
}
