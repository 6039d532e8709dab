/**
 * Does the conversation fit the model's context (`num_ctx`)?
 *
 * Ollama cuts a prompt that does not fit, silently. We would rather say so. Before a
 * request, the conversation is measured with a cheap estimate (about 4 characters per
 * token, plus a few tokens per message for the chat template; real tokenizers differ,
 * so this is an estimate and is called one), keeping room for the reply.
 *
 * The behaviour: when it does not fit, the oldest messages are left out of the request
 * (the system prompt and the newest message always go), and the user is told how many
 * and why. When even the system prompt and the newest message do not fit, nothing is
 * sent and the user is told that plainly.
 *
 * After a reply, Ollama's own count (`prompt_eval_count` + `eval_count` in the last
 * chunk) tells whether the context was full anyway (the estimate was low): the user is
 * warned.
 */
import type { ChatProblem } from '../protocol';

export interface OutgoingMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export const CHARS_PER_TOKEN = 4;
/** Role markers and separators the chat template adds around each message. */
export const TOKENS_PER_MESSAGE = 4;

export function estimateTokens(messages: readonly OutgoingMessage[]): number {
  return messages.reduce((n, m) => n + TOKENS_PER_MESSAGE + Math.ceil(m.content.length / CHARS_PER_TOKEN), 0);
}

/** Room kept for the reply: a quarter of the context, at most 1024 tokens. */
export function replyReserve(numCtx: number): number {
  return Math.min(1024, Math.floor(numCtx / 4));
}

export interface Fit {
  /** What to send: the system messages, then the newest history that fits, oldest first. */
  messages: OutgoingMessage[];
  /** How many of the oldest history messages were left out. */
  omitted: number;
  /** Estimated tokens of the whole conversation, and of what is sent. */
  estimate: number;
  sentEstimate: number;
  /** Estimated tokens of the least that can be sent: the system messages and the newest message. */
  minimum: number;
  /** The prompt budget: num_ctx minus the reply's reserve. */
  budget: number;
  /** False when even the system messages and the newest message do not fit (nothing should be sent). */
  fits: boolean;
}

export function fitToContext(system: readonly OutgoingMessage[], history: readonly OutgoingMessage[], numCtx: number): Fit {
  const budget = Math.max(1, numCtx - replyReserve(numCtx));
  const systemTokens = estimateTokens(system);
  const estimate = systemTokens + estimateTokens(history);
  const minimum = systemTokens + estimateTokens(history.slice(-1));
  if (estimate <= budget) {
    return { messages: [...system, ...history], omitted: 0, estimate, sentEstimate: estimate, minimum, budget, fits: true };
  }
  if (minimum > budget) {
    return { messages: [...system], omitted: history.length, estimate, sentEstimate: systemTokens, minimum, budget, fits: false };
  }
  let used = systemTokens;
  let first = history.length;
  while (first > 0) {
    const cost = estimateTokens([history[first - 1]!]);
    if (used + cost > budget) break;
    used += cost;
    first--;
  }
  return { messages: [...system, ...history.slice(first)], omitted: first, estimate, sentEstimate: used, minimum, budget, fits: true };
}

/**
 * True when Ollama's counts show the context was full: the prompt took (nearly) all of
 * num_ctx, or the prompt and the reply together reached it (Ollama then drops the start).
 */
export function contextWasFull(promptEvalCount: number | undefined, evalCount: number | undefined, numCtx: number): boolean {
  if (!promptEvalCount || !numCtx) return false;
  return promptEvalCount >= numCtx * 0.95 || promptEvalCount + (evalCount ?? 0) >= numCtx;
}

export function trimmedProblem(fit: Fit, numCtx: number): ChatProblem {
  return {
    title: `The ${fit.omitted === 1 ? 'oldest message was' : `${fit.omitted} oldest messages were`} left out`,
    detail: [
      `The conversation is longer than the context length (num_ctx ${numCtx} tokens): it comes to about ${fit.estimate} tokens by a rough estimate (4 characters a token), and ${numCtx - fit.budget} are kept for the reply.`,
      `So the ${fit.omitted === 1 ? 'oldest message was' : `${fit.omitted} oldest messages were`} not sent, and the model does not see ${fit.omitted === 1 ? 'it' : 'them'}.`,
      'Raise the context length in the settings (the model must support it; it takes more memory), or clear the conversation.',
    ].join('\n'),
    actions: ['openSettings'],
  };
}

export function tooLongProblem(fit: Fit, numCtx: number): ChatProblem {
  return {
    title: 'The conversation is too long for the context length',
    detail: [
      `Even the system prompt and the newest message come to about ${fit.minimum} tokens by a rough estimate (4 characters a token), more than the context length allows (num_ctx ${numCtx}, with ${numCtx - fit.budget} kept for the reply).`,
      'Nothing was sent to the model. Shorten the message or the system prompt, or raise the context length in the settings.',
    ].join('\n'),
    actions: ['openSettings'],
  };
}

export function contextFullProblem(promptEvalCount: number, evalCount: number, numCtx: number): ChatProblem {
  return {
    title: 'The model may not have seen the whole conversation',
    detail: [
      `Ollama counted ${promptEvalCount} tokens of prompt and ${evalCount} of reply, for a context length of ${numCtx} (num_ctx): the context was full, and Ollama leaves out what does not fit without saying so.`,
      'Raise the context length in the settings, or clear the conversation.',
    ].join('\n'),
    actions: ['openSettings'],
  };
}
