/**
 * Finding TODO, FIXME and HACK comments in source files, for "Pipulate: Import TODO
 * Comments": which files to skip (.gitignore rules, through the `ignore` package), the
 * comment syntax of each language, and a scan over many files that yields to the event
 * loop between short slices, so the extension host is never blocked for long. Free of the
 * `vscode` module: the adapter (src/importCommands.ts) lists and reads the files.
 */
import ignore, { type Ignore } from 'ignore';

export interface TodoComment {
  /** Relative to the workspace folder, forward slashes. */
  path: string;
  /** Zero-based. */
  line: number;
  /** The word found, as the setting spells it (TODO). */
  word: string;
  /** What the comment says after the word ("handle errors"); may be empty. */
  text: string;
  /** The whole line: the link's anchor. */
  lineText: string;
}

interface Syntax {
  line: readonly string[];
  block: readonly (readonly [string, string])[];
}

const C: Syntax = { line: ['//'], block: [['/*', '*/']] };
const HASH: Syntax = { line: ['#'], block: [] };
const SYNTAX: Record<string, Syntax> = {};
const add = (syntax: Syntax, exts: string) => exts.split(' ').forEach((e) => (SYNTAX[e] = syntax));
add(C, 'ts tsx js jsx mjs cjs mts cts c h cc cpp cxx hpp hh cs java kt kts scala go rs swift dart php groovy gradle zig proto css scss less jsonc');
add(HASH, 'sh bash zsh fish rb pl pm r yaml yml toml conf ini cfg cmake mk nix ps1 tf');
add({ line: ['#'], block: [['"""', '"""']] }, 'py pyi');
add({ line: ['--'], block: [['--[[', ']]'], ['{-', '-}']] }, 'lua hs sql elm');
add({ line: [';'], block: [] }, 'clj cljs el lisp scm asm');
add({ line: ['%'], block: [] }, 'tex erl');
add({ line: [], block: [['<!--', '-->']] }, 'html htm xml svg md');
add({ line: ['//'], block: [['<!--', '-->'], ['/*', '*/']] }, 'vue svelte');
const NAMES: Record<string, Syntax> = { dockerfile: HASH, makefile: HASH, gemfile: HASH, rakefile: HASH };

/** The comment syntax of a file, by its name; undefined for files that are not code (never scanned). */
export function syntaxOf(path: string): Syntax | undefined {
  const name = path.slice(path.lastIndexOf('/') + 1).toLowerCase();
  if (NAMES[name]) return NAMES[name];
  const dot = name.lastIndexOf('.');
  return dot > 0 ? SYNTAX[name.slice(dot + 1)] : undefined;
}

/** A matcher for the words, whole words in any case, as in `TODO:`, `todo(bob)`, `FIXME -`. */
export function wordsPattern(words: readonly string[]): RegExp {
  const clean = words.map((w) => w.trim()).filter((w) => /^\w+$/.test(w));
  if (!clean.length) throw new Error('no words to look for');
  return new RegExp(`\\b(${clean.join('|')})\\b`, 'i');
}

/** The TODO comments of one file's text. Only text inside comments counts (not a string "TODO" in code). */
export function scanText(text: string, path: string, words: RegExp): TodoComment[] {
  const syntax = syntaxOf(path);
  if (!syntax || !words.test(text)) return [];
  const found: TodoComment[] = [];
  const lines = text.split(/\r?\n/);
  let closing: string | undefined; // inside a block comment: what ends it
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    let at = 0;
    const comments: string[] = [];
    while (at <= line.length) {
      if (closing) {
        const end = line.indexOf(closing, at);
        comments.push(line.slice(at, end < 0 ? undefined : end));
        if (end < 0) break;
        at = end + closing.length;
        closing = undefined;
        continue;
      }
      const open = nextOpening(line, at, syntax);
      if (!open) break;
      if (open.kind === 'line') {
        comments.push(line.slice(open.index + open.token.length));
        break;
      }
      closing = open.close;
      at = open.index + open.token.length;
    }
    for (const comment of comments) {
      const m = words.exec(comment);
      if (!m) continue;
      const word = m[1]!;
      const rest = comment.slice(m.index + word.length).replace(/^\s*(\([^)]*\))?\s*[:\-–]?\s*/, '').replace(/\s*(\*\/|-->|-\})\s*$/, '').trim();
      found.push({ path, line: i, word: word.toUpperCase(), text: rest, lineText: line });
      break;
    }
  }
  return found;
}

type Opening = { kind: 'line' | 'block'; index: number; token: string; close?: string };

