/**
 * The short-lived Undo of the user's own last delete or clear ("Deleted todo “x” — Undo"),
 * shown when the host says it can be undone (tasks/undoable) and gone after SHOW_MS, or
 * when the host says it no longer can. It stays while the pointer or the focus is in
 * it: whoever is on their way to the button gets there. Announced politely.
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import { h, iconButton } from '../dom';
import { request } from '../host';
import { fmt, strings } from '../strings';

const SHOW_MS = 10_000;

export class UndoBar {
  private readonly text = h('span', { className: 'undo-text' });
  private readonly undo = h('vscode-button', { secondary: true, icon: 'discard', className: 'undo-button', title: strings().undoTasksTitle }, strings().undo);
  private readonly close = iconButton('close', strings().dismiss, 'undo-close');
  readonly element = h('div', { className: 'undo-bar', role: 'status', hidden: true }, this.text, this.undo, this.close);
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly hooks: { onError: (message: string) => void; giveBackFocus: () => void }) {
    this.undo.addEventListener('click', () => this.run());
    this.close.addEventListener('click', () => this.hide());
    // Held open while in use; the countdown starts again once the pointer and the focus left.
    for (const type of ['pointerenter', 'focusin']) this.element.addEventListener(type, () => clearTimeout(this.timer));
    this.element.addEventListener('pointerleave', () => this.countDown());
    this.element.addEventListener('focusout', (e) => !this.element.contains(e.relatedTarget as Node | null) && this.countDown());
  }

  /** `label`: what can be undone (the host's words); null: nothing any more. */
  show(label: string | null): void {
    if (label === null) return this.hide();
    this.text.textContent = fmt(strings().undoLabel, label);
    this.text.title = label;
    this.element.hidden = false;
    this.countDown();
  }

  hide(): void {
    clearTimeout(this.timer);
    const hadFocus = this.element.contains(document.activeElement);
    this.element.hidden = true;
    if (hadFocus) this.hooks.giveBackFocus();
  }

  /** Undoes the user's last delete or clear (also Ctrl/Cmd+Z in the list): the host answers whether there was one. */
  run(): void {
    request({ kind: 'tasks/undo' })
      .then(() => this.hide())
      .catch((err: Error) => this.hooks.onError(fmt(strings().couldNotUndo, err.message)));
  }

  private countDown(): void {
    clearTimeout(this.timer);
    if (this.element.matches(':hover') || this.element.contains(document.activeElement)) return;
    this.timer = setTimeout(() => this.hide(), SHOW_MS);
  }
}
