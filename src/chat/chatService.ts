/**
 * The chat: one conversation per profile with a local model through Ollama, kept in the
 * store, told what the user does. Free of the `vscode` module: the extension wires it
 * to the router, the commands and the settings.
 *
 * ```ts
 * interface ChatSettings { host: string; model: string; systemPrompt: string; numCtx: number; timeoutMs: number }
 * const chat = new ChatService({ store, settings: () => readSettings(), emit: (n) => views.broadcast(n), log });
 *
 * chat.snapshot(profile: { id: number; name: string }): ChatSnapshot
 * chat.send(profileId: number, text: string): Promise<ChatMessageDto>
 *     // persists the user message (on disk before it resolves), emits chat/appended, starts the
 *     // reply in the background and resolves with the user message. Refused (ChatBusyError) while
 *     // a reply streams in that profile, and (NoModelError, plus a chat/problem) with no model chosen.
 * chat.retry(profileId: number): Promise<boolean> // answers again without a new user message (after an error)
 * chat.stop(profileId?: number): boolean          // aborts the request (the HTTP connection is closed,
 *                                                 // so Ollama stops); keeps what arrived, status 'stopped'
 * chat.clear(profileId: number): Promise<void>    // stops, deletes the conversation, emits chat/reset
 * chat.removeProfile(profileId: number): void     // stops, drops its queue, deletes its messages (sync:
 *                                                 // call it inside the profile delete's transaction)
 * chat.note(profileId: number, text: string): void                  // chatq: a verbatim note (role 'note')
 * chat.post(profileId: number, role: 'assistant' | 'system', content: string): Promise<boolean>
 *     // chatq for background jobs; resolves once on disk (false: dropped, the profile was deleted)
 * chat.checkConnection(): Promise<ChatConnection> // GET /api/version + /api/tags; emits chat/connection
 * chat.listModels(): Promise<string[]>
 * chat.pull(model?: string, signal?: AbortSignal, onProgress?: (p: PullProgress) => void): Promise<PullProgress>
 *     // never rejects: resolves with the last progress, outcome 'success' | 'cancelled' | 'error'
 * chat.isGenerating(profileId?: number): boolean
 * chat.settled(profileId?: number): Promise<void> // resolves when no reply runs (in that profile)
 * chat.connection(): ChatConnection
 * chat.dispose(): void                            // stops every reply (saved, 'stopped') and pull
 * ```
 *
 * A reply, step by step:
 * 1. `send` stores the user message and holds the profile's chat queue.
 * 2. The request is built: the system prompt (+ `describeWork(profileId)`, what the user
 *    works on) as a system message, then the conversation: user and assistant messages
 *    as such, notes and system posts as system messages (so the model knows what
 *    happened), empty ones left out; `options.num_ctx` = settings.numCtx; `stream: true`.
 *    If it does not fit num_ctx (by estimate, see context.ts), the oldest messages are
 *    left out and a chat/problem says so; if even the newest does not fit, nothing is sent.
 * 3. An assistant row is stored (status 'streaming', emitted as chat/appended). The first
 *    text is sent as a chat/delta at once; the tokens after it are batched (at most one
 *    chat/delta per `deltaIntervalMs` per reply); the partial
 *    text is saved every `persistIntervalMs` so a crash loses little.
 * 4. It ends as 'done', 'stopped' (stop, dispose) or 'error' (with a chat/problem), with
 *    what arrived kept, saved and emitted as chat/finished; then the queued notes come out,
 *    then chat/connection says `generating: false`. Every path ends this way (`clear` and
 *    `removeProfile` delete the row instead of finishing it: the views get chat/reset).
 *    After a 'done' reply, if Ollama's prompt_eval_count shows the context was full, a
 *    chat/problem warns that the model may not have seen everything.
 *
 * Timeouts: `settings.timeoutMs` is the longest wait for the first token (covering the
 * model load, as Ollama sends the headers with the first token) and, after it, between
 * two tokens. Then the request is aborted and the user told. Connection checks use the
 * same timeout, capped at 10 s; a pull uses it for its first progress line only.
 *
 * `chat/connection` is global: `generating` is true while any profile's reply streams.
 * `chat/problem` is the latest problem (null when it went away); a new send clears it.
 *
 * A view that is hidden misses nothing: the reply goes on here, and `snapshot()` gives
 * the streaming message with all the text sent as deltas so far (deltas after it follow).
 * At construction, rows a crash left 'streaming' are marked 'stopped'.
 */
