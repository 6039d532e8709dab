/**
 * The model server, as the chat sees it: where it is (the host, resolved from the
 * settings here and nowhere else), whether it answers, which models it has, pulling a
 * model, and a streamed chat in the chat's own terms (`ChatChunk`). Two kinds implement
 * `ModelServer`: `OllamaServer` (here, Ollama's native API) and `OpenAIServer`
 * (openaiServer.ts, `/v1/chat/completions`); `ServerBase` holds what they share (the
 * state, the model list, what is known of each model's tools, the request headers).
 */
import * as l10n from '@vscode/l10n';
import type { Message as OllamaMessage } from 'ollama';
import type { Notification, PullProgress } from '../protocol';
import type { OutgoingMessage } from './context';
import { diagnose, modelMissing, noModel, type DiagnoseContext, type HostEnvironment } from './diagnose';
import { createOllamaClient, displayHost, hasModel, resolveHost, withTag } from './ollamaClient';
import type { Problems } from './problems';
import type { ChatSettings, ServerKind } from './settings';
import type { ToolCall, ToolSpec } from './toolPort';

export type ServerState = 'unknown' | 'connected' | 'unreachable';

export interface ChatRequest {
  model: string;
  messages: OutgoingMessage[];
  /** The context length, in tokens. */
  numCtx: number;
  /** Aborting it closes the connection, at any point: that is what makes the server stop generating. */
  signal: AbortSignal;
  /** Native tools: sent on every request of a tool loop (a model sent none after a tool result stops using them). */
  tools?: ToolSpec[];
}

/** A piece of a streamed reply; the last one carries the server's token counts. */
export interface ChatChunk {
  text: string;
  /** Tool calls (native tools), as they arrived in this chunk. */
  calls?: ToolCall[];
  done?: ChatStats;
}

export interface ChatStats {
  promptTokens?: number;
  replyTokens?: number;
}

export interface ModelServer {
  readonly kind: ServerKind;
  /** Whether models can be pulled through it (Ollama only): the UI offers pulls only then. */
  readonly canPull: boolean;
  /** Whether a request can tell it the context length (Ollama's num_ctx); else the server's own applies. */
  readonly setsContextLength: boolean;
  /** The model's context length as the server reported it (OpenAI-compatible `/v1/models`), once known. */
  contextLength(model: string): number | undefined;
  /** Whether the model is loaded in memory (Ollama's /api/ps); undefined when that cannot be told. */
  loaded(model: string): Promise<boolean | undefined>;
  /** The base URL to call. Throws (InvalidHostError) when the setting is not valid. */
  host(): string;
  /** For display: the host, or the setting as typed when it is not valid. */
  shownHost(): string;
  readonly state: ServerState;
  /** The models it has, once known. */
  readonly models: readonly string[] | undefined;
  /** Whether an API key is kept for it (diagnose tells a refused key from a missing one). */
  hasKey(): Promise<boolean>;
  /** What `diagnose` needs to explain a failure in this phase. */
  context(phase: DiagnoseContext['phase'], timeoutMs?: number): DiagnoseContext;
  /** Asks whether it answers and which models it has; problems found go to `Problems`. */
  check(): Promise<void>;
  /** The models it has (throws when it cannot be reached; the state follows). */
  listModels(): Promise<string[]>;
  /** Never rejects: resolves with the last progress (outcome success, cancelled or error). */
  pull(model: string | undefined, signal?: AbortSignal, onProgress?: (p: PullProgress) => void): Promise<PullProgress>;
  /** A streamed reply; errors are thrown from the iteration, as the client raises them (see diagnose.ts). */
  chat(request: ChatRequest): AsyncIterable<ChatChunk>;
  /**
   * Whether the model takes native tools (its `capabilities` hold "tools"), asked once per
   * model and kept until the model list changes; false when that cannot be told (an older
   * server, an error): the text protocol always works.
   */
  supportsTools(model: string): Promise<boolean>;
  /** What is known of the model's tools without asking (undefined: not asked yet). */
  knownTools(model: string): boolean | undefined;
  /** What a reply found out: the server answered, or could not be reached. */
  setState(state: ServerState): void;
  /** Cancels every pull. */
  dispose(): void;
}

export interface ServerDeps {
  /** Read at each use: the user may change the settings at any time. */
  settings: () => ChatSettings;
  problems: Problems;
  /** For chat/pull progress. */
  emit: (n: Notification) => void;
  /** The state or the model list changed. */
  onChange: () => void;
  log: (line: string) => void;
  now: () => number;
  /** Least time between two chat/pull progress messages of the same status (default 100 ms). */
  pullIntervalMs?: number;
  environment?: HostEnvironment;
  /** The API key kept for this server URL (VS Code's SecretStorage), sent as `Authorization: Bearer`; never logged. */
  getKey?: (serverUrl: string) => Promise<string | undefined>;
}

/** What both kinds of server share. */
export abstract class ServerBase {
  abstract readonly kind: ServerKind;
  protected currentState: ServerState = 'unknown';
  protected knownModels: string[] | undefined;
  /** Per model, whether it takes native tools. */
  protected readonly toolSupport = new Map<string, boolean>();

