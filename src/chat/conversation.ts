/**
 * The chat's messages in the store, the one place the chat writes them:
 *
 * - nothing is written for a profile that no longer exists (a note, a post or a reply
 *   can race with the profile's deletion; the check and the write are one synchronous step);
 * - a note that supersedes the newest note of its conversation (the same todo moved
 *   again, a switch back) replaces that row instead of adding one, as long as nothing
 *   came in between. Which notes supersede which is said by the note (`subject`, `fold`);
 * - the newest rows a prompt read are kept in memory (`Tail`), and kept as they are
 *   written here: each round of a tool loop builds its prompt without reading the
 *   conversation from the store again. Being the one writer is what makes this safe;
 *   any other change to the table (a rolled-back transaction, a restore, a write from
 *   elsewhere: the store's `version`) drops them all;
 * - an edit or a regenerate replaces the later part of the conversation (`replaceFrom`):
 *   those rows are marked `replaced`, never deleted, so nothing is lost by accident;
 *   every read here skips them (the view's pages, the prompt window, the notes; the
 *   kept rows hold none), and only clearing the conversation removes them.
 */
import type { ChatMessageDto } from '../protocol';
import { attachmentDtos } from './attachments';
import type { AppStore, Message } from '../store/appSchema';
import { cardOf } from './cards';

/** A note of what the user did (role 'note': the model gets it as a system message). */
export interface Note {
  text: string;
  /** What it is about ("order of todo 12"...): a note replaces the newest one of the same subject. */
  subject?: string;
  /** The note that says what `previous` (same subject) and this one say together. Default: this one. */
  fold?(previous: Note): Note;
}

/** 'tool': a card (see cards.ts), sent to views as a note that carries the card. */
export type Role = ChatMessageDto['role'] | 'tool';
export type Status = ChatMessageDto['status'];

/** A profile's newest rows, newest first, without gaps; `complete` when they reach its oldest. Never changed in place: a write makes a new one. */
interface Tail {
  rows: readonly Message[];
  complete: boolean;
}

/** Profiles whose newest rows are kept, and most rows kept for one (a prompt reads about as many as fill the context). */
const TAIL_PROFILES = 4;
const TAIL_ROWS = 4096;

/** A profile's messages before an id that are still in the conversation (read on the (profile_id, id) index). */
const LIVE_BEFORE = 'profile_id = ? AND id < ? AND replaced = 0';

export class Conversation {
  /** Per profile, its newest row when that is a note with a subject: the one a new note may replace. */
  private readonly lastNote = new Map<number, { id: number; note: Note }>();
  private readonly tails = new Map<number, Tail>();
  /** The table's version (Database.version) the tails agree with. */
  private seen = -1;

  constructor(
    private readonly store: AppStore,
    private readonly now: () => number,
  ) {}

  /** Adds a message at the end; undefined when the profile no longer exists. */
  add(profileId: number, role: Role, content: string, status: Status = 'done', model: string | null = null, data: unknown = null): Message | undefined {
    if (!this.store.profiles.has(profileId)) return undefined;
    this.lastNote.delete(profileId);
    return this.own(() => this.store.messages.insert({ profile_id: profileId, role, content, created: this.now(), status, model, data }), (row) => this.added(row));
  }

  /**
   * Adds a note, or replaces the newest note when this one supersedes it (`replaced`).
   * Undefined when the profile no longer exists.
   */
  note(profileId: number, note: Note): { message: Message; replaced: boolean } | undefined {
    if (!this.store.profiles.has(profileId)) return undefined;
    const last = this.lastNote.get(profileId);
    if (last && note.subject !== undefined && last.note.subject === note.subject && this.newestId(profileId) === last.id) {
      const folded = note.fold ? note.fold(last.note) : note;
      this.lastNote.set(profileId, { id: last.id, note: folded });
      const message = this.own(() => this.store.messages.update({ id: last.id, content: folded.text, created: this.now() }), (row) => this.updated(row));
      return { message, replaced: true };
    }
    const message = this.own(() => this.store.messages.insert({ profile_id: profileId, role: 'note', content: note.text, created: this.now(), status: 'done', model: null, data: null }), (row) => this.added(row));
    if (note.subject !== undefined) this.lastNote.set(profileId, { id: message.id, note });
    else this.lastNote.delete(profileId);
    return { message, replaced: false };
  }

