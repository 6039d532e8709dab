/**
 * Profiles and their todo lists: Pipulate's todo app, as host-side logic free of the
 * `vscode` module. Every change is on disk before it is announced: the methods await
 * the store's sync, then emit the patch every open view applies, then tell the model
 * what happened through the chat queue (a verbatim note).
 */
import * as l10n from '@vscode/l10n';
import type { AppStore, Profile, Todo } from '../store/appSchema';
import type { Notification, ProfileDto, TasksSnapshot, TodoDto } from '../protocol';
import { NotFoundError, UserError } from '../errors';
import type { Note } from '../chat/conversation';
import * as notes from './notes';
import type { ChangeOptions, RevertStep } from './revert';
import { oneLine } from '../text';
import { linkPlace, type CodeLink } from './anchor';

export { UserError };
export type { ChangeOptions } from './revert';

export interface TasksDeps {
  store: AppStore;
  emit: (n: Notification) => void;
  /** Pipulate's chatq: a short note to the profile's conversation (see notes.ts). */
  note: (profileId: number, note: Note) => void;
  storage: TasksSnapshot['storage'];
  /** Called inside the transaction that deletes a profile: the chat stops its reply and deletes its messages (its own table). */
  onProfileDeleting?: (profileId: number) => void;
}

export const ACTIVE_PROFILE_KEY = 'active_profile_id';

export class TasksService {
  private active: number;

  constructor(private readonly deps: TasksDeps) {
    this.active = this.pickActive();
  }

  /** The remembered active profile, or the first; a store with none gets the default one. */
  private pickActive(): number {
    const { store } = this.deps;
    if (store.profiles.count() === 0) store.profiles.insert({ name: l10n.t('Default') });
    const remembered = store.kv.get<number>(ACTIVE_PROFILE_KEY);
    return remembered !== undefined && store.profiles.has(remembered) ? remembered : this.profileList()[0]!.id;
  }

  /** The store's data was replaced (a restore, an import): start again from what it holds, and so does every view. */
  async reload(): Promise<void> {
    this.active = this.pickActive();
    await this.deps.store.db.sync();
    this.deps.emit({ kind: 'tasks/reset', snapshot: this.snapshot() });
  }

  get activeProfileId(): number {
    return this.active;
  }

  activeProfile(): ProfileDto {
    return profileDto(this.deps.store.profiles.get(this.active));
  }

  profileList(): ProfileDto[] {
    return this.deps.store.profiles.rows({ orderBy: 'priority, id' }).map(profileDto);
  }

  snapshot(): TasksSnapshot {
    return {
      profiles: this.profileList(),
      activeProfileId: this.active,
      todos: this.todos().rows({ orderBy: 'priority, id' }).map(todoDto),
      storage: this.deps.storage,
    };
  }

  /** How many todos the active profile has. */
  todoCount(): number {
    return this.todos().count();
  }

  counts(): { open: number; done: number } {
    return { open: this.todos().count({ done: false }), done: this.todos().count({ done: true }) };
  }

  // ---- todos ----

  // Each change method takes `ChangeOptions` (revert.ts): who made the change, and a
  // `record` called in the change's transaction with how to take it back.

  /** `link`: where in the code the todo points (Add Selection as Todo, Import TODO Comments). */
  async addTodo(title: string, options: ChangeOptions<TodoDto> & { link?: CodeLink } = {}): Promise<TodoDto> {
    const text = cleanTitle(title);
    const link = options.link ?? null;
    const note = notes.madeBy(options.by ?? 'user', notes.added(text, link ? linkPlace(link) : undefined));
    const todo = this.change(options, note, () => {
      const last = this.todos().rows({ orderBy: 'priority DESC', limit: 1 })[0];
      const added = todoDto(this.todos().insert({ title: text, priority: last ? last.priority + 1 : 0, link }));
      return { result: added, steps: [{ op: 'remove', id: added.id }] };
    });
    await this.commit({ kind: 'todo/changed', todo }, note, options);
    return todo;
  }