  constructor(protected readonly deps: ServerDeps) {}

  abstract host(): string;

  get state(): ServerState {
    return this.currentState;
  }

  get models(): readonly string[] | undefined {
    return this.knownModels;
  }

  /** The model list changed (a check, a pull): what was known of each model's tools may be stale. */
  protected setModels(models: string[]): string[] {
    this.knownModels = models;
    this.toolSupport.clear();
    return models;
  }

  shownHost(): string {
    try {
      return this.host();
    } catch {
      return this.deps.settings().host;
    }
  }

  context(phase: DiagnoseContext['phase'], timeoutMs?: number): DiagnoseContext {
    const s = this.deps.settings();
    return { host: this.shownHost(), model: s.model.trim(), phase, timeoutMs, numCtx: s.numCtx, environment: this.deps.environment, kind: this.kind };
  }

  setState(state: ServerState): void {
    if (this.currentState === state) return;
    this.currentState = state;
    this.deps.onChange();
  }

  /** The settings' extra headers and the API key (kept for this URL), for every request. */
  protected async headers(): Promise<Record<string, string>> {
    const extra = this.deps.settings().headers ?? {};
    const key = await this.deps.getKey?.(this.host());
    // not-ui: an HTTP header
    return key ? { ...extra, Authorization: `Bearer ${key}` } : { ...extra };
  }

  /** Whether a key is kept for this server (a 401 then means refused, not missing). */
  async hasKey(): Promise<boolean> {
    try {
      return !!(await this.deps.getKey?.(this.host()));
    } catch {
      return false;
    }
  }

  /** A failed check: the state, the log and the problem say why. */
  protected async checkFailed(err: unknown): Promise<void> {
    const s = this.deps.settings();
    this.currentState = 'unreachable';
    const diagnosis = diagnose(err, { ...this.context('connect', capTimeout(s.timeoutMs)), hasKey: await this.hasKey() });
    this.deps.log(`chat: ${diagnosis.problem.title} (${(err as Error)?.message ?? err}${causeText(err)})`);
    this.deps.problems.set(diagnosis, s.model.trim());
  }

  /** A check that answered: the chosen model is there, or the problem says it is not. */
  protected reached(models: string[], has: (model: string) => boolean): void {
    const s = this.deps.settings();
    this.currentState = 'connected';
    this.deps.problems.reached(models);
    if (!s.model.trim()) this.deps.problems.set(noModel(this.kind), '');
    else if (!has(s.model)) this.deps.problems.set(modelMissing(this.context('connect')), s.model.trim());
  }
}

export class OllamaServer extends ServerBase implements ModelServer {
  readonly kind = 'ollama';
  readonly canPull = true;
  readonly setsContextLength = true;
  private readonly pulls = new Set<AbortController>();

  contextLength(): number | undefined {
    return undefined; // told, not asked: num_ctx goes with each request
  }

  async loaded(model: string): Promise<boolean | undefined> {
    try {
      const client = createOllamaClient({ host: this.host(), timeoutMs: capTimeout(this.deps.settings().timeoutMs), headers: await this.headers() });
      const { models } = await client.ps();
      return models.some((m) => withTag(m.name) === withTag(model));
    } catch {
      return undefined;
    }
  }

  async supportsTools(model: string): Promise<boolean> {
    const name = withTag(model);
    const known = this.toolSupport.get(name);
    if (known !== undefined) return known;
    try {
      const client = createOllamaClient({ host: this.host(), timeoutMs: capTimeout(this.deps.settings().timeoutMs), headers: await this.headers() });
      const shown = (await client.show({ model })) as { capabilities?: unknown };
      const tools = Array.isArray(shown.capabilities) && shown.capabilities.includes('tools');
      this.toolSupport.set(name, tools);
      this.deps.log(`chat: ${name} ${tools ? 'takes native tools' : 'has no native tools: the text protocol is used'}`);
      return tools;
    } catch (err) {
      this.deps.log(`chat: could not ask ${name} for its capabilities (${(err as Error)?.message ?? err}): the text protocol is used`);
      return false;
    }
  }

  knownTools(model: string): boolean | undefined {
    return this.toolSupport.get(withTag(model));
  }

  host(): string {
    return resolveHost(this.deps.settings().host);
  }

  async check(): Promise<void> {
    const s = this.deps.settings();
    this.deps.problems.modelChosen(s.model.trim());
    try {
      const client = createOllamaClient({ host: this.host(), timeoutMs: capTimeout(s.timeoutMs), headers: await this.headers() });
      const [version, list] = await Promise.all([client.version(), client.list()]);
      const models = this.setModels(list.models.map((m) => m.name));
      this.deps.log(`chat: Ollama ${version.version} at ${displayHost(this.host())}, ${models.length} models`);
      this.reached(models, (model) => hasModel(models, model));
    } catch (err) {
      await this.checkFailed(err);
    }
  }

