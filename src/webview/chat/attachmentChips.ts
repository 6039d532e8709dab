/**
 * Attachments as chips: those waiting for the next message, above the chat input (each
 * removable before sending), and those a sent message carried, under its text. A chip
 * says the file and the lines; a click (or Enter) opens the place in the editor. Only
 * what a chip shows is sent with the next message: removing a chip takes it out.
 */
import type { AttachmentDto } from '../../protocol';
import { h, icon, iconButton } from '../dom';
import { request } from '../host';
import { fmt, strings } from '../strings';

function label(a: AttachmentDto): string {
  const name = a.path.slice(a.path.lastIndexOf('/') + 1);
  if (a.start === undefined) return name;
  const end = a.end ?? a.start;
  return end > a.start ? `${name}:${a.start + 1}-${end + 1}` : `${name}:${a.start + 1}`;
}

function place(a: AttachmentDto): string {
  if (a.start === undefined) return a.path;
  const end = a.end ?? a.start;
  return end > a.start ? fmt(strings().attachedLines, a.path, a.start + 1, end + 1) : fmt(strings().attachedLine, a.path, a.start + 1);
}

function chip(a: AttachmentDto, open: () => void, remove?: () => void): HTMLElement {
  const openButton = h('button', { type: 'button', className: 'chip-open', title: fmt(strings().openPlace, place(a)), 'aria-label': fmt(strings().attachedOpen, label(a), place(a)) }, icon(a.start === undefined ? 'file' : 'selection'), label(a));
  openButton.addEventListener('click', open);
  const el = h('span', { className: 'chip', role: 'listitem' }, openButton);
  if (remove) {
    const x = iconButton('close', fmt(strings().removeAttachment, place(a)), 'chip-remove');
    x.addEventListener('click', remove);
    el.append(x);
  }
  return el;
}

/** The chips above the chat input: what the next message will carry. */
export class PendingChips {
  readonly element = h('div', { className: 'chips pending-chips', role: 'list', 'aria-label': strings().attachedToNext, hidden: true });

  constructor(private readonly onError: (message: string) => void) {}

  render(list: readonly AttachmentDto[] | undefined): void {
    const items = list ?? [];
    this.element.hidden = items.length === 0;
    this.element.replaceChildren(
      ...items.map((a, index) =>
        chip(
          a,
          () => void request({ kind: 'chat/openAttachment', index }).catch((err: Error) => this.onError(fmt(strings().couldNotOpenFile, a.path, err.message))),
          () => {
            const focusNext = this.element.contains(document.activeElement);
            void request({ kind: 'chat/detach', index })
              .then(() => focusNext && this.element.querySelector<HTMLElement>('.chip-open')?.focus())
              .catch((err: Error) => this.onError(fmt(strings().couldNotRemoveAttachment, err.message)));
          },
        ),
      ),
    );
  }
}

/** The chips of a sent message: what it carried; a click opens the place. */
export function messageChips(messageId: number, list: readonly AttachmentDto[], onError: (message: string) => void): HTMLElement {
  return h(
    'div',
    { className: 'chips', role: 'list', 'aria-label': strings().attachments },
    ...list.map((a, index) =>
      chip(a, () => void request({ kind: 'chat/openAttachment', messageId, index }).catch((err: Error) => onError(fmt(strings().couldNotOpenFile, a.path, err.message)))),
    ),
  );
}
