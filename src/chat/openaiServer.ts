/**
 * An OpenAI-compatible model server (vLLM, LM Studio, llama.cpp's llama-server, a
 * team's gateway): `GET /v1/models`, `POST /v1/chat/completions` streamed as
 * server-sent events (sse.ts). Spoken with Node's fetch directly, not the `openai`
 * package (see the README, "Model servers"). docs/openai-wire.md says what the servers
 * send and how this reads it.
 *
 * - Stop aborts the request: the connection closes, which is what makes the server stop.
 * - Tool calls come in pieces (`delta.tool_calls[{index, id, function: {name, arguments}}]`),
 *   joined per index and handed on whole when the choice finishes. The conversation keeps
 *   calls without ids (cards.ts, shared with Ollama), so `toOpenAI` gives each call of a
 *   request an id and each tool result the id of its call.
 * - The context length cannot be told to the server: it is the model's as `/v1/models`
 *   reports it (`max_model_len`, `context_length`, `meta.n_ctx_train`), else the setting,
 *   used only to fit the prompt.
 * - No pulls: the server's models are whatever it serves.
 */
import * as l10n from '@vscode/l10n';
import type { PullProgress } from '../protocol';
import type { OutgoingMessage } from './context';
import { InvalidHostError } from './ollamaClient';
import { ServerBase, capTimeout, type ChatChunk, type ChatRequest, type ModelServer } from './modelServer';
import { sseData } from './sse';
import type { ToolCall } from './toolPort';

export const DEFAULT_OPENAI_URL = 'http://127.0.0.1:8080/v1';

/**
 * The base URL to call: http or https, no query; a URL with no path means `/v1` (so
 * `http://host:8000` works as `http://host:8000/v1`); any other path is kept (a gateway's).
 */
export function normalizeBaseUrl(raw: string): string {
  const text = raw.trim();
  if (!text) return DEFAULT_OPENAI_URL;
  let url: URL;
  try {
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `http://${text}`);
  } catch {
    throw new InvalidHostError(raw, DEFAULT_OPENAI_URL);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new InvalidHostError(raw, DEFAULT_OPENAI_URL);
  url.search = '';
  url.hash = '';
  const path = url.pathname.replace(/\/+$/, '');
  return `${url.origin}${path || '/v1'}`;
}

/** A non-2xx answer: the status and what the server said (`{error: {message, type, code}}` and its variants). Never holds a header. */
export class ServerResponseError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type?: string,
  ) {
    super(message);
    this.name = 'ServerResponseError';
  }
}

/** What an OpenAI-compatible server's error body says, whatever its shape; the body's start when it is not JSON. */
export function errorMessage(text: string, status: number): { message: string; type?: string } {
  try {
    const body = JSON.parse(text) as { error?: unknown; message?: unknown; detail?: unknown; type?: unknown };
    const error = body.error as { message?: unknown; type?: unknown } | string | undefined;
    if (typeof error === 'string') return { message: error };
    if (error && typeof error.message === 'string') return { message: error.message, type: typeof error.type === 'string' ? error.type : undefined };
    if (typeof body.message === 'string') return { message: body.message, type: typeof body.type === 'string' ? body.type : undefined };
    if (typeof body.detail === 'string') return { message: body.detail };
  } catch {
    // not JSON: the text itself
  }
  return { message: text.trim().slice(0, 300) || l10n.t('HTTP {0}', status) };
}

interface ModelEntry {
  id?: unknown;
  max_model_len?: unknown;
  context_length?: unknown;
  meta?: { n_ctx_train?: unknown };
}

/** The context length a `/v1/models` entry reports, if any. */
export function reportedContext(entry: ModelEntry): number | undefined {
  for (const n of [entry.max_model_len, entry.context_length, entry.meta?.n_ctx_train]) {
    if (typeof n === 'number' && Number.isFinite(n) && n > 0) return Math.floor(n);
  }
  return undefined;
}

interface Delta {
  content?: string | null;
  tool_calls?: { index?: number; id?: string; function?: { name?: string; arguments?: string } }[];
}
interface StreamChunk {
  choices?: { delta?: Delta; finish_reason?: string | null }[];
  usage?: { prompt_tokens?: number; completion_tokens?: number } | null;
  error?: unknown;
}

export class OpenAIServer extends ServerBase implements ModelServer {
  readonly kind = 'openai';
  readonly canPull = false;
  readonly setsContextLength = false;
  /** Per model, the context length `/v1/models` reported. */
  private readonly contexts = new Map<string, number>();

