/**
 * What the user chose to show the model: a selection or a file, attached to the next
 * message ("Pipulate: Add Selection to Chat", "Add File to Chat"). Nothing else of the
 * editor is ever sent. Pending attachments wait here (per profile, in memory), shown as
 * chips above the chat input, removable; a send takes them into the user message's
 * `data`, so the conversation keeps them (a reload shows the chips), and the model reads
 * each as a fenced block with its path and language after the message's text.
 * Free of the `vscode` module: the commands (src/attachCommands.ts) hand the text in.
 */
import * as l10n from '@vscode/l10n';
import type { AttachmentDto, ChatMessageDto, Notification } from '../protocol';
import { UserError } from '../errors';
import { CHARS_PER_TOKEN, replyReserve } from './context';

export interface Attachment extends AttachmentDto {
  text: string;
}

/** How the model reads an attachment: its place, then the text fenced (with a fence longer than any run of backticks in it). */
export function fenced(a: Attachment): string {
  const longest = Math.max(2, ...[...a.text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  return `${placeOf(a)}:\n${fence}${a.language}\n${a.text.replace(/\n$/, '')}\n${fence}`;
}

/** `src/parse.ts` or `src/parse.ts (lines 3-5)`. */
export function placeOf(a: AttachmentDto): string {
  if (a.start === undefined) return a.path;
  const end = a.end ?? a.start;
  return end > a.start ? l10n.t('{0} (lines {1}-{2})', a.path, a.start + 1, end + 1) : l10n.t('{0} (line {1})', a.path, a.start + 1);
}

/** A user message's text as the model reads it: with its attachments' blocks after it. */
export function withAttachments(content: string, data: unknown): string {
  const list = attachmentsOf(data);
  if (!list.length) return content;
  return [content, ...list.map(fenced)].join('\n\n');
}

/** The attachments a user message's `data` holds (none for other data). */
export function attachmentsOf(data: unknown): Attachment[] {
  const list = (data as { attachments?: unknown } | null)?.attachments;
  return Array.isArray(list) ? (list as Attachment[]) : [];
}

/** What a view shows of a message's attachments: no text, only the place. */
export function attachmentDtos(data: unknown): ChatMessageDto['attachments'] {
  const list = attachmentsOf(data);
  return list.length ? list.map(dtoOf) : undefined;
}

function dtoOf(a: Attachment): AttachmentDto {
  const { text: _text, ...dto } = a;
  void _text;
  return dto;
}

/**
 * The attachments waiting for the next message of each profile. An attachment that alone
 * would take more than half of the room the context leaves is refused when attached.
 */
export class PendingAttachments {
  private readonly pending = new Map<number, Attachment[]>();

  constructor(
    private readonly emit: (n: Notification) => void,
    private readonly numCtx: () => number,
  ) {}

  list(profileId: number): AttachmentDto[] {
    return (this.pending.get(profileId) ?? []).map(dtoOf);
  }

  add(profileId: number, a: Attachment): void {
    const room = Math.floor((this.numCtx() - replyReserve(this.numCtx())) / 2);
    const tokens = Math.ceil(a.text.length / CHARS_PER_TOKEN);
    if (tokens > room) {
      throw new UserError(
        l10n.t(
          "{0} is too large for the model's context: about {1} tokens, and {2} is the most one attachment may take (pipulate.chat.contextLength). Select a part of it instead.",
          placeOf(a),
          tokens,
          room,
        ),
      );
    }
    const list = (this.pending.get(profileId) ?? []).filter((p) => placeOf(p) !== placeOf(a) || p.folder !== a.folder);
    list.push(a);
    this.pending.set(profileId, list);
    this.changed(profileId);
  }

  remove(profileId: number, index: number): void {
    const list = this.pending.get(profileId) ?? [];
    if (index < 0 || index >= list.length) return;
    list.splice(index, 1);
    this.changed(profileId);
  }

  /** The attachments for the message being sent; none wait after it. */
  take(profileId: number): Attachment[] {
    const list = this.pending.get(profileId) ?? [];
    this.pending.delete(profileId);
    if (list.length) this.changed(profileId);
    return list;
  }

  /** Put back after a send that failed before the message was stored. */
  restore(profileId: number, list: Attachment[]): void {
    if (!list.length) return;
    this.pending.set(profileId, [...list, ...(this.pending.get(profileId) ?? [])]);
    this.changed(profileId);
  }

  private changed(profileId: number): void {
    this.emit({ kind: 'chat/attachments', profileId, attachments: this.list(profileId) });
  }
}
