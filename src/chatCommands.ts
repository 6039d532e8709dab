/** The chat's settings, commands, model picker, pull with progress, and status bar item. */
import * as vscode from 'vscode';
import { DEFAULT_CHAT_SETTINGS, type ChatService, type ChatSettings } from './chat/chatService';
import type { ChatConnection } from './protocol';
import type { Events } from './core';
import type { Register } from './commandRunner';
import type { TasksService } from './tasks/tasksService';
import * as asking from './panel/askingActions';
import { vscodeDialogs } from './panel/vscodeUi';

const SECTION = 'pipulate';

export function readChatSettings(): ChatSettings {
  const c = vscode.workspace.getConfiguration(SECTION);
  return {
    host: c.get<string>('ollama.host', '').trim(),
    model: c.get<string>('chat.model', DEFAULT_CHAT_SETTINGS.model).trim(),
    systemPrompt: c.get<string>('chat.systemPrompt', DEFAULT_CHAT_SETTINGS.systemPrompt),
    numCtx: Math.max(512, Math.floor(c.get<number>('chat.contextLength', DEFAULT_CHAT_SETTINGS.numCtx))),
    timeoutMs: Math.max(0, c.get<number>('chat.requestTimeoutSeconds', DEFAULT_CHAT_SETTINGS.timeoutMs / 1000)) * 1000,
  };
}

export interface ChatControls {
  pickModel(): Promise<string | undefined>;
  setModel(model: string): Promise<void>;
  pullModel(model?: string): Promise<void>;
}

export function registerChatCommands(
  context: vscode.ExtensionContext,
  deps: { chat: ChatService; tasks: TasksService; log: vscode.LogOutputChannel; events: Events; register: Register },
): ChatControls {
  const { chat, tasks, log, events, register } = deps;

  const setModel = async (model: string) => {
    await vscode.workspace.getConfiguration(SECTION).update('chat.model', model, vscode.ConfigurationTarget.Global);
    await chat.checkConnection();
  };

  const pullModel = async (model?: string) => {
    const name = (model ?? readChatSettings().model).trim();
    if (!name) return;
    await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Pulling ${name}`, cancellable: true },
      async (progress, token) => {
        const controller = new AbortController();
        token.onCancellationRequested(() => controller.abort());
        let shown = 0;
        const last = await chat.pull(name, controller.signal, (p) => {
          const percent = p.total ? Math.floor(((p.completed ?? 0) / p.total) * 100) : undefined;
          const increment = percent !== undefined && percent > shown ? percent - shown : undefined;
          if (increment) shown = percent!;
          progress.report({ message: `${p.status}${percent !== undefined ? ` ${percent}%` : ''}`, increment });
        });
        if (last.outcome === 'success') void vscode.window.showInformationMessage(`Pulled ${name}. It is ready to chat.`);
        else if (last.outcome === 'error') void vscode.window.showErrorMessage(`Could not pull ${name}: ${last.error ?? last.status}`);
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
      void vscode.window.showErrorMessage(`Cannot list the models: Ollama is not reachable. ${detail ?? (err as Error).message}`, 'Open Settings').then(
        (c) => c && vscode.commands.executeCommand('pipulate.openSettings'),
      );
      return undefined;
    }
    const pullItem = { label: '$(cloud-download) Pull a model…', pull: true as const };
    const picked = await vscode.window.showQuickPick(
      [...models.map((m) => ({ label: m, description: m === current || m === `${current}:latest` ? 'current' : undefined, pull: false as const })), pullItem],
      { title: 'Choose the Ollama model', placeHolder: models.length ? 'Local models' : 'No local models yet: pull one' },
    );
    if (!picked) return undefined;
    if (!picked.pull) return picked.label;
    const name = await vscode.window.showInputBox({ title: 'Pull a model', placeHolder: 'e.g. llama3.2, qwen2.5-coder:7b', value: current });
    if (!name?.trim()) return undefined;
    await pullModel(name.trim());
    return name.trim();
  };

  const status = vscode.window.createStatusBarItem('pipulate.model', vscode.StatusBarAlignment.Left, 49);
  status.name = 'Pipulate Model';
  status.command = 'pipulate.selectModel';
  const renderStatus = (c: ChatConnection) => {
    const icon = c.generating ? '$(loading~spin)' : c.state === 'unreachable' ? '$(debug-disconnect)' : '$(hubot)';
    status.text = `${icon} ${c.model || 'no model'}`;
    const state = c.state === 'connected' ? 'connected' : c.state === 'unreachable' ? 'not reachable' : 'not checked yet';
    status.tooltip = `Pipulate chat: Ollama at ${c.host} is ${state}; model ${c.model || 'none'}. Click to choose the model.`;
    status.backgroundColor = c.state === 'unreachable' ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
  };
  renderStatus(chat.connection());
  status.show();
  context.subscriptions.push(status);

  register('pipulate.selectModel', 'choose the model', async () => {
    const model = await pickModel();
    if (model) await setModel(model);
  });
  register('pipulate.pullModel', 'pull the model', async () => {
    const name = await vscode.window.showInputBox({ title: 'Pull an Ollama model', value: readChatSettings().model, placeHolder: 'Model name, e.g. llama3.2' });
    if (name?.trim()) await pullModel(name.trim());
  });
  register('pipulate.clearConversation', 'clear the conversation', () => asking.clearConversation(vscodeDialogs, tasks, chat));
  register('pipulate.stopGenerating', 'stop the reply', () => chat.stop(tasks.activeProfileId));
  register('pipulate.focusChat', 'focus the Chat view', async () => {
    await vscode.commands.executeCommand('pipulate.chat.focus');
    events.emit({ kind: 'focus/input', view: 'chat' });
  });
  register('pipulate.openSettings', 'open the settings', () => vscode.commands.executeCommand('workbench.action.openSettings', '@ext:pipulate.pipulate'));
  register('pipulate.checkConnection', 'check the connection', () => chat.checkConnection());

  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('pipulate.ollama') || e.affectsConfiguration('pipulate.chat')) void chat.checkConnection();
    }),
  );
  void chat.checkConnection().catch((err) => log.error(`connection check failed: ${err}`));

  const off = events.on((n) => {
    if (n.kind === 'chat/connection') renderStatus(n.connection);
  });
  context.subscriptions.push({ dispose: off });

  return { pickModel, setModel, pullModel };
}
