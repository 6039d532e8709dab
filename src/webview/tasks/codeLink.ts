/**
 * Where a todo points in the code, as its row shows it: a button `parse.ts:42` that opens
 * the place (click, or Enter once focused), and when the linked text is gone from the file,
 * says so and offers Unlink and Relink (to the editor's current selection). The list
 * (todoList.ts) handles the buttons' clicks.
 */
import type { TodoLinkDto } from '../../protocol';
import { h, icon, iconButton } from '../dom';

/** Puts the link's part into a row (after its title), or takes it out when the todo has no link. */
export function paintLink(li: HTMLLIElement, title: HTMLElement, link: TodoLinkDto | undefined): void {
  let part = li.querySelector<HTMLElement>(':scope > .link-part');
  if (!link) {
    part?.remove();
    return;
  }
  if (!part) {
    part = h('span', { className: 'link-part' });
    title.after(part);
  }
  const name = link.path.slice(link.path.lastIndexOf('/') + 1);
  const lines = link.end > link.start ? `${link.start + 1}-${link.end + 1}` : `${link.start + 1}`;
  const where = `${link.path}:${lines}`;
  const open = h(
    'button',
    {
      type: 'button',
      className: `code-link${link.gone ? ' gone' : ''}`,
      title: link.gone ? `The linked code is gone from ${link.path}. Open the file where it was` : `Open ${where}`,
      'aria-label': link.gone ? `Linked code gone from ${where}; open the file` : `Open ${where}`,
    },
    icon(link.gone ? 'warning' : 'code'),
    `${name}:${lines}`,
    ...(link.gone ? [h('span', { className: 'gone-note' }, ' gone')] : []),
  );
  part.replaceChildren(
    open,
    ...(link.gone ? [iconButton('link', 'Relink to the selection in the editor', 'relink'), iconButton('close', 'Unlink from the code', 'unlink')] : []),
  );
}
