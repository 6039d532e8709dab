/**
 * What a reply sends the model, built so that the model server's prefix cache works and
 * a send costs the same however long the conversation is:
 *
 * - The start is stable. First the system prompt, alone (it does not change when the
 *   todos do); then the conversation (user and assistant messages as such; notes and
 *   system posts as system messages, so the model knows what happened; empty ones left
 *   out). What the user works on (`work`, the todo list) is written into the window
 *   once, just before the user message that was newest when the window began, and
 *   stays there, unchanged, turn after turn: the notes after it tell the model every
 *   change since. Moving it to the newest message each turn would make the server read
 *   the previous question and reply again on every send.
 * - Old messages leave in blocks. While the conversation fits the budget (num_ctx less
 *   the reply's reserve, see context.ts), the window keeps its start, so everything up
 *   to the last turn is byte-identical to the previous request. When it no longer fits,
 *   the window restarts at the newest messages that fill `KEEP_AFTER_DROP` of the budget:
 *   one cut, then many turns with a stable start again. Each profile's window start is
 *   remembered here (in memory: after a restart, the first long send cuts afresh).
 * - Only what the prompt needs is read: messages newest first, one row at a time (see
 *   `Conversation.newestFirst`), until the window's start or a full budget.
 *
 * If even the system prompt, the work and the newest user message (with what follows
 * it) do not fit, nothing is to be sent (`fits` false).
 */
import type { Message } from '../store/appSchema';
import { promptMessages, type ToolMode } from './cards';
import { estimateTokens, replyReserve, type OutgoingMessage } from './context';

/** The share of the budget the window shrinks to when old messages must leave. */
export const KEEP_AFTER_DROP = 0.55;

export interface PromptInput {
  systemPrompt: string;
  /** What the user works on now (the todos); read only when the window (re)starts. */
  work: () => string;
  numCtx: number;
  /** Answering again: the failed or stopped replies after the newest user message are left out. */
  retry: boolean;
  /** How tool calls and cards are written for the model (see cards.ts); default 'off'. */
  tools?: ToolMode;
}

export interface Prompt {
  messages: OutgoingMessage[];
  /** False when even the least that can be sent does not fit: nothing is to be sent. */
  fits: boolean;
  /** Older messages were left out. */
  trimmed: boolean;
  /** Estimated tokens of what is sent, of the least that can be sent, and the budget. */
  sentEstimate: number;
  minimum: number;
  budget: number;
}

interface Entry {
  id: number;
  /** A row is one message, or several (a card: one per tool call). */
  messages: OutgoingMessage[];
  cost: number;
}

/** The todo list as written into a window, and the message it stands before. */
interface Anchor {
  beforeId: number;
  work: OutgoingMessage[];
}

export class PromptWindow {
  /** Per profile, the id of the oldest message the window holds, once a block was dropped. */
  private readonly starts = new Map<number, number>();
  /** Per profile, where the window holds the todo list, and the list as it was then. */
  private readonly anchors = new Map<number, Anchor>();
  /**
   * What a row is in a request, per row object: the rows the Conversation keeps in memory
   * (a row written anew is a new object) are not turned into messages again each round.
   */
  private readonly entries = new WeakMap<Message, { mode: ToolMode; messages: OutgoingMessage[]; cost: number }>();

  private entry(row: Message, mode: ToolMode): { messages: OutgoingMessage[]; cost: number } {
    const known = this.entries.get(row);
    if (known?.mode === mode) return known;
    const messages = promptMessages(row, mode);
    const entry = { mode, messages, cost: estimateTokens(messages) };
    this.entries.set(row, entry);
    return entry;
  }

