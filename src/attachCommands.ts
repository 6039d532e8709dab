/**
 * "Pipulate: Add Selection to Chat" and "Add File to Chat": what the user chooses to show
 * the model, attached to the next message (src/chat/attachments.ts keeps it and writes it
 * for the model). The thin VS Code side: which text, from where, in which language. And
 * "Apply to file" (src/chat/applyCode.ts says what the file would become): shown in VS Code's diff editor.
 */
import * as l10n from '@vscode/l10n';
import * as vscode from 'vscode';
import type { ChatService } from './chat/chatService';
import type { TasksService } from './tasks/tasksService';
import type { Attachment } from './chat/attachments';
import type { Register } from './commandRunner';
import { UserError } from './errors';
import { fileRefOf, linkOfSelection, uriOf } from './linkCommands';
import type { FileRef } from './tasks/links';

/** The scheme of the diff's left side: the file as it was before the proposal, read-only. */
const BEFORE_SCHEME = 'pipulate-before';

/**
 * "Apply to file" in a diff: on the left the file as it was (read-only), on the right the
 * file itself with the proposal in its editor, unsaved. Nothing is written: the user
 * reviews, may edit further, and saves (or undoes, or closes without saving).
 */
export function diffProposals(context: vscode.ExtensionContext): (file: FileRef, base: string, proposed: string) => Promise<void> {
  const before = new Map<string, string>();
  let next = 0;
  context.subscriptions.push(vscode.workspace.registerTextDocumentContentProvider(BEFORE_SCHEME, { provideTextDocumentContent: (uri) => before.get(uri.query) }));
  return async (file, base, proposed) => {
    const uri = uriOf(file);
    if (!uri) throw new UserError(l10n.t('The file {0} is not in the workspace any more.', file.path));
    const doc = await vscode.workspace.openTextDocument(uri);
    if (doc.getText() !== base) throw new UserError(l10n.t('{0} changed meanwhile: apply the code again.', file.path));
    const key = String(++next);
    before.set(key, base);
    const left = uri.with({ scheme: BEFORE_SCHEME, query: key });
    const edit = new vscode.WorkspaceEdit();
    edit.replace(uri, new vscode.Range(doc.positionAt(0), doc.positionAt(base.length)), proposed);
    if (!(await vscode.workspace.applyEdit(edit))) throw new UserError(l10n.t('{0} could not be changed in the editor.', file.path));
    const name = file.path.slice(file.path.lastIndexOf('/') + 1);
    await vscode.commands.executeCommand('vscode.diff', left, uri, l10n.t('{0}: the proposed code (unsaved: save to keep it)', name), { preview: false });
  };
}

export function registerAttachCommands(deps: { chat: ChatService; tasks: TasksService; register: Register }): void {
  const { chat, tasks, register } = deps;
  const attach = async (a: Attachment) => {
    chat.attachments.add(tasks.activeProfileId, a);
    await vscode.commands.executeCommand('pipulate.chat.focus');
  };

  register('pipulate.addSelectionToChat', (why) => l10n.t('Pipulate could not attach the selection: {0}', why), async () => {
    const editor = vscode.window.activeTextEditor;
    if (!editor) throw new UserError(l10n.t('Open a file and select what the model should see.'));
    const { folder, path, start, end, anchor } = linkOfSelection(editor);
    await attach({ folder, path, start, end, language: editor.document.languageId, text: anchor });
  });

  register('pipulate.addFileToChat', (why) => l10n.t('Pipulate could not attach the file: {0}', why), async (uri?: vscode.Uri) => {
    const target = uri instanceof vscode.Uri ? uri : vscode.window.activeTextEditor?.document.uri;
    if (!target) throw new UserError(l10n.t('Open the file, or choose it in the explorer, to attach it.'));
    let doc: vscode.TextDocument;
    try {
      doc = await vscode.workspace.openTextDocument(target);
    } catch {
      throw new UserError(l10n.t('{0} is not a text file.', vscode.workspace.asRelativePath(target)));
    }
    await attach({ ...fileRefOf(target), language: doc.languageId, text: doc.getText() });
  });
}
