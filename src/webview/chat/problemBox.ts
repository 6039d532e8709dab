/**
 * A problem the chat explains (Ollama not reachable, the model missing...): the cause in
 * one line, what the user can do as buttons, the long explanation one click away
 * (expanded in place), and a close button. Nothing in it scrolls on its own: in a
 * narrow side bar the cause and the buttons are what a new user sees first.
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import type { ChatAction, ChatProblem } from '../../protocol';
import { h, icon, iconButton } from '../dom';
import { strings, type WebviewStrings } from '../strings';

/** The button of each action: its key in the host's texts. */
const ACTION_LABEL: Record<ChatAction, keyof WebviewStrings> = {
  pull: 'pullModel',
  selectModel: 'chooseModelAction',
  openSettings: 'openSettings',
  showLog: 'showLog',
  retry: 'retry',
  setApiKey: 'setApiKey',
};

export class ProblemBox {
  private readonly title = h('strong', { className: 'problem-title' });
  private readonly close = iconButton('close', strings().dismissProblem, 'problem-close');
  private readonly actions = h('div', { className: 'problem-actions' });
  private readonly detail = h('div', { className: 'problem-detail' });
  private readonly more = h('details', { className: 'problem-more' }, h('summary', {}, strings().details), this.detail);
  readonly element = h(
    'div',
    { className: 'problem', role: 'alert', hidden: true },
    h('div', { className: 'problem-head' }, icon('warning'), this.title, this.close),
    this.actions,
    this.more,
  );

  constructor(hooks: { onAction: (action: ChatAction) => void; onDismiss: () => void }) {
    this.actions.addEventListener('click', (e) => {
      const action = (e.target as HTMLElement).closest('[data-action]')?.getAttribute('data-action') as ChatAction | null;
      if (action) hooks.onAction(action);
    });
    this.close.addEventListener('click', () => hooks.onDismiss());
  }

  show(p: ChatProblem | null | undefined): void {
    this.element.hidden = !p;
    if (!p) return;
    this.title.textContent = p.title;
    this.detail.textContent = p.detail;
    this.more.hidden = !p.detail;
    this.more.open = false;
    this.actions.hidden = p.actions.length === 0;
    this.actions.replaceChildren(...p.actions.map((a) => h('vscode-button', { secondary: a !== 'pull', 'data-action': a }, strings()[ACTION_LABEL[a]])));
  }
}
