/**
 * The Tasks view: the active profile and its todo list. Renders once from a snapshot,
 * then applies the host's patches in place (one row per toggle, as an HTMX swap would).
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import '@vscode-elements/elements/dist/vscode-toolbar-button/index.js';
import type { VscodeSingleSelect } from '@vscode-elements/elements/dist/vscode-single-select/vscode-single-select.js';
import type { VscodeTextfield } from '@vscode-elements/elements/dist/vscode-textfield/vscode-textfield.js';
import type { Notification, ProfileDto, TasksSnapshot, TodoDto } from '../../protocol';
import { h, landmark } from '../dom';
import { fmt, strings } from '../strings';
import { loadState, log, onNotify, request, saveState } from '../host';
import { Banner } from '../banner';
import { TodoList } from './todoList';
import { UndoBar } from './undoBar';

interface SavedState {
  draft: string;
  scrollTop: number;
  /** What the view last showed, if it was small: shown at once when the view opens again (after a reload too), until the host's snapshot comes. */
  shown?: TasksSnapshot;
}

/** Larger lists are not kept in the view's state: it is written on every change. */
const REMEMBER_AT_MOST = 500;

export function startTasksView(root: HTMLElement): void {
  const state = loadState<SavedState>({ draft: '', scrollTop: 0 });
  const save = () => saveState({ draft: input.value, scrollTop: list.element.scrollTop, shown: remembered() } satisfies SavedState);

  const banner = new Banner();
  const s = strings();

  // `label` names the combobox inside the element; aria-label, the element.
  const profileSelect = h('vscode-single-select', { label: s.activeProfile, 'aria-label': s.activeProfile, title: s.activeProfile, className: 'profile-select' }) as VscodeSingleSelect;
  const addProfile = h('vscode-toolbar-button', { icon: 'add', label: s.newProfileLabel, title: s.newProfileTitle });
  const renameProfile = h('vscode-toolbar-button', { icon: 'edit', label: s.renameProfileLabel, title: s.renameProfileTitle });
  const deleteProfile = h('vscode-toolbar-button', { icon: 'trash', label: s.deleteProfileLabel, title: s.deleteProfileTitle });
  const profileBar = h('div', { className: 'profile-bar', role: 'toolbar', 'aria-label': s.profile }, profileSelect, addProfile, renameProfile, deleteProfile);

  const input = h('vscode-textfield', { placeholder: s.addTodoPlaceholder, 'aria-label': s.newTodo, className: 'add-input', maxlength: 2000 }) as VscodeTextfield;
  input.value = state.draft;

  const counts = h('span', { className: 'counts', 'aria-live': 'polite' });
  const clearDone = h('vscode-button', { secondary: true, title: s.clearCompletedTitle, className: 'clear-done' }, s.clearCompleted);
  const summary = h('div', { className: 'summary' }, counts, clearDone);
  // Narrows the list as it is typed (todoList.ts's todoFilter); Escape clears it.
  const filter = h('vscode-textfield', { type: 'search', placeholder: s.filterPlaceholder, 'aria-label': s.filterTodos, className: 'filter-input' }) as VscodeTextfield;

  const empty = h('div', { className: 'empty-state', hidden: true });
  const storageNote = h('div', { className: 'storage-note', hidden: true });

  const list = new TodoList({ onError: (msg) => banner.show(msg), onChange: () => updateCounts() });
  const undoBar = new UndoBar({
    onError: (msg) => banner.show(msg),
    giveBackFocus: () => (list.element.querySelector<HTMLElement>('li.todo[tabindex="0"]') ?? input).focus(),
  });
  landmark(root, s.tasks);
  root.append(banner.element, profileBar, input, summary, filter, list.element, undoBar.element, empty, storageNote);

  let profiles: ProfileDto[] = [];
  let activeProfileId = -1;
  let storage: TasksSnapshot['storage'] | undefined;
  let loaded = false;

  /** Until the host's snapshot came, what was remembered stays as it was. */
  function remembered(): TasksSnapshot | undefined {
    if (!loaded) return state.shown;
    const { open, done } = list.counts();
    return open + done <= REMEMBER_AT_MOST && storage ? { profiles, activeProfileId, todos: list.todos(), storage } : undefined;
  }

  function renderProfiles(): void {
    profileSelect.replaceChildren(
      ...profiles.map((p) => {
        const option = h('vscode-option', { value: String(p.id) }, p.name);
        if (p.id === activeProfileId) option.setAttribute('selected', '');
        return option;
      }),
    );
    profileSelect.value = String(activeProfileId);
    deleteProfile.toggleAttribute('disabled', profiles.length < 2);
  }

  function updateCounts(): void {
    const { open, done } = list.counts();
    counts.textContent = fmt(s.counts, open, done);
    clearDone.toggleAttribute('disabled', done === 0);
    const profile = profiles.find((p) => p.id === activeProfileId)?.name ?? '';
    const filtered = open + done > 0 && list.shown() === 0;
    empty.hidden = open + done > 0 && !filtered;
    empty.textContent = filtered ? s.noMatch : fmt(s.noTodos, profile);
  }

  function reset(snapshot: TasksSnapshot): void {
    profiles = snapshot.profiles;
    activeProfileId = snapshot.activeProfileId;
    storage = snapshot.storage;
    renderProfiles();
    list.render(snapshot.todos);
    updateCounts();
    storageNote.hidden = snapshot.storage.scope === 'workspace';
    storageNote.textContent = s.globalStorage;
  }

  function apply(n: Notification): void {
    switch (n.kind) {
      case 'tasks/reset':
        return reset(n.snapshot);
      case 'profiles/changed':
        profiles = n.profiles;
        activeProfileId = n.activeProfileId;
        renderProfiles();
        return updateCounts();
      case 'todo/changed':
        return list.upsert(n.todo);
      case 'todo/removed':
        return list.remove(n.ids);
      case 'todo/moved':
        return list.move(n.id, n.before);
      case 'tasks/undoable':
        return undoBar.show(n.label);
      case 'todo/reveal':
        return list.reveal(n.id, true);
      case 'focus/input':
        if (n.view === 'tasks') input.focus();
        return;
      case 'store/problem':
        return n.message ? banner.show(n.message, 'warning') : banner.hide();
      default:
        return;
    }
  }

  // Patches that arrive before the snapshot are already part of it.
  onNotify((n) => {
    if (loaded) {
      apply(n);
      save();
    } else if (n.kind === 'focus/input' || n.kind === 'store/problem') apply(n);
  });

  input.addEventListener('keydown', (e: KeyboardEvent) => {
    if (e.key !== 'Enter' || e.isComposing) return;
    e.preventDefault();
    const title = input.value.trim();
    if (!title) return;
    // Cleared at once so the next todo can be typed; given back if the host refuses this one.
    input.value = '';
    save();
    request({ kind: 'todo/add', title })
      .then((todo: TodoDto) => {
        banner.hide();
        list.reveal(todo.id);
      })
      .catch((err: Error) => {
        if (!input.value) input.value = title;
        banner.show(fmt(s.couldNotAddTodo, err.message));
      });
  });
  input.addEventListener('input', save);
  filter.addEventListener('input', () => list.setFilter(filter.value));
  filter.addEventListener('keydown', (e: KeyboardEvent) => {
    if (e.key === 'Escape' && filter.value) {
      e.preventDefault();
      filter.value = '';
      list.setFilter('');
    } else if (e.key === 'ArrowDown') {
      // Into the list: the first todo shown.
      e.preventDefault();
      list.element.querySelector<HTMLElement>('li.todo:not([hidden])')?.focus();
    }
  });
  list.element.addEventListener('scroll', save, { passive: true });
  // Ctrl/Cmd+Z on a row undoes the user's last delete or clear (a title being edited keeps its own undo).
  list.element.addEventListener('keydown', (e) => {
    if (e.key.toLowerCase() !== 'z' || !(e.ctrlKey || e.metaKey) || e.shiftKey || e.altKey || (e.target as HTMLElement).closest('input')) return;
    e.preventDefault();
    undoBar.run();
  });

  profileSelect.addEventListener('change', () => {
    const id = Number(profileSelect.value);
    if (id === activeProfileId) return;
    request({ kind: 'profile/switch', id }).catch((err: Error) => {
      banner.show(fmt(s.couldNotSwitchProfile, err.message));
      renderProfiles();
    });
  });
  /** `failure`: the text shown when the host refuses, `{0}` its reason. */
  const action = (body: Parameters<typeof request>[0], failure: string) => () =>
    request(body).catch((err: Error) => banner.show(fmt(failure, err.message)));
  addProfile.addEventListener('click', action({ kind: 'profile/add' }, s.couldNotCreateProfile));
  renameProfile.addEventListener('click', () => action({ kind: 'profile/rename', id: activeProfileId }, s.couldNotRenameProfile)());
  deleteProfile.addEventListener('click', () => action({ kind: 'profile/delete', id: activeProfileId }, s.couldNotDeleteProfile)());
  clearDone.addEventListener('click', action({ kind: 'todo/clearCompleted' }, s.couldNotClearCompleted));

  // The todos shown last time, at once: the snapshot replaces them when it comes (the store may still be opening).
  if (isSnapshot(state.shown)) {
    reset(state.shown);
    list.element.scrollTop = state.scrollTop;
  }
  request({ kind: 'tasks/snapshot' })
    .then((snapshot) => {
      const scrollTop = state.shown ? list.element.scrollTop : state.scrollTop;
      reset(snapshot);
      loaded = true;
      list.element.scrollTop = scrollTop;
      save();
    })
    .catch((err: Error) => {
      banner.show(fmt(s.couldNotLoadTodos, err.message));
      log('error', `snapshot failed: ${err.message}`);
    });
}

/** The view's state is its own, but may be from an older version of it. */
function isSnapshot(x: unknown): x is TasksSnapshot {
  const s = x as Partial<TasksSnapshot> | undefined;
  return !!s && Array.isArray(s.profiles) && typeof s.activeProfileId === 'number' && Array.isArray(s.todos) && typeof s.storage?.scope === 'string';
}
