/**
 * The same tests against either kind of model server: the fake Ollama or the fake
 * OpenAI-compatible server (both real HTTP servers on 127.0.0.1, scripted alike with a
 * ChatScript). A test loops over KINDS and sets up with `kind` (harness.ts `setup`, or
 * test/unit/tools/harness.ts `setupTools` for the whole core); what differs between the
 * kinds, as a test sees it, is here, once.
 */
import type { ServerKind } from '../../../src/chat/settings';

export const KINDS: readonly ServerKind[] = ['ollama', 'openai'];

export interface KindExpectations {
  /** The server in a sentence ("the connection to … was lost"). */
  who: string;
  /** An error body as this kind of server sends it. */
  errorBody(message: string): unknown;
  /** What the unreachable problem says to start. */
  start: RegExp;
  /** The problem's title for a model the server does not have, and its actions. */
  missing(model: string): RegExp;
  missingActions: string[];
  /** Whether a request tells the server the context length (Ollama's num_ctx). */
  toldContext: boolean;
  /** How a problem about the context names its length, `tokens` from the setting (the fakes report none). */
  contextSays(tokens: number): RegExp;
}

export function expectations(kind: ServerKind): KindExpectations {
  if (kind === 'openai') {
    return {
      who: 'the model server',
      errorBody: (message) => ({ error: { message, type: 'server_error', code: 500 } }),
      start: /Start the model server/,
      missing: (model) => new RegExp(`"${model}" is not served`),
      missingActions: ['selectModel', 'openSettings'],
      toldContext: false,
      contextSays: (tokens) => new RegExp(`${tokens} tokens by the setting pipulate\\.chat\\.contextLength; the server cannot be told it`),
    };
  }
  return {
    who: 'Ollama',
    errorBody: (message) => ({ error: message }),
    start: /ollama serve/,
    missing: (model) => new RegExp(`"${model}" is not installed`),
    missingActions: ['pull', 'selectModel'],
    toldContext: true,
    contextSays: (tokens) => new RegExp(`num_ctx ${tokens} tokens`),
  };
}

/** A message of a chat request, in either kind's shape. */
export interface SentMessage {
  role: string;
  content?: string | null;
  tool_calls?: { id?: string; function: { name: string; arguments?: unknown } }[];
  tool_call_id?: string;
  tool_name?: string;
}

/** The tool calls of an assistant message as a request carried them: name and arguments (parsed from OpenAI's JSON text). */
export function callsOf(message: SentMessage): { name: string; arguments: unknown }[] {
  return (message.tool_calls ?? []).map((c) => ({
    name: c.function.name,
    arguments: typeof c.function.arguments === 'string' ? JSON.parse(c.function.arguments) : c.function.arguments,
  }));
}

/**
 * The tool results among a request's messages: the tool each answers, and what it said.
 * Ollama names the tool; OpenAI gives the id of the call, which must be a call made before it.
 */
export function toolResults(messages: readonly SentMessage[]): { name: string; content: string }[] {
  const calls = new Map<string, string>();
  const out: { name: string; content: string }[] = [];
  for (const m of messages) {
    for (const c of m.tool_calls ?? []) if (c.id) calls.set(c.id, c.function.name);
    if (m.role !== 'tool') continue;
    const name = m.tool_name ?? calls.get(m.tool_call_id ?? '');
    if (!name) throw new Error(`a tool result answers no call before it: ${JSON.stringify(m)}`);
    out.push({ name, content: String(m.content) });
  }
  return out;
}
