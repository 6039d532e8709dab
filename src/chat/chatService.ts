/**
 * The chat: one conversation per profile with a local model, kept in the store, told
 * what the user does. Free of the `vscode` module: the extension wires it to the router,
 * the commands and the settings. This is the thin front (one file, a little over 400
 * lines, because most of it is the API's documentation); the parts behind it:
 *
 * - `Conversation` (conversation.ts): the messages in the store, the one writer of them;
 * - `Reply` (reply.ts): one reply's life, from its row to its end;
 * - `ModelServer` (modelServer.ts): the server's host, state, models, pulls and chat stream;
 * - `Problems` (problems.ts): the problem shown above the input, and when it is over;
 * - `ChatQueue` (chatQueue.ts): notes and posts, in order, never inside a streaming reply;
 * - `PromptWindow` (prompt.ts) and context.ts: what the model is sent.
 *
 * ```ts
 * const chat = new ChatService({ store, settings: () => readSettings(), emit: (n) => views.broadcast(n), log });
 *
 * chat.snapshot(profile: { id: number; name: string }): ChatSnapshot   // the newest SNAPSHOT_PAGE messages, and `more`
 * chat.history(profileId: number, before: number | undefined, limit: number): ChatPage
 *     // the `limit` messages older than `before`, oldest first, and whether older ones exist
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
 * chat.note(profileId: number, note: string | Note): void  // chatq: a note (role 'note'); one that
 *                                                 // supersedes the newest note replaces it (chat/finished)
 * chat.post(profileId: number, role: 'assistant' | 'system', content: string): Promise<boolean>
 *     // chatq for background jobs; resolves once on disk (false: dropped, the profile was deleted)
 * chat.checkConnection(): Promise<ChatConnection> // GET /api/version + /api/tags; emits chat/connection
 * chat.listModels(): Promise<string[]>
 * chat.pull(model?: string, signal?: AbortSignal, onProgress?: (p: PullProgress) => void): Promise<PullProgress>
 *     // never rejects: resolves with the last progress, outcome 'success' | 'cancelled' | 'error'
 * chat.dismissProblem(): void                     // the user closed the problem: chat/problem null
 * chat.propose(profileId, from: CardSource, calls: ToolCall[]): Promise<card message>
 *     // a card Pipulate proposes itself (a workflow's todos step): cards.ts's `propose`;
 *     // withdraw(profileId, cardId) takes it back while it waits, card(profileId, id) reads one
 * chat.isGenerating(profileId?: number): boolean
 * chat.settled(profileId?: number): Promise<void> // resolves when no reply runs (in that profile)
 * chat.connection(): ChatConnection
 * chat.dispose(): void                            // stops every reply (saved, 'stopped') and pull
 * ```
 *
 * A reply, step by step:
 * 1. `send` stores the user message and holds the profile's chat queue.
 * 2. The request is built (prompt.ts), reading the conversation newest first only as
 *    far as it needs. If it does not fit num_ctx (by estimate, see context.ts), old
 *    messages are left out in blocks and a chat/problem says so; if even the newest
 *    does not fit, nothing is sent.
 * 3. An assistant row is stored (status 'streaming', emitted as chat/appended); the text
 *    streams in as chat/delta (reply.ts).
 * 4. It ends as 'done', 'stopped' (stop, dispose) or 'error' (with a chat/problem), with
 *    what arrived kept, saved and emitted as chat/finished; then the queued notes come out,
 *    then chat/connection says `generating: false`. Every path ends this way (`clear` and
 *    `removeProfile` delete the row instead of finishing it: the views get chat/reset).
 *    After a 'done' reply, if the prompt's size (our estimate of what was sent, not the
 *    server's count, which a prefix cache makes small) and the reply's show the context
 *    was full, a chat/problem warns that the model may not have seen everything.
 *
 * `chat/connection` is global: `generating` is true while any profile's reply streams.
 * `chat/problem` is the latest problem (null when it went away); see problems.ts.
 *
 * A view that is hidden misses nothing: the reply goes on here, and `snapshot()` gives
 * the streaming message with all the text sent as deltas so far (deltas after it follow).
 * At construction, rows a crash left 'streaming' are marked 'stopped'.
 */
