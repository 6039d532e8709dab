import * as l10n from '@vscode/l10n';

/**
 * Errors as data. A `UserError` is an expected failure whose message is written for the
 * user (a todo that no longer exists, an empty title, a busy chat): views show its
 * message as is and the log records one line, no stack. Anything else is a bug or a
 * fault, logged with its stack. Recognise kinds by class, never by matching messages.
 */
export class UserError extends Error {
  override name = 'UserError';
}

/** A row that is not there (or not in the caller's scope). */
export class NotFoundError extends UserError {
  override name = 'NotFoundError';
  constructor(
    readonly table: string,
    readonly key: unknown,
  ) {
    super(NotFoundError.describe(table, key));
  }

  private static describe(table: string, key: unknown): string {
    if (table === 'todo') return l10n.t('That todo no longer exists.');
    if (table === 'profile') return l10n.t('That profile no longer exists.');
    return l10n.t('No row in "{0}" with key {1}', table, String(JSON.stringify(key)?.slice(0, 100)));
  }
}

/** Describes any thrown value in one line for the user. */
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