  host(): string {
    return normalizeBaseUrl(this.deps.settings().host);
  }

  contextLength(model: string): number | undefined {
    return this.contexts.get(model.trim());
  }

  async loaded(): Promise<boolean | undefined> {
    return undefined; // the API does not say
  }

  /** The API cannot be asked: native tools are tried, and a model the server refuses them for falls back (see `chat`). */
  async supportsTools(model: string): Promise<boolean> {
    return this.toolSupport.get(model.trim()) ?? true;
  }

  knownTools(model: string): boolean | undefined {
    return this.toolSupport.get(model.trim()) ?? (this.knownModels ? true : undefined);
  }

  async check(): Promise<void> {
    const s = this.deps.settings();
    this.deps.problems.modelChosen(s.model.trim());
    try {
      const models = await this.fetchModels();
      this.deps.log(`chat: OpenAI-compatible server at ${this.host()}, ${models.length} models`);
      this.reached(models, (model) => models.includes(model.trim()));
    } catch (err) {
      await this.checkFailed(err);
    }
  }

  async listModels(): Promise<string[]> {
    try {
      const models = await this.fetchModels();
      this.setState('connected');
      return [...models];
    } catch (err) {
      this.setState('unreachable');
      throw err;
    }
  }

  async pull(model: string | undefined): Promise<PullProgress> {
    const name = (model ?? '').trim() || this.deps.settings().model.trim();
    return { model: name, status: 'error', outcome: 'error', error: l10n.t('Models are pulled only through Ollama; an OpenAI-compatible server serves the models it was started with.') };
  }

  dispose(): void {
    // nothing of its own runs outside a chat (whose signal the reply holds)
  }

  async *chat(request: ChatRequest): AsyncIterable<ChatChunk> {
    const name = request.model.trim();
    const send = (tools: boolean) =>
      this.post('/chat/completions', {
        model: request.model,
        messages: toOpenAI(request.messages),
        stream: true,
        stream_options: { include_usage: true },
        ...(tools && request.tools?.length ? { tools: request.tools } : {}),
      }, request.signal);
    let res: Response;
    try {
      res = await send(true);
    } catch (err) {
      // A server that refuses tools for this model (vLLM without --enable-auto-tool-choice,
      // llama-server without --jinja) is asked again without them; the next message uses the text protocol.
      if (!(err instanceof ServerResponseError) || !request.tools?.length || !/tool/i.test(err.message) || err.status < 400 || err.status > 500) throw err;
      this.toolSupport.set(name, false);
      this.deps.log(`chat: ${name} refused native tools (${err.status}: ${err.message}): the text protocol is used from now on`);
      this.deps.onChange();
      res = await send(false);
    }
    yield* readStream(res);
  }

  private async fetchModels(): Promise<string[]> {
    const res = await this.request('/models', { method: 'GET' }, AbortSignal.timeout(capTimeout(this.deps.settings().timeoutMs)));
    const body = (await res.json()) as { data?: ModelEntry[] };
    if (!Array.isArray(body?.data)) throw new ServerResponseError(res.status, l10n.t('The answer to /models has no "data" list: this does not look like an OpenAI-compatible server.'));
    this.contexts.clear();
    const models: string[] = [];
    for (const entry of body.data) {
      if (typeof entry?.id !== 'string') continue;
      models.push(entry.id);
      const n = reportedContext(entry);
      if (n) this.contexts.set(entry.id, n);
    }
    return this.setModels(models);
  }

  private post(path: string, body: unknown, signal: AbortSignal): Promise<Response> {
    return this.request(path, { method: 'POST', body: JSON.stringify(body) }, signal);
  }

  /** A request with the headers and the key; a non-2xx answer is thrown as a ServerResponseError. */
  private async request(path: string, init: RequestInit, signal: AbortSignal): Promise<Response> {
    const headers: Record<string, string> = { 'Content-Type': 'application/json', Accept: init.method === 'POST' ? 'text/event-stream' : 'application/json', ...(await this.headers()) };
    const res = await fetch(`${this.host()}${path}`, { ...init, headers, signal });
    if (res.ok) return res;
    const { message, type } = errorMessage(await res.text().catch(() => ''), res.status);
    // A server may quote the key it refused ("Incorrect API key provided: sk-…"): never pass it on.
    const key = headers.Authorization?.replace(/^Bearer /, '');
    throw new ServerResponseError(res.status, key ? message.split(key).join('…') : message, type);
  }
}