  async toggleTodo(id: number, options: ChangeOptions<TodoDto> = {}): Promise<TodoDto> {
    const before = this.getTodo(id);
    const note = notes.madeBy(options.by ?? 'user', notes.toggled(before.title, !before.done));
    const todo = this.change(options, note, () => ({
      result: todoDto(this.todos().update({ id, done: !before.done })),
      steps: [{ op: 'set', id, done: before.done }],
    }));
    await this.commit({ kind: 'todo/changed', todo }, note, options);
    return todo;
  }

  async renameTodo(id: number, title: string, options: ChangeOptions<TodoDto> = {}): Promise<TodoDto> {
    const before = this.getTodo(id);
    const text = cleanTitle(title);
    if (text === before.title) return todoDto(before);
    const note = notes.madeBy(options.by ?? 'user', notes.renamed(id, before.title, text));
    const todo = this.change(options, note, () => ({
      result: todoDto(this.todos().update({ id, title: text })),
      steps: [{ op: 'set', id, title: before.title }],
    }));
    await this.commit({ kind: 'todo/changed', todo }, note, options);
    return todo;
  }

  async deleteTodo(id: number, options: ChangeOptions<void> = {}): Promise<void> {
    const todo = this.getTodo(id);
    const note = notes.madeBy(options.by ?? 'user', notes.deleted(todo.title));
    this.change(options, note, () => {
      this.todos().delete(id);
      return { result: undefined, steps: [restoreStep(todo)] };
    });
    await this.commit({ kind: 'todo/removed', ids: [id] }, note, options);
  }

  /**
   * Moves a todo to just before `before` (or to the end). The rows between the old and
   * the new place trade their priorities among themselves, so a move by one step
   * writes two rows, whatever the length of the list.
   */
  async moveTodo(id: number, before: number | null, options: ChangeOptions<void> = {}): Promise<void> {
    if (id === before) return;
    const order = this.todos().rows({ orderBy: 'priority, id' });
    const from = order.findIndex((t) => t.id === id);
    if (from < 0) throw new NotFoundError('todo', id);
    let to = before === null ? order.length : order.findIndex((t) => t.id === before);
    if (to < 0) throw new NotFoundError('todo', before);
    if (to > from) to--;
    if (from === to) return;
    const slots = order.map((t) => t.priority);
    const [moving] = order.splice(from, 1);
    order.splice(to, 0, moving!);
    // Priorities are distinct by construction; if an old database has ties, number them afresh.
    const distinct = slots.every((p, i) => i === 0 || p > slots[i - 1]!);
    const [lo, hi] = distinct ? [Math.min(from, to), Math.max(from, to)] : [0, order.length - 1];
    const note = notes.madeBy(options.by ?? 'user', notes.moved(id, moving!.title, from, to, order.length));
    this.change(options, note, () => {
      const priorities: [number, number][] = [];
      for (let i = lo; i <= hi; i++) {
        const priority = distinct ? slots[i]! : i;
        if (order[i]!.priority === priority) continue;
        priorities.push([order[i]!.id, order[i]!.priority]);
        this.todos().update({ id: order[i]!.id, priority });
      }
      return { result: undefined, steps: [{ op: 'order', priorities }] };
    });
    await this.commit({ kind: 'todo/moved', id, before: order[to + 1]?.id ?? null }, note, options);
  }

  async clearCompleted(options: ChangeOptions<number> = {}): Promise<number> {
    const done = this.todos().rows({ where: { done: true }, orderBy: 'priority, id' });
    if (done.length === 0) return 0;
    const note = notes.madeBy(options.by ?? 'user', notes.cleared(done.length));
    this.change(options, note, () => {
      this.todos().deleteWhere({ done: true });
      return { result: done.length, steps: done.map(restoreStep) };
    });
    await this.commit({ kind: 'todo/removed', ids: done.map((t) => t.id) }, note, options);
    return done.length;
  }

  // ---- profiles ----

  async switchProfile(id: number, options: ChangeOptions<void> = {}): Promise<void> {
    const profile = this.deps.store.profiles.get(id);
    if (id === this.active) return;
    const from = this.active;
    const note = notes.madeBy(options.by ?? 'user', notes.switched(profile.name));
    this.change(options, note, () => {
      this.active = id;
      this.deps.store.kv.set(ACTIVE_PROFILE_KEY, id);
      return { result: undefined, steps: [{ op: 'switch', profileId: from }] };
    });
    await this.deps.store.db.sync();
    this.deps.emit({ kind: 'tasks/reset', snapshot: this.snapshot() });
    this.deps.note(id, note);
  }

