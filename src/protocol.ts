/**
 * Every message between the extension host and a webview, typed once and used by both
 * sides. This takes the place of Pipulate's HTMX requests and its WebSocket:
 *
 * - webview -> host: a `request` with an `id`; the host always answers with a
 *   `response` of the same id (ok + data, or an error message), once the change is on
 *   disk, so every control can show pending and failed states;
 * - host -> webview: `notify` messages carry patches (what changed, however it was
 *   changed: this view, another view, a command, a background job).
 *
 * The host validates every incoming message against these schemas (valibot); the
 * webview imports only the types, so the validator stays out of its bundle.
 */
import * as l10n from '@vscode/l10n';
import * as v from 'valibot';
import { cutText } from './text';
import type { WorkflowRunDto } from './workflows/runDto';

export type { RunSummary, WorkflowRunDto, WorkflowStepDto } from './workflows/runDto';

export const id = v.pipe(v.number(), v.integer(), v.minValue(0));
/**
 * Titles and names: text, never markup. Long enough for real use, short enough to keep the UI sane.
 * The messages are functions: they are worded (in the display language) when a check fails,
 * not when this module loads, before the extension has configured l10n.
 */
const text = (max: number, empty: () => string, tooLong: (max: number) => string) =>
  v.pipe(v.string(), v.trim(), v.minLength(1, empty), v.maxLength(max, () => tooLong(max)));
export const title = text(
  2000,
  () => l10n.t('A title cannot be empty'),
  (max) => l10n.t('A title is too long ({0} characters at most)', max),
);
export const name = text(
  200,
  () => l10n.t('A name cannot be empty'),
  (max) => l10n.t('A name is too long ({0} characters at most)', max),
);
const messageText = () =>
  text(
    100_000,
    () => l10n.t('A message cannot be empty'),
    (max) => l10n.t('A message is too long ({0} characters at most)', max),
  );
const model = v.pipe(v.string(), v.minLength(1), v.maxLength(300));
const big = v.pipe(v.string(), v.maxLength(1_000_000));
const stepId = v.pipe(v.string(), v.regex(/^[A-Za-z][A-Za-z0-9_-]{0,63}$/));
/** Which run a request is about. */
const run = { profileId: id, workflow: stepId, key: v.pipe(v.string(), v.minLength(1), v.maxLength(100)) };
const hostCommand = v.picklist(['pipulate.showLog', 'pipulate.openSettings', 'pipulate.pullModel', 'pipulate.selectModel', 'pipulate.setApiKey']);

/** One request: the schema of its body and (as a type only) what the host answers. */
const answers =
  <R>() =>
  <E extends v.ObjectEntries>(body: E) => ({ body: v.object(body), response: undefined as R });

/**
 * Every request a webview can make, one line each: `kind: answers<Response>()({ body })`.
 * The router's handler table is typed by this map, so a missing handler or a wrong
 * answer fails the compiler, and the webview's `request()` returns the typed answer.
 */
