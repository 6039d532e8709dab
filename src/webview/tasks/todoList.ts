/**
 * The todo list: one <li> per todo, patched in place. Keyboard: Up/Down/Home/End move
 * the focus, Space toggles, Enter or F2 edits, Delete deletes, Alt+Up/Alt+Down reorder.
 * Mouse: click the box, double-click the title to edit, drag a row to reorder.
 *
 * The rows sit in chunks of up to CHUNK (<ul role="none">) that the browser skips while
 * they are out of sight (content-visibility: auto), so ten thousand todos cost about
 * what the rows on screen cost, while every row stays in the DOM for Find, the keyboard
 * and screen readers. A chunk never stays empty, so the rows' order is chunk by chunk.
 *
 * A snapshot is rendered in slices, from the top: the first at once (the rows on screen),
 * then chunk after chunk in tasks of about SLICE_MS, so the page answers input and paints
 * meanwhile. Todos not rendered yet wait in `pending`, after every rendered row, and the
 * list's bottom padding keeps their room (the scrollbar does not grow, a saved position
 * can be restored at once). Patches that arrive meanwhile apply to a row or to `pending`,
 * whichever holds the todo, so they land in order.
 */
import type { TodoDto } from '../../protocol';
import { h, icon, iconButton } from '../dom';
import { request } from '../host';
import { fmt, strings } from '../strings';
import { paintLink } from './codeLink';

const CHUNK = 100;
/** A row's height (a one-line title): what a chunk out of sight is taken to measure per row. */
const ROW_PX = 30;
/** How long one slice of a render may run before the page gets its turn. */
const SLICE_MS = 8;

interface Row {
  todo: TodoDto;
  li: HTMLLIElement;
  box: HTMLInputElement;
  title: HTMLSpanElement;
}

let template: HTMLLIElement | undefined;
/**
 * A row without its todo, built once: cloning it is several times cheaper than building
 * each row. createRow finds the box and the title by position: children 1 and 2.
 */
function rowTemplate(): HTMLLIElement {
  return (template ??= h(
    'li',
    { className: 'todo', role: 'listitem', tabindex: -1, draggable: 'true' },
    h('span', { className: 'grip', title: strings().dragToReorder }, icon('gripper')),
    h('input', { type: 'checkbox', className: 'check', tabindex: -1 }),
    h('span', { className: 'title' }),
    iconButton('edit', strings().editTitle, 'edit'),
    iconButton('trash', strings().deleteTodo, 'delete'),
  ));
}

export class TodoList {
  readonly element = h('div', { className: 'todos', role: 'list', 'aria-label': strings().todos });
  private rows = new Map<number, Row>();
  /** Todos of the snapshot not rendered yet, in order; they come after every row. */
  private pending: TodoDto[] = [];
  private sliceScheduled = false;
  private readonly slices = new MessageChannel();
  /** A todo to scroll to once it is rendered. */
  private revealing: number | undefined;
  private revealFocus = false;
  private open = 0;
  private done = 0;
  private dragging: number | undefined;
  /** The filter box's test, if it holds one: rows it refuses are hidden, and the keyboard and drops skip them. */
  private filter: ((todo: TodoDto) => boolean) | undefined;

  constructor(private readonly hooks: { onError: (message: string) => void; onChange: () => void }) {
    const el = this.element;
    el.addEventListener('click', (e) => this.onClick(e));
    el.addEventListener('dblclick', (e) => {
      const row = this.rowOf(e.target);
      if (row && (e.target as HTMLElement).closest('.title')) this.edit(row);
    });
    el.addEventListener('keydown', (e) => this.onKey(e));
    el.addEventListener('focusin', (e) => {
      const row = this.rowOf(e.target);
      if (row) this.setTabStop(row.li);
    });
    el.addEventListener('dragstart', (e) => this.onDragStart(e));
    // On the row, whichever of its parts is under the pointer: an entry into the title
    // that is not accepted would hand the drag to the page, and the drop would be lost.
    el.addEventListener('dragenter', (e) => this.onDragOver(e));
    el.addEventListener('dragover', (e) => this.onDragOver(e));
    // Moving between a row's parts leaves one and enters the next: only leaving the list clears the mark.
    el.addEventListener('dragleave', (e) => !el.contains(e.relatedTarget as Node | null) && this.clearDropMarks());
    el.addEventListener('drop', (e) => this.onDrop(e));
    el.addEventListener('dragend', () => {
      this.dragging = undefined;
      this.clearDropMarks();
    });
    this.slices.port1.onmessage = () => {
      this.sliceScheduled = false;
      this.renderSlice();
    };
  }

