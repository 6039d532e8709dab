/**
 * What a reply sends the model: the system prompt and what the user works on, then the
 * conversation as the model gets it (user and assistant messages as such; notes and
 * system posts as system messages, so it knows what happened; empty ones left out),
 * fitted to the context length (see context.ts).
 */
import type { Message } from '../store/appSchema';
import { fitToContext, type Fit, type OutgoingMessage } from './context';
import type { Conversation } from './conversation';

export function buildPrompt(conversation: Conversation, profileId: number, systemText: string, numCtx: number, retry: boolean): Fit {
  const system: OutgoingMessage[] = systemText ? [{ role: 'system', content: systemText }] : [];
  return fitToContext(system, history(conversation.all(profileId), retry), numCtx);
}

/** On a retry, the failed or stopped replies after the last user message are left out too (they stay in the conversation). */
function history(rows: readonly Message[], retry: boolean): OutgoingMessage[] {
  let lastUser = -1;
  rows.forEach((row, i) => row.role === 'user' && (lastUser = i));
  const out: OutgoingMessage[] = [];
  rows.forEach((row, i) => {
    if (!row.content.trim()) return;
    if (retry && i > lastUser && row.role === 'assistant' && row.status !== 'done') return;
    out.push({ role: row.role === 'user' ? 'user' : row.role === 'assistant' ? 'assistant' : 'system', content: row.content });
  });
  return out;
}
