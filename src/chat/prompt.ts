/**
 * What a reply sends the model, built so that the model server's prefix cache works and
 * a send costs the same however long the conversation is:
 *
 * - The start is stable. First the system prompt, alone (it does not change when the
 *   todos do); then the conversation (user and assistant messages as such; notes and
 *   system posts as system messages, so the model knows what happened; empty ones left
 *   out); then what the user works on now (`work`, the todos) as one system message
 *   just before the newest user message, the part that changes every turn anyway.
 * - Old messages leave in blocks. While the conversation fits the budget (num_ctx less
 *   the reply's reserve, see context.ts), the window keeps its start, so everything up
 *   to the last turn is byte-identical to the previous request. When it no longer fits,
 *   the window restarts at the newest messages that fill `KEEP_AFTER_DROP` of the budget:
 *   one cut, then many turns with a stable start again. Each profile's window start is
 *   remembered here (in memory: after a restart, the first long send cuts afresh).
 * - Only what the prompt needs is read: messages newest first, page by page (see
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
  /** What the user works on now (the todos); sent just before the newest user message. */
  work: string;
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

export class PromptWindow {
  /** Per profile, the id of the oldest message the window holds, once a block was dropped. */
  private readonly starts = new Map<number, number>();

  /** `newestFirst`: the profile's messages, newest first, read lazily. */
  build(profileId: number, newestFirst: Iterable<Message>, input: PromptInput): Prompt {
    const budget = Math.max(1, input.numCtx - replyReserve(input.numCtx));
    const system: OutgoingMessage[] = input.systemPrompt.trim() ? [{ role: 'system', content: input.systemPrompt.trim() }] : [];
    const work: OutgoingMessage[] = input.work ? [{ role: 'system', content: input.work }] : [];
    const fixed = estimateTokens(system) + estimateTokens(work);
    const start = this.starts.get(profileId);

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
      const messages = promptMessages(row, input.tools ?? 'off');
      if (messages.length === 0) continue;
      const cost = estimateTokens(messages);
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
    if (used > budget) {
      // The block drop: keep the newest messages that fill KEEP_AFTER_DROP of the budget (at least the tail).
      let n = tail.length;
      let size = minimum;
      while (n < read.length && size + read[n]!.cost <= budget * KEEP_AFTER_DROP) size += read[n++]!.cost;
      kept = read.slice(0, n);
      this.starts.set(profileId, kept[kept.length - 1]!.id);
    }

    const oldestFirst = kept.map((e) => e.messages).reverse();
    const at = newestUser < 0 ? oldestFirst.length : oldestFirst.length - 1 - newestUser;
    const messages = [...system, ...oldestFirst.slice(0, at).flat(), ...work, ...oldestFirst.slice(at).flat()];
    return { messages, fits: true, trimmed: olderLeft, sentEstimate: fixed + kept.reduce((n, e) => n + e.cost, 0), minimum, budget };
  }

  /** The conversation was cleared or deleted: its window starts afresh. */
  forget(profileId: number): void {
    this.starts.delete(profileId);
  }
}
