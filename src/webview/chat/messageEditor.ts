/**
 * Editing a sent message where it stands: its text in a box in place of the message's
 * body, Send (Enter) and Cancel (Escape). Sending replaces the message and what followed
 * it (chat/edit): the host keeps what was replaced and sends the conversation anew, which
 * takes the box away. A failed send leaves the box open, its text as typed. The
 * message's attachments go with it (their chips stay in sight).
 */
import type { VscodeTextarea } from '@vscode-elements/elements/dist/vscode-textarea/vscode-textarea.js';
import { h } from '../dom';
import { log } from '../host';
import { messageChips } from './attachmentChips';
import { strings } from '../strings';
import type { MessageView } from './messageView';

export interface EditorDeps {
  /** A reply is being written in this conversation: no edit is sent then. */
  busy(): boolean;
  /** Sends the edited text; true once the host has it. */
  send(text: string): Promise<boolean>;
}

/** Opens the box on a message of the user's (or puts the focus back in it, when open). */
export function openEditor(view: MessageView, deps: EditorDeps): void {
  const open = view.element.querySelector<VscodeTextarea>('.msg-editor-input');
  if (open) return open.focus();
  const s = strings();
  const box = h('vscode-textarea', { className: 'msg-editor-input', 'aria-label': s.editLabel, rows: 3, resize: 'vertical' }) as VscodeTextarea;
  box.label = s.editLabel; // names the textarea inside the element (a property only)
  box.value = view.message.content;
  const send = h('vscode-button', { className: 'edit-send', icon: 'send', title: s.sendEditTitle }, s.sendEdit);
  const cancel = h('vscode-button', { className: 'edit-cancel', secondary: true, title: s.cancelEditTitle }, s.cancelEdit);
  // What the message carried goes with it again: its chips stay in sight.
  const chips = view.message.attachments?.length ? [messageChips(view.message.id, view.message.attachments, (e) => log('warn', e))] : [];
  view.showEditor(h('div', { className: 'msg-editor' }, box, ...chips, h('div', { className: 'msg-editor-actions' }, cancel, send)));

  const close = () => {
    view.showEditor(null);
    view.element.querySelector<HTMLElement>('.edit-message')?.focus();
  };
  let sending = false;
  const submit = async () => {
    const text = box.value.trim();
    if (!text || sending || deps.busy()) return;
    sending = true;
    try {
      await deps.send(text);
    } finally {
      sending = false;
    }
  };
  box.addEventListener('keydown', (e: KeyboardEvent) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      void submit();
    } else if (e.key === 'Escape') {
      e.preventDefault();
      close();
    }
  });
  send.addEventListener('click', () => void submit());
  cancel.addEventListener('click', close);
  // Its textarea exists once the element has first rendered.
  void box.updateComplete.then(() => box.focus());
}
