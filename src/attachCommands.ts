/**
 * "Pipulate: Add Selection to Chat" and "Add File to Chat": what the user chooses to show
 * the model, attached to the next message (src/chat/attachments.ts keeps it and writes it
 * for the model). The thin VS Code side: which text, from where, in which language. And
 * "Apply to file" (src/chat/applyCode.ts says what the file would become): shown in VS Code's diff editor, taken by a command.
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

/** The scheme of the diff's right side: the code proposed, read-only, never a file on disk. */
const PROPOSAL_SCHEME = 'pipulate-proposal';

/**
 * "Apply to file" in a diff: on the left the file itself, on the right the file as the
 * proposal would make it (read-only, in memory). Nothing is written, whatever the user's
 * auto save: the user reviews, and takes it with "Apply the Proposed Code to the File" in
 * the diff's title bar (the file's editor gets it; saving is then the user's, as ever).
 */
export class Proposals {
  private readonly shown = new Map<string, { file: vscode.Uri; base: string; text: string }>();
  private next = 0;

  constructor(context: vscode.ExtensionContext) {
    context.subscriptions.push(vscode.workspace.registerTextDocumentContentProvider(PROPOSAL_SCHEME, { provideTextDocumentContent: (uri) => this.shown.get(uri.query)?.text }));
  }

  /** Opens the diff of `file` (whose text was `base`) against `text`. */
  async show(file: FileRef, base: string, text: string): Promise<void> {
    const uri = uriOf(file);
    if (!uri) throw new UserError(l10n.t('The file {0} is not in the workspace any more.', file.path));
    const key = String(++this.next);
    this.shown.set(key, { file: uri, base, text });
    // The same path, so the proposal is highlighted as the file's language.
    const right = vscode.Uri.from({ scheme: PROPOSAL_SCHEME, path: uri.path, query: key });
    const name = file.path.slice(file.path.lastIndexOf('/') + 1);
    await vscode.commands.executeCommand('vscode.diff', uri, right, l10n.t('{0} ↔ the proposed code (Apply in the title bar takes it)', name), { preview: false });
  }

  /** Puts the proposal shown in the active diff into its file's editor; refused when the file changed since. */
  async apply(): Promise<void> {
    const active = vscode.window.activeTextEditor?.document.uri;
    const proposal = active?.scheme === PROPOSAL_SCHEME ? this.shown.get(active.query) : undefined;
    if (!proposal) throw new UserError(l10n.t('Open a proposed change first: Apply to file on a code block in the chat.'));
    const doc = await vscode.workspace.openTextDocument(proposal.file);
    const name = vscode.workspace.asRelativePath(proposal.file, false);
    if (doc.getText() !== proposal.base) throw new UserError(l10n.t('{0} changed since the code was proposed: apply it again from the chat.', name));
    const editor = await vscode.window.showTextDocument(doc, { preview: false });
    const changed = await editor.edit((e) => e.replace(new vscode.Range(doc.positionAt(0), doc.positionAt(proposal.base.length)), proposal.text));
    if (!changed) throw new UserError(l10n.t('{0} could not be changed in the editor.', name));
  }
}

export function registerAttachCommands(deps: { chat: ChatService; tasks: TasksService; register: Register; proposals: Proposals }): void {
  const { chat, tasks, register, proposals } = deps;
  register('pipulate.applyProposal', (why) => l10n.t('Pipulate could not apply the proposed code: {0}', why), () => proposals.apply());
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