export const requests = {
  /** Sent when a view (re)loads: answers with the whole state the view shows. */
  'tasks/snapshot': answers<TasksSnapshot>()({}),
  'todo/add': answers<TodoDto>()({ title }),
  'todo/toggle': answers<TodoDto>()({ id }),
  'todo/rename': answers<TodoDto>()({ id, title }),
  'todo/delete': answers<null>()({ id }),
  /** Moves a todo to just before `before`, or to the end when `before` is null. */
  'todo/move': answers<null>()({ id, before: v.nullable(id) }),
  /** Answers how many todos were removed. */
  'todo/clearCompleted': answers<number>()({}),
  'profile/switch': answers<null>()({ id }),
  /** With no name, the host asks for one (an input box); false when the user cancelled. */
  'profile/add': answers<boolean>()({ name: v.optional(name) }),
  'profile/rename': answers<boolean>()({ id, name: v.optional(name) }),
  /** The host asks for confirmation (a modal dialog); false when the user declined. */
  'profile/delete': answers<boolean>()({ id }),

  'chat/snapshot': answers<ChatSnapshot>()({}),
  /** The `limit` messages just older than message `before`, of the active profile's conversation (oldest first). */
  'chat/history': answers<ChatPage>()({ before: id, limit: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(500)) }),
  /** Answers with the user's message once it is stored; the reply streams as notifications. */
  'chat/send': answers<ChatMessageDto>()({ text: messageText() }),
  /**
   * Sends user message `id` again with this text: it and what followed it are replaced (kept in
   * the store until the conversation is cleared); its attachments stay with it. Answers the new message.
   */
  'chat/edit': answers<ChatMessageDto>()({ id, text: messageText() }),
  /** Answers the question of reply `id` again: that reply and what followed it are replaced. */
  'chat/regenerate': answers<null>()({ id }),
  /**
   * Opens a diff of the file reply `id`'s question attached against the file with `code` in
   * place of the attached lines (the whole file for a file); nothing is written: the user saves from the diff.
   */
  'chat/applyCode': answers<null>()({ id, code: big }),
  /** Answers whether a reply was being written. */
  'chat/stop': answers<boolean>()({}),
  /** Answers the last message again (after a failed or stopped reply); false when there is nothing to retry. */
  'chat/retry': answers<boolean>()({}),
  'chat/clear': answers<boolean>()({}),
  /** With no model, the host shows a quick pick of the local models. */
  'chat/selectModel': answers<null>()({ model: v.optional(model) }),
  'chat/pull': answers<null>()({ model: v.optional(model) }),
  /** The user closed the problem box. */
  'chat/dismissProblem': answers<null>()({}),
  'chat/insertCode': answers<null>()({ code: big }),
  'clipboard/write': answers<null>()({ text: big }),
  /** A host command the webview offers as a button (open settings, show the log...). */
  'command/run': answers<null>()({ command: hostCommand }),

  /**
   * The user's answer to a waiting card (see ToolCard): apply the changes at these item
   * indexes, or all, or none; `always` also allows, from now on in this profile, the kinds
   * of change applied that a card may allow. Answers the card once the changes are on disk.
   */
  'tool/decide': answers<ChatMessageDto>()({
    cardId: id,
    apply: v.union([v.picklist(['all', 'none']), v.pipe(v.array(id), v.maxLength(100))]),
    always: v.optional(v.boolean()),
  }),
  /**
   * Reverts what a card applied (default: the active profile's last card with something to
   * undo); false when there was nothing to undo. The card follows as chat/finished.
   */
  'tool/undo': answers<boolean>()({ cardId: v.optional(id) }),
  /** Reverts the user's own last delete or clear in the active profile; false when there is none. */
  'tasks/undo': answers<boolean>()({}),
  /** Removes a pending attachment (a chip above the chat input) before sending. */
  'chat/detach': answers<null>()({ index: id }),
  /** Opens the place an attachment came from: of message `messageId`, or a pending one. */
  'chat/openAttachment': answers<null>()({ messageId: v.optional(id), index: id }),
  /** Opens the code a todo points at (the link first follows the code: the todo may come back changed). */
  'todo/openLink': answers<null>()({ id }),
  /** Forgets where a todo points. */
  'todo/unlink': answers<TodoDto>()({ id }),
  /** Points a todo at the editor's current selection (false: no editor was open). */
  'todo/relink': answers<boolean>()({ id }),

  // Workflow runs (src/workflows/workflowService.ts); the run panel names its run in each.
  'workflow/open': answers<WorkflowRunDto>()({ ...run }),
  'workflow/submit': answers<WorkflowRunDto>()({ ...run, step: stepId, value: v.pipe(v.string(), v.maxLength(100_000)) }),
  /** Clears the step and every step after it. */
  'workflow/revert': answers<WorkflowRunDto>()({ ...run, step: stepId }),
  'workflow/finalize': answers<WorkflowRunDto>()({ ...run }),
  'workflow/unlock': answers<WorkflowRunDto>()({ ...run }),
  /** The model writes the current generate step: workflow/delta, then workflow/generated. */
  'workflow/generate': answers<null>()({ ...run, step: stepId }),
  'workflow/stop': answers<boolean>()({ ...run }),
};

