/**
 * The user's data as theirs to keep: Back Up Now, Restore from Backup, Import Data,
 * Search, and Export Conversation as Markdown. A thin layer: the work is in src/backup/,
 * src/search/ and src/export/, free of the `vscode` module.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import * as l10n from '@vscode/l10n';
import * as vscode from 'vscode';
import { Backups, defaultBackupFolder, type BackupEntry } from './backup/backups';
import type { DataSummary } from './backup/dataFile';
import { replaceData } from './backup/restore';
import type { Core } from './core';
import type { Register } from './commandRunner';
import { conversationMarkdown } from './export/conversationMarkdown';
import { Search, type SearchHit } from './search/searchIndex';

/** `pipulate.backup.folder`, or `~/.pipulate/backups/<workspace name>-<hash of its location>`. */
export function backupFolder(): string {
  const configured = vscode.workspace.getConfiguration('pipulate.backup').get<string>('folder')?.trim();
  if (configured) return configured.replace(/^~(?=$|[\\/])/, os.homedir());
  const where = vscode.workspace.workspaceFile ?? vscode.workspace.workspaceFolders?.[0]?.uri;
  return defaultBackupFolder(os.homedir(), vscode.workspace.name ?? 'no-folder', where?.toString() ?? 'no-folder');
}

export function backupKeep(): number {
  return vscode.workspace.getConfiguration('pipulate.backup').get<number>('keep') ?? 14;
}

function holds(s: DataSummary): string {
  return l10n.t('{0} profiles, {1} todos, {2} messages, {3} workflow runs', s.profiles, s.todos, s.messages, s.runs);
}

export function registerDataCommands(deps: { core: Core; backups: Backups; register: Register; log: vscode.LogOutputChannel }): void {
  const { core, backups, register } = deps;
  const { tasks, events } = core;
  const search = new Search(core.store.db);

  /** Replaces the data with `file`'s, saying what came in and where the data as it was went. */
  const takeIn = async (file: string, what: string) => {
    const { summary, before } = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: l10n.t('Pipulate: taking in {0}…', what) }, () =>
      replaceData(core, backups, file, path.basename(file)),
    );
    const reveal = l10n.t('Reveal the Copy');
    const choice = await vscode.window.showInformationMessage(
      l10n.t('Pipulate now holds {0} from {1}. The data as it was before is kept in {2}.', holds(summary), what, before.file),
      reveal,
    );
    if (choice === reveal) await vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(before.file));
  };

  register('pipulate.backUpNow', (why) => l10n.t('Pipulate could not back up its data: {0}', why), async () => {
    const entry = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: l10n.t('Pipulate: backing up…') }, () => backups.backUp());
    const reveal = l10n.t('Reveal the Backup');
    const choice = await vscode.window.showInformationMessage(l10n.t('Pipulate backed up {0} to {1}.', entry.summary ? holds(entry.summary) : '', entry.file), reveal);
    if (choice === reveal) await vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(entry.file));
  });

  register('pipulate.restoreFromBackup', (why) => l10n.t('Pipulate could not restore the backup: {0}', why), async () => {
    const entries = await backups.list();
    if (entries.length === 0) {
      void vscode.window.showInformationMessage(l10n.t('Pipulate has no backups of this workspace yet in {0}.', backups.folder()));
      return;
    }
    const picked = await vscode.window.showQuickPick(
      entries.map((e) => ({ label: describeDate(e), description: e.kind === 'before-restore' ? l10n.t('kept before a restore') : undefined, detail: e.summary ? holds(e.summary) : l10n.t('contents unknown'), entry: e })),
      { title: l10n.t('Restore Pipulate Data from a Backup'), placeHolder: l10n.t('The data as it is now is backed up first.'), matchOnDetail: true },
    );
    if (picked) await takeIn(picked.entry.file, l10n.t('the backup of {0}', picked.label));
  });

  register('pipulate.importData', (why) => l10n.t('Pipulate could not import the data: {0}', why), async () => {
    const [file] =
      (await vscode.window.showOpenDialog({
        title: l10n.t('Import Pipulate Data (a file Export Data wrote)'),
        canSelectMany: false,
        filters: { [l10n.t('SQLite database')]: ['db', 'sqlite'] },
      })) ?? [];
    if (file) await takeIn(file.fsPath, path.basename(file.fsPath));
  });

  register('pipulate.search', (why) => l10n.t('Pipulate could not search: {0}', why), async () => {
    const hit = await pickHit(search);
    if (!hit) return;
    if (hit.profileId !== tasks.activeProfileId) await tasks.switchProfile(hit.profileId);
    if (hit.kind === 'todo') {
      await vscode.commands.executeCommand('pipulate.tasks.focus');
      events.emit({ kind: 'todo/reveal', id: hit.id });
    } else if (hit.kind === 'message') {
      await vscode.commands.executeCommand('pipulate.chat.focus');
      events.emit({ kind: 'chat/reveal', profileId: hit.profileId, id: hit.id });
    } else {
      // The run panel, as the Workflows view opens it (its tree node: the workflow and the run's key).
      await vscode.commands.executeCommand('pipulate.openWorkflowRun', { kind: 'run', workflow: hit.workflow, run: { key: hit.key } });
    }
  });

  register('pipulate.exportConversation', (why) => l10n.t('Pipulate could not export the conversation: {0}', why), async () => {
    const profile = tasks.activeProfile();
    const rows = core.store.messages.rows({ where: { profile_id: profile.id }, orderBy: 'id' });
    const content = conversationMarkdown(profile.name, rows, (ms) => new Date(ms).toLocaleString(vscode.env.language), Date.now());
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument({ language: 'markdown', content }));
  });
}

