/**
 * The core, wired once: the store's tables, the services and the event bus between
 * them and the views. Free of the `vscode` module; the extension, the browser tests and
 * the benches all build Pipulate through `createCore`, so none of them wires it by hand.
 */
import type { Notification, TasksSnapshot } from './protocol';
import { appStore, type AppStore } from './store/appSchema';
import type { Database, StoreProblem } from './store/database';
import { TasksService } from './tasks/tasksService';
import { noEditor, TodoLinks, type EditorPort } from './tasks/links';
import { ChatService, type ChatServiceDeps } from './chat/chatService';
import { Router, type HostUi } from './panel/router';
import { Approvals } from './tools/approvals';
import { Toolbox, UserUndo } from './tools/toolbox';
import { UndoLog } from './tools/undo';
import { toolSettings } from './chat/settings';
import { WorkflowCatalog } from './workflows/catalog';
import { WorkflowService } from './workflows/workflowService';

export type Listener = (n: Notification) => void;

/** Every change, however it was made, as one stream of notifications. */
export class Events {
  private readonly listeners = new Set<Listener>();
  private storeProblem: Notification | undefined;

  on(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(n: Notification): void {
    if (n.kind === 'store/problem') this.storeProblem = n.message ? n : undefined;
    for (const listener of this.listeners) listener(n);
  }

  /** What a view that opens now must be told though it was said before (the store's standing problem, found while it opened). */
  standing(): Notification[] {
    return this.storeProblem ? [this.storeProblem] : [];
  }
}

/** What the views show of a store problem: a banner that stands until it ends. A dropped torn tail is only logged. */
export function noticeOf(problem: StoreProblem): Notification | undefined {
  if (problem.kind === 'tail-dropped') return undefined;
  return { kind: 'store/problem', message: problem.kind === 'write-recovered' ? null : problem.message };
}

export interface CoreOptions {
  db: Database;
  /** The bus to use, when something (the store's problems) must reach the views before the core exists. */
  events?: Events;
  /** Where the data lives, as the Tasks view tells the user. */
  storage: TasksSnapshot['storage'];
  /** The chat's settings and tuning; the core supplies its store, events and the work it describes. */
  chat: Omit<ChatServiceDeps, 'store' | 'emit' | 'describeWork'>;
  /** The host's dialogs and editor (VS Code's, or a test's script). */
  ui: HostUi;
  /** The code editor todos link into (VS Code's); without one, links cannot be opened. */
  editor?: EditorPort;
  /** The workflows there are (the extension feeds it .pipulate/workflows/); default: the built-in ones. */
  catalog?: WorkflowCatalog;
  /** Where workflow command steps run and whether they may (without it, they cannot). */
  workspace?: { trusted(): boolean; folder(): string | undefined };
  log: (level: 'info' | 'warn' | 'error', line: string) => void;
}

export interface Core {
  store: AppStore;
  events: Events;
  tasks: TasksService;
  /** Todos that point at code. */
  links: TodoLinks;
  chat: ChatService;
  /** What the model may do without asking ("Pipulate: Manage Allowed Changes"). */
  approvals: Approvals;
  /** The user's undoable deletes and clears ("Pipulate: Undo"). */
  userUndo: UserUndo;
  /** Workflow runs, and the definitions they follow. */
  workflows: WorkflowService;
  catalog: WorkflowCatalog;
  /** Connects the views; every notification reaches the views that show it. */
  router: Router;
  dispose(): void;
}

export function createCore(options: CoreOptions): Core {
  const store = appStore(options.db);
  const events = options.events ?? new Events();
  const emit = (n: Notification) => events.emit(n);

  // The chat and the tasks know each other only through these late-bound functions.
  let chat: ChatService | undefined;
  const tasks = new TasksService({
    store,
    emit,
    note: (profileId, text) => chat!.note(profileId, text),
    storage: options.storage,
    onProfileDeleting: (profileId) => {
      chat!.removeProfile(profileId);
      workflows.removeProfile(profileId);
      undoLog.removeProfile(profileId);
      approvals.removeProfile(profileId);
    },
  });
  const editor = options.editor ?? noEditor;
  const links = new TodoLinks({ store, emit, note: (profileId, text) => chat!.note(profileId, text), activeProfileId: () => tasks.activeProfileId }, editor);
  const undoLog = new UndoLog(store, tasks);
  const approvals = new Approvals(store, () => toolSettings(options.chat.settings()).autoApprove);
  chat = new ChatService({
    ...options.chat,
    store,
    emit,
    describeWork: (profileId) => tasks.describeWork(profileId),
    tools: new Toolbox(tasks, approvals, undoLog),
  });
  const userUndo = new UserUndo(tasks, undoLog, emit);
  const catalog = options.catalog ?? new WorkflowCatalog();
  const workflows = new WorkflowService({
    db: options.db,
    emit,
    note: (profileId, text) => chat!.note(profileId, text),
    definition: (name) => catalog.get(name),
    profileName: (id) => (store.profiles.has(id) ? store.profiles.get(id).name : undefined),
    generate: (prompt, signal) => chat!.complete(prompt, signal),
    explain: (err) => chat!.explain(err),
    activeProfileId: () => tasks.activeProfileId,
    workspace: options.workspace,
    // A todos step's todos go on the confirmation card the model's add_todo calls get.
    proposeTodos: (profileId, from, titles) => chat!.propose(profileId, from, titles.map((title) => ({ name: 'add_todo', arguments: { title } }))),
    withdrawCard: (profileId, cardId) => chat!.withdraw(profileId, cardId),
    card: (profileId, cardId) => chat!.card(profileId, cardId),
    log: (line) => options.log('warn', line),
  });
  const router = new Router({ tasks, links, editor, undo: userUndo, chat, workflows, ui: options.ui, log: options.log, standing: () => events.standing() });

  const unsubscribe = [
    events.on((n) => router.broadcast(n)),
    followActiveProfile(events, tasks, chat),
    // Pipulate's live reload, for workflows: a definition saved, and the open runs of it show it.
    catalog.onChange((workflow) => events.emit({ kind: 'workflow/definition', workflow })),
    // A card a workflow step proposed was decided or undone: its run follows.
    events.on((n) => {
      if (n.kind === 'chat/finished' && n.message.card?.from) workflows.cardChanged(n.profileId, { ...n.message, card: n.message.card });
    }),
  ];
  return {
    store,
    events,
    tasks,
    links,
    chat,
    approvals,
    userUndo,
    workflows,
    catalog,
    router,
    dispose() {
      unsubscribe.forEach((off) => off());
      workflows.dispose();
      chat.dispose();
    },
  };
}

/** When another profile becomes active, the Chat view is sent that profile's conversation: it never has to ask back. */
function followActiveProfile(events: Events, tasks: TasksService, chat: ChatService): () => void {
  let shown = tasks.activeProfileId;
  return events.on((n) => {
    if (n.kind !== 'tasks/reset' || n.snapshot.activeProfileId === shown) return;
    shown = n.snapshot.activeProfileId;
    events.emit({ kind: 'chat/reset', snapshot: chat.snapshot(tasks.activeProfile()) });
  });
}
