/** HostUi through VS Code's own dialogs, clipboard and editor. */
import * as l10n from '@vscode/l10n';
import * as vscode from 'vscode';
import type { Dialogs } from './askingActions';
import type { HostUi } from './router';

/** VS Code's modal message and input box; shared by the views and the commands. */
export const vscodeDialogs: Dialogs = {
  async confirm(message, detail, action) {
    const choice = await vscode.window.showWarningMessage(message, { modal: true, detail }, action);
    return choice === action;
  },
  prompt: ({ title, value, placeholder }) =>
    Promise.resolve(
      vscode.window.showInputBox({
        title,
        value,
        placeHolder: placeholder,
        validateInput: (text) => (text.trim() ? undefined : l10n.t('Type a name, or press Escape to cancel.')),
      }),
    ),
};

export function vscodeUi(chat: { pickModel: HostUi['pickModel']; setModel: HostUi['setModel']; pullModel: HostUi['pullModel']; propose: HostUi['propose'] }): HostUi {
  return {
    ...vscodeDialogs,
    async pick(placeholder, items) {
      const chosen = await vscode.window.showQuickPick(
        items.map((label, index) => ({ label, index })),
        { placeHolder: placeholder },
      );
      return chosen?.index;
    },
    propose: chat.propose,
    pickModel: chat.pickModel,
    setModel: chat.setModel,
    pullModel: chat.pullModel,
    writeClipboard: (text) => Promise.resolve(vscode.env.clipboard.writeText(text)),
    async insertAtCursor(code) {
      const editor = vscode.window.activeTextEditor ?? vscode.window.visibleTextEditors[0];
      if (!editor) return false;
      await editor.edit((edit) => {
        for (const selection of editor.selections) edit.replace(selection, code);
      });
      return true;
    },
    runCommand: (command) => Promise.resolve(vscode.commands.executeCommand(command)).then(() => undefined),
  };
}
