/** The chat's settings, commands, model picker, pull with progress, and status bar item. */
import * as l10n from '@vscode/l10n';
import * as vscode from 'vscode';
import { DEFAULT_CHAT_SETTINGS, type ChatService, type ChatSettings } from './chat/chatService';
import { DEFAULT_TOOL_SETTINGS } from './chat/settings';
import type { ChatConnection } from './protocol';
import type { Events } from './core';
import type { Register } from './commandRunner';
import type { TasksService } from './tasks/tasksService';
import * as asking from './panel/askingActions';
import { vscodeDialogs } from './panel/vscodeUi';
import { kindLabel, offeredKinds, type Approvals } from './tools/approvals';

const SECTION = 'pipulate';

export function readChatSettings(): ChatSettings {
  const c = vscode.workspace.getConfiguration(SECTION);
  const kind = c.get<string>('server.kind', 'ollama') === 'openai' ? 'openai' : 'ollama';
  // pipulate.server.url names the server of either kind; for Ollama, empty means the older pipulate.ollama.host.
  const url = c.get<string>('server.url', '').trim();
  return {
    kind,
    host: url || (kind === 'ollama' ? c.get<string>('ollama.host', '').trim() : ''),
    headers: stringRecord(c.get<unknown>('server.headers', {})),
    keepAlive: c.get<string>('ollama.keepAlive', '').trim(),
    firstTokenTimeoutMs: Math.max(0, c.get<number>('chat.firstTokenTimeoutSeconds', DEFAULT_CHAT_SETTINGS.firstTokenTimeoutMs! / 1000)) * 1000,
    model: c.get<string>('chat.model', DEFAULT_CHAT_SETTINGS.model).trim(),
    systemPrompt: c.get<string>('chat.systemPrompt', DEFAULT_CHAT_SETTINGS.systemPrompt),
    numCtx: Math.max(512, Math.floor(c.get<number>('chat.contextLength', DEFAULT_CHAT_SETTINGS.numCtx))),
    timeoutMs: Math.max(0, c.get<number>('chat.requestTimeoutSeconds', DEFAULT_CHAT_SETTINGS.timeoutMs / 1000)) * 1000,
    tools: {
      enabled: c.get<boolean>('tools.enabled', DEFAULT_TOOL_SETTINGS.enabled),
      autoApprove: c.get<string[]>('tools.autoApprove', DEFAULT_TOOL_SETTINGS.autoApprove),
      maxRounds: c.get<number>('tools.maxRounds', DEFAULT_TOOL_SETTINGS.maxRounds),
    },
  };
}

/** The headers setting as sent: string values only (a number or an object there is a mistake, left out). */
function stringRecord(value: unknown): Record<string, string> {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return {};
  return Object.fromEntries(Object.entries(value).filter((e): e is [string, string] => typeof e[1] === 'string'));
}

/** Where a server's API key is kept in VS Code's SecretStorage: one per server URL. */
export function apiKeySecret(serverUrl: string): string {
  return `pipulate.apiKey:${serverUrl}`;
}

/**
 * The API keys, read through a cache: SecretStorage asks the window each time (in a remote
 * or web window, a round trip to the browser), and a key is wanted before every request.
 * Any change in the secret storage empties the cache; a failed read is asked again.
 */
export function apiKeys(secrets: vscode.SecretStorage): vscode.Disposable & { get(serverUrl: string): Promise<string | undefined> } {
  const kept = new Map<string, Promise<string | undefined>>();
  const changes = secrets.onDidChange(() => kept.clear());
  return {
    get(serverUrl) {
      const id = apiKeySecret(serverUrl);
      let key = kept.get(id);
      if (!key) {
        key = Promise.resolve(secrets.get(id)).then((value) => value || undefined);
        kept.set(id, key);
        key.catch(() => kept.delete(id));
      }
      return key;
    },
    dispose: () => changes.dispose(),
  };
}

export interface ChatControls {
  pickModel(): Promise<string | undefined>;
  setModel(model: string): Promise<void>;
  pullModel(model?: string): Promise<void>;
}

