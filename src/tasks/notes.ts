/**
 * What the model is told of what the user did in the to-do list, as notes (see `Note`
 * in chat/conversation.ts), and which notes supersede the one before them when nothing
 * came in between: the same todo moved again (one note, from where to where), renamed
 * again (from the first title to the last), a switch back to a profile (one note).
 */
import * as l10n from '@vscode/l10n';
import type { Note } from '../chat/conversation';
import { cutText, oneLine } from '../text';
import type { Actor } from './revert';

/** A title as the model and the user read it in a note: quoted, on one line, at most 200 characters. */
export function quote(text: string): string {
  return `“${cutText(oneLine(text), 200)}”`;
}

/** `where`: the place in the code it points at (src/parse.ts:42). */
export function added(title: string, where?: string): Note {
  return { text: where ? l10n.t('Added todo {0} ({1})', quote(title), where) : l10n.t('Added todo {0}', quote(title)) };
}

export function linked(title: string, where: string): Note {
  return { text: l10n.t('Pointed todo {0} at {1}', quote(title), where) };
}

/** Todos added from TODO comments: the first few named, with where they point. */
export function imported(todos: readonly { title: string; where: string }[], named = 5): Note {
  const list = todos.slice(0, named).map((t) => `${quote(t.title)} (${t.where})`);
  if (todos.length > named) list.push(l10n.t('and {0} more', todos.length - named));
  return {
    text:
      todos.length === 1
        ? l10n.t('Added 1 todo from TODO comments: {0}', list.join(', '))
        : l10n.t('Added {0} todos from TODO comments: {1}', todos.length, list.join(', ')),
  };
}

export function unlinked(title: string): Note {
  return { text: l10n.t('Todo {0} no longer points at code', quote(title)) };
}

export function toggled(title: string, done: boolean): Note {
  return { text: done ? l10n.t('Completed todo {0}', quote(title)) : l10n.t('Reopened todo {0}', quote(title)) };
}

export function deleted(title: string): Note {
  return { text: l10n.t('Deleted todo {0}', quote(title)) };
}

export function cleared(count: number): Note {
  return { text: count === 1 ? l10n.t('Cleared 1 completed todo') : l10n.t('Cleared {0} completed todos', count) };
}

interface Renamed extends Note {
  from: string;
}

export function renamed(id: number, from: string, to: string): Renamed {
  return {
    text: l10n.t('Renamed todo {0} to {1}', quote(from), quote(to)),
    subject: `todo ${id} title`,
    from,
    fold: (previous) => renamed(id, (previous as Renamed).from, to),
  };
}

interface Moved extends Note {
  from: number;
}

/** Todo `id` moved from index `from` to index `to` of a list of `length`. */
export function moved(id: number, title: string, from: number, to: number, length: number): Moved {
  const text =
    from === to
      ? l10n.t('Moved todo {0} and back: it is at {1} again', quote(title), place(to, length, true))
      : l10n.t('Moved todo {0} from {1} to {2}', quote(title), place(from, length), place(to, length, true));
  return { text, subject: `todo ${id} order`, from, fold: (previous) => moved(id, title, (previous as Moved).from, to, length) };
}

function place(index: number, length: number, ofLength = false): string {
  if (index === 0) return l10n.t('the top');
  if (index === length - 1) return l10n.t('the bottom');
  return ofLength ? l10n.t('position {0} of {1}', index + 1, length) : l10n.t('position {0}', index + 1);
}

/** Every switch into a profile says the same: a switch away and back leaves one note. */
export function switched(name: string): Note {
  return { text: l10n.t('Switched to profile {0}', quote(name)), subject: 'active profile' };
}

export function renamedProfile(from: string, to: string): Note {
  return { text: l10n.t('Renamed profile {0} to {1}', quote(from), quote(to)) };
}

/**
 * The note said of whoever made the change: "The model added todo “x”". The model's notes
 * have their own subject, so a user's move and the model's are never folded into one.
 */
export function madeBy(by: Actor, note: Note): Note {
  if (by === 'user') return note;
  const fold = note.fold;
  return {
    ...note,
    text: l10n.t('The model {0}', `${note.text.charAt(0).toLowerCase()}${note.text.slice(1)}`),
    ...(note.subject !== undefined ? { subject: `${note.subject} (model)` } : {}),
    ...(fold ? { fold: (previous: Note) => madeBy(by, fold(previous)) } : {}),
  };
}

/** A change was taken back (`what`: the note that said it). */
export function undone(what: string): Note {
  return { text: l10n.t('Undone: {0}', what) };
}