import * as l10n from '@vscode/l10n';
import type { AppStore, Message } from '../store/appSchema';
import type { AttachmentDto, CardSource, ChatConnection, ChatMessageDto, ChatPage, ChatProblem, ChatSnapshot, Notification, PullProgress, ToolCard } from '../protocol';
import { NotFoundError, UserError } from '../errors';
import { ChatQueue } from './chatQueue';
import { contextFullProblem, contextWasFull, promptTokens, tooLongProblem, trimmedProblem, type ContextLength } from './context';
import { Conversation, toDto, type Note } from './conversation';
import { diagnose, noModel, type Diagnosis, type HostEnvironment } from './diagnose';
import { OllamaServer, type ChatChunk, type ModelServer, type ServerDeps } from './modelServer';
import { OpenAIServer } from './openaiServer';
import { Problems } from './problems';
import { PromptWindow } from './prompt';
import { heldUntil, Reply, type ReplyStatus } from './reply';
import { attachmentsOf, PendingAttachments, type Attachment } from './attachments';
import { contextLength, firstTokenTimeout, toolSettings, type ChatSettings, type ServerKind } from './settings';
import { Cards, callsData, cardOf, type ToolMode } from './cards';
import { readText, systemPromptFor } from './toolLoop';
import type { ToolCall, ToolPort } from './toolPort';

export { DEFAULT_CHAT_SETTINGS, DEFAULT_SYSTEM_PROMPT, type ChatSettings } from './settings';
export type { Note } from './conversation';

export interface ChatServiceDeps {
  store: AppStore;
  /** Read at each use: the user may change the settings at any time. */
  settings: () => ChatSettings;
  /** Broadcast to every open view. */
  emit: (n: Notification) => void;
  log: (line: string) => void;
  now?: () => number;
  /** What the user works on (the profile's todos...), sent just before the newest user message. */
  describeWork?: (profileId: number) => string;
  /** Batching window of chat/delta after the first, which goes out at once (default 30 ms). */
  deltaIntervalMs?: number;
  /** How often the partial text of a streaming reply is saved (default 2000 ms). */
  persistIntervalMs?: number;
  /** Least time between two chat/pull progress messages of the same status (default 100 ms). */
  pullIntervalMs?: number;
  /** Where the extension host runs, for the hints of "not reachable" (see detectEnvironment). */
  environment?: HostEnvironment;
  /** How many of the newest messages a snapshot carries (default SNAPSHOT_PAGE). */
  snapshotLimit?: number;
  /** The model's tools (src/tools/toolbox.ts); without them the model can only talk. */
  tools?: ToolPort;
  /** The API key kept for a server URL (the extension reads VS Code's SecretStorage); never logged, stored or shown. */
  getKey?: (serverUrl: string) => Promise<string | undefined>;
  /** How long without a first token before the connection says the model is loading (default 1000 ms). */
  waitingAfterMs?: number;
}

/** A snapshot's newest messages: a few screenfuls, so a view opens at once however long the conversation. */
export const SNAPSHOT_PAGE = 60;

export class ChatBusyError extends UserError {
  constructor() {
    super(l10n.t('A reply is still being written in this conversation: stop it or wait for it to finish, then send again.'));
    this.name = 'ChatBusyError';
  }
}

export class NoModelError extends UserError {
  constructor() {
    super(l10n.t('No model is chosen: choose one (or pull one), then send again.'));
    this.name = 'NoModelError';
  }
}

type QueueItem = { profileId: number; note: Note } | { profileId: number; role: 'assistant' | 'system'; content: string };

export class ChatService {
  private readonly replies = new Map<number, Reply>();
  private readonly queue = new ChatQueue<QueueItem>((item) => this.deliver(item));
  private readonly conversation: Conversation;
  private readonly problems = new Problems((problem) => this.emit({ kind: 'chat/problem', problem }));
  /** What the user attached for the next message (Add Selection to Chat, Add File to Chat). */
  readonly attachments = new PendingAttachments((n) => this.emit(n), () => contextLength(this.deps.settings()));
  /** One server per kind, made when the settings first name it (each keeps its own state and models). */
  private readonly servers = new Map<ServerKind, ModelServer>();
  private readonly serverDeps: ServerDeps;
  /** The reply waiting for its first token the longest, for the connection's "loading the model…". */
  private waiting: ChatConnection['waiting'];
  private readonly window = new PromptWindow();
  private readonly cards: Cards | undefined;
  private disposed = false;

