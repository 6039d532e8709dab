/**
 * The chat's messages in the store, the one place the chat writes them:
 *
 * - nothing is written for a profile that no longer exists (a note, a post or a reply
 *   can race with the profile's deletion; the check and the write are one synchronous step);
 * - a note that supersedes the newest note of its conversation (the same todo moved
 *   again, a switch back) replaces that row instead of adding one, as long as nothing
 *   came in between. Which notes supersede which is said by the note (`subject`, `fold`).
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

export class Conversation {
  /** Per profile, its newest row when that is a note with a subject: the one a new note may replace. */
  private readonly lastNote = new Map<number, { id: number; note: Note }>();

  constructor(
    private readonly store: AppStore,
    private readonly now: () => number,
  ) {}

  /** Adds a message at the end; undefined when the profile no longer exists. */
  add(profileId: number, role: Role, content: string, status: Status = 'done', model: string | null = null, data: unknown = null): Message | undefined {
    if (!this.store.profiles.has(profileId)) return undefined;
    this.lastNote.delete(profileId);
    return this.store.messages.insert({ profile_id: profileId, role, content, created: this.now(), status, model, data });
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
      return { message: this.store.messages.update({ id: last.id, content: folded.text, created: this.now() }), replaced: true };
    }
    const message = this.store.messages.insert({ profile_id: profileId, role: 'note', content: note.text, created: this.now(), status: 'done', model: null, data: null });
    if (note.subject !== undefined) this.lastNote.set(profileId, { id: message.id, note });
    else this.lastNote.delete(profileId);
    return { message, replaced: false };
  }

  update(id: number, fields: { content?: string; status?: Status; data?: unknown }): Message {
    return this.store.messages.update({ id, ...fields });
  }

  /** One message; undefined when it is gone. */
  get(id: number): Message | undefined {
    return this.store.messages.rows({ where: { id }, limit: 1 })[0];
  }

  /**
   * A page of the conversation: the `limit` messages just older than message `before`
   * (the newest when undefined), oldest first, and whether older ones exist. Only this
   * profile's rows are read, whatever `before` is; one bounded query on the (profile_id, id) index.
   */
  page(profileId: number, before: number | undefined, limit: number): { rows: Message[]; more: boolean } {
    const rows = this.store.messages.rows({ where: 'profile_id = ? AND id < ?', args: [profileId, before ?? Number.MAX_SAFE_INTEGER], orderBy: 'id DESC', limit: limit + 1 });
    const more = rows.length > limit;
    return { rows: rows.slice(0, limit).reverse(), more };
  }

  /**
   * The conversation newest first, read lazily (one statement on the (profile_id, id)
   * index, stepped a row at a time): a reader that stops early reads no further, so a
   * send costs the same however long the conversation is. Consume it at once.
   */
  newestFirst(profileId: number): Iterable<Message> {
    return this.store.messages.each({ where: { profile_id: profileId }, orderBy: 'id DESC' });
  }

  hasUserMessage(profileId: number): boolean {
    return this.store.messages.rows({ where: { profile_id: profileId, role: 'user' }, limit: 1 }).length > 0;
  }

  /** Deletes the profile's messages; returns how many. */
  clear(profileId: number): number {
    this.lastNote.delete(profileId);
    return this.store.messages.deleteWhere({ profile_id: profileId });
  }

  /** The latest notes (what the user did), oldest first. */
  recentNotes(profileId: number, limit: number): string[] {
    return this.store.messages.rows({ where: { profile_id: profileId, role: 'note' }, orderBy: 'id DESC', limit, select: ['content'] }).map((r) => r.content).reverse();
  }

  /** Rows left 'streaming': a reply, or a card waiting for the user, that a restart interrupted. */
  streaming(): Message[] {
    return this.store.messages.rows({ where: { status: 'streaming' } });
  }

  /** Rows a crash left 'streaming' become 'stopped'; returns how many. */
  recover(): number {
    const { messages, db } = this.store;
    const stuck = messages.rows({ where: { status: 'streaming' } });
    if (stuck.length > 0) db.transaction(() => stuck.forEach((row) => messages.update({ id: row.id, status: 'stopped' })));
    return stuck.length;
  }

  /** Resolves once every change so far is on disk. */
  sync(): Promise<void> {
    return this.store.db.sync();
  }

  private newestId(profileId: number): number | undefined {
    return this.store.messages.rows({ where: { profile_id: profileId }, orderBy: 'id DESC', limit: 1 })[0]?.id;
  }
}

export function toDto(row: Message): ChatMessageDto {
  const card = cardOf(row);
  return {
    id: row.id,
    role: card ? 'note' : (row.role as ChatMessageDto['role']),
    content: row.content,
    status: row.status as Status,
    created: row.created,
    model: row.model,
    ...(card ? { card } : {}),
    ...(row.role === 'user' && attachmentDtos(row.data) ? { attachments: attachmentDtos(row.data) } : {}),
  };
}
