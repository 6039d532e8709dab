/**
 * Keeps a scrolling pane at its bottom while its content grows, unless the user has
 * scrolled up: then it stays where they put it, until they scroll back down.
 *
 * Whether to follow is decided after the content changed, not before: a ResizeObserver
 * runs after layout and before paint, so text a frame adds is followed in that frame.
 * (Deciding before, as a delta arrives, misses the growth of the frame that renders it:
 * with several lines a delta the pane fell further behind and never caught up.)
 */
const NEAR_PX = 40;

export class FollowBottom {
  private pinned = true;
  /** Where this class last put the pane: a scroll event there is its own, not the user's. */
  private ownTop = -1;

  constructor(
    private readonly pane: HTMLElement,
    content: HTMLElement,
  ) {
    pane.addEventListener('scroll', () => pane.scrollTop !== this.ownTop && (this.pinned = this.nearBottom()), { passive: true });
    const observer = new ResizeObserver(() => this.pinned && this.toBottom());
    observer.observe(pane);
    observer.observe(content);
  }

  /** Follows again from the bottom (a new conversation, a message the user sent). */
  pin(): void {
    this.pinned = true;
    this.toBottom();
  }

  private toBottom(): void {
    this.pane.scrollTop = this.pane.scrollHeight;
    this.ownTop = this.pane.scrollTop;
  }

  private nearBottom(): boolean {
    return this.pane.scrollHeight - this.pane.scrollTop - this.pane.clientHeight < NEAR_PX;
  }
}