  constructor(private readonly deps: ChatServiceDeps) {
    const now = deps.now ?? Date.now;
    this.conversation = new Conversation(deps.store, now);
    this.serverDeps = {
      settings: deps.settings,
      problems: this.problems,
      emit: (n) => this.emit(n),
      onChange: () => this.emitConnection(),
      log: deps.log,
      now,
      pullIntervalMs: deps.pullIntervalMs,
      environment: deps.environment,
      getKey: deps.getKey,
    };
    if (deps.tools) {
      this.cards = new Cards({
        conversation: this.conversation,
        tools: deps.tools,
        emit: (message, profileId, appended) => this.emit({ kind: appended ? 'chat/appended' : 'chat/finished', profileId, message }),
        log: deps.log,
      });
      const cancelled = this.cards.recover(this.conversation.streaming());
      if (cancelled > 0) deps.log(`chat: ${cancelled} card(s) left waiting by a restart cancelled`);
    }
    const stuck = this.conversation.recover();
    if (stuck > 0) deps.log(`chat: ${stuck} reply(s) interrupted by a restart marked as stopped`);
  }

  // ---- reading ------------------------------------------------------------------------

  snapshot(profile: { id: number; name: string }): ChatSnapshot {
    const page = this.history(profile.id, undefined, this.deps.snapshotLimit ?? SNAPSHOT_PAGE);
    const problem = this.problems.get();
    const attachments = this.attachments.list(profile.id);
    return { profileId: profile.id, profileName: profile.name, ...page, connection: this.connection(), ...(problem ? { problem } : {}), ...(attachments.length ? { attachments } : {}) };
  }

  /** Attachment `index` of message `messageId`, or of those waiting for the next message: to open its place. */
  attachment(profileId: number, messageId: number | undefined, index: number): AttachmentDto | undefined {
    if (messageId === undefined) return this.attachments.list(profileId)[index];
    const row = this.conversation.get(messageId);
    return row?.profile_id === profileId ? attachmentsOf(row.data)[index] : undefined;
  }

  /** The `limit` messages just older than message `before` (the newest when undefined), oldest first; only this profile's. */
  history(profileId: number, before: number | undefined, limit: number): ChatPage {
    const reply = this.replies.get(profileId);
    const { rows, more } = this.conversation.page(profileId, before, limit);
    // The question each reply answers: the user message before it (looked up once for replies that open the page).
    let question: Message | undefined;
    let asked = false;
    const messages = rows.map((row) => {
      if (row.role === 'user') [question, asked] = [row, true];
      else if (row.role === 'assistant' && !asked) [question, asked] = [this.conversation.question(profileId, row.id), true];
      const dto = toDto(row, question);
      // A streaming reply: the text the views were sent so far (the saved text lags; what is batched follows as a delta).
      const shown = reply?.shownText(row.id);
      return shown === undefined ? dto : { ...dto, content: shown, status: 'streaming' as const };
    });
    return { messages, more };
  }

  connection(): ChatConnection {
    const server = this.server;
    const s = this.deps.settings();
    const models = server.models;
    const tools = this.toolMode(s);
    const context = this.contextOf(server, s.model, s);
    return {
      host: server.shownHost(),
      state: server.state,
      model: s.model,
      ...(models ? { models: [...models] } : {}),
      generating: this.replies.size > 0,
      ...(tools ? { tools } : {}),
      kind: server.kind,
      canPull: server.canPull,
      context,
      ...(this.waiting && this.replies.size > 0 ? { waiting: this.waiting } : {}),
    };
  }

  /** The context length a model's prompt is fitted to: sent to the server (Ollama), as the server reports it, or the setting. */
  private contextOf(server: ModelServer, model: string, s: ChatSettings): ContextLength {
    const reported = server.contextLength(model);
    if (server.setsContextLength) return { tokens: contextLength(s), source: 'sent' };
    return reported ? { tokens: reported, source: 'server' } : { tokens: contextLength(s), source: 'setting' };
  }

