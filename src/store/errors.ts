/** Errors the store throws; each names what went wrong and what to do about it. */

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
    super(
      `The Pipulate database is in use by ${owner}. Close the other window that has this ` +
        `workspace open, or, if none does, delete ${lockPath}.`,
    );
  }
}

export class StoreClosedError extends Error {
  override name = 'StoreClosedError';
  constructor() {
    super('The Pipulate database is closed.');
  }
}