  /**
   * Replaces the conversation from message `fromId` on: the user's and the model's
   * messages, and the model's cards. Notes stay: they say what the user did in Tasks,
   * which no edit undoes, and the model must still be told. Returns how many rows were
   * replaced, and whether a replaced card had changed the todo list (applied or undone
   * something): the model then no longer reads of that change in the conversation.
   */
  replaceFrom(profileId: number, fromId: number): { count: number; listChanged: boolean } {
    const { messages, db } = this.store;
    const rows = messages.rows({ where: "profile_id = ? AND id >= ? AND replaced = 0 AND role != 'note'", args: [profileId, fromId], select: ['id', 'role', 'data'] });
    let listChanged = false;
    // The kept rows hold only what is in the conversation: the profile's are read afresh.
    this.own(
      () =>
        db.transaction(() => {
          for (const row of rows) {
            listChanged ||= row.role === 'tool' && !!cardOf(row as Message)?.items.some((i) => i.state === 'applied' || i.state === 'undone');
            messages.update({ id: row.id, replaced: true });
          }
        }),
      () => this.tails.delete(profileId),
    );
    if (rows.length) this.lastNote.delete(profileId);
    return { count: rows.length, listChanged };
  }

  /** The user message a reply at `beforeId` answers: the newest one before it still in the conversation. */
  question(profileId: number, beforeId: number): Message | undefined {
    // Every reply's row sent to the views asks: the kept rows (live ones, newest first) answer without a query.
    const tail = this.tail(profileId);
    const kept = tail?.rows.find((row) => row.id < beforeId && row.role === 'user');
    if (kept || tail?.complete) return kept;
    return this.store.messages.rows({ where: "profile_id = ? AND id < ? AND role = 'user' AND replaced = 0", args: [profileId, beforeId], orderBy: 'id DESC', limit: 1 })[0];
  }

  /** A row as the views get it (a reply with what its question attached). */
  dto(row: Message): ChatMessageDto {
    return toDto(row, row.role === 'assistant' ? this.question(row.profile_id, row.id) : undefined);
  }

  update(id: number, fields: { content?: string; status?: Status; data?: unknown }): Message {
    return this.own(() => this.store.messages.update({ id, ...fields }), (row) => this.updated(row));
  }

  /** One message, replaced or not; undefined when it is gone. */
  get(id: number): Message | undefined {
    return this.store.messages.rows({ where: { id }, limit: 1 })[0];
  }

  /**
   * A page of the conversation: the `limit` messages just older than message `before`
   * (the newest when undefined), oldest first, and whether older ones exist. Only this
   * profile's rows are read, whatever `before` is; one bounded query on the (profile_id, id) index.
   */
  page(profileId: number, before: number | undefined, limit: number): { rows: Message[]; more: boolean } {
    const rows = this.store.messages.rows({ where: LIVE_BEFORE, args: [profileId, before ?? Number.MAX_SAFE_INTEGER], orderBy: 'id DESC', limit: limit + 1 });
    const more = rows.length > limit;
    return { rows: rows.slice(0, limit).reverse(), more };
  }

  /**
   * The conversation newest first: the rows kept in memory (see `Tail`), then the older
   * ones read lazily (one statement on the (profile_id, id) index, stepped a row at a
   * time): a reader that stops early reads no further, so a send costs the same however
   * long the conversation is. What is read is kept. Consume it at once.
   */
  *newestFirst(profileId: number): Generator<Message> {
    const kept = this.tail(profileId);
    if (kept) yield* kept.rows;
    if (kept?.complete) return;
    const before = kept?.rows.at(-1)?.id ?? Number.MAX_SAFE_INTEGER;
    const version = this.store.db.version('message');
    const read: Message[] = [];
    let complete = false;
    try {
      for (const row of this.store.messages.each({ where: LIVE_BEFORE, args: [profileId, before], orderBy: 'id DESC' })) {
        read.push(row);
        yield row;
      }
      complete = true;
    } finally {
      // Kept unless something was written meanwhile, up to TAIL_ROWS.
      const rows = [...(kept?.rows ?? []), ...read];
      if (this.store.db.version('message') === version && this.tails.get(profileId) === kept && rows.length <= TAIL_ROWS) this.keep(profileId, { rows, complete });
    }
  }

