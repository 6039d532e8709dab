/**
 * Profiles and their todo lists: Pipulate's todo app, as host-side logic free of the
 * `vscode` module. Every change is on disk before it is announced: the methods await
 * the store's sync, then emit the patch every open view applies, then tell the model
 * what happened through the chat queue (a verbatim note).
 */
import type { AppStore, Profile, Todo } from '../store/appSchema';
import type { Notification, ProfileDto, TasksSnapshot, TodoDto } from '../protocol';
import { NotFoundError, UserError } from '../errors';
import type { Note } from '../chat/conversation';
import * as notes from './notes';
import { oneLine } from '../text';

export { UserError };

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
const DEFAULT_PROFILE = 'Default';

export class TasksService {
  private active: number;

  constructor(private readonly deps: TasksDeps) {
    const { store } = deps;
    if (store.profiles.count() === 0) store.profiles.insert({ name: DEFAULT_PROFILE });
    const remembered = store.kv.get<number>(ACTIVE_PROFILE_KEY);
    this.active = remembered !== undefined && store.profiles.has(remembered) ? remembered : this.profileList()[0]!.id;
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

  counts(): { open: number; done: number } {
    return { open: this.todos().count({ done: false }), done: this.todos().count({ done: true }) };
  }

  // ---- todos ----

  async addTodo(title: string): Promise<TodoDto> {
    const text = cleanTitle(title);
    const last = this.todos().rows({ orderBy: 'priority DESC', limit: 1 })[0];
    const todo = todoDto(this.todos().insert({ title: text, priority: last ? last.priority + 1 : 0 }));
    await this.commit({ kind: 'todo/changed', todo }, notes.added(text));
    return todo;
  }

  async toggleTodo(id: number): Promise<TodoDto> {
    const before = this.getTodo(id);
    const todo = todoDto(this.todos().update({ id, done: !before.done }));
    await this.commit({ kind: 'todo/changed', todo }, notes.toggled(todo.title, todo.done));
    return todo;
  }

  async renameTodo(id: number, title: string): Promise<TodoDto> {
    const before = this.getTodo(id);
    const text = cleanTitle(title);
    if (text === before.title) return todoDto(before);
    const todo = todoDto(this.todos().update({ id, title: text }));
    await this.commit({ kind: 'todo/changed', todo }, notes.renamed(id, before.title, text));
    return todo;
  }

  async deleteTodo(id: number): Promise<void> {
    const todo = this.getTodo(id);
    this.todos().delete(id);
    await this.commit({ kind: 'todo/removed', ids: [id] }, notes.deleted(todo.title));
  }

  /**
   * Moves a todo to just before `before` (or to the end). The rows between the old and
   * the new place trade their priorities among themselves, so a move by one step
   * writes two rows, whatever the length of the list.
   */
  async moveTodo(id: number, before: number | null): Promise<void> {
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
    this.deps.store.db.transaction(() => {
      for (let i = lo; i <= hi; i++) {
        const priority = distinct ? slots[i]! : i;
        if (order[i]!.priority !== priority) this.todos().update({ id: order[i]!.id, priority });
      }
    });
    await this.commit({ kind: 'todo/moved', id, before: order[to + 1]?.id ?? null }, notes.moved(id, moving!.title, from, to, order.length));
  }

  async clearCompleted(): Promise<number> {
    const done = this.todos().rows({ where: { done: true } });
    if (done.length === 0) return 0;
    this.todos().deleteWhere({ done: true });
    await this.commit({ kind: 'todo/removed', ids: done.map((t) => t.id) }, notes.cleared(done.length));
    return done.length;
  }

  // ---- profiles ----

  async switchProfile(id: number): Promise<void> {
    const profile = this.deps.store.profiles.get(id);
    if (id === this.active) return;
    this.active = id;
    this.deps.store.kv.set(ACTIVE_PROFILE_KEY, id);
    await this.deps.store.db.sync();
    this.deps.emit({ kind: 'tasks/reset', snapshot: this.snapshot() });
    this.deps.note(id, notes.switched(profile.name));
  }

  async addProfile(name: string): Promise<ProfileDto> {
    const last = this.deps.store.profiles.rows({ orderBy: 'priority DESC', limit: 1 })[0];
    const profile = profileDto(this.deps.store.profiles.insert({ name: cleanName(name), priority: (last?.priority ?? 0) + 1 }));
    await this.deps.store.db.sync();
    await this.switchProfile(profile.id);
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

  /** Deletes a profile with its todos, and (through `onProfileDeleting`) its conversation. The last profile cannot go. */
  async deleteProfile(id: number): Promise<void> {
    const { store } = this.deps;
    store.profiles.get(id);
    const rest = this.profileList().filter((p) => p.id !== id);
    if (rest.length === 0) throw new UserError('This is the only profile. Create another one before deleting it.');
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

  /** What the user works on, for the model's system prompt. */
  describeWork(profileId: number, limit = 60): string {
    const profile = this.deps.store.profiles.get(profileId);
    const todos = this.deps.store.todos.xtra({ profile_id: profileId }).rows({ orderBy: 'priority, id', limit: limit + 1 });
    if (todos.length === 0) return `The user's profile is ${notes.quote(profile.name)}; its to-do list is empty.`;
    const lines = todos.slice(0, limit).map((t) => `- [${t.done ? 'x' : ' '}] ${oneLine(t.title)}`);
    if (todos.length > limit) lines.push(`- … and more`);
    return `The user's profile is ${notes.quote(profile.name)}. Its to-do list, in order:\n${lines.join('\n')}`;
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

  private async commit(patch: Notification, note: Note): Promise<void> {
    const profileId = this.active;
    await this.deps.store.db.sync();
    this.deps.emit(patch);
    this.deps.note(profileId, note);
  }
}

function cleanTitle(title: string): string {
  const text = title.trim();
  if (!text) throw new UserError('A todo needs a title.');
  return text;
}

function cleanName(name: string): string {
  const text = name.replace(/\s+/g, ' ').trim();
  if (!text) throw new UserError('A profile needs a name.');
  return text;
}

function todoDto(t: Todo): TodoDto {
  return { id: t.id, title: t.title, done: t.done, priority: t.priority };
}

function profileDto(p: Profile): ProfileDto {
  return { id: p.id, name: p.name };
}