  /** The server the settings name now. */
  private get server(): ModelServer {
    const kind = this.deps.settings().kind ?? 'ollama';
    let server = this.servers.get(kind);
    if (!server) {
      server = kind === 'openai' ? new OpenAIServer(this.serverDeps) : new OllamaServer(this.serverDeps);
      this.servers.set(kind, server);
    }
    return server;
  }

  /** How the chosen model uses tools, when known without asking (undefined without tools wired, or not asked yet). */
  private toolMode(s: ChatSettings): ToolMode | undefined {
    if (!this.deps.tools) return undefined;
    if (!toolSettings(s).enabled) return 'off';
    const known = this.server.knownTools(s.model);
    return known === undefined ? undefined : known ? 'native' : 'text';
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
    if (!content) throw new UserError(l10n.t('The message is empty.'));
    const reply = this.begin(profileId);
    const attached = this.attachments.take(profileId);
    let user: ChatMessageDto;
    try {
      const row = this.conversation.add(profileId, 'user', content, 'done', null, attached.length ? { attachments: attached } : null);
      if (!row) throw new NotFoundError('profile', profileId);
      user = toDto(row);
    } catch (err) {
      this.attachments.restore(profileId, attached);
      reply.finish('error');
      throw err;
    }
    this.emit({ kind: 'chat/appended', profileId, message: user });
    this.emitConnection();
    // not-ui: what the log line names
    await this.launchWhileSaving(reply, 'the message');
    return user;
  }

  /**
   * Answers the conversation again as it stands (the "retry" of a failed reply): no new
   * user message; the failed or stopped replies after the last user message are left
   * out of the request (they stay in the conversation). False when there is nothing to
   * answer (no user message). Refused like `send` while a reply streams.
   */
  async retry(profileId: number): Promise<boolean> {
    if (!this.conversation.hasUserMessage(profileId)) return false;
    const reply = this.begin(profileId);
    this.emitConnection();
    this.launch(reply, true);
    return true;
  }

  /**
   * Sends user message `messageId` again as `text` (an edit): it and the conversation after
   * it are replaced (see Conversation.replaceFrom: kept in the store until a clear), a new
   * user message with its attachments is stored, the views get the conversation anew
   * (chat/reset), and the reply starts. Refused like `send` while a reply streams: stop it first.
   */
  async edit(profileId: number, messageId: number, text: string): Promise<ChatMessageDto> {
    const content = text.trim();
    if (!content) throw new UserError(l10n.t('The message is empty.'));
    const row = this.liveRow(profileId, messageId, 'user');
    return this.replaceAndReply(profileId, row.id, () => {
      const added = this.conversation.add(profileId, 'user', content, 'done', null, attachmentsOf(row.data).length ? row.data : null);
      if (!added) throw new NotFoundError('profile', profileId);
      return toDto(added);
    });
  }

  /** Answers again the question of reply `messageId`: that reply and what followed it are replaced, as by an edit. */
  async regenerate(profileId: number, messageId: number): Promise<void> {
    const row = this.liveRow(profileId, messageId, 'assistant');
    const question = this.conversation.question(profileId, row.id);
    if (!question) throw new UserError(l10n.t('This reply answers no message of yours: there is nothing to ask again.'));
    await this.replaceAndReply(profileId, question.id + 1, () => undefined);
  }

  /** Message `id` of this profile and role, still in the conversation; otherwise a UserError. */
  private liveRow(profileId: number, id: number, role: 'user' | 'assistant'): Message {
    const row = this.conversation.get(id);
    if (!row || row.profile_id !== profileId || row.role !== role || row.replaced) throw new UserError(l10n.t('That message is no longer in the conversation.'));
    return row;
  }

