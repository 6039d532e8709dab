/**
 * Links from todos to code, and how a link follows the code as the file changes. A link
 * names a file (relative to its workspace folder), a line range and the text that was
 * selected there (its anchor). When the file changed, the anchor is looked for again and
 * the occurrence nearest to where it was wins; when it is nowhere, the link is gone.
 * Free of the `vscode` module: it works on the file's text.
 */

export interface CodeLink {
  /** The workspace folder's name ('' with no folder open: `path` is then absolute). */
  folder: string;
  /** Relative to the folder, with forward slashes. */
  path: string;
  /** Zero-based, inclusive. */
  start: number;
  end: number;
  /** The selected text (or the whole line, when nothing was selected). */
  anchor: string;
  /** The anchor was looked for and is no longer in the file. */
  gone?: boolean;
}

/** Where a link points, as the row shows it: `parse.ts:42` (lines from 1). */
export function linkLabel(link: Pick<CodeLink, 'path' | 'start' | 'end'>): string {
  const name = link.path.slice(link.path.lastIndexOf('/') + 1);
  return link.end > link.start ? `${name}:${link.start + 1}-${link.end + 1}` : `${name}:${link.start + 1}`;
}

/** The full place, for notes to the model: `src/parse.ts:42`. */
export function linkPlace(link: Pick<CodeLink, 'path' | 'start' | 'end'>): string {
  return `${link.path}:${link.start + 1}${link.end > link.start ? `-${link.end + 1}` : ''}`;
}

/**
 * Where the anchor is in `text` now: the link with its lines moved (and `gone` cleared),
 * or with `gone` set when the anchor is nowhere. An empty anchor (a blank line) cannot be
 * followed: the link stays where it was. Exact matches win; failing those, matches that
 * differ only in white space (the code was reindented).
 */
export function relocate(link: CodeLink, text: string): CodeLink {
  const rest = { ...link };
  delete rest.gone;
  const anchor = link.anchor.replace(/\r\n/g, '\n');
  if (!anchor.trim()) return rest;
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  const span = anchor.split('\n').length - 1;
  const starts = exactStarts(lines, anchor);
  const found = starts.length ? starts : looseStarts(lines, anchor);
  if (found.length === 0) return { ...link, gone: true };
  // The nearest to where it was; of two as near, the one below (code above it grew).
  let best = found[0]!;
  for (const s of found) {
    const d = Math.abs(s - link.start);
    const bestD = Math.abs(best - link.start);
    if (d < bestD || (d === bestD && s > best)) best = s;
  }
  return { ...rest, start: best, end: best + span };
}

/** The first line of each exact occurrence of `anchor` (which may begin or end mid-line). */
function exactStarts(lines: string[], anchor: string): number[] {
  const text = lines.join('\n');
  const starts: number[] = [];
  let line = 0;
  let counted = 0; // newlines before `counted` are in `line`
  for (let at = text.indexOf(anchor); at >= 0; at = text.indexOf(anchor, at + 1)) {
    for (let i = text.indexOf('\n', counted); i >= 0 && i < at; i = text.indexOf('\n', i + 1)) line++;
    counted = at;
    if (starts[starts.length - 1] !== line) starts.push(line);
  }
  return starts;
}

/** Lines where the anchor's lines follow one another, compared with their white space collapsed. */
function looseStarts(lines: string[], anchor: string): number[] {
  const squash = (s: string) => s.replace(/\s+/g, ' ').trim();
  const want = anchor.split('\n').map(squash);
  const have = lines.map(squash);
  const starts: number[] = [];
  for (let i = 0; i + want.length <= have.length; i++) {
    // The first and last anchor lines may be parts of their lines (a selection begins mid-line).
    const ok = want.every((w, k) => {
      const line = have[i + k]!;
      if (want.length === 1) return w !== '' && line.includes(w);
      if (k === 0) return line.endsWith(w);
      if (k === want.length - 1) return line.startsWith(w);
      return line === w;
    });
    if (ok) starts.push(i);
  }
  return starts;
}

/** A link moved with its file or folder (a rename in VS Code): the new path, or undefined when `link` is not under `from`. */
export function renamedPath(link: Pick<CodeLink, 'folder' | 'path'>, from: { folder: string; path: string }, to: { folder: string; path: string }): { folder: string; path: string } | undefined {
  if (link.folder !== from.folder) return undefined;
  if (link.path === from.path) return { folder: to.folder, path: to.path };
  if (link.path.startsWith(`${from.path}/`)) return { folder: to.folder, path: to.path + link.path.slice(from.path.length) };
  return undefined;
}
