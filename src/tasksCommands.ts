/** Command palette actions and the status bar item for profiles and todos. */
import * as os from 'node:os';
import * as l10n from '@vscode/l10n';
import * as vscode from 'vscode';
import type { Database } from './store/database';
import type { TasksService } from './tasks/tasksService';
import type { UserUndo } from './tools/toolbox';
import type { Events } from './core';
import type { Register } from './commandRunner';
import * as asking from './panel/askingActions';
import { vscodeDialogs } from './panel/vscodeUi';

export function registerTasksCommands(
  context: vscode.ExtensionContext,
  deps: { tasks: TasksService; undo: UserUndo; db: Database; dataDir: string; events: Events; register: Register },
): void {
  const { tasks, undo, db, dataDir, events, register } = deps;

  const pickProfile = async (placeHolder: string) => {
    const active = tasks.activeProfileId;
    const picked = await vscode.window.showQuickPick(
      tasks.profileList().map((p) => ({ label: p.name, description: p.id === active ? l10n.t('active') : undefined, id: p.id })),
      { placeHolder },
    );
    return picked?.id;
  };

  const status = vscode.window.createStatusBarItem('pipulate.profile', vscode.StatusBarAlignment.Left, 50);
  status.name = l10n.t('Pipulate Profile');
  status.command = 'pipulate.switchProfile';
  const refreshStatus = () => {
    const profile = tasks.activeProfile();
    const { open } = tasks.counts();
    status.text = `$(checklist) ${profile.name.replace(/\$\(/g, '$\u200b(')}`;
    status.tooltip =
      open === 1
        ? l10n.t('Pipulate profile “{0}”: 1 open todo. Click to switch profile.', profile.name)
        : l10n.t('Pipulate profile “{0}”: {1} open todos. Click to switch profile.', profile.name, open);
    status.accessibilityInformation = {
      label:
        open === 1
          ? l10n.t('Pipulate profile {0}, 1 open todo. Switch profile.', profile.name)
          : l10n.t('Pipulate profile {0}, {1} open todos. Switch profile.', profile.name, open),
    };
  };
  refreshStatus();
  status.show();
  context.subscriptions.push(status);

  register(
    'pipulate.addTodo',
    (why) => l10n.t('Pipulate could not add the todo: {0}', why),
    async () => {
      const title = await vscode.window.showInputBox({
        title: l10n.t('Add a todo to “{0}”', tasks.activeProfile().name),
        placeHolder: l10n.t('What needs doing?'),
        validateInput: (text) => (text.trim() ? undefined : l10n.t('Type a title, or press Escape to cancel.')),
      });
      if (title !== undefined) await tasks.addTodo(title);
    },
  );
  register(
    'pipulate.switchProfile',
    (why) => l10n.t('Pipulate could not switch profile: {0}', why),
    async () => {
      const id = await pickProfile(l10n.t('Switch to profile'));
      if (id !== undefined) await tasks.switchProfile(id);
    },
  );
  register(
    'pipulate.newProfile',
    (why) => l10n.t('Pipulate could not create the profile: {0}', why),
    () => asking.addProfile(vscodeDialogs, tasks),
  );
  register(
    'pipulate.renameProfile',
    (why) => l10n.t('Pipulate could not rename the profile: {0}', why),
    () => asking.renameProfile(vscodeDialogs, tasks, tasks.activeProfileId),
  );
  register(
    'pipulate.deleteProfile',
    (why) => l10n.t('Pipulate could not delete the profile: {0}', why),
    async () => {
      const id = await pickProfile(l10n.t('Delete which profile? Its todos and conversation go with it.'));
      if (id !== undefined) await asking.deleteProfile(vscodeDialogs, tasks, id);
    },
  );
  register(
    'pipulate.clearCompleted',
    (why) => l10n.t('Pipulate could not clear completed todos: {0}', why),
    async () => {
      const n = await undo.clearCompleted();
      const said =
        n === 0
          ? l10n.t('Pipulate: no completed todos')
          : n === 1
            ? l10n.t('Pipulate: cleared 1 completed todo')
            : l10n.t('Pipulate: cleared {0} completed todos', n);
      void vscode.window.setStatusBarMessage(said, 3000);
    },
  );
  register('pipulate.undo', (why) => l10n.t('Pipulate could not undo: {0}', why), async () => {
    if (!(await undo.undo())) void vscode.window.showInformationMessage(l10n.t('No delete or clear of yours is left to undo in this profile.'));
  });
  register('pipulate.focusTasks', (why) => l10n.t('Pipulate could not focus the Tasks view: {0}', why), async () => {
    await vscode.commands.executeCommand('pipulate.tasks.focus');
    events.emit({ kind: 'focus/input', view: 'tasks' });
  });
  register(
    'pipulate.exportData',
    (why) => l10n.t('Pipulate could not export the data: {0}', why),
    async () => {
      const target = await vscode.window.showSaveDialog({
        title: l10n.t('Export Pipulate Data'),
        defaultUri: vscode.Uri.joinPath(
          vscode.workspace.workspaceFolders?.[0]?.uri ?? vscode.Uri.file(os.homedir()),
          `pipulate-${new Date().toISOString().slice(0, 10)}.db`,
        ),
        filters: { [l10n.t('SQLite database')]: ['db', 'sqlite'] },
      });
      if (!target) return;
      await db.sync();
      // A consistent copy: sql.js exports the whole database as of this moment.
      await vscode.workspace.fs.writeFile(target, db.export());
      void vscode.window.showInformationMessage(l10n.t('Pipulate data exported to {0}.', target.fsPath));
    },
  );
  register(
    'pipulate.revealDataFolder',
    (why) => l10n.t('Pipulate could not reveal the data folder: {0}', why),
    async () => {
      if (vscode.env.remoteName === undefined) {
        await vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(db.snapshotPath));
        return;
      }
      // The folder is on the remote machine, where the OS file manager cannot open it.
      const copy = l10n.t('Copy Path');
      if ((await vscode.window.showInformationMessage(l10n.t('Pipulate keeps its data in {0}', dataDir), copy)) === copy) {
        await vscode.env.clipboard.writeText(dataDir);
      }
    },
  );

  const off = events.on((n) => {
    if (n.kind === 'tasks/reset' || n.kind === 'profiles/changed' || n.kind.startsWith('todo/')) refreshStatus();
  });
  context.subscriptions.push({ dispose: off });
}