  /**
   * Narrows the list to the todos whose title holds every word of `text` (any case);
   * `is:open` and `is:done` keep only those. Empty: every todo.
   */
  setFilter(text: string): void {
    this.filter = todoFilter(text);
    // The rows still pending are rendered now: the filter applies to the whole list.
    while (this.pending.length) this.renderSlice();
    for (const row of this.rows.values()) row.li.hidden = this.hides(row.todo);
    for (const chunk of this.element.children) this.fitChunk(chunk as HTMLElement);
    const stop = this.element.querySelector<HTMLLIElement>('li.todo[tabindex="0"]');
    const first = this.firstRow();
    if (first && (!stop || stop.hidden)) this.setTabStop(first);
    this.hooks.onChange();
  }

  /** How many todos the filter lets through (all of them without one). */
  shown(): number {
    if (!this.filter) return this.open + this.done;
    let n = 0;
    for (const row of this.rows.values()) if (!row.li.hidden) n++;
    return n + this.pending.filter((t) => this.filter!(t)).length;
  }

  private hides(todo: TodoDto): boolean {
    return this.filter !== undefined && !this.filter(todo);
  }

  /** A chunk whose rows are all hidden is hidden too: skipped out of sight, it would still keep its rows' room. */
  private fitChunk(chunk: HTMLElement | null): void {
    if (chunk) chunk.hidden = this.filter !== undefined && !chunk.querySelector('li.todo:not([hidden])');
  }

  counts(): { open: number; done: number } {
    return { open: this.open, done: this.done };
  }

  /** The todos in their order, rendered or still pending. */
  todos(): TodoDto[] {
    const rendered = [...this.element.querySelectorAll<HTMLLIElement>('li.todo')].map((li) => this.rows.get(Number(li.dataset.id))!.todo);
    return [...rendered, ...this.pending];
  }

  render(todos: TodoDto[]): void {
    this.rows.clear();
    this.open = this.done = 0;
    for (const todo of todos) this.count(todo, +1);
    this.element.replaceChildren();
    this.pending = todos.slice();
    this.revealing = undefined;
    this.renderSlice();
    const first = this.firstRow();
    if (first) first.tabIndex = 0;
    this.hooks.onChange();
  }

  upsert(todo: TodoDto): void {
    const row = this.rows.get(todo.id);
    const waiting = row ? -1 : this.pendingIndex(todo.id);
    if (row) {
      this.count(row.todo, -1);
      row.todo = todo;
      this.paint(row);
    } else if (waiting >= 0) {
      this.count(this.pending[waiting]!, -1);
      this.pending[waiting] = todo;
    } else if (this.pending.length) {
      this.pending.push(todo); // new, at the end: after the todos still to render
      this.reserve();
    } else {
      let chunk = this.element.lastElementChild;
      if (!chunk || chunk.childElementCount >= CHUNK) chunk = this.element.appendChild(this.newChunk(1));
      chunk.append(this.createRow(todo).li);
      sizeChunk(chunk as HTMLElement);
      if (this.rows.size === 1) this.rows.get(todo.id)!.li.tabIndex = 0;
    }
    this.count(todo, +1);
    this.hooks.onChange();
  }

