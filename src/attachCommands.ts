/**
 * "Pipulate: Add Selection to Chat" and "Add File to Chat": what the user chooses to show
 * the model, attached to the next message (src/chat/attachments.ts keeps it and writes it
 * for the model). The thin VS Code side: which text, from where, in which language.
 */
import * as l10n from '@vscode/l10n';
import * as vscode from 'vscode';
import type { ChatService } from './chat/chatService';
import type { TasksService } from './tasks/tasksService';
import type { Attachment } from './chat/attachments';
import type { Register } from './commandRunner';
import { UserError } from './errors';
import { fileRefOf, linkOfSelection } from './linkCommands';

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
