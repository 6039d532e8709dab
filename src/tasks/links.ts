/**
 * Todos that point at code: following the code as it changes (anchor.ts), renames and
 * moves of files, unlink and relink. Part of the tasks service's domain (it owns the
 * `todo` table and its `link` column) and, like it, free of the `vscode` module: the
 * editor's side (which file, its text, the selection) is handed in by src/linkCommands.ts.
 */
import * as l10n from '@vscode/l10n';
import type { AppStore, Todo } from '../store/appSchema';
import type { Notification, TodoDto } from '../protocol';
import type { Note } from '../chat/conversation';
import { UserError } from '../errors';
import { linkPlace, relocate, renamedPath, type CodeLink } from './anchor';
import * as notes from './notes';
import { todoDto } from './tasksService';

export interface LinksDeps {
  store: AppStore;
  emit: (n: Notification) => void;
  note: (profileId: number, note: Note) => void;
  /** The profile the Tasks view shows: only its rows are patched there. */
  activeProfileId: () => number;
}

/** A file in the workspace: the folder's name and the path in it (forward slashes). */
export interface FileRef {
  folder: string;
  path: string;
}

/** The editor, as the links need it (VS Code's in src/linkCommands.ts, a script's in the tests). */
export interface EditorPort {
  /** The file's text as the editor has it (unsaved changes included); undefined when there is no such file. */
  read(file: FileRef): Promise<string | undefined>;
  /** Opens the file with the link's lines selected and in view. */
  reveal(link: CodeLink): Promise<void>;
  /** The active editor's selection (its line, when nothing is selected) as a link; undefined with no editor on a workspace file. */
  selection(): CodeLink | undefined;
}

/** Where there is no editor (a core built without one). */
export const noEditor: EditorPort = {
  read: () => Promise.resolve(undefined),
  reveal: () => Promise.reject(new UserError(l10n.t('Links to code open in VS Code only.'))),
  selection: () => undefined,
};

export class TodoLinks {
  constructor(
    private readonly deps: LinksDeps,
    private readonly editor: EditorPort = noEditor,
  ) {}

  /**
   * Opens the code todo `id` points at, after following it to where its anchor is now. A
   * link whose anchor is gone opens where it was; its row says it is gone.
   */
  async open(id: number): Promise<void> {
    const link = this.linkOf(id);
    if (!link) throw new UserError(l10n.t('This todo does not point at code.'));
    const text = await this.editor.read(link);
    if (text === undefined) throw new UserError(l10n.t('The file {0} is not in the workspace any more.', link.path));
    const now = (await this.follow(link, text)).get(id) ?? link;
    await this.editor.reveal(now.gone ? link : now);
  }

  /** Points todo `id` at the editor's selection; false when there is none. */
  async relinkToSelection(id: number): Promise<boolean> {
    const link = this.editor.selection();
    if (!link) return false;
    await this.relink(id, link);
    return true;
  }

  /** Where todo `id` (of the active profile) points, or undefined. */
  linkOf(id: number): CodeLink | undefined {
    return (this.todos().get(id).link as CodeLink | null) ?? undefined;
  }

  /** The active profile's todos that point into `file`, with their links. */
  linkedIn(file: FileRef, which: 'open' | 'all' = 'all'): { todo: Todo; link: CodeLink }[] {
    const rows = this.todos().rows({ where: 'link IS NOT NULL', orderBy: 'priority, id' });
    return rows
      .filter((t) => !(which === 'open' && t.done))
      .map((todo) => ({ todo, link: todo.link as CodeLink }))
      .filter(({ link }) => link.folder === file.folder && link.path === file.path);
  }

  /**
   * Follows the links into `file` to where their anchors are in `text` now. Only what
   * changed is written (one transaction) and patched; answers the links as they are now.
   */
  async follow(file: FileRef, text: string): Promise<Map<number, CodeLink>> {
    const moved: { id: number; link: CodeLink }[] = [];
    const now = new Map<number, CodeLink>();
    for (const { todo, link } of this.linkedIn(file)) {
      const found = relocate(link, text);
      now.set(todo.id, found);
      if (found.start !== link.start || found.end !== link.end || !!found.gone !== !!link.gone) moved.push({ id: todo.id, link: found });
    }
    if (moved.length) await this.write(moved);
    return now;
  }