  remove(ids: number[]): void {
    for (const id of ids) {
      const row = this.rows.get(id);
      const waiting = row ? -1 : this.pendingIndex(id);
      if (waiting >= 0) this.count(this.pending.splice(waiting, 1)[0]!, -1);
      if (!row) continue;
      const hadFocus = row.li.contains(document.activeElement);
      const next = this.rowAfter(row.li) ?? this.rowBefore(row.li);
      this.detach(row.li);
      this.rows.delete(id);
      this.count(row.todo, -1);
      if (next && (hadFocus || row.li.tabIndex === 0)) {
        this.setTabStop(next);
        if (hadFocus) next.focus();
      }
    }
    this.reserve();
    this.hooks.onChange();
  }

  /** To just before `before` (null, or a todo not in the list: to the end), rendered or still pending. */
  move(id: number, before: number | null): void {
    if (before === id) return;
    const row = this.rows.get(id);
    const waiting = row ? -1 : this.pendingIndex(id);
    if (!row && waiting < 0) return;
    const target = before === null ? undefined : this.rows.get(before)?.li;
    const toPending = !target && this.pending.length > 0;
    if (toPending) {
      // Among the todos still to render: the row (if it is one) goes back to them.
      const todo = row ? row.todo : this.pending.splice(waiting, 1)[0]!;
      if (row) this.unrender(row);
      const at = before === null ? -1 : this.pendingIndex(before);
      this.pending.splice(at < 0 ? this.pending.length : at, 0, todo);
      return this.reserve();
    }
    const li = row ? row.li : this.createRow(this.pending.splice(waiting, 1)[0]!).li;
    const hadFocus = document.activeElement === li;
    const from = li.parentElement;
    if (target) target.before(li);
    else this.element.lastElementChild!.append(li);
    sizeChunk(li.parentElement!);
    if (from && !from.firstElementChild) from.remove();
    else if (from) sizeChunk(from);
    if (hadFocus) li.focus();
    this.reserve();
  }

  /** Scrolls the todo into view (once rendered), and with `focus` puts the focus on it ("Pipulate: Search" landing on it). */
  reveal(id: number, focus = false): void {
    const row = this.rows.get(id);
    this.revealFocus = focus;
    if (!row) {
      this.revealing = id;
      return;
    }
    scrollUntilShown(row.li, focus ? 'center' : 'nearest');
    if (focus) row.li.focus({ preventScroll: true });
  }

  // ---- rendering in slices ----

  /** Renders the next chunks of `pending` for about SLICE_MS, then leaves the rest for a next task. */
  private renderSlice(): void {
    const until = performance.now() + SLICE_MS;
    while (this.pending.length) {
      const todos = this.pending.splice(0, CHUNK);
      const chunk = this.newChunk(todos.length);
      for (const todo of todos) chunk.append(this.createRow(todo).li);
      this.element.append(chunk);
      if (performance.now() >= until) break;
    }
    const revealing = this.revealing;
    if (revealing !== undefined && this.rows.has(revealing)) {
      this.revealing = undefined;
      this.reveal(revealing, this.revealFocus);
    }
    this.reserve();
    if (this.pending.length && !this.sliceScheduled) {
      this.sliceScheduled = true;
      this.slices.port2.postMessage(null); // a task of its own: input and frames come in between
    }
  }

  /** Room for the todos still to render, so the list has its full height from the start. */
  private reserve(): void {
    this.element.style.paddingBottom = this.pending.length ? `${this.pending.length * ROW_PX}px` : '';
  }

  private pendingIndex(id: number): number {
    return this.pending.findIndex((t) => t.id === id);
  }

  /** Takes a row out of the DOM, its todo going back to `pending` (which the caller does). */
  private unrender(row: Row): void {
    const wasTabStop = row.li.tabIndex === 0;
    this.detach(row.li);
    this.rows.delete(row.todo.id);
    const first = this.firstRow();
    if (wasTabStop && first) first.tabIndex = 0;
  }

  // ---- rows and chunks ----

  private newChunk(rows: number): HTMLUListElement {
    const chunk = h('ul', { className: 'todo-chunk', role: 'none' });
    chunk.style.containIntrinsicHeight = `${rows * ROW_PX}px`;
    return chunk;
  }