  /** Creates a profile and switches to it; undone (revert) by deleting it while it is empty and switching back. */
  async addProfile(name: string, options: ChangeOptions<ProfileDto> = {}): Promise<ProfileDto> {
    const from = this.active;
    const clean = cleanName(name);
    const profile = this.change(options, l10n.t('Created profile {0}', notes.quote(clean)), () => {
      const last = this.deps.store.profiles.rows({ orderBy: 'priority DESC', limit: 1 })[0];
      const added = profileDto(this.deps.store.profiles.insert({ name: clean, priority: (last?.priority ?? 0) + 1 }));
      // Reverted last step first: back to the profile before, then the new one goes.
      return { result: added, steps: [{ op: 'removeProfile', profileId: added.id }, { op: 'switch', profileId: from }] };
    });
    await this.deps.store.db.sync();
    await this.switchProfile(profile.id, { by: options.by });
    return profile;
  }

  async renameProfile(id: number, name: string): Promise<ProfileDto> {
    const before = this.deps.store.profiles.get(id);
    const profile = profileDto(this.deps.store.profiles.update({ id, name: cleanName(name) }));
    await this.deps.store.db.sync();
    this.deps.emit({ kind: 'profiles/changed', profiles: this.profileList(), activeProfileId: this.active });
    this.deps.note(id, notes.renamedProfile(before.name, profile.name));
    return profile;
  }

  /** Deletes a profile with its todos, and (through `onProfileDeleting`) its conversation, workflow runs, undo entries and allowed changes. The last profile cannot go. */
  async deleteProfile(id: number): Promise<void> {
    const { store } = this.deps;
    store.profiles.get(id);
    const rest = this.profileList().filter((p) => p.id !== id);
    if (rest.length === 0) throw new UserError(l10n.t('This is the only profile. Create another one before deleting it.'));
    store.db.transaction(() => {
      this.deps.onProfileDeleting?.(id);
      store.todos.deleteWhere({ profile_id: id });
      store.profiles.delete(id);
      if (this.active === id) store.kv.set(ACTIVE_PROFILE_KEY, rest[0]!.id);
    });
    if (this.active === id) this.active = rest[0]!.id;
    await store.db.sync();
    this.deps.emit({ kind: 'tasks/reset', snapshot: this.snapshot() });
  }

  /**
   * Takes changes back: the steps one change (or one card) recorded, last first, in one
   * transaction, in profile `profileId`. What is gone since is left alone (a todo deleted
   * after it was added); a created profile that has todos now is not deleted (UserError).
   * `what` is the note that said the change; the model is told it was undone. `alongside`
   * writes in the same transaction (the undo log marks its entry).
   */
  async revert(profileId: number, steps: readonly RevertStep[], what: string, alongside?: () => void): Promise<void> {
    const { store } = this.deps;
    store.profiles.get(profileId);
    const todos = store.todos.xtra({ profile_id: profileId });
    let active = this.active;
    store.db.transaction(() => {
      for (const step of [...steps].reverse()) {
        if (step.op === 'remove') {
          if (todos.has(step.id)) todos.delete(step.id);
        } else if (step.op === 'restore') {
          this.restoreTodo(profileId, step.todo, step.link);
        } else if (step.op === 'set') {
          if (todos.has(step.id)) todos.update({ id: step.id, title: step.title, done: step.done });
        } else if (step.op === 'order') {
          for (const [id, priority] of step.priorities) if (todos.has(id)) todos.update({ id, priority });
        } else if (step.op === 'switch') {
          if (store.profiles.has(step.profileId)) active = step.profileId;
        } else if (store.profiles.has(step.profileId)) {
          const profile = store.profiles.get(step.profileId);
          if (store.todos.count({ profile_id: step.profileId }) > 0) {
            throw new UserError(l10n.t('The profile {0} has todos now: delete it yourself if it should go.', notes.quote(profile.name)));
          }
          if (active === step.profileId) active = this.profileList().find((p) => p.id !== step.profileId)!.id;
          this.deps.onProfileDeleting?.(step.profileId);
          store.profiles.delete(step.profileId);
        }
      }
      if (active !== this.active) store.kv.set(ACTIVE_PROFILE_KEY, active);
      alongside?.();
    });
    this.active = active;
    await store.db.sync();
    this.deps.emit({ kind: 'tasks/reset', snapshot: this.snapshot() });
    this.deps.note(profileId, notes.undone(what));
  }

