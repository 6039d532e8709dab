/**
 * One reply of the model, from its row to its end: the text as it streams in, the
 * deltas the views get (the first at once, the rest batched, at most one per
 * `deltaIntervalMs`), the partial text saved every `persistIntervalMs` so a crash loses
 * little, the wait for the next token (`timeoutMs`), and the one way it ends: `finish`,
 * which saves and emits the final text and status (chat/finished) and calls `onEnd`.
 *
 * Two waits, then the request is aborted and the user told: the first token's (long by
 * default: it covers loading the model, and Ollama sends the headers with the first
 * token) and the one between two tokens. (Connection checks use the latter capped at
 * 10 s, a pull for its first progress line only: see modelServer.ts.)
 */
import type { Notification } from '../protocol';
import type { Conversation } from './conversation';
import { ChatTimeoutError, diagnose, type DiagnoseContext, type Diagnosis } from './diagnose';
import { causeText, type ChatChunk, type ChatStats } from './modelServer';
import type { ToolCall } from './toolPort';

/** Why a reply was ended before the model was done (`removed`, `cleared`: its row is gone too). */
export type EndReason = 'stop' | 'dispose' | 'removed' | 'cleared';
export type ReplyStatus = 'done' | 'stopped' | 'error';

export interface ReplyDeps {
  conversation: Conversation;
  emit: (n: Notification) => void;
  log: (line: string) => void;
  deltaIntervalMs: number;
  persistIntervalMs: number;
  /** Called once, when the reply has ended (its row saved and emitted). */
  onEnd: (reply: Reply, status: ReplyStatus, problem?: Diagnosis) => void;
  /** The first token of a request arrived. */
  onFirstToken?: (reply: Reply) => void;
}

/** The longest waits (ms; 0 for none): for the first token of a request, and between two tokens. */
export interface Waits {
  first: number;
  between: number;
}

