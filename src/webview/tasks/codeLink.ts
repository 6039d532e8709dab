/**
 * Where a todo points in the code, as its row shows it: a button `parse.ts:42` that opens
 * the place (click, or Enter once focused), and when the linked text is gone from the file,
 * says so and offers Unlink and Relink (to the editor's current selection). The list
 * (todoList.ts) handles the buttons' clicks.
 */
import type { TodoLinkDto } from '../../protocol';
import { h, icon, iconButton } from '../dom';
import { fmt, strings } from '../strings';

/** Puts the link's part into a row (after its title), or takes it out when the todo has no link. */
export function paintLink(li: HTMLLIElement, title: HTMLElement, link: TodoLinkDto | undefined): void {
  let part = li.querySelector<HTMLElement>(':scope > .link-part');
  li.classList.toggle('linked', !!link);
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
      className: link.gone ? 'code-link gone' : 'code-link',
      title: link.gone ? fmt(strings().linkGoneTitle, link.path) : fmt(strings().openPlace, where),
      'aria-label': link.gone ? fmt(strings().linkGoneLabel, where) : fmt(strings().openPlace, where),
    },
    icon(link.gone ? 'warning' : 'code'),
    `${name}:${lines}`,
    ...(link.gone ? [h('span', { className: 'gone-note' }, ` ${strings().gone}`)] : []),
  );
  part.replaceChildren(
    open,
    ...(link.gone ? [iconButton('link', strings().relink, 'relink'), iconButton('close', strings().unlink, 'unlink')] : []),
  );
}
