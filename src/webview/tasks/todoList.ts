/**
 * The todo list: one <li> per todo, patched in place. Keyboard: Up/Down/Home/End move
 * the focus, Space toggles, Enter or F2 edits, Delete deletes, Alt+Up/Alt+Down reorder.
 * Mouse: click the box, double-click the title to edit, drag a row to reorder.
 */
import type { TodoDto } from '../../protocol';
import { h, icon, iconButton } from '../dom';
import { request } from '../host';

interface Row {
  todo: TodoDto;
  li: HTMLLIElement;
  box: HTMLInputElement;
  title: HTMLSpanElement;
}

export class TodoList {
  readonly element = h('ul', { className: 'todos', role: 'list', 'aria-label': 'Todos' });
  private rows = new Map<number, Row>();
  private open = 0;
  private done = 0;
  private dragging: number | undefined;

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
    el.addEventListener('dragover', (e) => this.onDragOver(e));
    el.addEventListener('dragleave', () => this.clearDropMarks());
    el.addEventListener('drop', (e) => this.onDrop(e));
    el.addEventListener('dragend', () => {
      this.dragging = undefined;
      this.clearDropMarks();
    });
  }

  counts(): { open: number; done: number } {
    return { open: this.open, done: this.done };
  }

  render(todos: TodoDto[]): void {
    this.rows.clear();
    this.open = this.done = 0;
    const fragment = document.createDocumentFragment();
    for (const todo of todos) fragment.append(this.createRow(todo).li);
    this.element.replaceChildren(fragment);
    const first = this.element.firstElementChild as HTMLLIElement | null;
    if (first) first.tabIndex = 0;
    this.hooks.onChange();
  }

  upsert(todo: TodoDto): void {
    const row = this.rows.get(todo.id);
    if (!row) {
      this.element.append(this.createRow(todo).li);
      if (this.rows.size === 1) this.rows.get(todo.id)!.li.tabIndex = 0;
    } else {
      this.count(row.todo, -1);
      row.todo = todo;
      this.count(todo, +1);
      this.paint(row);
    }
    this.hooks.onChange();
  }

  remove(ids: number[]): void {
    for (const id of ids) {
      const row = this.rows.get(id);
      if (!row) continue;
      const hadFocus = row.li.contains(document.activeElement);
      const next = (row.li.nextElementSibling ?? row.li.previousElementSibling) as HTMLLIElement | null;
      row.li.remove();
      this.rows.delete(id);
      this.count(row.todo, -1);
      if (next && (hadFocus || row.li.tabIndex === 0)) {
        this.setTabStop(next);
        if (hadFocus) next.focus();
      }
    }
    this.hooks.onChange();
  }

  move(id: number, before: number | null): void {
    const row = this.rows.get(id);
    if (!row) return;
    const hadFocus = document.activeElement === row.li;
    const target = before === null ? null : (this.rows.get(before)?.li ?? null);
    this.element.insertBefore(row.li, target);
    if (hadFocus) row.li.focus();
  }

  reveal(id: number): void {
    this.rows.get(id)?.li.scrollIntoView({ block: 'nearest' });
  }

  // ---- rows ----

  private createRow(todo: TodoDto): Row {
    const titleId = `todo-title-${todo.id}`;
    const box = h('input', { type: 'checkbox', className: 'check', 'aria-labelledby': titleId, tabindex: -1 });
    const title = h('span', { className: 'title', id: titleId });
    const li = h(
      'li',
      { className: 'todo', role: 'listitem', tabindex: -1, draggable: 'true', 'data-id': todo.id },
      h('span', { className: 'grip', title: 'Drag to reorder (or Alt+Up / Alt+Down)' }, icon('gripper')),
      box,
      title,
      iconButton('edit', 'Edit title (F2)', 'edit'),
      iconButton('trash', 'Delete todo (Delete)', 'delete'),
    );
    const row: Row = { todo, li, box, title };
    this.rows.set(todo.id, row);
    this.count(todo, +1);
    this.paint(row);
    return row;
  }

  private paint(row: Row): void {
    row.title.textContent = row.todo.title;
    row.box.checked = row.todo.done;
    row.li.classList.toggle('done', row.todo.done);
    row.li.setAttribute('aria-label', `${row.todo.title}${row.todo.done ? ', done' : ''}`);
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
  private busy(row: Row, what: string, body: Parameters<typeof request>[0], undo?: () => void): Promise<void> {
    row.li.classList.add('pending');
    row.li.setAttribute('aria-busy', 'true');
    return request(body)
      .then(() => undefined)
      .catch((err: Error) => {
        undo?.();
        this.hooks.onError(`Could not ${what}: ${err.message}`);
      })
      .finally(() => {
        row.li.classList.remove('pending');
        row.li.removeAttribute('aria-busy');
      });
  }

  private toggle(row: Row): void {
    // The box shows the new state at once; the host's patch confirms it, an error reverts it.
    row.box.checked = !row.todo.done;
    void this.busy(row, 'update the todo', { kind: 'todo/toggle', id: row.todo.id }, () => this.paint(row));
  }

  private delete(row: Row): void {
    void this.busy(row, 'delete the todo', { kind: 'todo/delete', id: row.todo.id });
  }

  private moveBy(row: Row, step: -1 | 1): void {
    const sibling = (step < 0 ? row.li.previousElementSibling : row.li.nextElementSibling) as HTMLLIElement | null;
    if (!sibling) return;
    const before = step < 0 ? Number(sibling.dataset.id) : ((sibling.nextElementSibling as HTMLLIElement | null)?.dataset.id ?? null);
    void this.busy(row, 'move the todo', { kind: 'todo/move', id: row.todo.id, before: before === null ? null : Number(before) });
  }

  edit(row: Row): void {
    if (row.li.querySelector('input.title-edit')) return;
    const field = h('input', { type: 'text', className: 'title-edit', 'aria-label': 'Todo title', maxlength: 2000 });
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
        void this.busy(row, 'rename the todo', { kind: 'todo/rename', id: row.todo.id, title }, () => this.paint(row));
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
    } else if (e.key === 'ArrowDown') focus(row.li.nextElementSibling);
    else if (e.key === 'ArrowUp') focus(row.li.previousElementSibling);
    else if (e.key === 'Home') focus(this.element.firstElementChild);
    else if (e.key === 'End') focus(this.element.lastElementChild);
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
    const next = row.li.nextElementSibling as HTMLLIElement | null;
    const before = after ? (next ? Number(next.dataset.id) : null) : row.todo.id;
    return { li: row.li, before, after };
  }

  private onDragOver(e: DragEvent): void {
    if (this.dragging === undefined) return;
    const target = this.dropTarget(e);
    if (!target) return;
    e.preventDefault();
    if (e.dataTransfer) e.dataTransfer.dropEffect = 'move';
    this.clearDropMarks();
    target.li.classList.add(target.after ? 'drop-after' : 'drop-before');
  }

  private onDrop(e: DragEvent): void {
    const id = this.dragging;
    const target = this.dropTarget(e);
    this.clearDropMarks();
    this.dragging = undefined;
    if (id === undefined || !target) return;
    e.preventDefault();
    const row = this.rows.get(id);
    if (row && target.before !== id) void this.busy(row, 'move the todo', { kind: 'todo/move', id, before: target.before });
  }

  private clearDropMarks(): void {
    for (const li of this.element.querySelectorAll('.drop-before, .drop-after')) li.classList.remove('drop-before', 'drop-after');
  }
}