function describeDate(e: BackupEntry): string {
  const date = e.written.toLocaleDateString(vscode.env.language, { weekday: 'short', year: 'numeric', month: 'short', day: 'numeric' });
  return `${date}, ${e.written.toLocaleTimeString(vscode.env.language, { hour: '2-digit', minute: '2-digit' })}`;
}

const ICONS = { todo: '$(checklist)', message: '$(comment)', run: '$(list-ordered)' } as const;

/** Where a hit is (its profile, and what it is there) and, for a message or a run, when. */
function describeHit(hit: SearchHit): { description: string; detail?: string } {
  const when = (ms: number) => new Date(ms).toLocaleString(vscode.env.language);
  if (hit.kind === 'todo') return { description: hit.done ? l10n.t('{0} · done', hit.profileName) : hit.profileName };
  if (hit.kind === 'message') return { description: l10n.t('{0} · conversation', hit.profileName), detail: `${hit.role} · ${when(hit.created)}` };
  return { description: l10n.t('{0} · workflow run', hit.profileName), detail: l10n.t('{0} · run “{1}” · {2}', hit.workflow, hit.key, when(hit.updated)) };
}

/** A quick pick whose items are searched for as the user types (VS Code's own filter is kept out by alwaysShow). */
function pickHit(search: Search): Promise<SearchHit | undefined> {
  type Item = vscode.QuickPickItem & { hit?: SearchHit };
  const pick = vscode.window.createQuickPick<Item>();
  pick.title = l10n.t('Search Pipulate');
  pick.placeholder = l10n.t('Words to find in the todos, conversations and workflow runs of every profile');
  pick.matchOnDescription = false;
  pick.matchOnDetail = false;
  const update = (typed: string) => {
    const hits = search.find(typed);
    pick.items = hits.length
      ? hits.map((hit) => ({
          label: `${ICONS[hit.kind]} ${hit.snippet.replace(/\$\(/g, '$\u200b(')}`,
          ...describeHit(hit),
          alwaysShow: true,
          hit,
        }))
      : typed.trim()
        ? [{ label: l10n.t('Nothing found'), alwaysShow: true }]
        : [];
  };
  return new Promise((resolve) => {
    pick.onDidChangeValue(update);
    pick.onDidAccept(() => {
      const hit = pick.selectedItems[0]?.hit;
      if (!hit) return;
      resolve(hit);
      pick.hide();
    });
    pick.onDidHide(() => {
      resolve(undefined);
      pick.dispose();
    });
    pick.show();
  });
}