  /** Replaces the conversation from `fromId` on, adds what `write` adds in the same transaction, tells the views, then replies. */
  private async replaceAndReply<T>(profileId: number, fromId: number, write: () => T): Promise<T> {
    const reply = this.begin(profileId);
    let written: T;
    let replaced: { count: number; listChanged: boolean };
    try {
      [replaced, written] = this.deps.store.db.transaction(() => [this.conversation.replaceFrom(profileId, fromId), write()] as const);
    } catch (err) {
      reply.finish('error');
      throw err;
    }
    this.window.replaced(profileId, fromId, replaced.listChanged);
    this.deps.log(`chat: replaced ${replaced.count} message(s) of profile ${profileId} from message ${fromId}${replaced.listChanged ? ' (a card among them had changed the list)' : ''}`);
    this.emit({ kind: 'chat/reset', snapshot: this.snapshot({ id: profileId, name: this.profileName(profileId) }) });
    this.emitConnection();
    // not-ui: what the log line names
    await this.launchWhileSaving(reply, 'the replaced conversation');
    return written;
  }

  /** What a reply's code may be applied to: the attachments, with their text, of the message reply `messageId` answers. */
  attachedTo(profileId: number, messageId: number): Attachment[] {
    const row = this.liveRow(profileId, messageId, 'assistant');
    return attachmentsOf(this.conversation.question(profileId, row.id)?.data);
  }

  stop(profileId?: number): boolean {
    const targets = profileId === undefined ? [...this.replies.values()] : [this.replies.get(profileId)].filter((r): r is Reply => !!r);
    for (const reply of targets) reply.end('stop');
    return targets.length > 0;
  }

  async clear(profileId: number): Promise<void> {
    this.queue.drop(profileId);
    this.replies.get(profileId)?.end('cleared');
    this.cards?.forget(profileId);
    const removed = this.conversation.clear(profileId);
    this.window.forget(profileId);
    this.deps.log(`chat: cleared the conversation of profile ${profileId} (${removed} messages)`);
    await this.conversation.sync();
    this.emit({ kind: 'chat/reset', snapshot: this.snapshot({ id: profileId, name: this.profileName(profileId) }) });
  }

  /** The profile is being deleted: its reply stops, its queue is dropped, its messages deleted (synchronously). */
  removeProfile(profileId: number): void {
    this.queue.drop(profileId);
    this.replies.get(profileId)?.end('removed');
    this.cards?.forget(profileId);
    this.conversation.clear(profileId);
    this.window.forget(profileId);
  }

  /** chatq: a short note of what the user did; in order, never inside a streaming reply. */
  note(profileId: number, note: string | Note): void {
    const item = { profileId, note: typeof note === 'string' ? { text: note } : note };
    this.queue.push(item).catch((err) => this.deps.log(`chat: a note was not saved: ${(err as Error).message}`));
  }

  /** chatq for background jobs: resolves once the message is on disk (false if dropped). */
  async post(profileId: number, role: 'assistant' | 'system', content: string): Promise<boolean> {
    const delivered = await this.queue.push({ profileId, role, content });
    if (delivered) await this.conversation.sync();
    return delivered;
  }

  /**
   * One prompt answered by the chat's model on the chat's server, outside any conversation
   * (a workflow's generate step): the text as it streams. Aborting `signal` stops the server.
   */
  async *complete(prompt: string, signal: AbortSignal): AsyncIterable<string> {
    const s = this.deps.settings();
    if (!s.model.trim()) throw new NoModelError();
    const messages = [{ role: 'user' as const, content: prompt }];
    for await (const chunk of this.server.chat({ model: s.model.trim(), messages, numCtx: contextLength(s), signal })) if (chunk.text) yield chunk.text;
  }

  /** What the chat says of an error of `complete` (diagnose.ts): the same words and actions, for a workflow's generate step. */
  async explain(err: unknown): Promise<ChatProblem> {
    if (err instanceof NoModelError) return noModel(this.server.kind).problem;
    const model = this.deps.settings().model.trim();
    return diagnose(err, { ...this.server.context('stream'), model, hasKey: await this.server.hasKey() }).problem;
  }

  // ---- the model server ------------------------------------------------------------------

  async checkConnection(): Promise<ChatConnection> {
    await this.server.check();
    // The model line says how the model uses tools: ask now, not at the first send.
    const s = this.deps.settings();
    if (this.deps.tools && toolSettings(s).enabled && this.server.state === 'connected' && s.model.trim()) await this.server.supportsTools(s.model.trim());
    const connection = this.connection();
    this.emit({ kind: 'chat/connection', connection });
    return connection;
  }

  /** The models the server has (throws when it cannot be reached; the connection state follows). */
  listModels(): Promise<string[]> {
    return this.server.listModels();
  }

