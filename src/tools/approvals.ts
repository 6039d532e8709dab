/**
 * Which kinds of change the model may make without asking: the settings' list
 * (`pipulate.tools.autoApprove`, everywhere) and, per profile, what the user allowed from
 * a card ("Always allow … in this profile"), kept in the kv store. A card never offers to
 * allow deleting: only the user's own hand in the settings can.
 */
import * as l10n from '@vscode/l10n';
import type { ChangeKind } from '../protocol';
import type { AppStore } from '../store/appSchema';

export const CHANGE_KINDS: readonly ChangeKind[] = ['add', 'complete', 'rename', 'move', 'delete', 'clearCompleted', 'profile'];
const OFFERED: ReadonlySet<ChangeKind> = new Set(['add', 'complete', 'rename', 'move', 'profile']);

/** Whether a card may offer "Always allow" for this kind. */
export function canAlwaysAllow(kind: ChangeKind): boolean {
  return OFFERED.has(kind);
}

/** A kind of change in words, as "Always allow …" and the settings name it. */
export function kindLabel(kind: ChangeKind): string {
  switch (kind) {
    case 'add':
      return l10n.t('Adding todos');
    case 'complete':
      return l10n.t('Completing and reopening todos');
    case 'rename':
      return l10n.t('Renaming todos');
    case 'move':
      return l10n.t('Moving todos');
    case 'delete':
      return l10n.t('Deleting todos');
    case 'clearCompleted':
      return l10n.t('Clearing completed todos');
    case 'profile':
      return l10n.t('Creating and switching profiles');
  }
}

/** The kinds a card may offer to allow always, in order. */
export function offeredKinds(): ChangeKind[] {
  return CHANGE_KINDS.filter(canAlwaysAllow);
}

const key = (profileId: number) => `tools.allowed.${profileId}`;

export class Approvals {
  constructor(
    private readonly store: AppStore,
    /** The settings' list, read at each use; unknown names are ignored. */
    private readonly fromSettings: () => readonly string[],
  ) {}

  allowed(profileId: number, kind: ChangeKind): boolean {
    return this.settings().includes(kind) || this.profile(profileId).includes(kind);
  }

  /** Allows these kinds too in this profile (those a card may offer; others are ignored). The caller syncs. */
  allow(profileId: number, kinds: readonly ChangeKind[]): void {
    this.write(profileId, [...this.profile(profileId), ...kinds]);
  }

  /** What is allowed in this profile from now on, exactly these kinds (of those a card may offer); on disk when it resolves. */
  async set(profileId: number, kinds: readonly ChangeKind[]): Promise<void> {
    this.write(profileId, kinds);
    await this.store.db.sync();
  }

  /** The profile is being deleted: what it allowed goes (call it inside the profile delete's transaction). */
  removeProfile(profileId: number): void {
    this.store.kv.delete(key(profileId));
  }

  /** What is allowed without asking, and where it comes from. */
  list(profileId: number): { profile: ChangeKind[]; settings: ChangeKind[] } {
    return { profile: this.profile(profileId), settings: this.settings() };
  }

  private write(profileId: number, kinds: readonly ChangeKind[]): void {
    const next = CHANGE_KINDS.filter((k) => canAlwaysAllow(k) && kinds.includes(k));
    if (next.length) this.store.kv.set(key(profileId), next);
    else this.store.kv.delete(key(profileId));
  }

  private profile(profileId: number): ChangeKind[] {
    const stored = this.store.kv.get<unknown>(key(profileId));
    return Array.isArray(stored) ? CHANGE_KINDS.filter((k) => stored.includes(k)) : [];
  }

  private settings(): ChangeKind[] {
    const list = this.fromSettings();
    return CHANGE_KINDS.filter((k) => list.includes(k));
  }
}
