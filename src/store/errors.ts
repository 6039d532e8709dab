/** Errors the store throws; each names what went wrong and what to do about it. */

import * as l10n from '@vscode/l10n';
import { UserError } from '../errors';
export { NotFoundError } from '../errors';

/** The declared schema cannot be applied without losing data, or names an unknown column. */
export class SchemaError extends UserError {
  override name = 'SchemaError';
}

/** Another process (another VS Code window) already has this store open. */
export class StoreLockedError extends UserError {
  override name = 'StoreLockedError';
  constructor(readonly lockPath: string, readonly owner: string) {
    super(l10n.t('The Pipulate database is in use by {0}. Close the other window that has this workspace open, or, if none does, delete {1}.', owner, lockPath));
  }
}

/**
 * This window opened the store without its lock (the folder could not be written, and no
 * one held it), and another window has taken the store since: saving this window's
 * state would overwrite what that one saved, so this window saves nothing more.
 */
export class StoreTakenError extends UserError {
  override name = 'StoreTakenError';
  constructor(readonly dir: string, by: string) {
    super(
      l10n.t(
        "Pipulate cannot save to {0}: {1} has taken the database since this window opened it (its folder could not be written then, so this window could not lock it). Changes made in this window since it opened are not saved, so as not to overwrite that window's; reload this window to work with the saved data.",
        dir,
        by,
      ),
    );
  }
}

export class StoreClosedError extends Error {
  override name = 'StoreClosedError';
  constructor() {
    super(l10n.t('The Pipulate database is closed.'));
  }
}