import type { Message as OllamaMessage, ChatResponse } from 'ollama';
import type { AppStore, Message } from '../store/appSchema';
import type { ChatConnection, ChatMessageDto, ChatSnapshot, Notification, PullProgress } from '../protocol';
import { UserError } from '../errors';
import { ChatQueue } from './chatQueue';
import { contextFullProblem, contextWasFull, fitToContext, tooLongProblem, trimmedProblem, type OutgoingMessage } from './context';
import { ChatTimeoutError, diagnose, modelMissing, noModel, type Diagnosis, type HostEnvironment, type ProblemCode } from './diagnose';
import { createOllamaClient, defaultOllamaHost, displayHost, hasModel, normalizeHost } from './ollamaClient';

export interface ChatSettings {
  /** Any form `normalizeHost` takes; empty means OLLAMA_HOST or http://127.0.0.1:11434. */
  host: string;
  model: string;
  systemPrompt: string;
  /** Ollama's `num_ctx`: the context length, in tokens. */
  numCtx: number;
  /** Longest wait for the first token, and between tokens (ms); 0 for none. */
  timeoutMs: number;
}

export const DEFAULT_SYSTEM_PROMPT =
  'You are the assistant in Pipulate, a to-do list in the VS Code sidebar. Be brief and practical. ' +
  'System messages in the conversation record what the user did in the to-do list (added, checked, renamed, ' +
  'deleted or moved a todo, switched profile): take them into account, do not repeat them back.';

export const DEFAULT_CHAT_SETTINGS: ChatSettings = {
  host: '',
  model: 'llama3.2',
  systemPrompt: DEFAULT_SYSTEM_PROMPT,
  numCtx: 8192,
  timeoutMs: 120_000,
};

export interface ChatServiceDeps {
  store: AppStore;
  /** Read at each use: the user may change the settings at any time. */
  settings: () => ChatSettings;
  /** Broadcast to every open view. */
  emit: (n: Notification) => void;
  log: (line: string) => void;
  now?: () => number;
  /** What the user works on (the profile's todos...), added to the system prompt. */
  describeWork?: (profileId: number) => string;
  /** Batching window of chat/delta after the first, which goes out at once (default 30 ms). */
  deltaIntervalMs?: number;
  /** How often the partial text of a streaming reply is saved (default 2000 ms). */
  persistIntervalMs?: number;
  /** Least time between two chat/pull progress messages of the same status (default 100 ms). */
  pullIntervalMs?: number;
  /** Where the extension host runs, for the hints of "not reachable" (see detectEnvironment). */
  environment?: HostEnvironment;
  /** How many of the newest messages a snapshot carries (default 500). */
  snapshotLimit?: number;
}

export class ChatBusyError extends UserError {
  constructor() {
    super('A reply is still being written in this conversation: stop it or wait for it to finish, then send again.');
    this.name = 'ChatBusyError';
  }
}

export class NoModelError extends UserError {
  constructor() {
    super('No model is chosen: choose one (or pull one), then send again.');
    this.name = 'NoModelError';
  }
}

type EndReason = 'stop' | 'dispose' | 'removed' | 'cleared';

interface Reply {
  profileId: number;
  /** The assistant row, once created. */
  id?: number;
  created: number;
  model: string;
  content: string;
  /** How much of `content` the views have (sent as deltas). */
  emitted: number;
  persisted: number;
  controller: AbortController;
  ended?: EndReason;
  finished: boolean;
  deltaTimer?: ReturnType<typeof setTimeout>;
  persistTimer?: ReturnType<typeof setInterval>;
  idleTimer?: ReturnType<typeof setTimeout>;
  done: Promise<void>;
  resolveDone: () => void;
}