type Requests = typeof requests;
export type RequestKind = keyof Requests;
/** The body of one kind of request, `kind` included. */
export type RequestOf<K extends RequestKind> = { kind: K } & v.InferOutput<Requests[K]['body']>;
export type RequestBody = { [K in RequestKind]: RequestOf<K> }[RequestKind];
export type ResponseOf<K extends RequestKind> = Requests[K]['response'];

const requestBody = v.variant(
  'kind',
  (Object.keys(requests) as RequestKind[]).map((k) => v.object({ kind: v.literal(k), ...requests[k].body.entries })),
) as unknown as v.GenericSchema<unknown, RequestBody>;

export const webviewMessage = v.variant('type', [
  v.object({ type: v.literal('request'), id: v.pipe(v.number(), v.integer()), body: requestBody }),
  /** The webview's own errors, for the log. */
  v.object({ type: v.literal('log'), level: v.picklist(['info', 'warn', 'error']), message: v.pipe(v.string(), v.maxLength(10_000)) }),
]);
export type WebviewMessage = v.InferOutput<typeof webviewMessage>;

/** At most this much of what a webview sent is echoed into an error or the log. */
const ECHO_LIMIT = 200;

/** Checks a message from a webview; on failure, says why in one short line (never echoing the input whole). */
export function parseWebviewMessage(raw: unknown): { ok: true; message: WebviewMessage } | { ok: false; error: string } {
  const result = v.safeParse(webviewMessage, raw);
  if (result.success) return { ok: true, message: result.output };
  const why = result.issues
    .slice(0, 3)
    .map((i) => {
      const path = v.getDotPath(i);
      return cutText(`${path ? `${path}: ` : ''}${i.message}`, ECHO_LIMIT);
    })
    .join('; ');
  return { ok: false, error: why };
}


// ---- what the host sends ----------------------------------------------------------

export interface ProfileDto {
  id: number;
  name: string;
}

export interface TodoDto {
  id: number;
  title: string;
  done: boolean;
  priority: number;
  /** Where in the code it points (absent for most todos); the anchor text stays on the host. */
  link?: TodoLinkDto;
}

export interface TodoLinkDto {
  /** Relative to its workspace folder, forward slashes. */
  path: string;
  /** Zero-based, inclusive. */
  start: number;
  end: number;
  /** The linked text is no longer in the file: the row offers to unlink or relink. */
  gone?: boolean;
}

export interface TasksSnapshot {
  profiles: ProfileDto[];
  activeProfileId: number;
  /** In display order. */
  todos: TodoDto[];
  /** Where the data lives, and whether that is the workspace or (no folder open) the global storage. */
  storage: { dir: string; scope: 'workspace' | 'global' };
}

export type ChatRole = 'user' | 'assistant' | 'note' | 'system';
export type ChatStatus = 'done' | 'streaming' | 'stopped' | 'error';

export interface ChatMessageDto {
  id: number;
  role: ChatRole;
  content: string;
  status: ChatStatus;
  created: number;
  model?: string | null;
  /** What the user attached to this message (a user message). */
  attachments?: AttachmentDto[];
  /** A reply: what the message it answers had attached; its code blocks offer "Apply to file" (chat/applyCode). */
  applyTo?: AttachmentDto[];
  /**
   * Set on the message that shows what the model did or asks to do (its role is 'note' and
   * its content a one-line summary, so a view that knows no cards still shows something true).
   * Sent again, whole, as chat/finished each time it changes (decided, applied, undone).
   */
  card?: ToolCard;
}

/** A selection or a file the user showed the model; its text stays on the host. */
export interface AttachmentDto {
  /** The workspace folder's name ('' outside any). */
  folder: string;
  /** Relative to the folder, forward slashes. */
  path: string;
  /** A selection's lines, zero-based, inclusive; absent for a whole file. */
  start?: number;
  end?: number;
  /** The language, as a fenced block names it (ts, python). */
  language: string;
}

