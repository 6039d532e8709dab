/**
 * The editor's side of todos that point at code: "Add Selection as Todo", the editor as
 * the links see it (EditorPort), links that follow saves and renames, and the gutter mark
 * on lines with open todos. The logic is in src/tasks/links.ts and anchor.ts; this is the
 * thin VS Code adapter around it.
 */
import * as l10n from '@vscode/l10n';
import * as vscode from 'vscode';
import type { TasksService } from './tasks/tasksService';
import type { EditorPort, FileRef, TodoLinks } from './tasks/links';
import { relocate, type CodeLink } from './tasks/anchor';
import type { Events } from './core';
import type { Register } from './commandRunner';
import { cutText } from './text';

/** A file as the links name it: its workspace folder's name and the path in it; outside any folder, '' and its absolute path. */
export function fileRefOf(uri: vscode.Uri): FileRef {
  const folder = vscode.workspace.getWorkspaceFolder(uri);
  if (!folder) return { folder: '', path: uri.path };
  return { folder: folder.name, path: vscode.workspace.asRelativePath(uri, false) };
}

export function uriOf(file: FileRef): vscode.Uri | undefined {
  if (!file.folder) return file.path.startsWith('/') ? vscode.Uri.file(file.path) : undefined;
  const folder = vscode.workspace.workspaceFolders?.find((f) => f.name === file.folder);
  return folder && vscode.Uri.joinPath(folder.uri, ...file.path.split('/'));
}

/** The lines of a selection (the cursor's line when nothing is selected) and the text there, as a link. */
export function linkOfSelection(editor: vscode.TextEditor): CodeLink {
  const { document, selection } = editor;
  const whole = selection.isEmpty ? document.lineAt(selection.active.line).range : selection;
  // A selection ending at the start of a line (a whole-line selection) ends on the line before.
  const end = whole.end.character === 0 && whole.end.line > whole.start.line ? whole.end.line - 1 : whole.end.line;
  return { ...fileRefOf(document.uri), start: whole.start.line, end, anchor: document.getText(whole) };
}

export const vscodeEditor: EditorPort = {
  async read(file) {
    const uri = uriOf(file);
    if (!uri) return undefined;
    try {
      return (await vscode.workspace.openTextDocument(uri)).getText();
    } catch {
      return undefined;
    }
  },
  async reveal(link) {
    const uri = uriOf(link);
    if (!uri) throw new Error(`no workspace folder named ${link.folder}`);
    const doc = await vscode.workspace.openTextDocument(uri);
    const last = Math.min(link.end, doc.lineCount - 1);
    const range = new vscode.Range(Math.min(link.start, last), 0, last, doc.lineAt(last).text.length);
    await vscode.window.showTextDocument(doc, { selection: range, preview: false });
  },
  selection() {
    const editor = vscode.window.activeTextEditor;
    return editor && editor.document.uri.scheme === 'file' ? linkOfSelection(editor) : undefined;
  },
};

export function registerLinkCommands(
  context: vscode.ExtensionContext,
  deps: { tasks: TasksService; links: TodoLinks; events: Events; register: Register; log: vscode.LogOutputChannel },
): void {
  const { tasks, links, events, register, log } = deps;

  register(
    'pipulate.addSelectionAsTodo',
    (why) => l10n.t('Pipulate could not add the todo: {0}', why),
    async () => {
      const editor = vscode.window.activeTextEditor;
      if (!editor) {
        void vscode.window.showInformationMessage(l10n.t('Open a file and select the code the todo is about.'));
        return;
      }
      const link = linkOfSelection(editor);
      const firstLine = link.anchor.split(/\r?\n/).find((l) => l.trim()) ?? '';
      const title = await vscode.window.showInputBox({
        title: l10n.t('Add a todo to “{0}” pointing at {1}:{2}', tasks.activeProfile().name, link.path, link.start + 1),
        value: cutText(firstLine.trim(), 200),
        placeHolder: l10n.t('What needs doing here?'),
        validateInput: (text) => (text.trim() ? undefined : l10n.t('Type a title, or press Escape to cancel.')),
      });
      if (title !== undefined) await tasks.addTodo(title, { link });
    },
  );

  // Links follow the code: on each save of a linked file, and with renames and moves made in VS Code.
  context.subscriptions.push(
    vscode.workspace.onDidSaveTextDocument((doc) => {
      const file = fileRefOf(doc.uri);
      if (links.linkedIn(file).length) links.follow(file, doc.getText()).catch((err: Error) => log.error(`Following links into ${file.path}: ${err.stack ?? err}`));
    }),
    vscode.workspace.onDidRenameFiles((e) => {
      const pairs = e.files.map((f) => ({ from: fileRefOf(f.oldUri), to: fileRefOf(f.newUri) }));
      links.renamed(pairs).catch((err: Error) => log.error(`Moving links with renamed files: ${err.stack ?? err}`));
    }),
  );

  gutterMarks(context, links, events);
}

/** A mark in the gutter of lines with open todos, the todo's title on hover; `pipulate.links.gutter` turns it off. */
function gutterMarks(context: vscode.ExtensionContext, links: TodoLinks, events: Events): void {
  const mark = vscode.window.createTextEditorDecorationType({
    gutterIconPath: vscode.Uri.joinPath(context.extensionUri, 'media', 'todo-gutter.svg'),
    gutterIconSize: '70%',
    overviewRulerColor: new vscode.ThemeColor('editorOverviewRuler.infoForeground'),
    overviewRulerLane: vscode.OverviewRulerLane.Left,
  });
  context.subscriptions.push(mark);
  const paint = (editor: vscode.TextEditor) => {
    const on = vscode.workspace.getConfiguration('pipulate.links').get<boolean>('gutter', true);
    const linked = on ? links.linkedIn(fileRefOf(editor.document.uri), 'open') : [];
    if (!linked.length) return editor.setDecorations(mark, []);
    const text = editor.document.getText();
    const marks: vscode.DecorationOptions[] = [];
    for (const { todo, link } of linked) {
      const now = relocate(link, text); // the live text, unsaved edits too; written on save
      if (now.gone) continue;
      const hover = new vscode.MarkdownString();
      hover.appendText(l10n.t('Pipulate todo: {0}', todo.title));
      // The mark on the first line; the title on hover over the linked lines (the gutter itself shows no hovers).
      const last = Math.min(now.end, editor.document.lineCount - 1);
      marks.push({ range: new vscode.Range(now.start, 0, last, editor.document.lineAt(last).text.length), hoverMessage: hover });
    }
    editor.setDecorations(mark, marks);
  };
  const paintAll = () => vscode.window.visibleTextEditors.forEach(paint);
  let timer: NodeJS.Timeout | undefined;
  const later = () => {
    clearTimeout(timer);
    timer = setTimeout(paintAll, 300);
  };
  paintAll();
  const off = events.on((n) => {
    if (n.kind === 'tasks/reset' || n.kind.startsWith('todo/')) later();
  });
  context.subscriptions.push(
    { dispose: () => (off(), clearTimeout(timer)) },
    vscode.window.onDidChangeVisibleTextEditors(paintAll),
    vscode.workspace.onDidChangeTextDocument((e) => {
      if (vscode.window.visibleTextEditors.some((ed) => ed.document === e.document)) later();
    }),
    vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('pipulate.links.gutter') && paintAll()),
  );
}