interface QueueItem {
  profileId: number;
  role: 'note' | 'assistant' | 'system';
  content: string;
}

/** Problems that a good connection check makes go away. */
const CONNECTION_CODES: ReadonlySet<ProblemCode> = new Set(['unreachable', 'hostNotFound', 'badHost', 'timeout', 'notOllama', 'modelMissing', 'noModel']);

export class ChatService {
  private readonly replies = new Map<number, Reply>();
  private readonly pulls = new Set<AbortController>();
  private readonly queue: ChatQueue<QueueItem>;
  private readonly now: () => number;
  private state: ChatConnection['state'] = 'unknown';
  private models: string[] | undefined;
  private problem: Diagnosis | undefined;
  private disposed = false;

  constructor(private readonly deps: ChatServiceDeps) {
    this.now = deps.now ?? Date.now;
    this.queue = new ChatQueue((item) => this.deliver(item));
    this.recover();
  }

  // ---- reading ------------------------------------------------------------------------

  snapshot(profile: { id: number; name: string }): ChatSnapshot {
    const limit = this.deps.snapshotLimit ?? 500;
    const rows = this.deps.store.messages.rows({ where: { profile_id: profile.id }, orderBy: 'id DESC', limit }).reverse();
    const reply = this.replies.get(profile.id);
    const messages = rows.map((row) => {
      const dto = toDto(row);
      // The text the views were sent so far (not the saved text, which lags; not what is batched, which follows as a delta).
      if (reply && reply.id === row.id) return { ...dto, content: reply.content.slice(0, reply.emitted), status: 'streaming' as const };
      return dto;
    });
    return {
      profileId: profile.id,
      profileName: profile.name,
      messages,
      connection: this.connection(),
      ...(this.problem ? { problem: this.problem.problem } : {}),
    };
  }

  connection(): ChatConnection {
    const s = this.deps.settings();
    return {
      host: this.hostOf(s),
      state: this.state,
      model: s.model,
      ...(this.models ? { models: [...this.models] } : {}),
      generating: this.replies.size > 0,
    };
  }

  isGenerating(profileId?: number): boolean {
    return profileId === undefined ? this.replies.size > 0 : this.replies.has(profileId);
  }

  /** Resolves once no reply runs (in that profile). */
  async settled(profileId?: number): Promise<void> {
    for (;;) {
      const running = profileId === undefined ? [...this.replies.values()] : [this.replies.get(profileId)].filter((r): r is Reply => !!r);
      if (running.length === 0) return;
      await Promise.all(running.map((r) => r.done));
    }
  }

  // ---- the conversation ----------------------------------------------------------------

  async send(profileId: number, text: string): Promise<ChatMessageDto> {
    const content = text.trim();
    if (!content) throw new Error('The message is empty.');
    const reply = this.begin(profileId);

    let user: ChatMessageDto;
    try {
      user = toDto(this.deps.store.messages.insert({ profile_id: profileId, role: 'user', content, created: this.now(), status: 'done', model: null }));
    } catch (err) {
      this.finish(reply, 'error');
      throw err;
    }
    this.emit({ kind: 'chat/appended', profileId, message: user });
    this.emitConnection();
    try {
      await this.deps.store.db.sync();
    } catch (err) {
      this.deps.log(`chat: the message could not be saved: ${(err as Error).message}`);
      this.finish(reply, 'error');
      throw err;
    }
    this.launch(reply, false);
    return user;
  }

  /**
   * Answers the conversation again as it stands (the "retry" of a failed reply): no new
   * user message; the failed or stopped replies after the last user message are left
   * out of the request (they stay in the conversation). False when there is nothing to
   * answer (no user message). Refused like `send` while a reply streams.
   */
  async retry(profileId: number): Promise<boolean> {
    if (this.deps.store.messages.count({ profile_id: profileId, role: 'user' }) === 0) return false;
    const reply = this.begin(profileId);
    this.emitConnection();
    this.launch(reply, true);
    return true;
  }