  /** Pulls a model (default: the chosen one) with chat/pull progress; never rejects (see ModelServer.pull). */
  pull(model?: string, signal?: AbortSignal, onProgress?: (p: PullProgress) => void): Promise<PullProgress> {
    return this.server.pull(model, signal, onProgress);
  }

  // ---- tools ------------------------------------------------------------------------------

  /** The user's answer to a waiting card (see cards.ts); resolves with the card once on disk. */
  decide(profileId: number, cardId: number, apply: 'all' | 'none' | readonly number[], always?: boolean): Promise<ChatMessageDto> {
    return this.toolCards().decide(profileId, cardId, apply, always);
  }

  /** Reverts what a card applied (default: the profile's newest with something to undo); false when there was nothing. */
  undoCard(profileId: number, cardId?: number): Promise<boolean> {
    return this.toolCards().undo(profileId, cardId);
  }

  /**
   * Changes Pipulate proposes itself (a workflow's todos step) on a card in the profile's
   * conversation: the model's tools' checks, approvals, decision and undo (cards.ts's
   * `propose`). Not while the model replies there: the card would land inside its reply.
   */
  propose(profileId: number, from: CardSource, calls: readonly ToolCall[]): Promise<ChatMessageDto & { card: ToolCard }> {
    if (this.replies.has(profileId)) throw new UserError(l10n.t('The model is replying in the chat: let it finish (or stop it), then try again.'));
    return this.toolCards().propose(profileId, from, calls);
  }

  /** Takes back a proposed card still waiting; false when it does not wait. */
  withdraw(profileId: number, cardId: number): boolean {
    return this.cards?.withdraw(profileId, cardId) ?? false;
  }

  /** The card message `id` of the profile's conversation, as the views show it; undefined when it is gone. */
  card(profileId: number, id: number): (ChatMessageDto & { card: ToolCard }) | undefined {
    const row = this.conversation.get(id);
    const card = row?.profile_id === profileId ? cardOf(row) : undefined;
    return card ? { ...toDto(row!), card } : undefined;
  }

  private toolCards(): Cards {
    if (!this.cards) throw new UserError(l10n.t('The model has no tools here.'));
    return this.cards;
  }

  /** The user closed the problem. */
  dismissProblem(): void {
    this.problems.clear();
  }

  dispose(): void {
    if (this.disposed) return;
    for (const reply of [...this.replies.values()]) reply.end('dispose');
    for (const server of this.servers.values()) server.dispose();
    this.queue.dispose();
    this.disposed = true;
  }

  // ---- the reply --------------------------------------------------------------------------

  /** Registers a reply for the profile (refusing a second one) and holds its queue. */
  private begin(profileId: number): Reply {
    if (this.disposed) throw new Error('The chat is closed.');
    if (this.replies.has(profileId)) throw new ChatBusyError();
    const model = this.deps.settings().model.trim();
    if (!model) {
      this.problems.set(noModel(this.server.kind), '');
      throw new NoModelError();
    }
    const reply = new Reply(
      {
        conversation: this.conversation,
        emit: (n) => this.emit(n),
        log: this.deps.log,
        deltaIntervalMs: this.deps.deltaIntervalMs ?? 30,
        persistIntervalMs: this.deps.persistIntervalMs ?? 2000,
        onEnd: (r, status, problem) => this.ended(r, status, problem),
        onFirstToken: () => this.stopWaiting(),
      },
      profileId,
      model,
    );
    this.replies.set(profileId, reply);
    this.queue.hold(profileId);
    this.problems.clear(); // a new send: the user moved on
    return reply;
  }

  /**
   * Starts the reply while what was just written (`what`, for the log) goes to disk: the
   * request need not wait for the disk, its reply is taken once it is there. Resolves once
   * it is; if it cannot be written, the reply ends and the error is thrown.
   */
  private async launchWhileSaving(reply: Reply, what: string): Promise<void> {
    const saved = this.conversation.sync();
    this.launch(reply, false, saved);
    try {
      await saved;
    } catch (err) {
      this.deps.log(`chat: ${what} could not be saved: ${(err as Error).message}`);
      reply.finish('error');
      throw err;
    }
  }

