/**
 * One message of the conversation in the DOM. A streaming reply grows in place: the
 * part that can no longer change is rendered once and kept, only the tail is rendered
 * again, at most once a frame, so a long reply costs time in proportion to its length.
 */
import { messageChips } from './attachmentChips';
import { log } from '../host';
import type { ChatMessageDto } from '../../protocol';
import { h, icon, iconButton } from '../dom';
import { fmt, strings, type WebviewStrings } from '../strings';
import { renderMarkdown, stableCut } from './markdown';
import { ToolCardView } from './toolCard';

/** Who said a message, and the tag of a reply that did not finish: keys of the host's texts. */
const WHO: Record<ChatMessageDto['role'], keyof WebviewStrings> = { user: 'you', assistant: 'assistant', note: 'note', system: 'system' };
const STATUS: Partial<Record<ChatMessageDto['status'], keyof WebviewStrings>> = { stopped: 'stopped', error: 'failed' };

export class MessageView {
  readonly element: HTMLElement;
  private readonly body: HTMLElement;
  private readonly tag: HTMLElement;
  private stable?: HTMLElement;
  private tail?: HTMLElement;
  private stableLength = 0;
  private frame = 0;
  /** Set when the message is a tool card (what the model did or asks to do). */
  readonly card?: ToolCardView;

  constructor(public message: ChatMessageDto) {
    const m = message;
    this.tag = h('span', { className: 'msg-tag' });
    this.body = h('div', { className: 'msg-body' });
    if (m.card) {
      this.card = new ToolCardView({ ...m, card: m.card });
      this.element = this.card.element;
      return;
    }
    if (m.role === 'note' || m.role === 'system') {
      this.element = h('div', { className: 'msg msg-note', 'data-role': m.role, 'data-id': m.id }, icon(m.role === 'note' ? 'history' : 'info'), this.body);
    } else {
      const who = m.role === 'assistant' && m.model ? m.model : strings()[WHO[m.role]];
      // The action row: edit (a message of yours) or regenerate (a reply), and copy. The Chat view handles their clicks.
      const actions = h('span', { className: 'msg-actions' });
      if (m.role === 'user') actions.append(iconButton('edit', strings().editMessage, 'edit-message'));
      if (m.role === 'assistant') actions.append(iconButton('refresh', strings().regenerateReply, 'regenerate-message'));
      actions.append(iconButton('copy', strings().copyMessage, 'copy-message'));
      const head = h('div', { className: 'msg-head' }, h('span', { className: 'msg-who' }, icon(m.role === 'user' ? 'account' : 'sparkle'), who), this.tag, actions);
      this.element = h('article', { className: 'msg', 'data-role': m.role, 'data-id': m.id, 'aria-label': fmt(strings().said, strings()[WHO[m.role]]) }, head, this.body);
    }
    this.render();
  }

  /** Adds streamed text: the first at once (waiting a frame would only delay the first token), the rest on the next frame. */
  append(text: string): void {
    const first = !this.message.content;
    this.message = { ...this.message, content: this.message.content + text };
    if (first) {
      cancelAnimationFrame(this.frame);
      this.renderStreaming();
    } else if (!this.frame) this.frame = requestAnimationFrame(() => this.renderStreaming());
  }

  /** The text as shown (markdown rendered), for a screen reader's announcement. */
  text(): string {
    return (this.body.textContent ?? '').trim();
  }

  /** Shows `editor` in place of the body (a message being edited, messageEditor.ts), or the body again (null). */
  showEditor(editor: HTMLElement | null): void {
    this.element.querySelector('.msg-editor')?.remove();
    this.body.hidden = !!editor;
    if (editor) this.body.after(editor);
  }

  /** The message reached its final state: rendered once, whole. */
  finish(message: ChatMessageDto): void {
    this.message = message;
    if (this.card && message.card) return this.card.update({ ...message, card: message.card });
    this.render();
  }

  private render(): void {
    cancelAnimationFrame(this.frame);
    this.frame = 0;
    const m = this.message;
    this.element.dataset.status = m.status;
    // A round that only called tools has no text: hidden before its card (styles: tools.css).
    this.element.toggleAttribute('data-empty', m.role === 'assistant' && m.status === 'done' && !m.content.trim());
    const status = STATUS[m.status];
    this.tag.textContent = status ? strings()[status] : '';
    this.tag.hidden = !status;
    if (m.role !== 'assistant') {
      this.body.textContent = m.content; // What the user typed, and notes: text, as written.
      if (m.attachments?.length) this.body.append(messageChips(m.id, m.attachments, (e) => log('warn', e)));
      return;
    }
    if (m.status === 'streaming') {
      this.stable = h('div', { className: 'md' });
      this.tail = h('div', { className: 'md' });
      this.stableLength = 0;
      this.body.replaceChildren(this.stable, this.tail, h('span', { className: 'cursor', 'aria-hidden': 'true' }));
      this.renderStreaming();
      return;
    }
    const md = h('div', { className: 'md' });
    renderMarkdown(md, m.content);
    addCodeActions(md, m.applyTo);
    this.body.replaceChildren(md);
    if (!m.content && m.status !== 'done') this.body.append(h('span', { className: 'msg-empty' }, strings().noTextArrived));
  }

  private renderStreaming(): void {
    this.frame = 0;
    if (!this.stable || !this.tail) return;
    const text = this.message.content;
    const cut = stableCut(text, this.stableLength);
    if (cut > this.stableLength) {
      const chunk = h('div');
      renderMarkdown(chunk, text.slice(this.stableLength, cut));
      addCodeActions(chunk, this.message.applyTo);
      this.stable.append(...chunk.childNodes);
      this.stableLength = cut;
    }
    // Rendered again every frame while it grows: its code is highlighted once it is stable.
    renderMarkdown(this.tail, text.slice(this.stableLength), { highlight: false });
  }
}

/** Copy and Insert buttons on every code block; Apply to file when the question had attachments (`applyTo`). */
function addCodeActions(root: HTMLElement, applyTo: ChatMessageDto['applyTo']): void {
  const s = strings();
  const apply = applyTo?.length === 1 ? fmt(s.applyToNamedFile, fileName(applyTo[0]!.path)) : applyTo?.length ? s.applyToFile : undefined;
  for (const pre of root.querySelectorAll('pre')) {
    const bar = h('div', { className: 'code-actions' }, iconButton('copy', s.copyCode, 'copy-code'), iconButton('insert', s.insertCode, 'insert-code'));
    if (apply) bar.append(iconButton('diff', apply, 'apply-code'));
    pre.tabIndex = 0; // a long line scrolls sideways: the keyboard can scroll it too
    pre.before(h('div', { className: 'code-block' }));
    const block = pre.previousElementSibling as HTMLElement;
    block.append(bar, pre);
  }
}

function fileName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}
