/** Todos that point at code, on a real store: storage and migration, following, renames, unlink and relink, undo. */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { Notification } from '../../../src/protocol';
import { appStore, type AppStore } from '../../../src/store/appSchema';
import type { Database } from '../../../src/store/database';
import { TasksService } from '../../../src/tasks/tasksService';
import { TodoLinks, type EditorPort } from '../../../src/tasks/links';
import type { CodeLink } from '../../../src/tasks/anchor';
import { UserUndo } from '../../../src/tools/toolbox';
import { UndoLog } from '../../../src/tools/undo';
import { openStore, tempDir } from '../../helpers/store';

let dir: string;
let db: Database;
let store: AppStore;
let emitted: Notification[];
let notes: string[];
let tasks: TasksService;
let links: TodoLinks;
/** The editor's files and what it revealed. */
let files: Map<string, string>;
let revealed: CodeLink[];
let selection: CodeLink | undefined;

const editor: EditorPort = {
  read: (f) => Promise.resolve(files.get(`${f.folder}/${f.path}`)),
  reveal: (link) => Promise.resolve(void revealed.push(link)),
  selection: () => selection,
};

function build(): void {
  store = appStore(db);
  tasks = new TasksService({ store, emit: (n) => emitted.push(n), note: (_, n) => notes.push(n.text), storage: { dir, scope: 'workspace' } });
  links = new TodoLinks({ store, emit: (n) => emitted.push(n), note: (_, n) => notes.push(n.text), activeProfileId: () => tasks.activeProfileId }, editor);
}

const parse = (start: number, anchor: string): CodeLink => ({ folder: 'app', path: 'src/parse.ts', start, end: start + anchor.split('\n').length - 1, anchor });
const source = ['import { lex } from "./lex";', '', 'export function parse(s: string) {', '  return lex(s); // TODO: handle errors', '}'].join('\n');