export function registerChatCommands(
  context: vscode.ExtensionContext,
  deps: { chat: ChatService; tasks: TasksService; approvals: Approvals; log: vscode.LogOutputChannel; events: Events; register: Register },
): ChatControls {
  const { chat, tasks, approvals, log, events, register } = deps;

  const setModel = async (model: string) => {
    await vscode.workspace.getConfiguration(SECTION).update('chat.model', model, vscode.ConfigurationTarget.Global);
    await chat.checkConnection();
  };

  const pullModel = async (model?: string) => {
    const name = (model ?? readChatSettings().model).trim();
    if (!name) return;
    if (!chat.connection().canPull) {
      void vscode.window.showInformationMessage(l10n.t('Models are pulled only through Ollama: this server serves the models it was started with. Choose one of them instead.'));
      return;
    }
    await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: l10n.t('Pulling {0}', name), cancellable: true },
      async (progress, token) => {
        const controller = new AbortController();
        token.onCancellationRequested(() => controller.abort());
        let shown = 0;
        const last = await chat.pull(name, controller.signal, (p) => {
          const percent = p.total ? Math.floor(((p.completed ?? 0) / p.total) * 100) : undefined;
          const increment = percent !== undefined && percent > shown ? percent - shown : undefined;
          if (increment) shown = percent!;
          // Ollama's own status line ("pulling manifest"...), as Ollama words it.
          progress.report({ message: percent !== undefined ? l10n.t('{0} {1}%', p.status, percent) : p.status, increment });
        });
        if (last.outcome === 'success') void vscode.window.showInformationMessage(l10n.t('Pulled {0}. It is ready to chat.', name));
        else if (last.outcome === 'error') void vscode.window.showErrorMessage(l10n.t('Could not pull {0}: {1}', name, last.error ?? last.status));
      },
    );
  };

  const pickModel = async (): Promise<string | undefined> => {
    const current = readChatSettings().model;
    let models: string[];
    try {
      models = await chat.listModels();
    } catch (err) {
      const detail = chat.snapshot(tasks.activeProfile()).problem?.detail;
      const openSettings = l10n.t('Open Settings');
      void vscode.window
        .showErrorMessage(l10n.t('Cannot list the models: the model server is not reachable. {0}', detail ?? (err as Error).message), openSettings)
        .then((c) => c === openSettings && vscode.commands.executeCommand('pipulate.openSettings'));
      return undefined;
    }
    const pullItem = { label: `$(cloud-download) ${l10n.t('Pull a model…')}`, pull: true as const };
    const canPull = chat.connection().canPull !== false;
    const picked = await vscode.window.showQuickPick(
      [...models.map((m) => ({ label: m, description: m === current || m === `${current}:latest` ? l10n.t('current') : undefined, pull: false as const })), ...(canPull ? [pullItem] : [])],
      canPull
        ? { title: l10n.t('Choose the Ollama model'), placeHolder: models.length ? l10n.t('Local models') : l10n.t('No local models yet: pull one') }
        : { title: l10n.t('Choose the model'), placeHolder: models.length ? l10n.t('Models the server serves') : l10n.t('The server lists no models') },
    );
    if (!picked) return undefined;
    if (!picked.pull) return picked.label;
    const name = await vscode.window.showInputBox({ title: l10n.t('Pull a model'), placeHolder: l10n.t('e.g. llama3.2, qwen2.5-coder:7b'), value: current });
    if (!name?.trim()) return undefined;
    await pullModel(name.trim());
    return name.trim();
  };

  const status = vscode.window.createStatusBarItem('pipulate.model', vscode.StatusBarAlignment.Left, 49);
  status.name = l10n.t('Pipulate Model');
  status.command = 'pipulate.selectModel';
  const renderStatus = (c: ChatConnection) => {
    const icon = c.generating ? '$(loading~spin)' : c.state === 'unreachable' ? '$(debug-disconnect)' : '$(hubot)';
    const waiting = c.waiting ? (c.waiting.loading ? l10n.t('loading the model…') : l10n.t('waiting for the first token…')) : '';
    status.text = `${icon} ${c.model || l10n.t('no model')}${waiting ? ` · ${waiting}` : ''}`;
    const model = c.model || l10n.t('none');
    const server = c.kind === 'openai' ? l10n.t('The model server') : 'Ollama';
    const context =
      c.context?.source === 'setting'
        ? l10n.t('Context: {0} tokens, from the setting pipulate.chat.contextLength. The server cannot be told the context length: its own applies.', c.context.tokens)
        : c.context?.source === 'server'
          ? l10n.t('Context: {0} tokens, as the server reports for the model.', c.context.tokens)
          : c.context
            ? l10n.t('Context: {0} tokens, sent with each request.', c.context.tokens)
            : '';
    status.tooltip = [
      c.state === 'connected'
        ? l10n.t('Pipulate chat: {0} at {1} is connected; model {2}. Click to choose the model.', server, c.host, model)
        : c.state === 'unreachable'
          ? l10n.t('Pipulate chat: {0} at {1} is not reachable; model {2}. Click to choose the model.', server, c.host, model)
          : l10n.t('Pipulate chat: {0} at {1} is not checked yet; model {2}. Click to choose the model.', server, c.host, model),
      context,
    ]
      .filter(Boolean)
      .join('\n');
    status.backgroundColor = c.state === 'unreachable' ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
    // The Pull Model command and menu item are offered only where pulls exist (Ollama).
    const cannotPull = c.canPull === false;
    if (cannotPull !== shownCannotPull) void vscode.commands.executeCommand('setContext', 'pipulate.serverCannotPull', (shownCannotPull = cannotPull));
  };
  let shownCannotPull: boolean | undefined;
  renderStatus(chat.connection());
  status.show();
  context.subscriptions.push(status);

  register('pipulate.selectModel', (why) => l10n.t('Pipulate could not choose the model: {0}', why), async () => {
    const model = await pickModel();
    if (model) await setModel(model);
  });
  register('pipulate.setApiKey', (why) => l10n.t('Pipulate could not set the API key: {0}', why), async () => {
    const server = chat.connection().host;
    const secret = apiKeySecret(server);
    const had = (await context.secrets.get(secret)) !== undefined;
    const key = await vscode.window.showInputBox({
      title: l10n.t('API key for {0}', server),
      prompt: had ? l10n.t('Kept in VS Code’s secret storage for this server only. Leave empty to remove the key.') : l10n.t('Kept in VS Code’s secret storage for this server only, never in the settings.'),
      password: true,
      ignoreFocusOut: true,
    });
    if (key === undefined) return;
    if (key.trim()) await context.secrets.store(secret, key.trim());
    else await context.secrets.delete(secret);
    log.info(key.trim() ? `chat: an API key is set for ${server}` : `chat: the API key for ${server} is removed`);
    await chat.checkConnection();
  });
  register('pipulate.pullModel', (why) => l10n.t('Pipulate could not pull the model: {0}', why), async () => {
    if (!chat.connection().canPull) return pullModel();
    const name = await vscode.window.showInputBox({
      title: l10n.t('Pull an Ollama model'),
      value: readChatSettings().model,
      placeHolder: l10n.t('Model name, e.g. llama3.2'),
    });
    if (name?.trim()) await pullModel(name.trim());
  });
  register('pipulate.clearConversation', (why) => l10n.t('Pipulate could not clear the conversation: {0}', why), () => asking.clearConversation(vscodeDialogs, tasks, chat));
  register('pipulate.stopGenerating', (why) => l10n.t('Pipulate could not stop the reply: {0}', why), () => chat.stop(tasks.activeProfileId));
  register('pipulate.focusChat', (why) => l10n.t('Pipulate could not focus the Chat view: {0}', why), async () => {
    await vscode.commands.executeCommand('pipulate.chat.focus');
    events.emit({ kind: 'focus/input', view: 'chat' });
  });
  register('pipulate.openSettings', (why) => l10n.t('Pipulate could not open the settings: {0}', why), () => vscode.commands.executeCommand('workbench.action.openSettings', '@ext:pipulate.pipulate'));
  register('pipulate.checkConnection', (why) => l10n.t('Pipulate could not check the connection: {0}', why), () => chat.checkConnection());
  register('pipulate.undoModelChange', (why) => l10n.t('Pipulate could not undo the model’s change: {0}', why), async () => {
    if (await chat.undoCard(tasks.activeProfileId)) void vscode.window.setStatusBarMessage(l10n.t('Pipulate: the model’s last change is undone'), 4000);
    else void vscode.window.showInformationMessage(l10n.t('Nothing the model changed in this profile is left to undo.'));
  });
  register('pipulate.manageAllowedChanges', (why) => l10n.t('Pipulate could not change what the model may do: {0}', why), async () => {
    const profile = tasks.activeProfile();
    const { profile: allowed, settings } = approvals.list(profile.id);
    const items = offeredKinds().map((change) => ({ label: kindLabel(change), change, picked: allowed.includes(change) }));
    const fromSettings = settings.length ? l10n.t('Allowed in every profile by the setting pipulate.tools.autoApprove: {0}.', settings.map(kindLabel).join(', ')) : '';
    const picked = await vscode.window.showQuickPick(items, {
      canPickMany: true,
      title: l10n.t('Changes the model makes without asking in “{0}”', profile.name),
      placeHolder: fromSettings || l10n.t('Checked: made without asking. Uncheck to be asked again.'),
    });
    if (!picked) return;
    await approvals.set(profile.id, picked.map((p) => p.change));
  });

  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('pipulate.server') || e.affectsConfiguration('pipulate.ollama') || e.affectsConfiguration('pipulate.chat') || e.affectsConfiguration('pipulate.tools')) void chat.checkConnection();
    }),
  );
  void chat.checkConnection().catch((err) => log.error(`connection check failed: ${err}`));

  const off = events.on((n) => {
    if (n.kind === 'chat/connection') renderStatus(n.connection);
  });
  context.subscriptions.push({ dispose: off });

  return { pickModel, setModel, pullModel };
}