  /** Takes a row out of the list, and its chunk with it when that is left empty. */
  private detach(li: HTMLLIElement): void {
    const chunk = li.parentElement;
    li.remove();
    if (chunk && !chunk.firstElementChild) chunk.remove();
    else if (chunk) sizeChunk(chunk);
  }

  // The first, last, next and previous row the user can see: the filter's hidden rows are skipped.

  private firstRow(): HTMLLIElement | null {
    const first = (this.element.firstElementChild?.firstElementChild ?? null) as HTMLLIElement | null;
    return first?.hidden ? this.rowAfter(first) : first;
  }

  private lastRow(): HTMLLIElement | null {
    const last = (this.element.lastElementChild?.lastElementChild ?? null) as HTMLLIElement | null;
    return last?.hidden ? this.rowBefore(last) : last;
  }

  private rowAfter(li: Element): HTMLLIElement | null {
    let next = this.nextRow(li);
    while (next?.hidden) next = this.nextRow(next);
    return next;
  }

  private rowBefore(li: Element): HTMLLIElement | null {
    let prev = (li.previousElementSibling ?? li.parentElement?.previousElementSibling?.lastElementChild ?? null) as HTMLLIElement | null;
    while (prev?.hidden) prev = (prev.previousElementSibling ?? prev.parentElement?.previousElementSibling?.lastElementChild ?? null) as HTMLLIElement | null;
    return prev;
  }

  /** The row just after `li` in the whole list, shown or not: a move or a drop lands right there. */
  private nextRow(li: Element): HTMLLIElement | null {
    return (li.nextElementSibling ?? li.parentElement?.nextElementSibling?.firstElementChild ?? null) as HTMLLIElement | null;
  }

  private createRow(todo: TodoDto): Row {
    const li = rowTemplate().cloneNode(true) as HTMLLIElement;
    li.dataset.id = String(todo.id);
    const box = li.children[1] as HTMLInputElement;
    const title = li.children[2] as HTMLSpanElement;
    title.id = `todo-title-${todo.id}`;
    box.setAttribute('aria-labelledby', title.id);
    const row: Row = { todo, li, box, title };
    this.rows.set(todo.id, row);
    this.paint(row);
    return row;
  }

  private paint(row: Row): void {
    paintLink(row.li, row.title, row.todo.link);
    row.title.textContent = row.todo.title;
    row.box.checked = row.todo.done;
    row.li.classList.toggle('done', row.todo.done);
    row.li.setAttribute('aria-label', row.todo.done ? fmt(strings().todoDone, row.todo.title) : row.todo.title);
    row.li.hidden = this.hides(row.todo);
    this.fitChunk(row.li.parentElement);
  }

  private count(todo: TodoDto, by: number): void {
    if (todo.done) this.done += by;
    else this.open += by;
  }

  private rowOf(target: EventTarget | null): Row | undefined {
    const li = (target as HTMLElement | null)?.closest?.('li.todo') as HTMLLIElement | null;
    return li ? this.rows.get(Number(li.dataset.id)) : undefined;
  }

  private setTabStop(li: HTMLLIElement): void {
    for (const other of this.element.querySelectorAll<HTMLLIElement>('li.todo[tabindex="0"]')) if (other !== li) other.tabIndex = -1;
    li.tabIndex = 0;
  }

  /** Runs a request for one row: the row shows it is pending, and an error is shown and undone. */
  /** `failure`: the text shown when the host refuses, `{0}` its reason. */
  private busy(row: Row, failure: string, body: Parameters<typeof request>[0], undo?: () => void): Promise<void> {
    row.li.classList.add('pending');
    row.li.setAttribute('aria-busy', 'true');
    return request(body)
      .then(() => undefined)
      .catch((err: Error) => {
        undo?.();
        this.hooks.onError(fmt(failure, err.message));
      })
      .finally(() => {
        row.li.classList.remove('pending');
        row.li.removeAttribute('aria-busy');
      });
  }

