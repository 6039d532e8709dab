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
 * The host validates every incoming message against these schemas (zod); the webview
 * imports only the types, so zod stays out of its bundle.
 */
import { z } from 'zod';

const id = z.number().int().nonnegative();
/** Titles and names: text, never markup. Long enough for real use, short enough to keep the UI sane. */
const title = z.string().trim().min(1, 'cannot be empty').max(2000, 'is too long (2000 characters at most)');
const name = z.string().trim().min(1, 'cannot be empty').max(200, 'is too long (200 characters at most)');

export const requestBody = z.discriminatedUnion('kind', [
  /** Sent when a view (re)loads: answers with the whole state the view shows. */
  z.object({ kind: z.literal('tasks/snapshot') }),
  z.object({ kind: z.literal('todo/add'), title }),
  z.object({ kind: z.literal('todo/toggle'), id }),
  z.object({ kind: z.literal('todo/rename'), id, title }),
  z.object({ kind: z.literal('todo/delete'), id }),
  /** Moves a todo to just before `before`, or to the end when `before` is null. */
  z.object({ kind: z.literal('todo/move'), id, before: id.nullable() }),
  z.object({ kind: z.literal('todo/clearCompleted') }),
  z.object({ kind: z.literal('profile/switch'), id }),
  /** With no name, the host asks for one (an input box). */
  z.object({ kind: z.literal('profile/add'), name: name.optional() }),
  z.object({ kind: z.literal('profile/rename'), id, name: name.optional() }),
  /** The host asks for confirmation (a modal dialog) before deleting. */
  z.object({ kind: z.literal('profile/delete'), id }),

  z.object({ kind: z.literal('chat/snapshot') }),
  z.object({ kind: z.literal('chat/send'), text: z.string().trim().min(1, 'cannot be empty').max(100_000, 'is too long') }),
  z.object({ kind: z.literal('chat/stop') }),
  z.object({ kind: z.literal('chat/clear') }),
  /** With no model, the host shows a quick pick of the local models. */
  z.object({ kind: z.literal('chat/selectModel'), model: z.string().min(1).max(300).optional() }),
  z.object({ kind: z.literal('chat/pull'), model: z.string().min(1).max(300).optional() }),
  z.object({ kind: z.literal('chat/insertCode'), code: z.string().max(1_000_000) }),
  z.object({ kind: z.literal('clipboard/write'), text: z.string().max(1_000_000) }),
  /** A host command the webview offers as a button (open settings, show the log...). */
  z.object({ kind: z.literal('command/run'), command: z.enum(['pipulate.showLog', 'pipulate.openSettings', 'pipulate.pullModel', 'pipulate.selectModel']) }),
]);
export type RequestBody = z.infer<typeof requestBody>;
export type RequestKind = RequestBody['kind'];

export const webviewMessage = z.discriminatedUnion('type', [
  z.object({ type: z.literal('request'), id: z.number().int(), body: requestBody }),
  /** The webview's own errors, for the log. */
  z.object({ type: z.literal('log'), level: z.enum(['info', 'warn', 'error']), message: z.string().max(10_000) }),
]);
export type WebviewMessage = z.infer<typeof webviewMessage>;

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
  | { kind: 'todo/order'; ids: number[] }
  | { kind: 'chat/reset'; snapshot: ChatSnapshot }
  | { kind: 'chat/appended'; profileId: number; message: ChatMessageDto }
  /** Text to append to a streaming message (deltas batched by the host). */
  | { kind: 'chat/delta'; profileId: number; id: number; text: string }
  /** A message reached its final state (done, stopped, error); carries the whole content. */
  | { kind: 'chat/finished'; profileId: number; message: ChatMessageDto }
  | { kind: 'chat/connection'; connection: ChatConnection }
  | { kind: 'chat/problem'; problem: ChatProblem | null }
  | { kind: 'chat/pull'; progress: PullProgress }
  /** The host asks the view to put the focus in its main input (Add Todo, Focus Chat). */
  | { kind: 'focus/input' }
  /** The store cannot write (disk full...) or recovered; shown as a banner. */
  | { kind: 'store/problem'; message: string | null };

export type HostMessage =
  | { type: 'response'; id: number; ok: true; data: unknown }
  | { type: 'response'; id: number; ok: false; error: string }
  | { type: 'notify'; body: Notification }
  /** Development only: the bundle was rebuilt, reload (Pipulate's live=True). */
  | { type: 'reload' };

/** What each request answers with. */
export interface ResponseData {
  'tasks/snapshot': TasksSnapshot;
  'chat/snapshot': ChatSnapshot;
  'todo/add': TodoDto;
}
export type ResponseOf<K extends RequestKind> = K extends keyof ResponseData ? ResponseData[K] : null;

/** Explains why a message was rejected, in one line, for the log and the error response. */
export function describeInvalid(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((i) => `${i.path.length ? `${i.path.join('.')} ` : ''}${i.message}`)
    .join('; ');
}