export class Reply {
  /** Resolves once the reply has ended. */
  readonly done: Promise<void>;
  private resolveDone!: () => void;
  private readonly controller = new AbortController();
  /** The assistant row, once stored. */
  private id: number | undefined;
  private content = '';
  /** The tool calls of the current round (native tools). */
  private calls: ToolCall[] = [];
  /** How much of `content` the views have (sent as deltas), and how much is saved. */
  private emitted = 0;
  private persisted = 0;
  private reason: EndReason | undefined;
  private over = false;
  private deltaTimer: ReturnType<typeof setTimeout> | undefined;
  private persistTimer: ReturnType<typeof setInterval> | undefined;
  private idleTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly deps: ReplyDeps,
    readonly profileId: number,
    readonly model: string,
  ) {
    this.done = new Promise<void>((resolve) => (this.resolveDone = resolve));
  }

  get finished(): boolean {
    return this.over;
  }

  get endedBy(): EndReason | undefined {
    return this.reason;
  }

  /** Aborted when the reply ends early: the request must close its connection then. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** The text of row `id` as the views have it (what was sent as deltas), when it is this reply's row. */
  shownText(id: number): string | undefined {
    return id === this.id ? this.content.slice(0, this.emitted) : undefined;
  }

  /** Stores the assistant row ('streaming') and starts saving the partial text now and then. */
  open(): void {
    if (this.over) return;
    const row = this.deps.conversation.add(this.profileId, 'assistant', '', 'streaming', this.model);
    if (!row) return this.end('removed'); // the profile was deleted meanwhile
    this.id = row.id;
    this.deps.emit({ kind: 'chat/appended', profileId: this.profileId, message: this.deps.conversation.dto(row) });
    this.persistTimer = setInterval(() => this.persist(), this.deps.persistIntervalMs);
  }

  /**
   * Takes the streamed text until the stream ends, waiting at most `waits.first` for the
   * first token and `waits.between` between tokens. A failure ends the reply ('error', diagnosed with
   * `ctx`). Resolves with the server's counts when the stream ended well and the reply
   * is still going (the caller finishes it), undefined when it has ended.
   */
  async take(chunks: AsyncIterable<ChatChunk>, waits: Waits, ctx: DiagnoseContext): Promise<(ChatStats & { calls: ToolCall[] }) | undefined> {
    let first = true;
    let stats: ChatStats = {};
    this.armIdle(waits.first, 'first', ctx);
    try {
      for await (const chunk of chunks) {
        if (this.over) break;
        if (first) {
          first = false;
          this.deps.log(`chat: first token from ${this.model}`);
          this.deps.onFirstToken?.(this);
        }
        this.armIdle(waits.between, 'stalled', ctx);
        if (chunk.text) {
          this.content += chunk.text;
          this.scheduleDelta();
        }
        if (chunk.calls) this.calls.push(...chunk.calls);
        if (chunk.done) stats = chunk.done;
      }
    } catch (err) {
      if (this.over) return undefined; // stopped, timed out, cleared: already ended
      const phase = first ? 'chat' : 'stream';
      this.deps.log(`chat: reply ${first ? 'failed' : 'broke off'}: ${(err as Error)?.message ?? err}${causeText(err)}`);
      this.finish('error', diagnose(err, { ...ctx, phase }));
      return undefined;
    }
    return this.over ? undefined : { ...stats, calls: this.calls };
  }

  /**
   * A round of a tool loop is over: its row is saved as done (with `data`, its calls) and
   * emitted, and the reply goes on: `open` starts the next round's row. The idle wait stops
   * meanwhile (the user may take their time over a card).
   */
  endRound(data: unknown): void {
    if (this.over || this.id === undefined) return;
    clearTimeout(this.deltaTimer);
    this.deltaTimer = undefined;
    clearTimeout(this.idleTimer);
    clearInterval(this.persistTimer);
    // The text only if it changed since it was saved (a round of calls often has none): rewriting it indexes it for search again.
    const text = this.persisted === this.content.length ? {} : { content: this.content };
    const row = this.deps.conversation.update(this.id, { ...text, status: 'done', data });
    this.deps.emit({ kind: 'chat/finished', profileId: this.profileId, message: this.deps.conversation.dto(row) });
    this.deps.conversation.sync().catch((err) => this.deps.log(`chat: a round may not be on disk: ${(err as Error).message}`));
    this.id = undefined;
    this.content = '';
    this.calls = [];
    this.emitted = 0;
    this.persisted = 0;
  }

  /** Ends the reply on the user's (or the host's) behalf: the request is aborted, the text so far kept. */
  end(reason: EndReason): void {
    if (this.over) return;
    this.reason = reason;
    this.controller.abort();
    this.finish('stopped');
  }

  /** Every reply ends here, once: the final text and status are saved and emitted, then `onEnd`. */
  finish(status: ReplyStatus, problem?: Diagnosis): void {
    if (this.over) return;
    this.over = true;
    clearTimeout(this.deltaTimer);
    clearTimeout(this.idleTimer);
    clearInterval(this.persistTimer);
    if (status !== 'done') this.controller.abort();
    const { conversation, emit, log } = this.deps;
    if (this.id !== undefined && this.reason !== 'removed' && this.reason !== 'cleared') {
      try {
        const row = conversation.update(this.id, { content: this.content, status });
        this.emitted = this.content.length;
        emit({ kind: 'chat/finished', profileId: this.profileId, message: this.deps.conversation.dto(row) });
      } catch (err) {
        log(`chat: could not save the reply: ${(err as Error).message}`);
      }
      conversation.sync().catch((err) => log(`chat: the reply may not be on disk: ${(err as Error).message}`));
    }
    log(`chat: reply ${status}${this.reason ? ` (${this.reason})` : ''}, ${this.content.length} characters`);
    this.deps.onEnd(this, status, problem);
    this.resolveDone();
  }

  private persist(): void {
    if (this.over || this.id === undefined || this.persisted === this.content.length) return;
    try {
      this.deps.conversation.update(this.id, { content: this.content });
      this.persisted = this.content.length;
    } catch (err) {
      this.deps.log(`chat: could not save the partial reply: ${(err as Error).message}`);
    }
  }

  private scheduleDelta(): void {
    if (this.deltaTimer) return;
    // The first text goes out at once: batching it would only add the window to the time to first token.
    if (this.emitted === 0) return this.flushDelta();
    this.deltaTimer = setTimeout(() => {
      this.deltaTimer = undefined;
      this.flushDelta();
    }, this.deps.deltaIntervalMs);
  }

  private flushDelta(): void {
    if (this.over || this.id === undefined) return;
    const text = this.content.slice(this.emitted);
    if (!text) return;
    this.emitted = this.content.length;
    this.deps.emit({ kind: 'chat/delta', profileId: this.profileId, id: this.id, text });
  }

  private armIdle(timeoutMs: number, stage: 'first' | 'stalled', ctx: DiagnoseContext): void {
    clearTimeout(this.idleTimer);
    if (!(timeoutMs > 0) || this.over) return;
    this.idleTimer = setTimeout(() => {
      this.deps.log(`chat: ${stage === 'first' ? 'no first token' : 'no token'} within ${timeoutMs} ms; aborting`);
      this.finish('error', diagnose(new ChatTimeoutError(timeoutMs, stage), ctx));
    }, timeoutMs);
  }
}

/**
 * The stream with its request started at once (not at the first read) and its chunks
 * passed on only once `saved` resolved: a reply's request need not wait for what it
 * answers (the user's message, a round of tools) to reach the disk, but the reply is
 * taken only once that is there. Meanwhile what arrives is read off the connection and
 * kept (a connection that drops would discard what was not read yet). If saving fails,
 * nothing is passed on (the sender tells of the failure and ends the reply, which
 * aborts the request).
 */
export function heldUntil<T>(stream: AsyncIterable<T>, saved: Promise<unknown>): AsyncIterable<T> {
  const chunks = stream[Symbol.asyncIterator]();
  const ahead: Promise<IteratorResult<T>>[] = [];
  let holding = true;
  void (async () => {
    while (holding) {
      const next = chunks.next();
      ahead.push(next);
      if ((await next.catch(() => ({ done: true }))).done) return;
    }
  })();
  // Once it settles, reading ahead stops and the reader takes over.
  const passed = (async () => {
    try {
      await saved;
      return true;
    } catch {
      return false;
    } finally {
      holding = false;
    }
  })();
  return (async function* () {
    if (!(await passed)) return;
    try {
      for (const next of ahead) {
        const r = await next;
        if (r.done) return;
        yield r.value;
      }
      for (let r = await chunks.next(); !r.done; r = await chunks.next()) yield r.value;
    } finally {
      await chunks.return?.(); // a reader that stops early closes the stream, as it would without this wrapper
    }
  })();
}