/** The first comment opener at or after `from` outside a string literal ("…", '…', `…` on this line). */
function nextOpening(line: string, from: number, syntax: Syntax): Opening | undefined {
  for (let at = from; at < line.length; at++) {
    const c = line[at]!;
    const open = openingAt(line, at, syntax);
    if (open) return open;
    if (c === '"' || c === "'" || c === '`') {
      let end = at + 1;
      while (end < line.length && line[end] !== c) end += line[end] === '\\' ? 2 : 1;
      at = end; // an unclosed string runs to the end of the line
    }
  }
  return undefined;
}

function openingAt(line: string, at: number, syntax: Syntax): Opening | undefined {
  let best: Opening | undefined;
  // A longer opener wins (--[[ over --, """ over a string).
  for (const [open, close] of syntax.block) {
    if (line.startsWith(open, at) && (!best || open.length > best.token.length)) best = { kind: 'block', index: at, token: open, close };
  }
  for (const token of syntax.line) {
    if (line.startsWith(token, at) && (!best || token.length > best.token.length)) best = { kind: 'line', index: at, token };
  }
  return best;
}

/**
 * The .gitignore files of a workspace folder, each applying under its own folder (and
 * `.git/` always skipped). `add` them, then ask `ignores` of each path.
 */
export class GitIgnores {
  private readonly rules: { dir: string; ig: Ignore }[] = [];

  /** `path`: the .gitignore's path relative to the workspace folder. */
  add(path: string, content: string): void {
    const dir = path.includes('/') ? path.slice(0, path.lastIndexOf('/') + 1) : '';
    this.rules.push({ dir, ig: ignore().add(content) });
    // Deeper files are asked last: a nested .gitignore can re-include what its parent left out.
    this.rules.sort((a, b) => a.dir.length - b.dir.length);
  }

  ignores(path: string): boolean {
    if (path === '.git' || path.startsWith('.git/') || path.includes('/.git/')) return true;
    let ignored = false;
    for (const { dir, ig } of this.rules) {
      if (!path.startsWith(dir)) continue;
      const r = ig.test(path.slice(dir.length));
      if (r.ignored) ignored = true;
      else if (r.unignored) ignored = false;
    }
    return ignored;
  }
}

const decoder = new TextDecoder('utf-8', { fatal: false });
const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * The paths .gitignore rules keep, relative to the folder: `relative` makes each one of
 * what the editor listed (VS Code's asRelativePath is not free either), all in slices of
 * at most `sliceMs` with a turn of the event loop between (10,000 files take over 100 ms).
 */
export async function keptPaths<T>(listed: readonly T[], relative: (item: T) => string, ignores: GitIgnores, sliceMs = 8): Promise<string[]> {
  const kept: string[] = [];
  let sliceStart = performance.now();
  for (const item of listed) {
    const p = relative(item);
    if (!ignores.ignores(p)) kept.push(p);
    if (performance.now() - sliceStart > sliceMs) {
      await yieldToLoop();
      sliceStart = performance.now();
    }
  }
  return kept;
}

export interface ScanOptions {
  words: RegExp;
  /** Reads a file's bytes (undefined: gone meanwhile, skipped). */
  read: (path: string) => Promise<Uint8Array | undefined>;
  /** Files read at once. */
  concurrency?: number;
  /** The longest the scan runs before it gives the event loop a turn. */
  sliceMs?: number;
  /** Larger files are skipped (minified bundles, data). */
  maxBytes?: number;
  isCancelled?: () => boolean;
  /** Called after each batch: files done, of how many. */
  onProgress?: (done: number, total: number) => void;
}

/**
 * The TODO comments of `paths`, in path order. Files are read a batch at a time; their
 * text is scanned in slices of at most `sliceMs`, with a turn of the event loop between
 * slices, so nothing else waits long. Binary files (a NUL byte) and large ones are skipped.
 * Stops early, with what it found so far, when cancelled.
 */
export async function scanFiles(paths: readonly string[], options: ScanOptions): Promise<TodoComment[]> {
  const { words, read, concurrency = 32, sliceMs = 8, maxBytes = 1_000_000 } = options;
  const code = paths.filter((p) => syntaxOf(p));
  const found: TodoComment[][] = [];
  for (let i = 0; i < code.length; i += concurrency) {
    if (options.isCancelled?.()) break;
    const batch = code.slice(i, i + concurrency);
    const contents = await Promise.all(batch.map((p) => read(p).catch(() => undefined)));
    let sliceStart = performance.now();
    for (let k = 0; k < batch.length; k++) {
      const bytes = contents[k];
      if (!bytes || bytes.length > maxBytes || bytes.includes(0)) continue;
      found.push(scanText(decoder.decode(bytes), batch[k]!, words));
      if (performance.now() - sliceStart > sliceMs) {
        await yieldToLoop();
        sliceStart = performance.now();
      }
    }
    options.onProgress?.(Math.min(i + concurrency, code.length), code.length);
  }
  return found.flat();
}
