/**
 * "Apply to file": a code block of a reply, put in the place of what the question
 * attached, shown as a diff the user reviews; never written on its own. This is what the
 * proposed text is; the editor's side (src/attachCommands.ts) only shows it.
 *
 * - A file attachment: the block becomes the whole file.
 * - A selection: the block takes the place of the selected text, looked for where it is
 *   now (the file may have changed since it was attached), as a link finds its anchor
 *   (src/tasks/anchor.ts): the occurrence nearest the attached lines; failing exact
 *   ones, lines that differ only in white space, replaced whole. Gone: refused.
 *
 * The file's line ends (CRLF or LF) are kept, and so is its last line end.
 */
import * as l10n from '@vscode/l10n';
import { UserError } from '../errors';
import { relocate } from '../tasks/anchor';
import type { FileRef } from '../tasks/links';
import { placeOf, type Attachment } from './attachments';

/** The file's text with `code` in the attachment's place. */
export function proposedText(current: string, a: Attachment, code: string): string {
  const eol = current.includes('\r\n') ? '\r\n' : '\n';
  const text = current.replace(/\r\n/g, '\n');
  const block = code.replace(/\r\n/g, '\n').replace(/\n$/, '');
  let result: string;
  if (a.start === undefined) {
    result = block + (text.endsWith('\n') ? '\n' : '');
  } else {
    // A selection of whole lines ends with a line end: the line end stays, the lines are replaced.
    const anchor = a.text.replace(/\r\n/g, '\n').replace(/\n$/, '');
    const found = relocate({ folder: a.folder, path: a.path, start: a.start, end: a.end ?? a.start, anchor }, text);
    if (found.gone) throw new UserError(l10n.t('The attached lines are no longer in {0}: attach them again, then ask again.', a.path));
    const lines = text.split('\n');
    const before = lines.slice(0, found.start).join('\n');
    const region = lines.slice(found.start, found.end + 1).join('\n');
    const after = lines.slice(found.end + 1).join('\n');
    const at = anchor.trim() ? region.indexOf(anchor) : -1;
    // Exactly there (a selection may begin or end inside a line): only the selected text is replaced.
    const replaced = at >= 0 ? region.slice(0, at) + block + region.slice(at + anchor.length) : block;
    result = [...(found.start > 0 ? [before] : []), replaced, ...(found.end + 1 < lines.length ? [after] : [])].join('\n');
  }
  return eol === '\n' ? result : result.replace(/\n/g, eol);
}

export interface ApplyPorts {
  /** The file as the editor has it (unsaved changes included); undefined when it is not there. */
  read(file: FileRef): Promise<string | undefined>;
  /** Which of several attachments (their places); undefined when the user cancelled. */
  pick(placeholder: string, items: string[]): Promise<number | undefined>;
  /** Shows `proposed` against the file (whose text was `base`) as a diff; nothing is written unless the user takes it there. */
  propose(file: FileRef, base: string, proposed: string): Promise<void>;
}

/** Offers `code` for one of `attached` (asking which, when several) as a diff; false when the user cancelled the choice. */
export async function proposeCode(ports: ApplyPorts, attached: readonly Attachment[], code: string): Promise<boolean> {
  if (attached.length === 0) throw new UserError(l10n.t('The message this reply answers had nothing attached: there is no file to apply the code to.'));
  const index = attached.length === 1 ? 0 : await ports.pick(l10n.t('Apply the code in place of which attachment?'), attached.map(placeOf));
  if (index === undefined) return false;
  const a = attached[index]!;
  const current = await ports.read(a);
  if (current === undefined) throw new UserError(l10n.t('The file {0} is not in the workspace any more.', a.path));
  const proposed = proposedText(current, a, code);
  if (proposed === current) throw new UserError(l10n.t('The code is what {0} already holds: there is nothing to apply.', placeOf(a)));
  await ports.propose(a, current, proposed);
  return true;
}