  /** Registers a reply for the profile (refusing a second one) and holds its queue. */
  private begin(profileId: number): Reply {
    if (this.disposed) throw new Error('The chat is closed.');
    if (this.replies.has(profileId)) throw new ChatBusyError();
    const settings = this.deps.settings();
    if (!settings.model.trim()) {
      this.setProblem(noModel());
      throw new NoModelError();
    }
    let resolveDone!: () => void;
    const reply: Reply = {
      profileId,
      created: 0,
      model: settings.model.trim(),
      content: '',
      emitted: 0,
      persisted: 0,
      controller: new AbortController(),
      finished: false,
      done: new Promise<void>((r) => (resolveDone = r)),
      resolveDone: () => resolveDone(),
    };
    this.replies.set(profileId, reply);
    this.queue.hold(profileId);
    this.setProblem(undefined);
    return reply;
  }

  /** Runs the reply in the background; whatever happens, it ends. */
  private launch(reply: Reply, retry: boolean): void {
    if (reply.finished) return; // stopped while the user message was being saved
    this.run(reply, retry).catch((err) => {
      this.deps.log(`chat: reply failed unexpectedly: ${(err as Error)?.stack ?? String(err)}`);
      this.finish(reply, 'error', diagnose(err, { host: this.hostOf(this.deps.settings()), model: reply.model, phase: 'stream', environment: this.deps.environment }));
    });
  }

  stop(profileId?: number): boolean {
    const targets = profileId === undefined ? [...this.replies.values()] : [this.replies.get(profileId)].filter((r): r is Reply => !!r);
    for (const reply of targets) this.end(reply, 'stop');
    return targets.length > 0;
  }

  async clear(profileId: number): Promise<void> {
    this.queue.drop(profileId);
    const reply = this.replies.get(profileId);
    if (reply) this.end(reply, 'cleared');
    const removed = this.deps.store.messages.deleteWhere({ profile_id: profileId });
    this.deps.log(`chat: cleared the conversation of profile ${profileId} (${removed} messages)`);
    await this.deps.store.db.sync();
    this.emit({ kind: 'chat/reset', snapshot: this.snapshot({ id: profileId, name: this.profileName(profileId) }) });
  }

  /** The profile is being deleted: its reply stops, its queue is dropped, its messages deleted (synchronously). */
  removeProfile(profileId: number): void {
    this.queue.drop(profileId);
    const reply = this.replies.get(profileId);
    if (reply) this.end(reply, 'removed');
    this.deps.store.messages.deleteWhere({ profile_id: profileId });
  }

  /** chatq: a short verbatim note of what the user did; in order, never inside a streaming reply. */
  note(profileId: number, text: string): void {
    this.queue.push({ profileId, role: 'note', content: text }).catch((err) => this.deps.log(`chat: a note was not saved: ${(err as Error).message}`));
  }

  /** chatq for background jobs: resolves once the message is on disk (false if dropped). */
  async post(profileId: number, role: 'assistant' | 'system', content: string): Promise<boolean> {
    const delivered = await this.queue.push({ profileId, role, content });
    if (delivered) await this.deps.store.db.sync();
    return delivered;
  }

  // ---- Ollama ---------------------------------------------------------------------------

  async checkConnection(): Promise<ChatConnection> {
    const s = this.deps.settings();
    let host: string;
    try {
      host = normalizeHost(s.host || defaultOllamaHost());
      const client = createOllamaClient({ host, timeoutMs: capTimeout(s.timeoutMs) });
      const [version, list] = await Promise.all([client.version(), client.list()]);
      this.models = list.models.map((m) => m.name);
      this.state = 'connected';
      this.deps.log(`chat: Ollama ${version.version} at ${displayHost(host)}, ${this.models.length} models`);
      if (!s.model.trim()) this.setProblem(noModel());
      else if (!hasModel(this.models, s.model)) this.setProblem(modelMissing(this.ctx(s, 'connect')));
      else if (this.problem && CONNECTION_CODES.has(this.problem.code)) this.setProblem(undefined);
    } catch (err) {
      this.state = 'unreachable';
      const diagnosis = diagnose(err, this.ctx(s, 'connect', capTimeout(s.timeoutMs)));
      this.deps.log(`chat: ${diagnosis.problem.title} (${(err as Error)?.message ?? err}${causeText(err)})`);
      this.setProblem(diagnosis);
    }
    const connection = this.connection();
    this.emit({ kind: 'chat/connection', connection });
    return connection;
  }