  /**
   * Runs the reply in the background; whatever happens, it ends. `saved`: the user
   * message being written; the first round's reply is taken once it is on disk.
   */
  private launch(reply: Reply, retry: boolean, saved?: Promise<void>): void {
    if (reply.finished) return;
    this.run(reply, retry, saved).catch((err) => {
      this.deps.log(`chat: reply failed unexpectedly: ${(err as Error)?.stack ?? String(err)}`);
      reply.finish('error', diagnose(err, { ...this.server.context('stream'), model: reply.model }));
    });
  }

  /**
   * The reply, as rounds: each round is one request. A round whose answer calls tools
   * ends its row, runs the calls through a card (cards.ts: reads at once, changes as
   * allowed or as the user decides) and starts the next round with the results; one
   * that calls none finishes the reply. The calls of the round after `maxRounds` rounds
   * of tools are not run: the reply stops and a note says so. Stop ends it at any point.
   *
   * The request after a round of tools goes out while the round's changes reach the disk:
   * its reply is taken, and its row opened (after the card in the views), once they are
   * there and the card is shown, as the first round's reply waits for the user's message.
   */
  private async run(reply: Reply, retry: boolean, saved?: Promise<void>): Promise<void> {
    const s = this.deps.settings();
    const server = this.server;
    const context = this.contextOf(server, reply.model, s);
    const numCtx = context.tokens;
    if (!server.setsContextLength) this.deps.log(`chat: the server cannot be told the context length: its own applies; the prompt is fitted to ${numCtx} tokens (${context.source === 'server' ? 'as the server reports for the model' : 'the setting pipulate.chat.contextLength'})`);
    const limits = toolSettings(s);
    const tools = limits.enabled ? this.deps.tools : undefined;
    const known = this.server.knownTools(reply.model);
    const mode: ToolMode = !tools ? 'off' : (await this.server.supportsTools(reply.model)) ? 'native' : 'text';
    if (tools && known === undefined) this.emitConnection(); // the model line learns the mode
    const systemPrompt = systemPromptFor(s.systemPrompt, mode, tools);

    /** The last round's card: shown once its changes are on disk (see Cards.round). */
    let shown: Promise<void> | undefined;
    for (let round = 1; ; round++) {
      if (reply.finished) return;
      const prompt = this.window.build(reply.profileId, this.conversation.newestFirst(reply.profileId), {
        systemPrompt,
        work: () => this.work(reply.profileId),
        numCtx,
        retry,
        tools: mode,
      });

      let chunks: AsyncIterable<ChatChunk> | undefined;
      const ctx = { ...this.server.context('chat', firstTokenTimeout(s)), model: reply.model, hasKey: await this.server.hasKey() };
      if (prompt.fits) {
        if (prompt.trimmed) {
          this.deps.log(`chat: older messages left out (about ${prompt.sentEstimate} tokens sent for num_ctx ${numCtx})`);
          this.problems.set({ code: 'contextTrimmed', problem: trimmedProblem(prompt, context) }, reply.model);
        }
        const stream = this.server.chat({
          model: reply.model,
          messages: prompt.messages,
          numCtx,
          signal: reply.signal,
          ...(mode === 'native' ? { tools: tools!.specs() } : {}),
        });
        const held = round === 1 ? saved : shown;
        chunks = held ? heldUntil(stream, held) : stream;
      }

      await shown;
      reply.open();
      if (reply.finished) return;
      if (!chunks) {
        this.deps.log(`chat: not sent, too long for num_ctx ${numCtx} (about ${prompt.minimum} tokens at least)`);
        return reply.finish('error', { code: 'contextTooLong', problem: tooLongProblem(prompt, context) });
      }
      const reader = mode === 'off' ? undefined : tools!.textReader(mode);
      this.startWaiting(reply);
      const stats = await reply.take(reader ? readText(chunks, reader) : chunks, { first: firstTokenTimeout(s), between: s.timeoutMs }, ctx);
      this.stopWaiting();
      if (!stats) return; // it has ended already
      this.server.setState('connected');
      const written = reader?.calls() ?? { calls: [], problems: [] };
      const calls = mode === 'off' ? [] : [...stats.calls, ...written.calls];
      if (calls.length > 0 || written.problems.length > 0) {
        const over = round > limits.maxRounds;
        const data = callsData(calls, reader?.raw ?? []);
        const notes = (n: number) => this.conversation.recentNotes(reply.profileId, n);
        ({ shown } = await this.cards!.round(reply.profileId, calls, written.problems, reply.signal, over, notes, () => reply.endRound(data)));
        if (!over) continue;
        await shown;
        // model-facing
        const text = `Stopped: the model used its tools in ${limits.maxRounds} rounds for one message, the most allowed (the setting pipulate.tools.maxRounds).`;
        this.note(reply.profileId, { text });
        return reply.finish('done');
      }
      let warning: Diagnosis | undefined;
      const sent = promptTokens(prompt.sentEstimate, stats.promptTokens);
      if (contextWasFull(sent, stats.replyTokens, numCtx)) {
        this.deps.log(`chat: the context was full (prompt about ${sent}, server counted ${stats.promptTokens}; reply ${stats.replyTokens}; num_ctx ${numCtx})`);
        warning = { code: 'contextFull', problem: contextFullProblem(sent, stats.replyTokens ?? 0, context) };
      }
      return reply.finish('done', warning);
    }
  }


