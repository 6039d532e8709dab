/**
 * The notes between two messages of the conversation (what the user did in the Tasks
 * view) folded into one line, "3 actions in Tasks", that expands in place. One note
 * alone is shown as it is: folding it would hide as much as it shows.
 */
import { h, icon } from '../dom';
import { fmt, strings } from '../strings';

let groups = 0;

export class NoteGroup {
  private readonly list = h('div', { className: 'note-list', id: `notes-${++groups}` });
  private readonly label = h('span');
  private readonly chevron = icon('chevron-right');
  private readonly fold = h('button', { type: 'button', className: 'note-fold', 'aria-expanded': 'false', 'aria-controls': this.list.id, hidden: true }, icon('history'), this.label, this.chevron);
  readonly element = h('div', { className: 'note-group' }, this.fold, this.list);
  private open = false;

  constructor() {
    this.fold.addEventListener('click', () => {
      this.open = !this.open;
      this.update();
    });
  }

  add(note: HTMLElement): void {
    this.list.append(note);
    this.update();
  }

  /** Older notes, loaded after the group was built: they go before its own. */
  prepend(notes: HTMLElement[]): void {
    this.list.prepend(...notes);
    this.update();
  }

  private update(): void {
    const count = this.list.childElementCount;
    const folded = count > 1;
    this.fold.hidden = !folded;
    this.label.textContent = fmt(strings().notes, count);
    this.fold.setAttribute('aria-expanded', String(this.open));
    this.chevron.className = `codicon codicon-chevron-${this.open ? 'down' : 'right'}`;
    this.list.hidden = folded && !this.open;
  }
}
