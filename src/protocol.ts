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
import * as v from 'valibot';

const id = v.pipe(v.number(), v.integer(), v.minValue(0));
/** Titles and names: text, never markup. Long enough for real use, short enough to keep the UI sane. */
const text = (what: string, max: number) =>
  v.pipe(v.string(), v.trim(), v.minLength(1, `${what} cannot be empty`), v.maxLength(max, `${what} is too long (${max} characters at most)`));
const title = text('A title', 2000);
const name = text('A name', 200);
const model = v.pipe(v.string(), v.minLength(1), v.maxLength(300));
const kind = <K extends string, E extends v.ObjectEntries>(k: K, entries: E) => v.object({ kind: v.literal(k), ...entries });

export const requestBody = v.variant('kind', [
  /** Sent when a view (re)loads: answers with the whole state the view shows. */
  kind('tasks/snapshot', {}),
  kind('todo/add', { title }),
  kind('todo/toggle', { id }),
  kind('todo/rename', { id, title }),
  kind('todo/delete', { id }),
  /** Moves a todo to just before `before`, or to the end when `before` is null. */
  kind('todo/move', { id, before: v.nullable(id) }),
  kind('todo/clearCompleted', {}),
  kind('profile/switch', { id }),
  /** With no name, the host asks for one (an input box). */
  kind('profile/add', { name: v.optional(name) }),
  kind('profile/rename', { id, name: v.optional(name) }),
  /** The host asks for confirmation (a modal dialog) before deleting. */
  kind('profile/delete', { id }),

  kind('chat/snapshot', {}),
  kind('chat/send', { text: text('A message', 100_000) }),
  kind('chat/stop', {}),
  /** Answers the last message again (after a failed or stopped reply). */
  kind('chat/retry', {}),
  kind('chat/clear', {}),
  /** With no model, the host shows a quick pick of the local models. */
  kind('chat/selectModel', { model: v.optional(model) }),
  kind('chat/pull', { model: v.optional(model) }),
  kind('chat/insertCode', { code: v.pipe(v.string(), v.maxLength(1_000_000)) }),
  kind('clipboard/write', { text: v.pipe(v.string(), v.maxLength(1_000_000)) }),
  /** A host command the webview offers as a button (open settings, show the log...). */
  kind('command/run', { command: v.picklist(['pipulate.showLog', 'pipulate.openSettings', 'pipulate.pullModel', 'pipulate.selectModel']) }),
]);
export type RequestBody = v.InferOutput<typeof requestBody>;
export type RequestKind = RequestBody['kind'];

export const webviewMessage = v.variant('type', [
  v.object({ type: v.literal('request'), id: v.pipe(v.number(), v.integer()), body: requestBody }),
  /** The webview's own errors, for the log. */
  v.object({ type: v.literal('log'), level: v.picklist(['info', 'warn', 'error']), message: v.pipe(v.string(), v.maxLength(10_000)) }),
]);
export type WebviewMessage = v.InferOutput<typeof webviewMessage>;

/** Checks a message from a webview; on failure, says why in one line. */
export function parseWebviewMessage(raw: unknown): { ok: true; message: WebviewMessage } | { ok: false; error: string } {
  const result = v.safeParse(webviewMessage, raw);
  if (result.success) return { ok: true, message: result.output };
  const why = result.issues
    .slice(0, 3)
    .map((i) => {
      const path = v.getDotPath(i);
      return `${path ? `${path}: ` : ''}${i.message}`;
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
}

export interface ChatConnection {
  host: string;
  /** unknown until the first check. */
  state: 'unknown' | 'connected' | 'unreachable';
  model: string;
  /** Local models, when known. */
  models?: string[];
  generating: boolean;
}

/** A problem the chat explains to the user, with what they can do about it. */
export interface ChatProblem {
  title: string;
  detail: string;
  actions: ChatAction[];
}
export type ChatAction = 'pull' | 'selectModel' | 'openSettings' | 'showLog' | 'retry';

export interface ChatSnapshot {
  profileId: number;
  profileName: string;
  messages: ChatMessageDto[];
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
  | { kind: 'chat/problem'; problem: ChatProblem | null }
  | { kind: 'chat/pull'; progress: PullProgress }
  /** The host asks a view to put the focus in its main input (Focus Tasks, Focus Chat). */
  | { kind: 'focus/input'; view: 'tasks' | 'chat' }
  /** The store cannot write (disk full...) or recovered; shown as a banner. */
  | { kind: 'store/problem'; message: string | null };

export type HostMessage =
  | { type: 'response'; id: number; ok: true; data: unknown }
  | { type: 'response'; id: number; ok: false; error: string }
  | { type: 'notify'; body: Notification };

/** What each request answers with. */
export interface ResponseData {
  'tasks/snapshot': TasksSnapshot;
  'chat/snapshot': ChatSnapshot;
  'todo/add': TodoDto;
}
export type ResponseOf<K extends RequestKind> = K extends keyof ResponseData ? ResponseData[K] : null;