  /** The models Ollama has (throws when it cannot be reached; the connection state follows). */
  async listModels(): Promise<string[]> {
    const s = this.deps.settings();
    try {
      const client = createOllamaClient({ host: this.hostOf(s), timeoutMs: capTimeout(s.timeoutMs) });
      const list = await client.list();
      this.models = list.models.map((m) => m.name);
      this.setState('connected');
      return [...this.models];
    } catch (err) {
      this.setState('unreachable');
      throw err;
    }
  }

  /**
   * Pulls a model (default: the chosen one), emitting chat/pull progress (and calling
   * `onProgress`), at most every `pullIntervalMs` for the same status. `signal` cancels
   * it (the request is aborted). Never rejects: resolves with the last progress.
   */
  async pull(model?: string, signal?: AbortSignal, onProgress?: (p: PullProgress) => void): Promise<PullProgress> {
    const s = this.deps.settings();
    const name = (model ?? '').trim() || s.model.trim();
    const report = (p: PullProgress) => {
      this.emit({ kind: 'chat/pull', progress: p });
      try {
        onProgress?.(p);
      } catch (err) {
        this.deps.log(`chat: pull progress listener failed: ${(err as Error).message}`);
      }
    };
    if (!name) {
      const last: PullProgress = { model: '', status: 'no model', outcome: 'error', error: 'No model to pull: give a model name.' };
      report(last);
      return last;
    }
    const controller = new AbortController();
    const cancel = () => controller.abort();
    if (signal?.aborted) cancel();
    signal?.addEventListener('abort', cancel);
    this.pulls.add(controller);
    let timedOut = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    if (s.timeoutMs > 0) {
      timer = setTimeout(() => {
        timedOut = true;
        controller.abort();
      }, s.timeoutMs);
    }
    const interval = this.deps.pullIntervalMs ?? 100;
    let lastStatus = '';
    let lastAt = -Infinity;
    this.deps.log(`chat: pulling ${name}`);
    try {
      const client = createOllamaClient({ host: this.hostOf(s), signal: controller.signal });
      const stream = await client.pull({ model: name, stream: true });
      for await (const part of stream) {
        clearTimeout(timer);
        const progress: PullProgress = { model: name, status: part.status, ...(part.total ? { total: part.total, completed: part.completed ?? 0 } : {}) };
        const at = this.now();
        if (part.status !== lastStatus || at - lastAt >= interval) {
          lastStatus = part.status;
          lastAt = at;
          report(progress);
        }
      }
      const last: PullProgress = { model: name, status: 'success', outcome: 'success' };
      report(last);
      this.deps.log(`chat: pulled ${name}`);
      await this.listModels().catch(() => undefined);
      if (this.problem && (this.problem.code === 'modelMissing' || this.problem.code === 'noModel' || this.problem.code === 'pullFailed') && hasModel(this.models ?? [], s.model)) {
        this.setProblem(undefined);
      }
      this.emitConnection();
      return last;
    } catch (err) {
      if (controller.signal.aborted && !timedOut) {
        const last: PullProgress = { model: name, status: 'cancelled', outcome: 'cancelled' };
        report(last);
        this.deps.log(`chat: pull of ${name} cancelled`);
        return last;
      }
      const diagnosis = timedOut
        ? diagnose(Object.assign(new Error(`No answer within ${s.timeoutMs} ms`), { name: 'TimeoutError' }), this.ctx(s, 'connect', s.timeoutMs))
        : diagnose(err, { ...this.ctx(s, 'pull'), model: name });
      this.deps.log(`chat: pull of ${name} failed: ${(err as Error)?.message ?? err}${causeText(err)}`);
      this.setProblem(diagnosis);
      const last: PullProgress = { model: name, status: 'error', outcome: 'error', error: `${diagnosis.problem.title}. ${diagnosis.problem.detail}` };
      report(last);
      return last;
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', cancel);
      this.pulls.delete(controller);
    }
  }

