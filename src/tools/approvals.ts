/**
 * Which kinds of change the model may make without asking: the settings' list
 * (`pipulate.tools.autoApprove`, everywhere) and, per profile, what the user allowed from
 * a card ("Always allow … in this profile"), kept in the kv store. A card never offers to
 * allow deleting: only the user's own hand in the settings can.
 */
import type { ChangeKind } from '../protocol';
import type { KeyValue } from '../store/kv';

export const CHANGE_KINDS: readonly ChangeKind[] = ['add', 'complete', 'rename', 'move', 'delete', 'clearCompleted', 'profile'];
const OFFERED: ReadonlySet<ChangeKind> = new Set(['add', 'complete', 'rename', 'move', 'profile']);

/** Whether a card may offer "Always allow" for this kind. */
export function canAlwaysAllow(kind: ChangeKind): boolean {
  return OFFERED.has(kind);
}

const key = (profileId: number) => `tools.allowed.${profileId}`;

export class Approvals {
  constructor(
    private readonly kv: KeyValue,
    /** The settings' list, read at each use; unknown names are ignored. */
    private readonly fromSettings: () => readonly string[],
  ) {}

  allowed(profileId: number, kind: ChangeKind): boolean {
    return this.settings().includes(kind) || this.profile(profileId).includes(kind);
  }

  /** Allows these kinds in this profile (those a card may offer; others are ignored). Call inside a transaction that is synced. */
  allow(profileId: number, kinds: readonly ChangeKind[]): void {
    const next = [...new Set([...this.profile(profileId), ...kinds.filter(canAlwaysAllow)])];
    this.kv.set(key(profileId), CHANGE_KINDS.filter((k) => next.includes(k)));
  }

  revoke(profileId: number, kinds: readonly ChangeKind[]): void {
    const next = this.profile(profileId).filter((k) => !kinds.includes(k));
    if (next.length) this.kv.set(key(profileId), next);
    else this.kv.delete(key(profileId));
  }

  /** What is allowed without asking, and where it comes from. */
  list(profileId: number): { profile: ChangeKind[]; settings: ChangeKind[] } {
    return { profile: this.profile(profileId), settings: this.settings() };
  }

  private profile(profileId: number): ChangeKind[] {
    const stored = this.kv.get<unknown>(key(profileId));
    return Array.isArray(stored) ? CHANGE_KINDS.filter((k) => stored.includes(k)) : [];
  }

  private settings(): ChangeKind[] {
    const list = this.fromSettings();
    return CHANGE_KINDS.filter((k) => list.includes(k));
  }
}