/**
 * What the model did with its tools in one round: reads, and the changes it asks to make.
 * Or, with `from`, changes Pipulate proposes itself (a workflow's todos step), on the same card.
 */
export interface ToolCard {
  /** 'waiting': some change waits for the user (Apply, Reject); 'cancelled': stopped (or withdrawn) while it waited. */
  state: 'waiting' | 'done' | 'cancelled';
  /** One per tool call of the round, in the model's order. */
  items: ToolCardItem[];
  /** Something applied here can be reverted (tool/undo). */
  undoable: boolean;
  /** Not the model's: who proposes these changes. */
  from?: CardSource;
}

/** A workflow run's step that proposed a card's changes. */
export interface CardSource {
  /** In plain words: Plan a feature (run “x”), step “Plan to todos”. */
  text: string;
  workflow: string;
  key: string;
  step: string;
}

export interface ToolCardItem {
  /** What `tool/decide` names in `apply`. */
  index: number;
  /** The tool's name as the model called it (add_todo...). */
  tool: string;
  /** In plain words: Add todo “Call the bank”; Read the todo list. */
  text: string;
  /**
   * read: a reading tool, run at once; proposed: a change waiting for the user; applied;
   * rejected (by the user); cancelled (stopped while waiting); undone; failed (could not be
   * applied, `result` says why); refused (unknown tool or bad arguments: nothing was proposed).
   */
  state: 'read' | 'proposed' | 'applied' | 'rejected' | 'cancelled' | 'undone' | 'failed' | 'refused';
  /** The kind of change, for "Always allow <kind> in this profile"; absent for reads and refusals. */
  change?: ChangeKind;
  /** The card may offer "Always allow" for this kind (never for deleting). */
  canAlways?: boolean;
  /** Applied without asking: the user allowed this kind of change. */
  auto?: boolean;
  /** What the model was told (a result or an error), for the line that expands. */
  result?: string;
}

/** Kinds of change, as allowed in `pipulate.tools.autoApprove` and by "Always allow". */
export type ChangeKind = 'add' | 'complete' | 'rename' | 'move' | 'delete' | 'clearCompleted' | 'profile';

export interface ChatConnection {
  host: string;
  /** unknown until the first check. */
  state: 'unknown' | 'connected' | 'unreachable';
  model: string;
  /** Local models, when known. */
  models?: string[];
  generating: boolean;
  /** How the chosen model uses tools: Ollama's native tools, a text protocol, or not at all; absent until known. */
  tools?: 'native' | 'text' | 'off';
  /** The kind of model server (pipulate.server.kind). */
  kind?: 'ollama' | 'openai';
  /** Whether models can be pulled through it (Ollama only): offer pulls only then. */
  canPull?: boolean;
  /**
   * The context length the prompt is fitted to, and where it comes from: sent with each
   * request (Ollama's num_ctx), reported by the server for the model, or the setting
   * (the server cannot be told it: its own default applies).
   */
  context?: { tokens: number; source: 'sent' | 'server' | 'setting' };
  /** A request waits for its first token: since when (epoch ms), and whether the model is loading (when the server can tell). */
  waiting?: { since: number; loading?: boolean };
}

/** A problem the chat explains to the user, with what they can do about it. */
export interface ChatProblem {
  title: string;
  detail: string;
  actions: ChatAction[];
}
export type ChatAction = 'pull' | 'selectModel' | 'openSettings' | 'showLog' | 'retry' | 'setApiKey';

/** Consecutive messages of a conversation, oldest first; `more`: older ones exist (ask `chat/history`). */
export interface ChatPage {
  messages: ChatMessageDto[];
  more: boolean;
}

/** `messages`: the newest page only; the view asks for older ones as the reader scrolls up. */
export interface ChatSnapshot extends ChatPage {
  profileId: number;
  /** Attachments waiting for the next message. */
  attachments?: AttachmentDto[];
  profileName: string;
  connection: ChatConnection;
  problem?: ChatProblem;
}