  hasUserMessage(profileId: number): boolean {
    return this.store.messages.rows({ where: { profile_id: profileId, role: 'user', replaced: false }, limit: 1 }).length > 0;
  }

  /** Deletes the profile's messages, the replaced ones too; returns how many. */
  clear(profileId: number): number {
    this.lastNote.delete(profileId);
    return this.own(() => this.store.messages.deleteWhere({ profile_id: profileId }), () => this.tails.delete(profileId));
  }

  /** The latest notes (what the user did), oldest first. */
  recentNotes(profileId: number, limit: number): string[] {
    return this.store.messages.rows({ where: { profile_id: profileId, role: 'note', replaced: false }, orderBy: 'id DESC', limit, select: ['content'] }).map((r) => r.content).reverse();
  }

  /** Rows left 'streaming': a reply, or a card waiting for the user, that a restart interrupted. */
  streaming(): Message[] {
    return this.store.messages.rows({ where: { status: 'streaming' } });
  }

  /** Rows a crash left 'streaming' become 'stopped'; returns how many. */
  recover(): number {
    const { messages, db } = this.store;
    const stuck = messages.rows({ where: { status: 'streaming' } });
    if (stuck.length > 0) db.transaction(() => stuck.forEach((row) => this.update(row.id, { status: 'stopped' })));
    return stuck.length;
  }

  /** Resolves once every change so far is on disk. */
  sync(): Promise<void> {
    return this.store.db.sync();
  }

  /** The profile's kept rows, if any. */
  private tail(profileId: number): Tail | undefined {
    this.fresh();
    return this.tails.get(profileId);
  }

  /** Drops the tails if the table changed other than by this writer. */
  private fresh(): void {
    const version = this.store.db.version('message');
    if (version === this.seen) return;
    this.tails.clear();
    this.seen = version;
  }

  /** One of this writer's own writes; `follow` keeps the tails in step with it. */
  private own<R>(write: () => R, follow: (result: R) => void): R {
    this.fresh();
    const result = write();
    follow(result);
    this.seen = this.store.db.version('message');
    return result;
  }

  private keep(profileId: number, tail: Tail): void {
    this.tails.delete(profileId); // the most recently used last
    this.tails.set(profileId, tail);
    if (this.tails.size > TAIL_PROFILES) this.tails.delete(this.tails.keys().next().value!);
  }

  /** A row added: the newest of its profile (ids only grow). */
  private added(row: Message): void {
    const tail = this.tails.get(row.profile_id);
    if (tail) this.keep(row.profile_id, { rows: [row, ...tail.rows].slice(0, TAIL_ROWS), complete: tail.complete && tail.rows.length < TAIL_ROWS });
  }

  private updated(row: Message): void {
    const tail = this.tails.get(row.profile_id);
    const at = tail?.rows.findIndex((r) => r.id === row.id) ?? -1;
    if (tail && at >= 0) this.keep(row.profile_id, { rows: tail.rows.map((r, i) => (i === at ? row : r)), complete: tail.complete });
  }

  private newestId(profileId: number): number | undefined {
    return this.store.messages.rows({ where: { profile_id: profileId, replaced: false }, orderBy: 'id DESC', limit: 1 })[0]?.id;
  }
}

/** A row as the views get it; a reply's `question` (the user message it answers) says what its code may be applied to. */
export function toDto(row: Message, question?: Pick<Message, 'data'>): ChatMessageDto {
  const card = cardOf(row);
  const applyTo = row.role === 'assistant' && question ? attachmentDtos(question.data) : undefined;
  return {
    id: row.id,
    role: card ? 'note' : (row.role as ChatMessageDto['role']),
    content: row.content,
    status: row.status as Status,
    created: row.created,
    model: row.model,
    ...(card ? { card } : {}),
    ...(row.role === 'user' && attachmentDtos(row.data) ? { attachments: attachmentDtos(row.data) } : {}),
    ...(applyTo ? { applyTo } : {}),
  };
}
