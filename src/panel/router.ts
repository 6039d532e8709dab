/**
 * The "routes": every request from a webview lands here, is validated, handled and
 * answered; every change is broadcast to every connected view. Free of the `vscode`
 * module, so the same router serves the webviews in VS Code and, under Node, the real
 * webview bundle in the browser tests. Host-only interactions (dialogs, clipboard,
 * the editor) go through `HostUi`.
 */
import * as l10n from '@vscode/l10n';
import {
  audienceOf,
  parseWebviewMessage,
  type AttachmentDto,
  type ChatConnection,
  type ChatMessageDto,
  type ChatPage,
  type ChatSnapshot,
  type HostMessage,
  type Notification,
  type ProfileDto,
  type RequestBody,
  type RequestKind,
  type RequestOf,
  type ResponseOf,
  type ViewKind,
} from '../protocol';
import { messageOf, UserError } from '../errors';
import type { TasksService } from '../tasks/tasksService';
import type { EditorPort, FileRef, TodoLinks } from '../tasks/links';
import type { Attachment, PendingAttachments } from '../chat/attachments';
import { proposeCode } from '../chat/applyCode';
import type { UserUndo } from '../tools/toolbox';
import type { WorkflowService } from '../workflows/workflowService';
import * as asking from './askingActions';
import type { Dialogs } from './askingActions';

export interface HostUi extends Dialogs {
  /** Lets the user pick one of the local models; undefined when cancelled. */
  pickModel(): Promise<string | undefined>;
  setModel(model: string): Promise<void>;
  /** Pulls a model with visible, cancellable progress. */
  pullModel(model?: string): Promise<void>;
  writeClipboard(text: string): Promise<void>;
  /** Inserts code at the cursor of the active editor; false when there is none. */
  insertAtCursor(code: string): Promise<boolean>;
  runCommand(command: string): Promise<void>;
  /** Lets the user pick one of `items`; its index, or undefined when cancelled. */
  pick(placeholder: string, items: string[]): Promise<number | undefined>;
  /** Shows `proposed` against the file (whose text was `base`) in a diff; nothing is written unless the user takes it there. */
  propose(file: FileRef, base: string, proposed: string): Promise<void>;
}

/** What the router needs of the chat service. */
export interface ChatPort {
  snapshot(profile: ProfileDto): ChatSnapshot;
  decide(profileId: number, cardId: number, apply: 'all' | 'none' | readonly number[], always?: boolean): Promise<ChatMessageDto>;
  undoCard(profileId: number, cardId?: number): Promise<boolean>;
  history(profileId: number, before: number, limit: number): ChatPage;
  send(profileId: number, text: string): Promise<ChatMessageDto>;
  edit(profileId: number, messageId: number, text: string): Promise<ChatMessageDto>;
  regenerate(profileId: number, messageId: number): Promise<void>;
  attachedTo(profileId: number, messageId: number): Attachment[];
  stop(profileId?: number): boolean;
  retry(profileId: number): Promise<boolean>;
  clear(profileId: number): Promise<void>;
  checkConnection(): Promise<ChatConnection>;
  dismissProblem(): void;
  readonly attachments: PendingAttachments;
  attachment(profileId: number, messageId: number | undefined, index: number): AttachmentDto | undefined;
}

export interface View {
  post(message: HostMessage): void;
}

export interface Connection {
  /** Handles one raw message from the view. Never throws. */
  handle(raw: unknown): Promise<void>;
  dispose(): void;
}

/** One handler per request kind: the compiler checks that none is missing and each answers its declared type. */
type Handlers = { [K in RequestKind]: (body: RequestOf<K>) => ResponseOf<K> | Promise<ResponseOf<K>> };

export class Router {
  private readonly views = new Map<View, { kind: ViewKind; spoken: boolean }>();
  private readonly handlers: Handlers;
  /** Views asked to focus their input before they could hear it. */
  private readonly focusAwaited = new Set<ViewKind>();

  constructor(
    private readonly deps: {
      tasks: TasksService;
      links: TodoLinks;
      /** Where links and attachments open. */
      editor: EditorPort;
      /** The user's deletes and clears, undoable. */
      undo: UserUndo;
      chat: ChatPort;
      workflows: WorkflowService;
      ui: HostUi;
      log: (level: 'info' | 'warn' | 'error', line: string) => void;
      /** Notifications a view is sent as it connects: what still stands, though it was said before the view opened. */
      standing?: () => Notification[];
    },
  ) {
    this.handlers = handlers(deps);
  }

  /** Sends a patch to every open view that shows it. */
  broadcast(body: Notification): void {
    const audience = audienceOf(body);
    let heard = false;
    for (const [view, v] of this.views) {
      if (!audience.includes(v.kind)) continue;
      view.post({ type: 'notify', body });
      heard ||= v.spoken;
    }
    // "Focus the input" sent while the view is still loading (Focus Tasks opens it) could
    // reach a page whose script does not listen yet: keep it for the view's first word.
    if (body.kind === 'focus/input' && !heard) this.focusAwaited.add(body.view);
  }

  connect(view: View, kind: ViewKind): Connection {
    const v = { kind, spoken: false };
    this.views.set(view, v);
    return {
      handle: (raw) => {
        // Told once the view's script runs (it has just spoken), not while its page may still be loading.
        if (!v.spoken) {
          v.spoken = true;
          for (const body of this.deps.standing?.() ?? []) if (audienceOf(body).includes(kind)) view.post({ type: 'notify', body });
          if (kind !== 'workflow' && this.focusAwaited.delete(kind)) view.post({ type: 'notify', body: { kind: 'focus/input', view: kind } });
        }
        return this.handle(view, raw);
      },
      dispose: () => this.views.delete(view),
    };
  }