  dispose(): void {
    if (this.disposed) return;
    for (const reply of [...this.replies.values()]) this.end(reply, 'dispose');
    for (const controller of this.pulls) controller.abort();
    this.queue.dispose();
    this.disposed = true;
  }

  // ---- the reply --------------------------------------------------------------------------

  private async run(reply: Reply, retry: boolean): Promise<void> {
    const s = this.deps.settings();
    const numCtx = Math.max(256, Math.floor(s.numCtx) || DEFAULT_CHAT_SETTINGS.numCtx);
    let host: string;
    try {
      host = normalizeHost(s.host || defaultOllamaHost());
    } catch (err) {
      this.startRow(reply);
      this.finish(reply, 'error', diagnose(err, this.ctx(s, 'chat')));
      return;
    }

    const system: OutgoingMessage[] = [];
    const systemText = [s.systemPrompt.trim(), this.work(reply.profileId)].filter(Boolean).join('\n\n');
    if (systemText) system.push({ role: 'system', content: systemText });
    const history = this.history(reply.profileId, retry);
    const fit = fitToContext(system, history, numCtx);

    this.startRow(reply);
    if (!fit.fits) {
      this.deps.log(`chat: not sent, too long for num_ctx ${numCtx} (about ${fit.minimum} tokens at least)`);
      this.finish(reply, 'error', { code: 'contextTooLong', problem: tooLongProblem(fit, numCtx) });
      return;
    }
    if (fit.omitted > 0) {
      this.deps.log(`chat: left out the ${fit.omitted} oldest messages (about ${fit.estimate} tokens for num_ctx ${numCtx})`);
      this.setProblem({ code: 'contextTrimmed', problem: trimmedProblem(fit, numCtx) });
    }

    const ctx = { ...this.ctx(s, 'chat', s.timeoutMs), host, model: reply.model };
    let first = true;
    let stats: ChatResponse | undefined;
    this.armIdle(reply, s.timeoutMs, 'first', ctx);
    try {
      const client = createOllamaClient({ host, signal: reply.controller.signal });
      const stream = await client.chat({
        model: reply.model,
        messages: fit.messages as OllamaMessage[],
        stream: true,
        options: { num_ctx: numCtx },
      });
      for await (const part of stream) {
        if (reply.finished) break;
        if (first) {
          first = false;
          this.deps.log(`chat: first token from ${reply.model}`);
        }
        this.armIdle(reply, s.timeoutMs, 'stalled', ctx);
        const text = part.message?.content ?? '';
        if (text) {
          reply.content += text;
          this.scheduleDelta(reply);
        }
        if (part.done) stats = part;
      }
    } catch (err) {
      if (reply.finished) return; // stopped, timed out, cleared: already ended
      const phase = first ? 'chat' : 'stream';
      const diagnosis = diagnose(err, { ...ctx, phase });
      this.deps.log(`chat: reply ${phase === 'stream' ? 'broke off' : 'failed'}: ${(err as Error)?.message ?? err}${causeText(err)}`);
      if (diagnosis.code === 'unreachable') this.setState('unreachable');
      this.finish(reply, 'error', diagnosis);
      return;
    }
    if (reply.finished) return;
    this.setState('connected');
    let warning: Diagnosis | undefined;
    if (stats && contextWasFull(stats.prompt_eval_count, stats.eval_count, numCtx)) {
      this.deps.log(`chat: the context was full (prompt ${stats.prompt_eval_count}, reply ${stats.eval_count}, num_ctx ${numCtx})`);
      warning = { code: 'contextFull', problem: contextFullProblem(stats.prompt_eval_count, stats.eval_count ?? 0, numCtx) };
    }
    this.finish(reply, 'done', warning);
  }