  /** `newestFirst`: the profile's messages, newest first, read lazily. */
  build(profileId: number, newestFirst: Iterable<Message>, input: PromptInput): Prompt {
    const budget = Math.max(1, input.numCtx - replyReserve(input.numCtx));
    const system: OutgoingMessage[] = input.systemPrompt.trim() ? [{ role: 'system', content: input.systemPrompt.trim() }] : [];
    const start = this.starts.get(profileId);
    const anchored = this.anchors.get(profileId);
    // Priced as the larger of the list held and the list now: either may be the one sent.
    const current: OutgoingMessage[] = anchored ? anchored.work : workMessage(input.work());
    const fixed = estimateTokens(system) + estimateTokens(current);

    const read: Entry[] = []; // newest first
    let newestUser = -1; // its index in `read`
    let used = fixed;
    let olderLeft = false; // messages older than the window exist
    for (const row of newestFirst) {
      if (start !== undefined && row.id < start) {
        olderLeft = true;
        break;
      }
      if (input.retry && newestUser < 0 && row.role === 'assistant' && row.status !== 'done') continue;
      const { messages, cost } = this.entry(row, input.tools ?? 'off');
      if (messages.length === 0) continue;
      read.push({ id: row.id, messages, cost });
      if (newestUser < 0 && row.role === 'user') newestUser = read.length - 1;
      used += cost;
      if (used > budget) {
        olderLeft = true;
        break;
      }
    }

    // The least that can be sent: the fixed part, the newest user message and what follows it.
    const tail = newestUser < 0 ? read : read.slice(0, newestUser + 1);
    const minimum = fixed + tail.reduce((n, e) => n + e.cost, 0);
    if (minimum > budget) {
      return { messages: [...system], fits: false, trimmed: olderLeft, sentEstimate: estimateTokens(system), minimum, budget };
    }

    let kept = read;
    let dropped = false;
    if (used > budget) {
      // The block drop: keep the newest messages that fill KEEP_AFTER_DROP of the budget (at least the tail).
      let n = tail.length;
      let size = minimum;
      while (n < read.length && size + read[n]!.cost <= budget * KEEP_AFTER_DROP) size += read[n++]!.cost;
      kept = read.slice(0, n);
      this.starts.set(profileId, kept[kept.length - 1]!.id);
      dropped = true;
    }

    // The list stays where it was written while that message is in the window; otherwise
    // (first send, a block dropped, the message gone) it is written anew before the newest question.
    let anchor = anchored;
    if (!anchor || dropped || !kept.some((e) => e.id === anchor!.beforeId)) {
      const newest = newestUser < 0 ? undefined : kept[newestUser];
      anchor = { beforeId: newest?.id ?? Number.MAX_SAFE_INTEGER, work: workMessage(input.work()) };
      this.anchors.set(profileId, anchor);
    }

    const messages = [...system];
    let placed = false;
    for (const e of [...kept].reverse()) {
      if (!placed && e.id >= anchor.beforeId) {
        messages.push(...anchor.work);
        placed = true;
      }
      messages.push(...e.messages);
    }
    if (!placed) messages.push(...anchor.work);
    const sentEstimate = estimateTokens(system) + estimateTokens(anchor.work) + kept.reduce((n, e) => n + e.cost, 0);
    return { messages, fits: true, trimmed: olderLeft, sentEstimate, minimum, budget };
  }

  /**
   * The conversation was replaced from message `fromId` on (an edit, a regenerate). What
   * stands before it is sent as before, byte for byte, so the server's prefix cache still
   * serves it. A window that began in the replaced part starts afresh. The todo list is
   * written anew when the message it stood before was replaced (the next build finds it
   * gone), and when a replaced card had changed the list (`listChanged`): the model would
   * no longer read of that change, so the list it holds would be out of date.
   */
  replaced(profileId: number, fromId: number, listChanged: boolean): void {
    const start = this.starts.get(profileId);
    if (start !== undefined && start >= fromId) this.starts.delete(profileId);
    if (listChanged) this.anchors.delete(profileId);
  }

  /** The conversation was cleared or deleted: its window starts afresh. */
  forget(profileId: number): void {
    this.starts.delete(profileId);
    this.anchors.delete(profileId);
  }
}

function workMessage(work: string): OutgoingMessage[] {
  return work ? [{ role: 'system', content: work }] : [];
}
