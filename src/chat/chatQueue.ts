/**
 * Pipulate's `chatq`: the one ordered way into a conversation for everything that is not
 * the model's reply: notes of what the user did (added a todo, switched profile...) and
 * messages from background jobs.
 *
 * - Items come out in the order they were pushed (per profile; profiles are independent).
 * - While a profile is held (a reply is streaming in it), its items wait, and come out
 *   in order when it is released (the reply finished), so they never land in the middle
 *   of a reply. Items for a profile that is not held go out at once, synchronously.
 * - `deliver` runs one item at a time; an item pushed while another is being delivered
 *   (by a listener, say) waits its turn.
 */

export interface QueuedItem {
  profileId: number;
}

interface Entry<T> {
  item: T;
  settle: (delivered: boolean) => void;
  fail: (err: unknown) => void;
}

export class ChatQueue<T extends QueuedItem> {
  private readonly waiting = new Map<number, Entry<T>[]>();
  private readonly holds = new Map<number, number>();
  private delivering = false;
  private disposed = false;

  /**
   * `deliver` persists and shows one item, and returns false when it had to drop it (its
   * profile is gone). If it throws, that item's push rejects and the rest go on.
   */
  constructor(private readonly deliver: (item: T) => boolean) {}

  /**
   * Queues `item`. Resolves true once it is delivered, false if it was dropped (its
   * profile was deleted, or the queue disposed).
   */
  push(item: T): Promise<boolean> {
    if (this.disposed) return Promise.resolve(false);
    return new Promise<boolean>((settle, fail) => {
      const list = this.waiting.get(item.profileId) ?? [];
      list.push({ item, settle, fail });
      this.waiting.set(item.profileId, list);
      this.drain();
    });
  }

  /** Items of this profile wait until as many `release` calls as `hold` calls. */
  hold(profileId: number): void {
    this.holds.set(profileId, (this.holds.get(profileId) ?? 0) + 1);
  }

  release(profileId: number): void {
    const n = (this.holds.get(profileId) ?? 0) - 1;
    if (n > 0) this.holds.set(profileId, n);
    else this.holds.delete(profileId);
    this.drain();
  }

  isHeld(profileId: number): boolean {
    return this.holds.has(profileId);
  }

  /** How many items wait (for one profile, or in all). */
  pending(profileId?: number): number {
    if (profileId !== undefined) return this.waiting.get(profileId)?.length ?? 0;
    let n = 0;
    for (const list of this.waiting.values()) n += list.length;
    return n;
  }

  /** Forgets the waiting items of a profile (it was deleted); their pushes resolve false. Returns how many. */
  drop(profileId: number): number {
    const list = this.waiting.get(profileId) ?? [];
    this.waiting.delete(profileId);
    this.holds.delete(profileId);
    for (const entry of list) entry.settle(false);
    return list.length;
  }

  /** Drops everything; later pushes resolve false at once. */
  dispose(): void {
    this.disposed = true;
    for (const profileId of [...this.waiting.keys()]) this.drop(profileId);
  }

  private drain(): void {
    if (this.delivering) return; // the running drain picks it up
    this.delivering = true;
    try {
      for (;;) {
        const ready = [...this.waiting.entries()].find(([profileId, list]) => list.length > 0 && !this.holds.has(profileId));
        if (!ready) break;
        const entry = ready[1].shift()!;
        if (ready[1].length === 0) this.waiting.delete(ready[0]);
        try {
          entry.settle(this.deliver(entry.item));
        } catch (err) {
          entry.fail(err);
        }
      }
    } finally {
      this.delivering = false;
    }
  }
}
