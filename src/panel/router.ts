/**
 * The "routes": every request from a webview lands here, is validated, handled and
 * answered; every change is broadcast to every connected view. Free of the `vscode`
 * module, so the same router serves the webviews in VS Code and, under Node, the real
 * webview bundle in the browser tests. Host-only interactions (dialogs, clipboard,
 * the editor) go through `HostUi`.
 */
import {
  parseWebviewMessage,
  type ChatConnection,
  type ChatMessageDto,
  type ChatSnapshot,
  type HostMessage,
  type Notification,
  type ProfileDto,
  type RequestBody,
} from '../protocol';
import { messageOf, UserError } from '../errors';
import type { TasksService } from '../tasks/tasksService';
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
}

/** What the router needs of the chat service. */
export interface ChatPort {
  snapshot(profile: ProfileDto): ChatSnapshot;
  send(profileId: number, text: string): Promise<ChatMessageDto>;
  stop(profileId?: number): boolean;
  retry(profileId: number): Promise<boolean>;
  clear(profileId: number): Promise<void>;
  checkConnection(): Promise<ChatConnection>;
}

export interface View {
  post(message: HostMessage): void;
}

export interface Connection {
  /** Handles one raw message from the view. Never throws. */
  handle(raw: unknown): Promise<void>;
  dispose(): void;
}

export class Router {
  private readonly views = new Set<View>();

  constructor(
    private readonly deps: {
      tasks: TasksService;
      chat: ChatPort;
      ui: HostUi;
      log: (level: 'info' | 'warn' | 'error', line: string) => void;
    },
  ) {}

  /** Sends a patch to every open view. */
  broadcast(body: Notification): void {
    for (const view of this.views) view.post({ type: 'notify', body });
  }

  connect(view: View): Connection {
    this.views.add(view);
    return {
      handle: (raw) => this.handle(view, raw),
      dispose: () => this.views.delete(view),
    };
  }

  private async handle(view: View, raw: unknown): Promise<void> {
    const parsed = parseWebviewMessage(raw);
    if (!parsed.ok) {
      const why = parsed.error;
      this.deps.log('warn', `Rejected a malformed message from a webview: ${why}`);
      const id = (raw as { id?: unknown })?.id;
      if (typeof id === 'number') view.post({ type: 'response', id, ok: false, error: `Invalid request: ${why}` });
      return;
    }
    const message = parsed.message;
    if (message.type === 'log') {
      this.deps.log(message.level, `webview: ${message.message}`);
      return;
    }
    try {
      const data = await this.dispatch(message.body);
      view.post({ type: 'response', id: message.id, ok: true, data: data ?? null });
    } catch (err) {
      if (!(err instanceof UserError)) this.deps.log('error', `${message.body.kind} failed: ${(err as Error)?.stack ?? String(err)}`);
      view.post({ type: 'response', id: message.id, ok: false, error: messageOf(err) });
    }
  }

  private async dispatch(body: RequestBody): Promise<unknown> {
    const { tasks, chat, ui } = this.deps;
    switch (body.kind) {
      case 'tasks/snapshot':
        return tasks.snapshot();
      case 'todo/add':
        return tasks.addTodo(body.title);
      case 'todo/toggle':
        return void (await tasks.toggleTodo(body.id));
      case 'todo/rename':
        return void (await tasks.renameTodo(body.id, body.title));
      case 'todo/delete':
        return tasks.deleteTodo(body.id);
      case 'todo/move':
        return tasks.moveTodo(body.id, body.before);
      case 'todo/clearCompleted':
        return void (await tasks.clearCompleted());
      case 'profile/switch':
        return tasks.switchProfile(body.id);
      case 'profile/add':
        return void (await asking.addProfile(ui, tasks, body.name));
      case 'profile/rename':
        return void (await asking.renameProfile(ui, tasks, body.id, body.name));
      case 'profile/delete':
        return void (await asking.deleteProfile(ui, tasks, body.id));
      case 'chat/snapshot':
        return chat.snapshot(tasks.activeProfile());
      case 'chat/send':
        return chat.send(tasks.activeProfileId, body.text);
      case 'chat/stop':
        return chat.stop(tasks.activeProfileId);
      case 'chat/retry':
        return chat.retry(tasks.activeProfileId);
      case 'chat/clear':
        return void (await asking.clearConversation(ui, tasks, chat));
      case 'chat/selectModel': {
        const model = body.model ?? (await ui.pickModel());
        if (model !== undefined) await ui.setModel(model);
        return null;
      }
      case 'chat/pull':
        return ui.pullModel(body.model);
      case 'chat/insertCode':
        if (!(await ui.insertAtCursor(body.code))) throw new UserError('Open a file in the editor to insert the code at its cursor.');
        return null;
      case 'clipboard/write':
        return ui.writeClipboard(body.text);
      case 'command/run':
        return ui.runCommand(body.command);
    }
  }
}