/** The reply's chunks from the event stream; the calls whole, once their choice finishes. */
async function* readStream(res: Response): AsyncIterable<ChatChunk> {
  if (!res.body) throw new ServerResponseError(res.status, l10n.t('The server sent no body.'));
  const calls = new Map<number, { name: string; args: string }>();
  let finished = false;
  let usage: StreamChunk['usage'];
  const whole = (): ToolCall[] => {
    const list = [...calls.entries()].sort(([a], [b]) => a - b).map(([, c]) => ({ name: c.name, arguments: parseArguments(c.args) }));
    calls.clear();
    return list;
  };
  for await (const data of sseData(res.body as unknown as AsyncIterable<Uint8Array>)) {
    if (data.trim() === '[DONE]') {
      const rest = whole();
      yield { text: '', ...(rest.length ? { calls: rest } : {}), done: { promptTokens: usage?.prompt_tokens, replyTokens: usage?.completion_tokens } };
      return;
    }
    let chunk: StreamChunk;
    try {
      chunk = JSON.parse(data) as StreamChunk;
    } catch {
      continue; // a line that is not JSON (some proxies add their own): nothing to show
    }
    if (chunk.error) throw new Error(errorMessage(JSON.stringify(chunk), 200).message);
    if (chunk.usage) usage = chunk.usage;
    const choice = chunk.choices?.[0];
    if (!choice) continue;
    const pieces = choice.delta?.tool_calls ?? [];
    for (const piece of pieces) {
      const index = piece.index ?? calls.size;
      const call = calls.get(index) ?? { name: '', args: '' };
      call.name += piece.function?.name ?? '';
      call.args += piece.function?.arguments ?? '';
      calls.set(index, call);
    }
    const text = choice.delta?.content ?? '';
    if (choice.finish_reason) finished = true;
    const done = choice.finish_reason && calls.size ? whole() : [];
    if (text || done.length) yield done.length ? { text, calls: done } : { text };
    // A piece of a call is the model at work too: the waits for a token start again (a
    // long call, streamed for minutes, is not a model that stopped answering).
    else if (pieces.length) yield { text: '' };
  }
  // The stream ended without [DONE]: a reply that finished is whole; else the connection was lost.
  if (!finished) throw Object.assign(new Error('The stream ended before the reply was complete'), { code: 'UND_ERR_CLOSED' });
  const rest = whole();
  yield { text: '', ...(rest.length ? { calls: rest } : {}), done: { promptTokens: usage?.prompt_tokens, replyTokens: usage?.completion_tokens } };
}

/** Arguments as the model wrote them: JSON when they parse, else the text (the toolbox says what is wrong). */
function parseArguments(text: string): unknown {
  if (!text.trim()) return {};
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

type OpenAIMessage =
  | { role: 'system' | 'user'; content: string }
  | { role: 'assistant'; content: string | null; tool_calls?: { id: string; type: 'function'; function: { name: string; arguments: string } }[] }
  | { role: 'tool'; tool_call_id: string; content: string };

/**
 * The conversation in OpenAI's shape: each call of an assistant message gets an id, and
 * each tool result after it the id of the first call of that tool not yet answered.
 * Every call is answered (a server refuses a request with a call left open): a call whose
 * result was not kept (cancelled) is answered "not run".
 */
export function toOpenAI(messages: readonly OutgoingMessage[]): OpenAIMessage[] {
  const out: OpenAIMessage[] = [];
  let open: { id: string; name: string }[] = [];
  let n = 0;
  const close = () => {
    // model-facing
    for (const call of open) out.push({ role: 'tool', tool_call_id: call.id, content: 'Not run: the call was cancelled.' });
    open = [];
  };
  for (const m of messages) {
    if (m.role === 'tool') {
      const at = open.findIndex((c) => c.name === m.tool_name);
      const call = open.splice(at >= 0 ? at : 0, 1)[0];
      // model-facing
      if (call) out.push({ role: 'tool', tool_call_id: call.id, content: m.content });
      else out.push({ role: 'user', content: `Result of ${m.tool_name ?? 'a tool'}: ${m.content}` });
      continue;
    }
    close();
    if (m.role === 'assistant' && m.tool_calls?.length) {
      const calls = m.tool_calls.map((c) => ({ id: `call_${++n}`, type: 'function' as const, function: { name: c.function.name, arguments: JSON.stringify(c.function.arguments ?? {}) } }));
      open = calls.map((c) => ({ id: c.id, name: c.function.name }));
      out.push({ role: 'assistant', content: m.content || null, tool_calls: calls });
    } else {
      out.push({ role: m.role, content: m.content });
    }
  }
  close();
  return out;
}