  async listModels(): Promise<string[]> {
    try {
      const client = createOllamaClient({ host: this.host(), timeoutMs: capTimeout(this.deps.settings().timeoutMs), headers: await this.headers() });
      const list = await client.list();
      const models = this.setModels(list.models.map((m) => m.name));
      this.setState('connected');
      return [...models];
    } catch (err) {
      this.setState('unreachable');
      throw err;
    }
  }

  async *chat(request: ChatRequest): AsyncIterable<ChatChunk> {
    const client = createOllamaClient({ host: this.host(), signal: request.signal, headers: await this.headers() });
    const keepAlive = this.deps.settings().keepAlive?.trim();
    const stream = await client.chat({
      model: request.model,
      messages: request.messages as OllamaMessage[],
      stream: true,
      options: { num_ctx: request.numCtx },
      ...(keepAlive ? { keep_alive: /^-?\d+$/.test(keepAlive) ? Number(keepAlive) : keepAlive } : {}),
      ...(request.tools?.length ? { tools: request.tools } : {}),
    });
    for await (const part of stream) {
      const text = part.message?.content ?? '';
      // Ollama sends a call whole, in one chunk, with its arguments as an object and no call id.
      const calls = part.message?.tool_calls?.map((c) => ({ name: String(c.function?.name ?? ''), arguments: c.function?.arguments }));
      const chunk: ChatChunk = calls?.length ? { text, calls } : { text };
      yield part.done ? { ...chunk, done: { promptTokens: part.prompt_eval_count, replyTokens: part.eval_count } } : chunk;
    }
  }

  /**
   * Pulls a model (default: the chosen one), emitting chat/pull progress (and calling
   * `onProgress`) at most every `pullIntervalMs` for the same status. `signal` cancels it
   * (the request is aborted). The settings' timeout bounds the wait for the first line.
   */
  async pull(model: string | undefined, signal?: AbortSignal, onProgress?: (p: PullProgress) => void): Promise<PullProgress> {
    const s = this.deps.settings();
    const name = (model ?? '').trim() || s.model.trim();
    const report = (p: PullProgress) => {
      this.deps.emit({ kind: 'chat/pull', progress: p });
      try {
        onProgress?.(p);
      } catch (err) {
        this.deps.log(`chat: pull progress listener failed: ${(err as Error).message}`);
      }
      return p;
    };
    if (!name) return report({ model: '', status: l10n.t('no model'), outcome: 'error', error: l10n.t('No model to pull: give a model name.') });

    const controller = new AbortController();
    const cancel = () => controller.abort();
    if (signal?.aborted) cancel();
    signal?.addEventListener('abort', cancel);
    this.pulls.add(controller);
    let timedOut = false;
    const timer = s.timeoutMs > 0 ? setTimeout(() => ((timedOut = true), controller.abort()), s.timeoutMs) : undefined;
    const interval = this.deps.pullIntervalMs ?? 100;
    let lastStatus = '';
    let lastAt = -Infinity;
    this.deps.log(`chat: pulling ${name}`);
    try {
      const client = createOllamaClient({ host: this.host(), signal: controller.signal, headers: await this.headers() });
      for await (const part of await client.pull({ model: name, stream: true })) {
        clearTimeout(timer);
        const at = this.deps.now();
        if (part.status !== lastStatus || at - lastAt >= interval) {
          lastStatus = part.status;
          lastAt = at;
          report({ model: name, status: part.status, ...(part.total ? { total: part.total, completed: part.completed ?? 0 } : {}) });
        }
      }
      const last = report({ model: name, status: 'success', outcome: 'success' });
      this.deps.log(`chat: pulled ${name}`);
      await this.listModels().catch(() => undefined);
      this.deps.problems.reached(this.knownModels ?? []);
      this.deps.onChange();
      return last;
    } catch (err) {
      if (controller.signal.aborted && !timedOut) {
        this.deps.log(`chat: pull of ${name} cancelled`);
        return report({ model: name, status: 'cancelled', outcome: 'cancelled' });
      }
      const diagnosis = timedOut
        ? diagnose(Object.assign(new Error(`No answer within ${s.timeoutMs} ms`), { name: 'TimeoutError' }), this.context('connect', s.timeoutMs))
        : diagnose(err, { ...this.context('pull'), model: name });
      this.deps.log(`chat: pull of ${name} failed: ${(err as Error)?.message ?? err}${causeText(err)}`);
      this.deps.problems.set(diagnosis, name);
      return report({ model: name, status: 'error', outcome: 'error', error: `${diagnosis.problem.title}. ${diagnosis.problem.detail}` });
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', cancel);
      this.pulls.delete(controller);
    }
  }

  dispose(): void {
    for (const controller of this.pulls) controller.abort();
  }
}

/** Short calls (version, list) wait at most 10 s, or less when the settings say so. */
export function capTimeout(timeoutMs: number): number {
  return timeoutMs > 0 ? Math.min(timeoutMs, 10_000) : 10_000;
}

/** The socket error behind a fetch failure, for the log. */
export function causeText(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } })?.cause;
  return cause ? ` / ${cause.code ?? ''} ${cause.message ?? ''}`.trimEnd() : '';
}
