/**
 * A long conversation, built without freezing the view. A snapshot carries only the
 * newest page of messages: the newest screenful is built at once, the rest a slice per
 * task (SLICE_MS of work at most, so input and painting go on between them), each
 * slice put above what is shown with the reader's place kept. When the reader nears the
 * top and everything loaded is built, the next older page is asked for (chat/history),
 * and so on up to the first message. A reset (another profile, a clear) drops what was
 * pending and any page still on its way.
 *
 * Only the top changes here: new messages, deltas and finished replies go to the bottom
 * of the transcript, which holds the newest messages from the first task on.
 */
import type { ChatMessageDto, ChatPage } from '../../protocol';
import { request } from '../host';
import { keepingPlace } from './keepPlace';
import { MessageView } from './messageView';
import { showNow, type Transcript } from './transcript';

/** Messages asked for per page. */
const PAGE = 100;
/** Work per task, well under the 50 ms of a long task. */
const SLICE_MS = 8;
/** The newest messages built at once, whatever their height: a streaming reply is among them. */
const AT_ONCE = 8;
/** Older messages are fetched once the reader is this many screens from the top. */
const NEAR_SCREENS = 1.5;

export class OlderMessages {
  /** Loaded, not built yet; oldest first. */
  private pending: ChatMessageDto[] = [];
  private more = false;
  private loading = false;
  /** Bumped by every reset: work and answers of an older one are dropped. */
  private generation = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly pane: HTMLElement,
    private readonly transcript: Transcript,
    private readonly onError: (message: string) => void,
  ) {
    pane.addEventListener('scroll', () => this.nearTop() && this.continue(), { passive: true });
  }

  /** Another conversation (or the same, reloaded): its newest messages now, the rest in slices. */
  reset(page: ChatPage): void {
    this.generation++;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.loading = false;
    this.transcript.reset();
    this.pending = [...page.messages];
    this.more = page.more;
    this.buildScreenful();
    // The rest once the newest are painted.
    const generation = this.generation;
    requestAnimationFrame(() => generation === this.generation && this.continue());
  }

  /** The newest messages, until they fill the pane (at least AT_ONCE of them), in this task. */
  private buildScreenful(): void {
    const start = performance.now();
    for (let batch = AT_ONCE; this.pending.length > 0; batch = AT_ONCE / 2) {
      let built = 0;
      this.transcript.prepend(this.build(() => ++built < batch), false);
      if (this.transcript.element.offsetHeight >= this.pane.clientHeight || performance.now() - start > SLICE_MS * 2) return;
    }
  }

  /** Builds what is pending, a slice per task; then, near the top, fetches the next page. */
  private continue(): void {
    if (this.timer !== undefined) return;
    if (this.pending.length > 0) this.timer = setTimeout(() => this.buildSlice(), 0);
    else if (this.more && !this.loading && this.nearTop()) void this.fetch();
  }

  private buildSlice(): void {
    this.timer = undefined;
    const start = performance.now();
    const slice = this.build(() => performance.now() - start < SLICE_MS);
    let chunk: HTMLElement | undefined;
    keepingPlace(this.pane, () => (chunk = this.transcript.prepend(slice, true)));
    // Above the reader's place it is out of sight, unless the conversation is shorter than the pane.
    if (chunk && chunk.getBoundingClientRect().bottom > this.pane.getBoundingClientRect().top) showNow(chunk);
    this.continue();
  }

  /** Builds pending messages, newest first, while `goOn` says so (one at least); oldest first. */
  private build(goOn: () => boolean): MessageView[] {
    const views: MessageView[] = [];
    do views.unshift(new MessageView(this.pending.pop()!));
    while (this.pending.length > 0 && goOn());
    return views;
  }

  private async fetch(): Promise<void> {
    if (await this.fetchPage()) this.continue();
  }

  /** Adds the page before the oldest message to what is pending; false if it did not come (an error, a reset). */
  private async fetchPage(): Promise<boolean> {
    const before = this.transcript.oldestId;
    if (before === undefined) return false;
    const generation = this.generation;
    this.loading = true;
    try {
      const page = await request({ kind: 'chat/history', before, limit: PAGE });
      if (generation !== this.generation) return false;
      this.pending = [...page.messages, ...this.pending];
      this.more = page.more;
      return true;
    } catch (err) {
      if (generation === this.generation) this.onError((err as Error).message);
      return false;
    } finally {
      if (generation === this.generation) this.loading = false;
    }
  }

  /**
   * Brings message `id` into view and focus ("Pipulate: Search" landed on it): what is
   * pending is built, and older pages fetched, until it is there or the first message is.
   */
  async reveal(id: number): Promise<void> {
    const generation = this.generation;
    for (;;) {
      const found = this.transcript.element.querySelector<HTMLElement>(`[data-id="${id}"]`);
      if (found) {
        const chunk = found.closest<HTMLElement>('.skippable');
        if (chunk) showNow(chunk);
        // A note folded with others ("3 actions in Tasks") is unfolded, as its button does.
        if (found.closest<HTMLElement>('.note-list')?.hidden) found.closest('.note-group')?.querySelector<HTMLButtonElement>('.note-fold')?.click();
        found.tabIndex = -1;
        found.scrollIntoView({ block: 'center' });
        found.focus({ preventScroll: true });
        return;
      }
      if (this.pending.length > 0) {
        this.transcript.prepend(this.build(() => true), false);
        continue;
      }
      if (!this.more || this.loading) return;
      await this.fetchPage();
      if (generation !== this.generation) return;
    }
  }

  private nearTop(): boolean {
    return this.pane.scrollTop < this.pane.clientHeight * NEAR_SCREENS;
  }
}