  private toggle(row: Row): void {
    // The box shows the new state at once; the host's patch confirms it, an error reverts it.
    row.box.checked = !row.todo.done;
    void this.busy(row, strings().couldNotUpdateTodo, { kind: 'todo/toggle', id: row.todo.id }, () => this.paint(row));
  }

  private delete(row: Row): void {
    void this.busy(row, strings().couldNotDeleteTodo, { kind: 'todo/delete', id: row.todo.id });
  }

  private moveBy(row: Row, step: -1 | 1): void {
    const sibling = step < 0 ? this.rowBefore(row.li) : this.rowAfter(row.li);
    if (!sibling) return;
    const before = step < 0 ? Number(sibling.dataset.id) : (this.nextRow(sibling)?.dataset.id ?? null);
    void this.busy(row, strings().couldNotMoveTodo, { kind: 'todo/move', id: row.todo.id, before: before === null ? null : Number(before) });
  }

  edit(row: Row): void {
    if (row.li.querySelector('input.title-edit')) return;
    const field = h('input', { type: 'text', className: 'title-edit', 'aria-label': strings().todoTitle, maxlength: 2000 });
    field.value = row.todo.title;
    row.title.replaceWith(field);
    row.li.draggable = false;
    field.focus();
    field.select();
    let finished = false;
    const finish = (save: boolean) => {
      if (finished) return;
      finished = true;
      const title = field.value.trim();
      field.replaceWith(row.title);
      row.li.draggable = true;
      row.li.focus();
      if (save && title && title !== row.todo.title) {
        row.title.textContent = title;
        void this.busy(row, strings().couldNotRenameTodo, { kind: 'todo/rename', id: row.todo.id, title }, () => this.paint(row));
      }
    };
    field.addEventListener('keydown', (e) => {
      e.stopPropagation();
      if (e.key === 'Enter' && !e.isComposing) finish(true);
      else if (e.key === 'Escape') finish(false);
    });
    field.addEventListener('blur', () => finish(true));
  }

  // ---- events ----

  private onClick(e: MouseEvent): void {
    const row = this.rowOf(e.target);
    if (!row) return;
    const target = e.target as HTMLElement;
    if (target === row.box) {
      e.preventDefault(); // The state is set by toggle(), so a failed request can be undone.
      this.toggle(row);
    } else if (target.closest('button.edit')) this.edit(row);
    else if (target.closest('button.delete')) this.delete(row);
    else if (target.closest('button.code-link')) void this.busy(row, strings().couldNotOpenCode, { kind: 'todo/openLink', id: row.todo.id });
    else if (target.closest('button.unlink')) void this.busy(row, strings().couldNotUnlinkTodo, { kind: 'todo/unlink', id: row.todo.id });
    else if (target.closest('button.relink')) {
      void request({ kind: 'todo/relink', id: row.todo.id })
        .then((ok) => ok || this.hooks.onError(strings().selectCodeFirst))
        .catch((err: Error) => this.hooks.onError(fmt(strings().couldNotRelinkTodo, err.message)));
    }
  }

  private onKey(e: KeyboardEvent): void {
    const row = this.rowOf(e.target);
    if (!row || e.target !== row.li) return;
    const focus = (li: Element | null | undefined) => {
      if (!li) return;
      e.preventDefault();
      (li as HTMLLIElement).focus();
    };
    if (e.altKey && (e.key === 'ArrowUp' || e.key === 'ArrowDown')) {
      e.preventDefault();
      this.moveBy(row, e.key === 'ArrowUp' ? -1 : 1);
    } else if (e.key === 'ArrowDown') focus(this.rowAfter(row.li));
    else if (e.key === 'ArrowUp') focus(this.rowBefore(row.li));
    else if (e.key === 'Home') focus(this.firstRow());
    else if (e.key === 'End') focus(this.lastRow());
    else if (e.key === ' ') {
      e.preventDefault();
      this.toggle(row);
    } else if (e.key === 'F2' || e.key === 'Enter') {
      e.preventDefault();
      this.edit(row);
    } else if (e.key === 'Delete') {
      e.preventDefault();
      this.delete(row);
    }
  }