  /**
   * A request went out: if no token came within `waitingAfterMs`, the connection says it
   * is waiting (since when, and whether the model is loading, where the server can tell),
   * so a cold load does not look stuck.
   */
  private startWaiting(reply: Reply): void {
    const since = Date.now();
    const timer = setTimeout(() => {
      void this.server.loaded(reply.model).then((loaded) => {
        if (reply.finished || this.waitTimer !== timer) return;
        this.waiting = { since, ...(loaded === undefined ? {} : { loading: !loaded }) };
        this.deps.log(`chat: waiting for the first token of ${reply.model}${loaded === false ? ' (the model is loading)' : ''}`);
        this.emitConnection();
      });
    }, this.deps.waitingAfterMs ?? 1000);
    this.waitTimer = timer;
  }

  private waitTimer: ReturnType<typeof setTimeout> | undefined;

  /** The first token came, or the reply ended (`emit` false: the caller tells the views). */
  private stopWaiting(emit = true): void {
    clearTimeout(this.waitTimer);
    this.waitTimer = undefined;
    if (!this.waiting) return;
    this.waiting = undefined;
    if (emit) this.emitConnection();
  }

  /** A reply has ended: the queued notes come out, then the problem and the connection. */
  private ended(reply: Reply, status: ReplyStatus, problem?: Diagnosis): void {
    if (this.replies.get(reply.profileId) === reply) this.replies.delete(reply.profileId);
    if (this.replies.size === 0) this.stopWaiting(false);
    this.queue.release(reply.profileId);
    if (status === 'done') this.problems.replied();
    if (problem) {
      if (problem.code === 'unreachable') this.server.setState('unreachable');
      this.problems.set(problem, reply.model);
    }
    if (reply.endedBy !== 'dispose') this.emitConnection();
  }

  private work(profileId: number): string {
    try {
      return this.deps.describeWork?.(profileId)?.trim() ?? '';
    } catch (err) {
      this.deps.log(`chat: describeWork failed: ${(err as Error).message}`);
      return '';
    }
  }

  // ---- the queue ----------------------------------------------------------------------------

  /** Writes a queued note or post; false when its profile is gone (nothing is written). */
  private deliver(item: QueueItem): boolean {
    if ('note' in item) {
      const written = this.conversation.note(item.profileId, item.note);
      if (!written) return false;
      const message = toDto(written.message);
      this.emit(written.replaced ? { kind: 'chat/finished', profileId: item.profileId, message } : { kind: 'chat/appended', profileId: item.profileId, message });
      return true;
    }
    const row = this.conversation.add(item.profileId, item.role, item.content);
    if (row) this.emit({ kind: 'chat/appended', profileId: item.profileId, message: toDto(row) });
    return !!row;
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

  private emitConnection(): void {
    if (this.disposed) return;
    this.emit({ kind: 'chat/connection', connection: this.connection() });
  }

  private profileName(profileId: number): string {
    try {
      return this.deps.store.profiles.get(profileId).name;
    } catch {
      return '';
    }
  }
}