  /** What the user works on, for the model's system prompt. */
  // model-facing
  describeWork(profileId: number, limit = 60): string {
    const profile = this.deps.store.profiles.get(profileId);
    const todos = this.deps.store.todos.xtra({ profile_id: profileId }).rows({ orderBy: 'priority, id', limit: limit + 1 });
    if (todos.length === 0) return `The user's profile is ${notes.quote(profile.name)}; its to-do list is empty.`;
    const lines = todos.slice(0, limit).map((t) => `- [${t.done ? 'x' : ' '}] ${oneLine(t.title)}`);
    if (todos.length > limit) lines.push(`- … and more`);
    return `The user's profile is ${notes.quote(profile.name)}. Its to-do list at this point of the conversation, in order (notes after this say what changed since):\n${lines.join('\n')}`;
  }

  getTodo(id: number): Todo {
    return this.todos().get(id);
  }

  getProfile(id: number): Profile {
    return this.deps.store.profiles.get(id);
  }

  private todos() {
    return this.deps.store.todos.xtra({ profile_id: this.active });
  }

  /** A change's writes and its `record` (the undo entry, the card) as one transaction: one sync puts both on disk. */
  private change<R>(options: ChangeOptions<R>, note: Note | string, write: () => { result: R; steps: RevertStep[] }): R {
    return this.deps.store.db.transaction(() => {
      const { result, steps } = write();
      options.record?.(steps, typeof note === 'string' ? note : note.text, result);
      return result;
    });
  }

  /** A deleted todo back in its place, under its old id (ids are never given out again): at its old priority, the todos from there on one further down. */
  private restoreTodo(profileId: number, todo: TodoDto, link: CodeLink | undefined): void {
    const { store } = this.deps;
    const todos = store.todos.xtra({ profile_id: profileId });
    if (todos.count({ priority: todo.priority }) > 0) {
      for (const t of todos.rows({ where: 'priority >= ?', args: [todo.priority], orderBy: 'priority DESC' })) todos.update({ id: t.id, priority: t.priority + 1 });
    }
    todos.insert({ id: todo.id, title: todo.title, done: todo.done, priority: todo.priority, link: link ?? null });
  }

  /** Once the change is on disk, the views get `patch` and the model the note: awaited, or handed to `options.deferred`. */
  private async commit(patch: Notification, note: Note, options: Pick<ChangeOptions, 'deferred'>): Promise<void> {
    const profileId = this.active;
    const told = this.deps.store.db.sync().then(() => {
      this.deps.emit(patch);
      this.deps.note(profileId, note);
    });
    if (options.deferred) options.deferred(told);
    else await told;
  }
}

function cleanTitle(title: string): string {
  const text = title.trim();
  if (!text) throw new UserError(l10n.t('A todo needs a title.'));
  return text;
}

function cleanName(name: string): string {
  const text = name.replace(/\s+/g, ' ').trim();
  if (!text) throw new UserError(l10n.t('A profile needs a name.'));
  return text;
}

export function todoDto(t: Todo): TodoDto {
  const dto: TodoDto = { id: t.id, title: t.title, done: t.done, priority: t.priority };
  const link = t.link as CodeLink | null;
  if (link) dto.link = { path: link.path, start: link.start, end: link.end, ...(link.gone ? { gone: true } : {}) };
  return dto;
}

/** How to bring a deleted todo back, with where it pointed. */
function restoreStep(t: Todo): RevertStep {
  const link = t.link as CodeLink | null;
  return link ? { op: 'restore', todo: todoDto(t), link } : { op: 'restore', todo: todoDto(t) };
}

function profileDto(p: Profile): ProfileDto {
  return { id: p.id, name: p.name };
}