  private onDragStart(e: DragEvent): void {
    const row = this.rowOf(e.target);
    if (!row || !e.dataTransfer) return;
    this.dragging = row.todo.id;
    e.dataTransfer.effectAllowed = 'move';
    e.dataTransfer.setData('text/plain', row.todo.title);
  }

  /** Where a drop at this point would land: before the row under the pointer, or after it. */
  private dropTarget(e: DragEvent): { li: HTMLLIElement; before: number | null; after: boolean } | undefined {
    const row = this.rowOf(e.target);
    if (!row) return undefined;
    const box = row.li.getBoundingClientRect();
    const after = e.clientY > box.top + box.height / 2;
    const next = this.nextRow(row.li);
    const before = after ? (next ? Number(next.dataset.id) : null) : row.todo.id;
    return { li: row.li, before, after };
  }

  private onDragOver(e: DragEvent): void {
    if (this.dragging === undefined) return;
    const target = this.dropTarget(e);
    if (!target) return;
    e.preventDefault();
    if (e.dataTransfer) e.dataTransfer.dropEffect = 'move';
    const mark = target.after ? 'drop-after' : 'drop-before';
    if (target.li.classList.contains(mark)) return;
    this.clearDropMarks();
    target.li.classList.add(mark);
  }

  private onDrop(e: DragEvent): void {
    const id = this.dragging;
    const target = this.dropTarget(e);
    this.clearDropMarks();
    this.dragging = undefined;
    if (id === undefined || !target) return;
    e.preventDefault();
    const row = this.rows.get(id);
    if (row && target.before !== id) void this.busy(row, strings().couldNotMoveTodo, { kind: 'todo/move', id, before: target.before });
  }

  private clearDropMarks(): void {
    for (const li of this.element.querySelectorAll('.drop-before, .drop-after')) li.classList.remove('drop-before', 'drop-after');
  }
}

/** The filter box's text as a test of a todo: every word in its title (any case); `is:open`, `is:done`. */
export function todoFilter(text: string): ((todo: TodoDto) => boolean) | undefined {
  const words = text.toLocaleLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return undefined;
  const wantDone = words.includes('is:done') ? true : words.includes('is:open') ? false : undefined;
  const terms = words.filter((w) => w !== 'is:done' && w !== 'is:open');
  return (todo) => (wantDone === undefined || todo.done === wantDone) && terms.every((w) => todo.title.toLocaleLowerCase().includes(w));
}

/**
 * Scrolls a row into view. Chunks out of sight are skipped by the browser
 * (content-visibility: auto) and measured by their placeholder size, so the first scroll
 * lands where the row would be at that size; once the chunks it passed are laid out, the
 * row has moved. Scroll again over the next frames until it stays in view.
 */
function scrollUntilShown(li: HTMLElement, block: ScrollLogicalPosition, frames = 4): void {
  li.scrollIntoView({ block });
  if (frames === 0) return;
  // Checked a frame later: the browser decides which chunks to lay out while it renders the frame after the scroll.
  requestAnimationFrame(() => requestAnimationFrame(() => {
    const box = li.getBoundingClientRect();
    const scroller = li.closest('.todos')?.getBoundingClientRect();
    const top = Math.max(scroller?.top ?? 0, 0);
    const bottom = Math.min(scroller?.bottom ?? window.innerHeight, window.innerHeight);
    if (box.top < top || box.bottom > bottom) scrollUntilShown(li, block, frames - 1);
  }));
}

/**
 * Out of sight, a chunk measures its rows at ROW_PX each. Not `auto` (the size last laid
 * out): a chunk that grew or shrank out of sight would keep the size it had, and
 * scrolling to a row below it would land thousands of pixels off.
 */
function sizeChunk(chunk: HTMLElement): void {
  chunk.style.containIntrinsicHeight = `${chunk.childElementCount * ROW_PX}px`;
}