  /**
   * The conversation as Ollama gets it: notes and system posts as system messages; empty
   * ones left out. On a retry, the failed or stopped replies after the last user message too.
   */
  private history(profileId: number, retry: boolean): OutgoingMessage[] {
    const rows = this.deps.store.messages.rows({ where: { profile_id: profileId }, orderBy: 'id' });
    let lastUser = -1;
    rows.forEach((row, i) => row.role === 'user' && (lastUser = i));
    const out: OutgoingMessage[] = [];
    rows.forEach((row, i) => {
      if (!row.content.trim()) return;
      if (retry && i > lastUser && row.role === 'assistant' && row.status !== 'done') return;
      const role = row.role === 'user' ? 'user' : row.role === 'assistant' ? 'assistant' : 'system';
      out.push({ role, content: row.content });
    });
    return out;
  }

  private work(profileId: number): string {
    try {
      return this.deps.describeWork?.(profileId)?.trim() ?? '';
    } catch (err) {
      this.deps.log(`chat: describeWork failed: ${(err as Error).message}`);
      return '';
    }
  }

  /** Stores the assistant row ('streaming') and starts saving the partial text now and then. */
  private startRow(reply: Reply): void {
    reply.created = this.now();
    const row = this.deps.store.messages.insert({
      profile_id: reply.profileId,
      role: 'assistant',
      content: '',
      created: reply.created,
      status: 'streaming',
      model: reply.model,
    });
    reply.id = row.id;
    this.emit({ kind: 'chat/appended', profileId: reply.profileId, message: toDto(row) });
    reply.persistTimer = setInterval(() => this.persist(reply), this.deps.persistIntervalMs ?? 2000);
  }

  private persist(reply: Reply): void {
    if (reply.finished || reply.id === undefined || reply.persisted === reply.content.length) return;
    try {
      this.deps.store.messages.update({ id: reply.id, content: reply.content });
      reply.persisted = reply.content.length;
    } catch (err) {
      this.deps.log(`chat: could not save the partial reply: ${(err as Error).message}`);
    }
  }

  private scheduleDelta(reply: Reply): void {
    if (reply.deltaTimer) return;
    // The first text goes out at once: batching it would only add the window to the time to first token.
    if (reply.emitted === 0) return this.flushDelta(reply);
    reply.deltaTimer = setTimeout(() => {
      reply.deltaTimer = undefined;
      this.flushDelta(reply);
    }, this.deps.deltaIntervalMs ?? 30);
  }

  private flushDelta(reply: Reply): void {
    if (reply.finished || reply.id === undefined) return;
    const text = reply.content.slice(reply.emitted);
    if (!text) return;
    reply.emitted = reply.content.length;
    this.emit({ kind: 'chat/delta', profileId: reply.profileId, id: reply.id, text });
  }

  private armIdle(reply: Reply, timeoutMs: number, stage: 'first' | 'stalled', ctx: ReturnType<ChatService['ctx']>): void {
    clearTimeout(reply.idleTimer);
    if (!(timeoutMs > 0) || reply.finished) return;
    reply.idleTimer = setTimeout(() => {
      if (reply.finished) return;
      this.deps.log(`chat: ${stage === 'first' ? 'no first token' : 'no token'} within ${timeoutMs} ms; aborting`);
      reply.controller.abort();
      this.finish(reply, 'error', diagnose(new ChatTimeoutError(timeoutMs, stage), ctx));
    }, timeoutMs);
  }

  /** Ends a reply on the user's (or the host's) behalf: the request is aborted, the text so far kept. */
  private end(reply: Reply, reason: EndReason): void {
    if (reply.finished) return;
    reply.ended = reason;
    reply.controller.abort();
    this.finish(reply, 'stopped');
  }

