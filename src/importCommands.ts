/**
 * "Pipulate: Import TODO Comments": lists the workspace's files as VS Code's search would
 * (files.exclude and search.exclude through findFiles' exclude glob, .gitignore through
 * src/tasks/todoComments.ts), scans them with cancellable progress, lets the user choose
 * in a quick pick and adds the chosen as todos linked to their lines. Comments some todo
 * already points at are not offered again.
 */
import * as l10n from '@vscode/l10n';
import * as vscode from 'vscode';
import type { TasksService } from './tasks/tasksService';
import type { TodoLinks } from './tasks/links';
import { GitIgnores, keptPaths, scanFiles, wordsPattern, type TodoComment } from './tasks/todoComments';
import type { Register } from './commandRunner';
import { cutText } from './text';
import { UserError } from './errors';

/** The globs that are on in files.exclude and search.exclude (`when` clauses are taken as on). */
function excludeGlob(folder: vscode.WorkspaceFolder): string | undefined {
  const globs = new Set<string>();
  for (const section of ['files', 'search']) {
    const map = vscode.workspace.getConfiguration(section, folder.uri).get<Record<string, boolean | object>>('exclude') ?? {};
    for (const [glob, on] of Object.entries(map)) if (on) globs.add(glob.replace(/[{},]/g, '\\$&'));
  }
  return globs.size ? `{${[...globs].join(',')}}` : undefined;
}

interface Found extends TodoComment {
  folder: vscode.WorkspaceFolder;
}

async function findComments(words: RegExp, progress: vscode.Progress<{ message?: string; increment?: number }>, token: vscode.CancellationToken): Promise<Found[]> {
  const found: Found[] = [];
  for (const folder of vscode.workspace.workspaceFolders ?? []) {
    const exclude = excludeGlob(folder);
    const uris = await vscode.workspace.findFiles(new vscode.RelativePattern(folder, '**/*'), exclude ?? null, undefined, token);
    const ignores = new GitIgnores();
    const rel = (uri: vscode.Uri) => vscode.workspace.asRelativePath(uri, false);
    for (const uri of uris.filter((u) => u.path.endsWith('/.gitignore'))) {
      ignores.add(rel(uri), new TextDecoder().decode(await vscode.workspace.fs.readFile(uri)));
    }
    const paths = (await keptPaths(uris, rel, ignores)).sort();
    let reported = 0;
    const comments = await scanFiles(paths, {
      words,
      read: async (p) => vscode.workspace.fs.readFile(vscode.Uri.joinPath(folder.uri, ...p.split('/'))),
      isCancelled: () => token.isCancellationRequested,
      onProgress: (done, total) => {
        const percent = Math.floor((done / Math.max(total, 1)) * 100);
        progress.report({ message: l10n.t('{0} of {1} files in {2}', done, total, folder.name), increment: percent - reported });
        reported = percent;
      },
    });
    found.push(...comments.map((c) => ({ ...c, folder })));
    if (token.isCancellationRequested) break;
  }
  return found;
}

export function registerImportCommands(deps: { tasks: TasksService; links: TodoLinks; register: Register }): void {
  const { tasks, links, register } = deps;
  register(
    'pipulate.importTodoComments',
    (why) => l10n.t('Pipulate could not import TODO comments: {0}', why),
    async () => {
      if (!vscode.workspace.workspaceFolders?.length) throw new UserError(l10n.t('Open a folder to import its TODO comments.'));
      const setting = vscode.workspace.getConfiguration('pipulate.todoComments').get<string[]>('words', ['TODO', 'FIXME', 'HACK']);
      let words: RegExp;
      try {
        words = wordsPattern(setting);
      } catch {
        throw new UserError(l10n.t('The setting pipulate.todoComments.words names no word to look for.'));
      }
      const found = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: l10n.t('Pipulate: looking for TODO comments'), cancellable: true },
        (progress, token) => findComments(words, progress, token),
      );
      const candidates = found.map((c) => ({ ...c, folder: c.folder.name, anchor: c.lineText }));
      const fresh = links.notLinkedYet(candidates);
      if (!fresh.length) {
        const message = found.length
          ? l10n.t('Every TODO comment found ({0}) is a todo already.', found.length)
          : l10n.t('No TODO comments found.');
        void vscode.window.showInformationMessage(message);
        return;
      }
      const multiRoot = (vscode.workspace.workspaceFolders?.length ?? 0) > 1;
      const picked = await vscode.window.showQuickPick(
        fresh.map((c) => ({
          label: cutText(c.text || c.lineText.trim(), 200),
          description: `${multiRoot ? `${c.folder}: ` : ''}${c.path}:${c.line + 1}`,
          detail: c.word,
          comment: c,
          picked: true,
        })),
        {
          title: l10n.t('Import TODO comments as todos into “{0}”', tasks.activeProfile().name),
          placeHolder: l10n.t('{0} found ({1} already todos). Choose the ones to add.', fresh.length, found.length - fresh.length),
          canPickMany: true,
          matchOnDescription: true,
        },
      );
      if (!picked?.length) return;
      // One transaction and one note to the model, however many were picked.
      await links.addAll(
        picked.map(({ comment: c }) => ({
          title: cutText(c.text ? `${c.word}: ${c.text}` : l10n.t('{0} in {1}', c.word, c.path), 2000),
          link: { folder: c.folder, path: c.path, start: c.line, end: c.line, anchor: c.lineText },
        })),
      );
      void vscode.window.setStatusBarMessage(
        picked.length === 1 ? l10n.t('Pipulate: added 1 todo') : l10n.t('Pipulate: added {0} todos', picked.length),
        3000,
      );
    },
  );
}
