/** Command palette actions and the status bar item for profiles and todos. */
import * as os from 'node:os';
import * as vscode from 'vscode';
import type { Database } from './store/database';
import type { TasksService } from './tasks/tasksService';
import type { Events } from './core';
import type { Register } from './commandRunner';
import * as asking from './panel/askingActions';
import { vscodeDialogs } from './panel/vscodeUi';

export function registerTasksCommands(
  context: vscode.ExtensionContext,
  deps: { tasks: TasksService; db: Database; dataDir: string; log: vscode.LogOutputChannel; events: Events; register: Register },
): void {
  const { tasks, db, dataDir, log, events, register } = deps;

  const pickProfile = async (placeHolder: string) => {
    const active = tasks.activeProfileId;
    const picked = await vscode.window.showQuickPick(
      tasks.profileList().map((p) => ({ label: p.name, description: p.id === active ? 'active' : undefined, id: p.id })),
      { placeHolder },
    );
    return picked?.id;
  };

  const status = vscode.window.createStatusBarItem('pipulate.profile', vscode.StatusBarAlignment.Left, 50);
  status.name = 'Pipulate Profile';
  status.command = 'pipulate.switchProfile';
  const refreshStatus = () => {
    const profile = tasks.activeProfile();
    const { open } = tasks.counts();
    status.text = `$(checklist) ${profile.name.replace(/\$\(/g, '$\u200b(')}`;
    status.tooltip = `Pipulate profile “${profile.name}”: ${open} open todo${open === 1 ? '' : 's'}. Click to switch profile.`;
    status.accessibilityInformation = { label: `Pipulate profile ${profile.name}, ${open} open todos. Switch profile.` };
  };
  refreshStatus();
  status.show();
  context.subscriptions.push(status);

  register(
    'pipulate.addTodo',
    'add the todo',
    async () => {
      const title = await vscode.window.showInputBox({
        title: `Add a todo to “${tasks.activeProfile().name}”`,
        placeHolder: 'What needs doing?',
        validateInput: (text) => (text.trim() ? undefined : 'Type a title, or press Escape to cancel.'),
      });
      if (title !== undefined) await tasks.addTodo(title);
    },
  );
  register(
    'pipulate.switchProfile',
    'switch profile',
    async () => {
      const id = await pickProfile('Switch to profile');
      if (id !== undefined) await tasks.switchProfile(id);
    },
  );
  register(
    'pipulate.newProfile',
    'create the profile',
    () => asking.addProfile(vscodeDialogs, tasks),
  );
  register(
    'pipulate.renameProfile',
    'rename the profile',
    () => asking.renameProfile(vscodeDialogs, tasks, tasks.activeProfileId),
  );
  register(
    'pipulate.deleteProfile',
    'delete the profile',
    async () => {
      const id = await pickProfile('Delete which profile? Its todos and conversation go with it.');
      if (id !== undefined) await asking.deleteProfile(vscodeDialogs, tasks, id);
    },
  );
  register(
    'pipulate.clearCompleted',
    'clear completed todos',
    async () => {
      const n = await tasks.clearCompleted();
      void vscode.window.setStatusBarMessage(n ? `Pipulate: cleared ${n} completed todo${n === 1 ? '' : 's'}` : 'Pipulate: no completed todos', 3000);
    },
  );
  register('pipulate.focusTasks', 'focus the Tasks view', async () => {
    await vscode.commands.executeCommand('pipulate.tasks.focus');
    events.emit({ kind: 'focus/input', view: 'tasks' });
  });
  register(
    'pipulate.exportData',
    'export the data',
    async () => {
      const target = await vscode.window.showSaveDialog({
        title: 'Export Pipulate Data',
        defaultUri: vscode.Uri.joinPath(
          vscode.workspace.workspaceFolders?.[0]?.uri ?? vscode.Uri.file(os.homedir()),
          `pipulate-${new Date().toISOString().slice(0, 10)}.db`,
        ),
        filters: { 'SQLite database': ['db', 'sqlite'] },
      });
      if (!target) return;
      await db.sync();
      // A consistent copy: sql.js exports the whole database as of this moment.
      await vscode.workspace.fs.writeFile(target, db.export());
      void vscode.window.showInformationMessage(`Pipulate data exported to ${target.fsPath}.`);
    },
  );
  register(
    'pipulate.revealDataFolder',
    'reveal the data folder',
    async () => {
      if (vscode.env.remoteName === undefined) {
        await vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(db.snapshotPath));
        return;
      }
      // The folder is on the remote machine, where the OS file manager cannot open it.
      const copy = 'Copy Path';
      if ((await vscode.window.showInformationMessage(`Pipulate keeps its data in ${dataDir}`, copy)) === copy) {
        await vscode.env.clipboard.writeText(dataDir);
      }
    },
  );
  register('pipulate.showLog', 'show the log', () => log.show());

  const off = events.on((n) => {
    if (n.kind === 'tasks/reset' || n.kind === 'profiles/changed' || n.kind.startsWith('todo/')) refreshStatus();
  });
  context.subscriptions.push({ dispose: off });
}
