/** Command palette actions and the status bar item for profiles and todos. */
import * as os from 'node:os';
import * as vscode from 'vscode';
import type { Database } from './store/database';
import type { TasksService } from './tasks/tasksService';
import type { Notification } from './protocol';
import * as asking from './panel/askingActions';
import { vscodeDialogs } from './panel/vscodeUi';

export function registerTasksCommands(
  context: vscode.ExtensionContext,
  deps: { tasks: TasksService; db: Database; dataDir: string; log: vscode.LogOutputChannel; emit: (n: Notification) => void },
): { onNotification: (n: Notification) => void } {
  const { tasks, db, dataDir, log, emit } = deps;

  /** Runs a command body; a failure becomes an error message instead of a silent rejection. */
  const guarded =
    <A extends unknown[]>(what: string, fn: (...args: A) => Promise<unknown>) =>
    async (...args: A) => {
      try {
        await fn(...args);
      } catch (err) {
        log.error(`${what}: ${(err as Error).stack ?? err}`);
        void vscode.window.showErrorMessage(`Pipulate could not ${what}: ${(err as Error).message}`);
      }
    };

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

  const register = (id: string, fn: (...args: never[]) => unknown) => context.subscriptions.push(vscode.commands.registerCommand(id, fn));

  register(
    'pipulate.addTodo',
    guarded('add the todo', async () => {
      const title = await vscode.window.showInputBox({
        title: `Add a todo to “${tasks.activeProfile().name}”`,
        placeHolder: 'What needs doing?',
        validateInput: (text) => (text.trim() ? undefined : 'Type a title, or press Escape to cancel.'),
      });
      if (title !== undefined) await tasks.addTodo(title);
    }),
  );
  register(
    'pipulate.switchProfile',
    guarded('switch profile', async () => {
      const id = await pickProfile('Switch to profile');
      if (id !== undefined) await tasks.switchProfile(id);
    }),
  );
  register(
    'pipulate.newProfile',
    guarded('create the profile', () => asking.addProfile(vscodeDialogs, tasks)),
  );
  register(
    'pipulate.renameProfile',
    guarded('rename the profile', () => asking.renameProfile(vscodeDialogs, tasks, tasks.activeProfileId)),
  );
  register(
    'pipulate.deleteProfile',
    guarded('delete the profile', async () => {
      const id = await pickProfile('Delete which profile? Its todos and conversation go with it.');
      if (id !== undefined) await asking.deleteProfile(vscodeDialogs, tasks, id);
    }),
  );
  register(
    'pipulate.clearCompleted',
    guarded('clear completed todos', async () => {
      const n = await tasks.clearCompleted();
      void vscode.window.setStatusBarMessage(n ? `Pipulate: cleared ${n} completed todo${n === 1 ? '' : 's'}` : 'Pipulate: no completed todos', 3000);
    }),
  );
  register('pipulate.focusTasks', async () => {
    await vscode.commands.executeCommand('pipulate.tasks.focus');
    emit({ kind: 'focus/input', view: 'tasks' });
  });
  register(
    'pipulate.exportData',
    guarded('export the data', async () => {
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
    }),
  );
  register(
    'pipulate.revealDataFolder',
    guarded('reveal the data folder', async () => {
      if (vscode.env.remoteName === undefined) {
        await vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(db.snapshotPath));
        return;
      }
      // The folder is on the remote machine, where the OS file manager cannot open it.
      const copy = 'Copy Path';
      if ((await vscode.window.showInformationMessage(`Pipulate keeps its data in ${dataDir}`, copy)) === copy) {
        await vscode.env.clipboard.writeText(dataDir);
      }
    }),
  );
  register('pipulate.showLog', () => log.show());

  return {
    onNotification: (n) => {
      if (n.kind === 'tasks/reset' || n.kind === 'profiles/changed' || n.kind.startsWith('todo/')) refreshStatus();
    },
  };
}
