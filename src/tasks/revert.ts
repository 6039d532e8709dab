/**
 * How to take a change back exactly, as data: each change method of TasksService says
 * what it did in these terms (see `ChangeOptions.record`), the undo log (src/tools/undo.ts)
 * keeps them, and `TasksService.revert` carries them out. Plain JSON, so they survive a
 * reload in the store.
 */
import type { TodoDto } from '../protocol';
import type { CodeLink } from './anchor';

export type RevertStep =
  /** An added todo goes again. */
  | { op: 'remove'; id: number }
  /** A deleted todo comes back with its title, state and place in the list. */
  | { op: 'restore'; todo: TodoDto; link?: CodeLink }
  /** A renamed, completed or reopened todo gets its old title or state back. */
  | { op: 'set'; id: number; title?: string; done?: boolean }
  /** A move is taken back: these todos get these priorities again. */
  | { op: 'order'; priorities: [id: number, priority: number][] }
  /** A switch is taken back: this profile becomes active again. */
  | { op: 'switch'; profileId: number }
  /** A created profile goes again (only while it has no todos). */
  | { op: 'removeProfile'; profileId: number };

export type Actor = 'user' | 'model';

/** What a change method of TasksService is told besides its arguments (`R`: what the method resolves with). */
export interface ChangeOptions<R = unknown> {
  /** Who made the change; the note the model is told says so. Default: the user. */
  by?: Actor;
  /**
   * Called inside the change's own transaction with how to revert it, and what the
   * method will resolve with: what it writes (an undo entry, the card that shows the
   * change and its outcome) is on disk with the change, in the same sync. Not called
   * when nothing changed.
   */
  record?: (steps: RevertStep[], note: string, result: R) => void;
  /**
   * Given, the method does not wait for the disk: it resolves once the change is made (in
   * memory), and hands over `told`, which resolves once the change is on disk and the views
   * and the model were told of it. The caller tells of the change only after that (the
   * chat's tool round sends the model its next request meanwhile). A method that changes
   * in steps (creating a profile switches to it once it is saved) waits as usual and does
   * not call it.
   */
  deferred?: (told: Promise<void>) => void;
}
