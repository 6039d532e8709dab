/**
 * The messages of the conversation in the DOM, in order, one MessageView each; notes in
 * a row fold into one NoteGroup. No live region: a streaming reply must not be read out
 * token by token (the Chat view announces a finished reply once).
 *
 * The messages sit in chunks. Older ones, built later (olderMessages.ts), come in as a
 * chunk of their own at the top, out of sight, and the browser skips such a chunk while
 * it stays out of sight (content-visibility: auto): a conversation of thousands costs
 * about what the messages on screen cost. The newest messages and new ones are on
 * screen as they come: their chunks are laid out at once (a skippable chunk starts
 * skipped, and would be blank for a frame).
 */
import type { ChatMessageDto } from '../../protocol';
import { h } from '../dom';
import { strings } from '../strings';
import { MessageView } from './messageView';
import { NoteGroup } from './noteGroup';

/** Messages (or note groups) a chunk takes at the end before a new one begins. */
const CHUNK = 25;
/** A message's height before it was ever laid out: the size a skipped chunk is given. */
const MESSAGE_PX = 60;

export class Transcript {
  readonly element = h('section', { className: 'conversation', 'aria-label': strings().conversation });
  private views = new Map<number, MessageView>();
  private readonly groups = new WeakMap<Element, NoteGroup>();
  private oldest: number | undefined;

  get size(): number {
    return this.views.size;
  }

  /** The id of the oldest message shown. */
  get oldestId(): number | undefined {
    return this.oldest;
  }

  get(id: number): MessageView | undefined {
    return this.views.get(id);
  }

  streaming(): boolean {
    return [...this.views.values()].some((v) => v.message.status === 'streaming');
  }

  /** Empties it, for another conversation. */
  reset(): void {
    this.views = new Map();
    this.oldest = undefined;
    this.element.replaceChildren();
  }

  /** Adds a message at the end; false if it is here already. */
  add(m: ChatMessageDto): boolean {
    if (this.views.has(m.id)) return false;
    const view = new MessageView(m);
    this.views.set(m.id, view);
    this.oldest ??= m.id;
    // A note joins the notes that end the conversation.
    const last = this.groupAt(this.element.lastElementChild?.lastElementChild);
    if (folds(m) && last) {
      last.add(view.element);
      return true;
    }
    let chunk = this.element.lastElementChild;
    if (!chunk || chunk.childElementCount >= CHUNK) chunk = this.element.appendChild(newChunk(1, false));
    chunk.append(folds(m) ? this.newGroup([view]).element : view.element);
    return true;
  }

  /**
   * Adds messages older than every one shown (oldest first, built by the caller) at the
   * top, as one chunk, which the browser may skip while out of sight when `skippable`;
   * the newest of them, when notes, join the notes at the top. Returns the chunk, if one was made.
   */
  prepend(built: readonly MessageView[], skippable: boolean): HTMLElement | undefined {
    const views = built.filter((v) => !this.views.has(v.message.id));
    if (views.length === 0) return undefined;
    for (const view of views) this.views.set(view.message.id, view);
    this.oldest = views[0]!.message.id;

    let end = views.length;
    while (end > 0 && folds(views[end - 1]!.message)) end--;
    const top = this.groupAt(this.element.firstElementChild?.firstElementChild);
    if (top && end < views.length) top.prepend(views.splice(end).map((v) => v.element));
    if (views.length === 0) return undefined;

    const chunk = newChunk(views.length, skippable);
    for (let i = 0; i < views.length; ) {
      let j = i + 1;
      if (!folds(views[i]!.message)) chunk.append(views[i]!.element);
      else {
        while (j < views.length && folds(views[j]!.message)) j++;
        chunk.append(this.newGroup(views.slice(i, j)).element);
      }
      i = j;
    }
    this.element.prepend(chunk);
    return chunk;
  }

  private newGroup(notes: MessageView[]): NoteGroup {
    const group = new NoteGroup();
    this.groups.set(group.element, group);
    group.prepend(notes.map((v) => v.element));
    return group;
  }

  private groupAt(element: Element | null | undefined): NoteGroup | undefined {
    return element ? this.groups.get(element) : undefined;
  }
}

/** Notes fold into a group; a tool card, also sent as a note, stands on its own. */
function folds(m: ChatMessageDto): boolean {
  return m.role === 'note' && !m.card;
}

function newChunk(messages: number, skippable: boolean): HTMLElement {
  const chunk = h('div', { className: skippable ? 'msg-chunk skippable' : 'msg-chunk' });
  // Its height until it is first laid out; from then on `auto` keeps its real one.
  if (skippable) chunk.style.containIntrinsicBlockSize = `auto ${messages * MESSAGE_PX}px`;
  return chunk;
}

/** Lays a skippable chunk out now: it came into sight as it came in. */
export function showNow(chunk: HTMLElement): void {
  chunk.classList.remove('skippable');
}
