/** TasksService on a real store: order, profiles, the notes it sends the model, what a reopen finds. */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { Notification } from '../../../src/protocol';
import { appStore, type AppStore } from '../../../src/store/appSchema';
import type { Database } from '../../../src/store/database';
import { ACTIVE_PROFILE_KEY, TasksService, UserError } from '../../../src/tasks/tasksService';
import { openStore, tempDir } from '../../helpers/store';

let dir: string;
let db: Database;
let store: AppStore;
let emitted: Notification[];
let notes: [number, string][];
let tasks: TasksService;

function service(): TasksService {
  return new TasksService({
    store,
    emit: (n) => emitted.push(n),
    note: (id, note) => notes.push([id, note.text]),
    storage: { dir, scope: 'workspace' },
  });
}
const titles = () => tasks.snapshot().todos.map((t) => t.title);

beforeEach(async () => {
  dir = tempDir();
  db = await openStore(dir);
  store = appStore(db);
  emitted = [];
  notes = [];
  tasks = service();
});
afterEach(() => {
  db.closeSync();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('TasksService', () => {
  it('starts a new workspace with one profile, and remembers the active one across a reopen', async () => {
    assert.deepEqual(tasks.profileList().map((p) => p.name), ['Default']);
    const home = await tasks.addProfile('Home');
    assert.equal(tasks.activeProfileId, home.id);
    db.closeSync();
    db = await openStore(dir);
    store = appStore(db);
    tasks = service();
    assert.equal(tasks.activeProfileId, home.id);
    assert.equal(store.kv.get(ACTIVE_PROFILE_KEY), home.id);
  });

  it('adds at the end, and announces each change only once it is on disk', async () => {
    let dirtyAtEmit: boolean | undefined;
    const s = new TasksService({
      store,
      emit: () => (dirtyAtEmit = db.dirty),
      note: () => {},
      storage: { dir, scope: 'workspace' },
    });
    await s.addTodo('a');
    assert.equal(dirtyAtEmit, false);
    await s.addTodo('b');
    assert.deepEqual(s.snapshot().todos.map((t) => t.title), ['a', 'b']);
  });

  it('moves a todo by one step writing two rows, and anywhere with drag semantics', async () => {
    for (const t of ['a', 'b', 'c', 'd', 'e']) await tasks.addTodo(t);
    const id = (title: string) => tasks.snapshot().todos.find((t) => t.title === title)!.id;
    const before = db.journalBytes;
    await tasks.moveTodo(id('c'), id('b'));
    assert.deepEqual(titles(), ['a', 'c', 'b', 'd', 'e']);
    const record = db.journalBytes - before;
    await tasks.moveTodo(id('e'), id('a'));
    assert.deepEqual(titles(), ['e', 'a', 'c', 'b', 'd']);
    assert.ok(db.journalBytes - before > record * 2, 'a longer move writes more rows');
    await tasks.moveTodo(id('e'), null);
    assert.deepEqual(titles(), ['a', 'c', 'b', 'd', 'e']);
    await tasks.moveTodo(id('a'), id('a'));
    await tasks.moveTodo(id('b'), id('d')); // already just before d
    assert.deepEqual(titles(), ['a', 'c', 'b', 'd', 'e']);
    assert.deepEqual(
      emitted.filter((n) => n.kind === 'todo/moved'),
      [
        { kind: 'todo/moved', id: id('c'), before: id('b') },
        { kind: 'todo/moved', id: id('e'), before: id('a') },
        { kind: 'todo/moved', id: id('e'), before: null },
      ],
    );
    assert.deepEqual(notes.slice(-3).map(([, text]) => text), ['Moved todo “c” from position 3 to position 2 of 5', 'Moved todo “e” from the bottom to the top', 'Moved todo “e” from the top to the bottom']);
  });

  it('renumbers a list whose priorities tie (an older database) and keeps its order', async () => {
    const profile = tasks.activeProfileId;
    for (const t of ['x', 'y', 'z']) store.todos.insert({ title: t, profile_id: profile, priority: 0 });
    const [x, , z] = tasks.snapshot().todos;
    await tasks.moveTodo(z!.id, x!.id);
    assert.deepEqual(titles(), ['z', 'x', 'y']);
    assert.deepEqual(tasks.snapshot().todos.map((t) => t.priority), [0, 1, 2]);
  });

  it('tells the model what happened, verbatim, in the profile the change was made in', async () => {
    const todo = await tasks.addTodo('Ship "v1" <today>');
    await tasks.toggleTodo(todo.id);
    await tasks.toggleTodo(todo.id);
    await tasks.renameTodo(todo.id, 'Ship v1');
    await tasks.renameTodo(todo.id, 'Ship v1'); // unchanged: nothing to say
    await tasks.deleteTodo(todo.id);
    const first = tasks.activeProfileId;
    await tasks.addProfile('Side project');
    assert.deepEqual(notes, [
      [first, 'Added todo “Ship "v1" <today>”'],
      [first, 'Completed todo “Ship "v1" <today>”'],
      [first, 'Reopened todo “Ship "v1" <today>”'],
      [first, 'Renamed todo “Ship "v1" <today>” to “Ship v1”'],
      [first, 'Deleted todo “Ship v1”'],
      [tasks.activeProfileId, 'Switched to profile “Side project”'],
    ]);
  });

  it('clears completed todos of the active profile only', async () => {
    const a = await tasks.addTodo('a');
    await tasks.addTodo('b');
    await tasks.toggleTodo(a.id);
    const other = await tasks.addProfile('Other');
    const o = await tasks.addTodo('other done');
    await tasks.toggleTodo(o.id);
    await tasks.switchProfile(tasks.profileList()[0]!.id);
    assert.equal(await tasks.clearCompleted(), 1);
    assert.deepEqual(titles(), ['b']);
    assert.equal(store.todos.count({ profile_id: other.id }), 1);
    assert.equal(await tasks.clearCompleted(), 0);
  });

  it('deletes a profile with its todos; its messages are the chat’s to delete (onProfileDeleting), so they go once; the last one cannot go', async () => {
    const deleting: number[] = [];
    tasks = new TasksService({ store, emit: () => {}, note: () => {}, storage: { dir, scope: 'workspace' }, onProfileDeleting: (id) => deleting.push(id) });
    const first = tasks.activeProfileId;
    await tasks.addTodo('first todo');
    const second = await tasks.addProfile('Second');
    await tasks.addTodo('second todo');
    store.messages.insert({ profile_id: second.id, role: 'user', content: 'hi', created: 1 });
    await tasks.deleteProfile(second.id);
    assert.equal(tasks.activeProfileId, first);
    assert.equal(store.todos.count({ profile_id: second.id }), 0);
    assert.deepEqual(deleting, [second.id]);
    assert.equal(store.messages.count({ profile_id: second.id }), 1, 'TasksService writes only its own tables');
    assert.deepEqual(titles(), ['first todo']);
    await assert.rejects(tasks.deleteProfile(first), UserError);
    assert.equal(store.profiles.count(), 1);
  });

  it('refuses empty titles and names, and unknown ids', async () => {
    await assert.rejects(tasks.addTodo('   '), /needs a title/);
    await assert.rejects(tasks.addProfile(' \n '), /needs a name/);
    await assert.rejects(tasks.toggleTodo(999), /That todo no longer exists/);
    await assert.rejects(tasks.switchProfile(999), /That profile no longer exists/);
  });

  it('cannot reach a todo of another profile', async () => {
    const mine = await tasks.addTodo('mine');
    await tasks.addProfile('Other');
    await assert.rejects(tasks.toggleTodo(mine.id), /That todo no longer exists/);
    await assert.rejects(tasks.deleteTodo(mine.id), /That todo no longer exists/);
    assert.equal(store.todos.count(), 1);
  });

  it('describes the work for the model', async () => {
    const t = await tasks.addTodo('Write the report');
    await tasks.addTodo('Call Bob\nabout lunch');
    await tasks.toggleTodo(t.id);
    assert.equal(
      tasks.describeWork(tasks.activeProfileId),
      'The user\'s profile is “Default”. Its to-do list at this point of the conversation, in order (notes after this say what changed since):\n- [x] Write the report\n- [ ] Call Bob about lunch',
    );
  });
});