  /**
   * Every reply ends here, once: the final text and status are saved and emitted
   * (chat/finished), the queued notes come out, then the problem and the connection.
   */
  private finish(reply: Reply, status: 'done' | 'stopped' | 'error', problem?: Diagnosis): void {
    if (reply.finished) return;
    reply.finished = true;
    clearTimeout(reply.deltaTimer);
    clearTimeout(reply.idleTimer);
    clearInterval(reply.persistTimer);
    if (!reply.controller.signal.aborted && status !== 'done') reply.controller.abort();
    if (this.replies.get(reply.profileId) === reply) this.replies.delete(reply.profileId);

    if (reply.id !== undefined && reply.ended !== 'removed' && reply.ended !== 'cleared') {
      try {
        const row = this.deps.store.messages.update({ id: reply.id, content: reply.content, status });
        reply.emitted = reply.content.length;
        this.emit({ kind: 'chat/finished', profileId: reply.profileId, message: toDto(row) });
      } catch (err) {
        this.deps.log(`chat: could not save the reply: ${(err as Error).message}`);
      }
      this.deps.store.db.sync().catch((err) => this.deps.log(`chat: the reply may not be on disk: ${(err as Error).message}`));
    }
    this.deps.log(`chat: reply ${status}${reply.ended ? ` (${reply.ended})` : ''}, ${reply.content.length} characters`);
    this.queue.release(reply.profileId);
    if (problem) this.setProblem(problem);
    if (reply.ended !== 'dispose') this.emitConnection();
    reply.resolveDone();
  }

  // ---- the queue ----------------------------------------------------------------------------

  private deliver(item: QueueItem): void {
    const row = this.deps.store.messages.insert({
      profile_id: item.profileId,
      role: item.role,
      content: item.content,
      created: this.now(),
      status: 'done',
      model: null,
    });
    this.emit({ kind: 'chat/appended', profileId: item.profileId, message: toDto(row) });
  }

  // ---- state ----------------------------------------------------------------------------------

  /** A failing listener must not leave a reply half-ended or the queue held. */
  private emit(n: Notification): void {
    try {
      this.deps.emit(n);
    } catch (err) {
      this.deps.log(`chat: a view listener failed on ${n.kind}: ${(err as Error)?.message ?? err}`);
    }
  }

  /** Rows a crash left 'streaming' are marked 'stopped': nothing stays "generating". */
  private recover(): void {
    const { messages, db } = this.deps.store;
    const stuck = messages.rows({ where: { status: 'streaming' } });
    if (stuck.length === 0) return;
    db.transaction(() => {
      for (const row of stuck) messages.update({ id: row.id, status: 'stopped' });
    });
    this.deps.log(`chat: ${stuck.length} reply(s) interrupted by a restart marked as stopped`);
  }

  private setProblem(diagnosis: Diagnosis | undefined): void {
    if (!diagnosis && !this.problem) return;
    this.problem = diagnosis;
    this.emit({ kind: 'chat/problem', problem: diagnosis?.problem ?? null });
  }

  private setState(state: ChatConnection['state']): void {
    if (this.state === state) return;
    this.state = state;
    this.emitConnection();
  }

  private emitConnection(): void {
    if (this.disposed) return;
    this.emit({ kind: 'chat/connection', connection: this.connection() });
  }

  private hostOf(s: ChatSettings): string {
    try {
      return normalizeHost(s.host || defaultOllamaHost());
    } catch {
      return s.host;
    }
  }

  private ctx(s: ChatSettings, phase: 'connect' | 'chat' | 'stream' | 'pull', timeoutMs?: number) {
    return { host: this.hostOf(s), model: s.model.trim(), phase, timeoutMs, numCtx: s.numCtx, environment: this.deps.environment };
  }

  private profileName(profileId: number): string {
    try {
      return this.deps.store.profiles.get(profileId).name;
    } catch {
      return '';
    }
  }
}

export function toDto(row: Message): ChatMessageDto {
  return {
    id: row.id,
    role: row.role as ChatMessageDto['role'],
    content: row.content,
    status: row.status as ChatMessageDto['status'],
    created: row.created,
    model: row.model,
  };
}

function capTimeout(timeoutMs: number): number {
  return timeoutMs > 0 ? Math.min(timeoutMs, 10_000) : 10_000;
}

function causeText(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } })?.cause;
  return cause ? ` / ${cause.code ?? ''} ${cause.message ?? ''}`.trimEnd() : '';
}
