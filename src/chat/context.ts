/**
 * Does the conversation fit the model's context (`num_ctx`)?
 *
 * Ollama cuts a prompt that does not fit, silently. We would rather say so. Before a
 * request, the conversation is measured with a cheap estimate (about 4 characters per
 * token, plus a few tokens per message for the chat template; real tokenizers differ,
 * so this is an estimate and is called one), keeping room for the reply.
 *
 * The behaviour (prompt.ts): when it does not fit, old messages are left out of the
 * request in blocks (the system prompt and the newest message always go), and the user
 * is told why. When even the system prompt and the newest message do not fit, nothing
 * is sent and the user is told that plainly.
 *
 * After a reply, the prompt's size and the reply's (`eval_count`) tell whether the
 * context was full anyway (a reply longer than its reserve): the user is warned. The
 * prompt's size is our estimate of what was sent, or the server's `prompt_eval_count`
 * when that is more (the estimate was low). Not the server's count alone: with a prefix
 * cache (Ollama, llama.cpp) it counts only the tokens after the cached start.
 */
import * as l10n from '@vscode/l10n';
import type { ChatConnection, ChatProblem } from '../protocol';

export interface OutgoingMessage {
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: string;
  /** An assistant message's tool calls (Ollama's native tools; see chat/cards.ts). */
  tool_calls?: { function: { name: string; arguments: Record<string, unknown> } }[];
  /** A tool message: the tool whose result it is. */
  tool_name?: string;
}

export const CHARS_PER_TOKEN = 4;
/** Role markers and separators the chat template adds around each message. */
export const TOKENS_PER_MESSAGE = 4;

export function estimateTokens(messages: readonly OutgoingMessage[]): number {
  return messages.reduce((n, m) => n + TOKENS_PER_MESSAGE + Math.ceil((m.content.length + (m.tool_calls ? JSON.stringify(m.tool_calls).length : 0)) / CHARS_PER_TOKEN), 0);
}

/** Room kept for the reply: a quarter of the context, at most 1024 tokens. */
export function replyReserve(numCtx: number): number {
  return Math.min(1024, Math.floor(numCtx / 4));
}

/**
 * True when the context was full: the prompt took (nearly) all of num_ctx, or the prompt
 * and the reply together reached it (Ollama then drops the start).
 */
export function contextWasFull(promptTokens: number, replyTokens: number | undefined, numCtx: number): boolean {
  if (!promptTokens || !numCtx) return false;
  return promptTokens >= numCtx * 0.95 || promptTokens + (replyTokens ?? 0) >= numCtx;
}

/**
 * The prompt's tokens: the estimate of what was sent, or the server's count when it says
 * more. A server with a prefix cache counts only what it evaluated, so never less than the estimate.
 */
export function promptTokens(sentEstimate: number, promptEvalCount: number | undefined): number {
  return Math.max(sentEstimate, promptEvalCount ?? 0);
}

/** The sizes the problems quote: what is sent (or the least that could be), and the prompt budget. */
export interface PromptSize {
  sentEstimate: number;
  minimum: number;
  budget: number;
}

/** The context length the prompt is fitted to, and where it comes from (as the model line shows it). */
export type ContextLength = NonNullable<ChatConnection['context']>;

/** The context length in a sentence, with where it comes from: a server that cannot be told it has its own. */
function lengthText(ctx: ContextLength): string {
  if (ctx.source === 'server') return l10n.t('{0} tokens, as the server reports for the model', ctx.tokens);
  if (ctx.source === 'setting') return l10n.t("{0} tokens by the setting pipulate.chat.contextLength; the server cannot be told it, and its own applies", ctx.tokens);
  return l10n.t('num_ctx {0} tokens', ctx.tokens);
}

/** Where to make the context longer: the setting when it is sent, else on the server. */
function raiseText(ctx: ContextLength): string {
  if (ctx.source === 'server') return l10n.t("The context length is the server's for this model (vLLM: --max-model-len; llama-server: --ctx-size): raise it there, or clear the conversation.");
  if (ctx.source === 'setting') return l10n.t("Set pipulate.chat.contextLength to the server's context length for this model, or clear the conversation.");
  return l10n.t('Raise the context length in the settings (the model must support it; it takes more memory), or clear the conversation.');
}

export function trimmedProblem(size: PromptSize, ctx: ContextLength): ChatProblem {
  return {
    title: l10n.t('Older messages were left out'),
    detail: [
      l10n.t('The conversation is longer than the context length ({0}; {1} of them are kept for the reply).', lengthText(ctx), ctx.tokens - size.budget),
      l10n.t(
        'So the model is sent only the newest messages, about {0} tokens by a rough estimate (4 characters a token), and does not see the older ones. They leave in blocks, so that the start of what is sent stays the same for many turns and the model server can reuse its work.',
        size.sentEstimate,
      ),
      raiseText(ctx),
    ].join('\n'),
    actions: ['openSettings'],
  };
}

export function tooLongProblem(size: PromptSize, ctx: ContextLength): ChatProblem {
  return {
    title: l10n.t('The conversation is too long for the context length'),
    detail: [
      l10n.t(
        'Even the system prompt, the to-do list and the newest message come to about {0} tokens by a rough estimate (4 characters a token), more than the context length allows ({1}; {2} of them are kept for the reply).',
        size.minimum,
        lengthText(ctx),
        ctx.tokens - size.budget,
      ),
      l10n.t('Nothing was sent to the model. Shorten the message or the system prompt.'),
      raiseText(ctx),
    ].join('\n'),
    actions: ['openSettings'],
  };
}

export function contextFullProblem(promptTokens: number, replyTokens: number, ctx: ContextLength): ChatProblem {
  return {
    title: l10n.t('The model may not have seen the whole conversation'),
    detail: [
      ctx.source === 'sent'
        ? l10n.t(
            'The prompt came to about {0} tokens and the reply to {1}, for a context length of {2} (num_ctx): the context was full, and Ollama leaves out what does not fit without saying so.',
            promptTokens,
            replyTokens,
            ctx.tokens,
          )
        : l10n.t(
            'The prompt came to about {0} tokens and the reply to {1}, for a context length of {2}: the context was full, and the server may have left out what did not fit, or cut the reply short.',
            promptTokens,
            replyTokens,
            lengthText(ctx),
          ),
      raiseText(ctx),
    ].join('\n'),
    actions: ['openSettings'],
  };
}