  /** Files (or folders) renamed or moved in VS Code: every profile's links follow them. */
  async renamed(pairs: readonly { from: FileRef; to: FileRef }[]): Promise<number> {
    const { store } = this.deps;
    const changed: { id: number; link: CodeLink }[] = [];
    for (const todo of store.todos.rows({ where: 'link IS NOT NULL' })) {
      const link = todo.link as CodeLink;
      for (const { from, to } of pairs) {
        const path = renamedPath(link, from, to);
        if (path) {
          changed.push({ id: todo.id, link: { ...link, ...path } });
          break;
        }
      }
    }
    if (!changed.length) return 0;
    await this.write(changed);
    return changed.length;
  }

  async unlink(id: number): Promise<TodoDto> {
    const todo = this.todos().get(id);
    const [dto] = await this.write([{ id, link: null }]);
    this.deps.note(this.deps.activeProfileId(), notes.unlinked(todo.title));
    return dto!;
  }

  /** Points todo `id` at `link` (the editor's selection). */
  async relink(id: number, link: CodeLink): Promise<TodoDto> {
    if (!link.path) throw new UserError(l10n.t('A todo can point only at a file.'));
    const todo = this.todos().get(id);
    const [dto] = await this.write([{ id, link }]);
    this.deps.note(this.deps.activeProfileId(), notes.linked(todo.title, linkPlace(link)));
    return dto!;
  }

  /**
   * Adds linked todos at the end of the active profile's list (Import TODO Comments): one
   * transaction, one sync, and one note to the model for them all, however many.
   */
  async addAll(items: readonly { title: string; link: CodeLink }[]): Promise<TodoDto[]> {
    const { store } = this.deps;
    const clean = items.map((i) => ({ title: i.title.replace(/\s+/g, ' ').trim(), link: i.link })).filter((i) => i.title);
    if (!clean.length) return [];
    const added = store.db.transaction(() => {
      const last = this.todos().rows({ orderBy: 'priority DESC', limit: 1 })[0];
      let priority = last ? last.priority + 1 : 0;
      return clean.map((i) => todoDto(this.todos().insert({ title: i.title, priority: priority++, link: i.link })));
    });
    await store.db.sync();
    for (const todo of added) this.deps.emit({ kind: 'todo/changed', todo });
    this.deps.note(this.deps.activeProfileId(), notes.imported(clean.map((i) => ({ title: i.title, where: linkPlace(i.link) }))));
    return added;
  }

  /** Of `candidates`, those no todo of the active profile points at already (the same file and anchor): importing twice adds nothing. */
  notLinkedYet<T extends { folder: string; path: string; anchor: string }>(candidates: readonly T[]): T[] {
    const have = new Set<string>();
    for (const todo of this.todos().rows({ where: 'link IS NOT NULL' })) {
      const link = todo.link as CodeLink;
      have.add(key(link));
    }
    return candidates.filter((c) => !have.has(key(c)));
  }

  private todos() {
    return this.deps.store.todos.xtra({ profile_id: this.deps.activeProfileId() });
  }

  /** Writes the links in one transaction; patches the rows the Tasks view shows. */
  private async write(changes: readonly { id: number; link: CodeLink | null }[]): Promise<TodoDto[]> {
    const { store } = this.deps;
    const active = this.deps.activeProfileId();
    const rows = store.db.transaction(() => changes.map(({ id, link }) => store.todos.update({ id, link })));
    await store.db.sync();
    const dtos = rows.map(todoDto);
    rows.forEach((row, i) => row.profile_id === active && this.deps.emit({ kind: 'todo/changed', todo: dtos[i]! }));
    return dtos;
  }
}

function key(link: { folder: string; path: string; anchor: string }): string {
  return JSON.stringify([link.folder, link.path, link.anchor.trim()]);
}