export interface PullProgress {
  model: string;
  status: string;
  completed?: number;
  total?: number;
  /** Set on the last message of a pull. */
  outcome?: 'success' | 'error' | 'cancelled';
  error?: string;
}

export type Notification =
  | { kind: 'tasks/reset'; snapshot: TasksSnapshot }
  | { kind: 'profiles/changed'; profiles: ProfileDto[]; activeProfileId: number }
  | { kind: 'todo/changed'; todo: TodoDto }
  | { kind: 'todo/removed'; ids: number[] }
  /** A todo moved to just before `before` (null: to the end). */
  | { kind: 'todo/moved'; id: number; before: number | null }
  | { kind: 'chat/reset'; snapshot: ChatSnapshot }
  | { kind: 'chat/appended'; profileId: number; message: ChatMessageDto }
  /** Text to append to a streaming message (deltas batched by the host). */
  | { kind: 'chat/delta'; profileId: number; id: number; text: string }
  /** A message reached its final state (done, stopped, error); carries the whole content. */
  | { kind: 'chat/finished'; profileId: number; message: ChatMessageDto }
  | { kind: 'chat/connection'; connection: ChatConnection }
  /** The attachments waiting for the next message of a profile changed. */
  | { kind: 'chat/attachments'; profileId: number; attachments: AttachmentDto[] }
  | { kind: 'chat/problem'; problem: ChatProblem | null }
  | { kind: 'chat/pull'; progress: PullProgress }
  /** The host asks a view to put the focus in its main input (Focus Tasks, Focus Chat). */
  | { kind: 'focus/input'; view: 'tasks' | 'chat' }
  /** The user's own last delete or clear can be undone (tasks/undo), for a short while; null: no longer. */
  | { kind: 'tasks/undoable'; label: string | null }
  /** The store cannot write (disk full...) or recovered; shown as a banner. */
  | { kind: 'store/problem'; message: string | null }
  /** "Pipulate: Search" landed on a todo of the list shown: scroll it into view and focus it. */
  | { kind: 'todo/reveal'; id: number }
  /** "Pipulate: Search" landed on a message of the conversation shown: bring it into view (loading older pages if needed). */
  | { kind: 'chat/reveal'; profileId: number; id: number }
  | { kind: 'workflow/changed'; run: WorkflowRunDto }
  /** A workflow's definition changed (its file saved, deleted, fixed): a panel showing one of its runs asks for it again (workflow/open). */
  | { kind: 'workflow/definition'; workflow: string }
  /** The store was replaced (restore, import): every open run panel asks for its run again (workflow/open). */
  | { kind: 'workflow/reset' }
  | { kind: 'workflow/delta'; profileId: number; workflow: string; key: string; step: string; text: string }
  /** A generate step's text ended: the whole text, and how it ended (an error of the model: `problem`, as the chat says it, with its actions). */
  | { kind: 'workflow/generated'; profileId: number; workflow: string; key: string; step: string; text: string; status: 'done' | 'stopped' | 'error'; error?: string; problem?: ChatProblem };

export type ViewKind = 'tasks' | 'chat' | 'workflow';

/** Which views show a notification: each view is sent only what it renders. */
export function audienceOf(n: Notification): readonly ViewKind[] {
  switch (n.kind) {
    case 'tasks/reset':
    case 'todo/changed':
    case 'todo/removed':
    case 'todo/moved':
    case 'tasks/undoable':
    case 'todo/reveal':
      return ['tasks'];
    case 'profiles/changed':
    case 'store/problem':
      return ['tasks', 'chat'];
    case 'focus/input':
      return [n.view];
    case 'workflow/changed':
    case 'workflow/definition':
    case 'workflow/reset':
    case 'workflow/delta':
    case 'workflow/generated':
      return ['workflow'];
    default:
      return ['chat'];
  }
}

export type HostMessage =
  | { type: 'response'; id: number; ok: true; data: unknown }
  | { type: 'response'; id: number; ok: false; error: string }
  | { type: 'notify'; body: Notification };
