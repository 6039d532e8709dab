/**
 * What the model is told of what the user did in the to-do list, as notes (see `Note`
 * in chat/conversation.ts), and which notes supersede the one before them when nothing
 * came in between: the same todo moved again (one note, from where to where), renamed
 * again (from the first title to the last), a switch back to a profile (one note).
 */
import type { Note } from '../chat/conversation';
import { cutText, oneLine } from '../text';
import type { Actor } from './revert';

/** A title as the model and the user read it in a note: quoted, on one line, at most 200 characters. */
export function quote(text: string): string {
  return `“${cutText(oneLine(text), 200)}”`;
}

/** `where`: the place in the code it points at (src/parse.ts:42). */
export function added(title: string, where?: string): Note {
  return { text: `Added todo ${quote(title)}${where ? ` (${where})` : ''}` };
}

export function linked(title: string, where: string): Note {
  return { text: `Pointed todo ${quote(title)} at ${where}` };
}

export function unlinked(title: string): Note {
  return { text: `Todo ${quote(title)} no longer points at code` };
}

export function toggled(title: string, done: boolean): Note {
  return { text: `${done ? 'Completed' : 'Reopened'} todo ${quote(title)}` };
}

export function deleted(title: string): Note {
  return { text: `Deleted todo ${quote(title)}` };
}

export function cleared(count: number): Note {
  return { text: `Cleared ${count} completed todo${count === 1 ? '' : 's'}` };
}

interface Renamed extends Note {
  from: string;
}

export function renamed(id: number, from: string, to: string): Renamed {
  return {
    text: `Renamed todo ${quote(from)} to ${quote(to)}`,
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
      ? `Moved todo ${quote(title)} and back: it is at ${place(to, length, true)} again`
      : `Moved todo ${quote(title)} from ${place(from, length)} to ${place(to, length, true)}`;
  return { text, subject: `todo ${id} order`, from, fold: (previous) => moved(id, title, (previous as Moved).from, to, length) };
}

function place(index: number, length: number, ofLength = false): string {
  if (index === 0) return 'the top';
  if (index === length - 1) return 'the bottom';
  return `position ${index + 1}${ofLength ? ` of ${length}` : ''}`;
}

/** Every switch into a profile says the same: a switch away and back leaves one note. */
export function switched(name: string): Note {
  return { text: `Switched to profile ${quote(name)}`, subject: 'active profile' };
}

export function renamedProfile(from: string, to: string): Note {
  return { text: `Renamed profile ${quote(from)} to ${quote(to)}` };
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
    text: `The model ${note.text.charAt(0).toLowerCase()}${note.text.slice(1)}`,
    ...(note.subject !== undefined ? { subject: `${note.subject} (model)` } : {}),
    ...(fold ? { fold: (previous: Note) => madeBy(by, fold(previous)) } : {}),
  };
}

/** A change was taken back (`what`: the note that said it). */
export function undone(what: string): Note {
  return { text: `Undone: ${what}` };
}