beforeEach(async () => {
  dir = tempDir();
  db = await openStore(dir);
  emitted = [];
  notes = [];
  files = new Map([['app/src/parse.ts', source]]);
  revealed = [];
  selection = undefined;
  build();
});
afterEach(() => {
  db.closeSync();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('todo links', () => {
  it('are stored with the todo, shown in its row and named in the note to the model, and survive a reopen', async () => {
    const todo = await tasks.addTodo('Handle errors', { link: parse(3, '  return lex(s);') });
    assert.deepEqual(todo.link, { path: 'src/parse.ts', start: 3, end: 3 });
    assert.equal(notes.at(-1), 'Added todo “Handle errors” (src/parse.ts:4)');
    db.closeSync();
    db = await openStore(dir);
    build();
    assert.deepEqual(tasks.snapshot().todos[0]!.link, { path: 'src/parse.ts', start: 3, end: 3 });
    assert.equal(links.linkOf(todo.id)!.anchor, '  return lex(s);');
    // A todo without a link has none in its row.
    assert.equal((await tasks.addTodo('Plain')).link, undefined);
  });

  it('an older database gets the link column, its todos kept and unlinked', async () => {
    db.closeSync();
    fs.rmSync(dir, { recursive: true, force: true });
    dir = tempDir();
    db = await openStore(dir);
    db.transaction(() => {
      db.write('CREATE TABLE "todo" ("id" INTEGER PRIMARY KEY, "title" TEXT NOT NULL, "done" BOOLEAN NOT NULL DEFAULT 0, "priority" INTEGER NOT NULL DEFAULT 0, "profile_id" INTEGER NOT NULL)');
      db.write('CREATE TABLE "profile" ("id" INTEGER PRIMARY KEY, "name" TEXT NOT NULL, "priority" INTEGER NOT NULL DEFAULT 0)');
      db.write(`INSERT INTO profile (id, name) VALUES (1, 'Old')`);
      db.write(`INSERT INTO todo (id, title, profile_id) VALUES (7, 'From before', 1)`);
      db.write('PRAGMA user_version = 2');
    });
    await db.sync();
    build();
    assert.deepEqual(tasks.snapshot().todos.map((t) => [t.id, t.title, t.link]), [[7, 'From before', undefined]]);
    await links.relink(7, parse(2, 'export function parse(s: string) {'));
    assert.deepEqual(tasks.snapshot().todos[0]!.link, { path: 'src/parse.ts', start: 2, end: 2 });
  });

  it('open follows the code: lines inserted above, then the text deleted (gone, opened where it was)', async () => {
    const todo = await tasks.addTodo('Handle errors', { link: parse(3, '  return lex(s);') });
    await links.open(todo.id);
    assert.equal(revealed.at(-1)!.start, 3);

    files.set('app/src/parse.ts', `// one\n// two\n${source}`);
    emitted = [];
    await links.open(todo.id);
    assert.equal(revealed.at(-1)!.start, 5);
    assert.deepEqual(emitted, [{ kind: 'todo/changed', todo: { ...todo, link: { path: 'src/parse.ts', start: 5, end: 5 } } }]);

    files.set('app/src/parse.ts', source.replace('  return lex(s); // TODO: handle errors\n', ''));
    await links.open(todo.id);
    assert.equal(revealed.at(-1)!.start, 5, 'opened where it was');
    assert.equal(tasks.snapshot().todos[0]!.link!.gone, true);

    // Relink to the selection: found again, no longer gone; unlink: no link.
    selection = parse(2, 'export function parse(s: string) {');
    assert.equal(await links.relinkToSelection(todo.id), true);
    assert.deepEqual(tasks.snapshot().todos[0]!.link, { path: 'src/parse.ts', start: 2, end: 2 });
    assert.match(notes.at(-1)!, /Pointed todo “Handle errors” at src\/parse.ts:3/);
    await links.unlink(todo.id);
    assert.equal(tasks.snapshot().todos[0]!.link, undefined);
    await assert.rejects(links.open(todo.id), /does not point at code/);
  });

  it('a missing file is a clear error; nothing changes', async () => {
    const todo = await tasks.addTodo('Elsewhere', { link: { ...parse(0, 'x'), path: 'gone.ts' } });
    await assert.rejects(links.open(todo.id), /gone\.ts is not in the workspace/);
    assert.equal(tasks.snapshot().todos[0]!.link!.gone, undefined);
  });

  it('follow writes only the links that moved', async () => {
    await tasks.addTodo('A', { link: parse(0, 'import { lex } from "./lex";') });
    await tasks.addTodo('B', { link: parse(3, '  return lex(s);') });
    emitted = [];
    await links.follow({ folder: 'app', path: 'src/parse.ts' }, `// new first line\n${source}`);
    assert.equal(emitted.length, 2);
    emitted = [];
    await links.follow({ folder: 'app', path: 'src/parse.ts' }, `// new first line\n${source}`);
    assert.equal(emitted.length, 0);
  });

  it('move with renamed files and folders in every profile; only the shown profile is patched', async () => {
    const a = await tasks.addTodo('A', { link: parse(0, 'import') });
    const other = await tasks.addProfile('Other');
    const b = await tasks.addTodo('B', { link: { ...parse(0, 'import'), path: 'src/deep/x.ts' } });
    await tasks.addTodo('C', { link: { ...parse(0, 'import'), path: 'srcx/y.ts' } });
    emitted = [];
    const moved = await links.renamed([{ from: { folder: 'app', path: 'src' }, to: { folder: 'app', path: 'lib' } }]);
    assert.equal(moved, 2);
    assert.deepEqual(emitted.map((n) => n.kind === 'todo/changed' && n.todo.id), [b.id]);
    assert.equal(store.todos.get(a.id).link && (store.todos.get(a.id).link as CodeLink).path, 'lib/parse.ts');
    assert.equal(tasks.snapshot().todos.find((t) => t.id === b.id)!.link!.path, 'lib/deep/x.ts');
    assert.equal(tasks.snapshot().todos.find((t) => t.title === 'C')!.link!.path, 'srcx/y.ts');
    assert.equal(other.name, 'Other');
  });

  it('a deleted linked todo comes back with its link on undo', async () => {
    const undo = new UserUndo(tasks, new UndoLog(store, tasks), (n) => emitted.push(n));
    const todo = await tasks.addTodo('Handle errors', { link: parse(3, '  return lex(s);') });
    await undo.deleteTodo(todo.id);
    assert.equal(tasks.snapshot().todos.length, 0);
    assert.equal(await undo.undo(), true);
    assert.deepEqual(tasks.snapshot().todos[0]!.link, { path: 'src/parse.ts', start: 3, end: 3 });
    assert.equal(links.linkOf(todo.id)!.anchor, '  return lex(s);');
  });

  it('of candidates, keeps those no todo points at yet (importing twice adds nothing)', async () => {
    await tasks.addTodo('Handle errors', { link: parse(3, '  return lex(s); // TODO: handle errors') });
    const fresh = links.notLinkedYet([
      { folder: 'app', path: 'src/parse.ts', anchor: '  return lex(s); // TODO: handle errors' },
      { folder: 'app', path: 'src/other.ts', anchor: '  return lex(s); // TODO: handle errors' },
    ]);
    assert.deepEqual(fresh.map((c) => c.path), ['src/other.ts']);
  });
});

describe('importing TODO comments', () => {
  it('adds them at the end in one sync, linked, with one note to the model naming the first few', async () => {
    await tasks.addTodo('Already here');
    notes = [];
    emitted = [];
    const items = Array.from({ length: 7 }, (_, i) => ({ title: `TODO: item ${i}`, link: { folder: 'app', path: `src/f${i}.ts`, start: i, end: i, anchor: `// TODO: item ${i}` } }));
    const added = await links.addAll(items);
    assert.deepEqual(tasks.snapshot().todos.map((t) => t.title), ['Already here', ...items.map((i) => i.title)]);
    assert.deepEqual(added.map((t) => t.link!.path), items.map((i) => i.link.path));
    assert.equal(emitted.length, 7);
    assert.deepEqual(notes, ['Added 7 todos from TODO comments: “TODO: item 0” (src/f0.ts:1), “TODO: item 1” (src/f1.ts:2), “TODO: item 2” (src/f2.ts:3), “TODO: item 3” (src/f3.ts:4), “TODO: item 4” (src/f4.ts:5), and 2 more']);
    // A second import of the same comments: nothing left to offer.
    assert.deepEqual(links.notLinkedYet(items.map((i) => i.link)), []);
    assert.deepEqual(await links.addAll([]), []);
  });
});