  private async handle(view: View, raw: unknown): Promise<void> {
    const parsed = parseWebviewMessage(raw);
    if (!parsed.ok) {
      const why = parsed.error;
      this.deps.log('warn', `Rejected a malformed message from a webview: ${why}`);
      const id = (raw as { id?: unknown })?.id;
      if (typeof id === 'number') view.post({ type: 'response', id, ok: false, error: l10n.t('Invalid request: {0}', why) });
      return;
    }
    const message = parsed.message;
    if (message.type === 'log') {
      this.deps.log(message.level, `webview: ${message.message}`);
      return;
    }
    try {
      const handler = this.handlers[message.body.kind] as (body: RequestBody) => unknown;
      const data = await handler(message.body);
      view.post({ type: 'response', id: message.id, ok: true, data: data ?? null });
    } catch (err) {
      if (err instanceof UserError) this.deps.log('info', `${message.body.kind}: ${err.message}`);
      else this.deps.log('error', `${message.body.kind} failed: ${(err as Error)?.stack ?? String(err)}`);
      view.post({ type: 'response', id: message.id, ok: false, error: messageOf(err) });
    }
  }
}

function handlers({ tasks, links, editor, undo, chat, workflows: w, ui }: { tasks: TasksService; links: TodoLinks; editor: EditorPort; undo: UserUndo; chat: ChatPort; workflows: WorkflowService; ui: HostUi }): Handlers {
  return {
    'tasks/snapshot': () => tasks.snapshot(),
    'todo/add': (b) => tasks.addTodo(b.title),
    'todo/toggle': (b) => tasks.toggleTodo(b.id),
    'todo/rename': (b) => tasks.renameTodo(b.id, b.title),
    // The user's own deletes and clears can be undone (tasks/undo), as the model's can.
    'todo/delete': (b) => done(undo.deleteTodo(b.id)),
    'todo/move': (b) => done(tasks.moveTodo(b.id, b.before)),
    'todo/clearCompleted': () => undo.clearCompleted(),
    'tasks/undo': () => undo.undo(),
    'todo/openLink': (b) => done(links.open(b.id)),
    'todo/unlink': (b) => links.unlink(b.id),
    'todo/relink': (b) => links.relinkToSelection(b.id),
    'profile/switch': (b) => done(tasks.switchProfile(b.id)),
    'profile/add': (b) => asking.addProfile(ui, tasks, b.name),
    'profile/rename': (b) => asking.renameProfile(ui, tasks, b.id, b.name),
    'profile/delete': (b) => asking.deleteProfile(ui, tasks, b.id),

    'chat/snapshot': () => chat.snapshot(tasks.activeProfile()),
    'chat/history': (b) => chat.history(tasks.activeProfileId, b.before, b.limit),
    'tool/decide': (b) => chat.decide(tasks.activeProfileId, b.cardId, b.apply, b.always),
    'tool/undo': (b) => chat.undoCard(tasks.activeProfileId, b.cardId),
    'chat/send': (b) => chat.send(tasks.activeProfileId, b.text),
    'chat/edit': (b) => chat.edit(tasks.activeProfileId, b.id, b.text),
    'chat/regenerate': (b) => done(chat.regenerate(tasks.activeProfileId, b.id)),
    'chat/applyCode': (b) => done(proposeCode({ read: (f) => editor.read(f), pick: (p, items) => ui.pick(p, items), propose: (f, base, text) => ui.propose(f, base, text) }, chat.attachedTo(tasks.activeProfileId, b.id), b.code)),
    'chat/stop': () => chat.stop(tasks.activeProfileId),
    'chat/retry': () => chat.retry(tasks.activeProfileId),
    'chat/clear': () => asking.clearConversation(ui, tasks, chat),
    'chat/selectModel': async (b) => {
      const model = b.model ?? (await ui.pickModel());
      if (model !== undefined) await ui.setModel(model);
      return null;
    },
    'chat/pull': (b) => done(ui.pullModel(b.model)),
    'chat/detach': (b) => {
      chat.attachments.remove(tasks.activeProfileId, b.index);
      return null;
    },
    'chat/openAttachment': async (b) => {
      const a = chat.attachment(tasks.activeProfileId, b.messageId, b.index);
      if (!a) throw new UserError(l10n.t('That attachment is no longer there.'));
      await editor.reveal({ ...a, start: a.start ?? 0, end: a.end ?? a.start ?? 0, anchor: '' });
      return null;
    },
    'chat/dismissProblem': () => {
      chat.dismissProblem();
      return null;
    },
    'chat/insertCode': async (b) => {
      if (!(await ui.insertAtCursor(b.code))) throw new UserError(l10n.t('Open a file in the editor to insert the code at its cursor.'));
      return null;
    },
    'clipboard/write': (b) => done(ui.writeClipboard(b.text)),
    'command/run': (b) => done(ui.runCommand(b.command)),

    'workflow/open': (b) => w.open(b.profileId, b.workflow, b.key),
    'workflow/submit': (b) => w.submit(b.profileId, b.workflow, b.key, b.step, b.value),
    'workflow/revert': (b) => w.revert(b.profileId, b.workflow, b.key, b.step),
    'workflow/finalize': (b) => w.finalize(b.profileId, b.workflow, b.key),
    'workflow/unlock': (b) => w.unlock(b.profileId, b.workflow, b.key),
    'workflow/generate': (b) => w.generate(b.profileId, b.workflow, b.key, b.step),
    'workflow/stop': (b) => w.stopGenerating(b.profileId, b.workflow, b.key),
  };
}

/** Waits for an action that answers nothing. */
async function done(action: Promise<unknown>): Promise<null> {
  await action;
  return null;
}
