/**
 * Actions that ask the user first (a name, a confirmation), with one wording whether
 * they start from a view's button or from the command palette. Free of the `vscode`
 * module: the dialogs come in as a `Dialogs`.
 */
import * as l10n from '@vscode/l10n';
import type { TasksService } from '../tasks/tasksService';

export interface Dialogs {
  /** A modal question with one action besides Cancel; true when the action was chosen. */
  confirm(message: string, detail: string, action: string): Promise<boolean>;
  /** Asks for a line of text; undefined when cancelled. */
  prompt(options: { title: string; value?: string; placeholder?: string }): Promise<string | undefined>;
}

/** Creates a profile, asking for its name when none is given. False when cancelled. */
export async function addProfile(ui: Dialogs, tasks: TasksService, name?: string): Promise<boolean> {
  name ??= await ui.prompt({ title: l10n.t('New profile'), placeholder: l10n.t('Name of the new profile') });
  if (name === undefined) return false;
  await tasks.addProfile(name);
  return true;
}

/** Renames a profile, asking for the new name when none is given. False when cancelled. */
export async function renameProfile(ui: Dialogs, tasks: TasksService, id: number, name?: string): Promise<boolean> {
  const current = tasks.getProfile(id);
  name ??= await ui.prompt({
    title: l10n.t('Rename profile “{0}”', current.name),
    value: current.name,
    placeholder: l10n.t('Name of the profile'),
  });
  if (name === undefined) return false;
  await tasks.renameProfile(id, name);
  return true;
}

/** Deletes a profile, with its todos and conversation, once the user confirms. */
export async function deleteProfile(ui: Dialogs, tasks: TasksService, id: number): Promise<boolean> {
  const profile = tasks.getProfile(id);
  const ok = await ui.confirm(
    l10n.t('Delete the profile “{0}”?', profile.name),
    l10n.t('Its todos and its conversation are deleted with it. This cannot be undone.'),
    l10n.t('Delete Profile'),
  );
  if (ok) await tasks.deleteProfile(id);
  return ok;
}

/** Clears the active profile's conversation once the user confirms. */
export async function clearConversation(ui: Dialogs, tasks: TasksService, chat: { clear(profileId: number): Promise<void> }): Promise<boolean> {
  const profile = tasks.activeProfile();
  const ok = await ui.confirm(
    l10n.t('Clear the conversation of “{0}”?', profile.name),
    l10n.t('Its messages are deleted. This cannot be undone.'),
    l10n.t('Clear Conversation'),
  );
  if (ok) await chat.clear(profile.id);
  return ok;
}
