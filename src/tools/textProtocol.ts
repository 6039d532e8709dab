/**
 * Tools for models without Ollama's native tools: the system prompt describes a fenced
 * block holding a JSON list of actions, and this module finds it in the streamed text.
 *
 *     ```tool
 *     [{"tool": "add_todo", "args": {"title": "Call the bank"}}]
 *     ```
 *
 * The block is never shown: `TextCalls.feed` returns only the text outside it, holding
 * back a tail that may be the start of a fence until the next chunk says. Small models
 * write the block a little off; what is unambiguous is taken (a fence named tools,
 * tool_code or tool_calls, any case; a missing closing fence at the end; one object
 * instead of a list; one object a line; `name`/`function` for `tool`, `arguments`/
 * `parameters` for `args`, or the arguments beside `tool`). What is not is left out and
 * said (`problems`), so the model can be told what was refused.
 *
 * Models trained on Hermes' or Qwen's format (Qwen, and many small ones) write their
 * calls in tags instead, whatever they are told, and so do they when a server fails to
 * turn them into native calls:
 *
 *     <tool_call>
 *     {"name": "add_todo", "arguments": {"title": "Call the bank"}}
 *     </tool_call>
 *
 * or, Qwen 3's coder form, `<function=add_todo><parameter=title>Call the bank</parameter></function>`
 * inside the tags. A `<tool_call>` tag at the start of a line opens a block like a fence
 * (in both modes: see BareCalls), read the same way and never shown either.
 */
import { toolNamed, type Tool } from './registry';

/** What the model wrote, as a call: the tool's name and its arguments as written. */
export interface WrittenCall {
  name: string;
  arguments: unknown;
}

/** The system prompt's part that teaches the protocol, for these tools. */
export function describeProtocol(tools: readonly Tool[]): string {
  const lines = tools.map((t) => {
    const params = Object.entries(t.parameters.properties).map(([k, p]) => `${k}: ${p.type}${t.parameters.required.includes(k) ? '' : '?'}`);
    return `- ${t.name}(${params.join(', ')}): ${t.description}`;
  });
  // model-facing
  return [
    "You can read and change the user's to-do list with tools. To use them, end your message with one block like this:",
    '```tool',
    '[{"tool": "add_todo", "args": {"title": "Call the bank"}}]',
    '```',
    'The block is a JSON list; put several actions in it to do several things. The tools:',
    ...lines,
    'Use a tool only when the user asks for it. Changes are shown to the user, who applies or rejects them. ' +
      'The results come back in the next message; then answer the user in plain words. Never show the block to the user in other words.',
  ].join('\n');
}

const TAG_CLOSER = '</tool_call>';
/** Every start of `<tool_call>` but the whole of it, as a regex alternative. */
const TAG_STARTS = [...'<tool_call'].map((_, i) => '<tool_call'.slice(0, i + 1)).join('|');
/** A fence named for tools; what follows it, on its line or the next, is the block. */
// not-ui: a pattern
const FENCE = '```[ \\t]*(?:tools?|tool_code|tool_calls?)(?![A-Za-z0-9_])';
// not-ui: a pattern
const PARTIAL_FENCE = '`{1,2}|```[ \\t]*[A-Za-z_]*';
/** An opener at the start of a line (group 1: the line break before it, shown). */
// not-ui: a pattern
const atLineStart = (alternatives: string, end = '') => new RegExp(`(^|\\n)[ \\t]*(?:${alternatives})${end}`, 'i');

/** Where in `text` its end may be the start of `closer` still arriving (-1: nowhere). */
function partialCloser(text: string, closer: string): number {
  for (let n = Math.min(closer.length - 1, text.length); n > 0; n--) if (text.slice(-n).toLowerCase() === closer.slice(0, n)) return text.length - n;
  return -1;
}

export interface TextCallsOptions {
  /** Whether fenced blocks are read (the text protocol); tags always are. Default true. */
  fences?: boolean;
}

export class TextCalls {
  private held = '';
  /** Whether `held` starts at the start of a line (an opener counts only there, whatever the chunks). */
  private lineStart = true;
  /** Inside a block: what ends it (a fence, or the closing tag). */
  private closer: string | undefined;
  /** Just after a block: the end of its closing line is not shown either. */
  private afterBlock = false;
  private block = '';
  private readonly blocks: string[] = [];
  private readonly opener: RegExp;
  private readonly partialOpener: RegExp;

  constructor(options: TextCallsOptions = {}) {
    const fences = options.fences ?? true;
    this.opener = atLineStart(fences ? `${FENCE}|<tool_call>` : '<tool_call>');
    // The end of the text, when it may be the start of an opener still arriving.
    this.partialOpener = atLineStart(fences ? `${PARTIAL_FENCE}|${TAG_STARTS}` : TAG_STARTS, '$');
  }

  /** Takes the next piece of the reply; returns the part to show. */
  feed(text: string): string {
    this.held += text;
    let shown = '';
    for (;;) {
      if (this.afterBlock) {
        if (/^[ \t]*$/.test(this.held)) return shown; // the rest of the closing line may still come
        this.afterBlock = false;
        const line = /^[ \t]*\n/.exec(this.held);
        if (line) this.held = this.held.slice(line[0].length);
        this.lineStart = !!line;
      }
      if (this.closer !== undefined) {
        const close = this.closer === TAG_CLOSER ? this.held.search(/<\/tool_call>/i) : this.held.indexOf(this.closer);
        if (close < 0) {
          // Keep a possible closer's start held; the rest is block.
          const keep = partialCloser(this.held, this.closer);
          this.block += this.held.slice(0, keep < 0 ? this.held.length : keep);
          this.held = keep < 0 ? '' : this.held.slice(keep);
          return shown;
        }
        this.block += this.held.slice(0, close);
        this.held = this.held.slice(close + this.closer.length);
        this.lineStart = false;
        this.afterBlock = true;
        this.blocks.push(this.block);
        this.block = '';
        this.closer = undefined;
        continue;
      }
      const open = this.search(this.opener);
      const tag = open?.[0].endsWith('>') ?? false;
      // A fence that ends the text so far may still get its name's last letters ("tools"): wait for one more character.
      if (open && (tag || open.index + open[0].length < this.held.length)) {
        shown += this.held.slice(0, open.index + open[1]!.length);
        this.held = this.held.slice(open.index + open[0].length);
        this.closer = tag ? TAG_CLOSER : '```';
        continue;
      }
      const cut = open ? open.index : (this.search(this.partialOpener)?.index ?? this.held.length);
      shown += this.held.slice(0, cut);
      if (cut > 0) this.lineStart = this.held[cut - 1] === '\n';
      this.held = this.held.slice(cut);
      return shown;
    }
  }

  /** `re` in the held text, which starts a line only if `lineStart` says so. */
  private search(re: RegExp): RegExpExecArray | null {
    if (this.lineStart) return re.exec(this.held);
    const found = re.exec(`x${this.held}`); // 'x': no line starts there
    if (found) found.index -= 1;
    return found;
  }

  /** The reply ended: the rest to show (a fence that never became a block), and the blocks found (an unclosed one too). */
  end(): string {
    const open = this.closer !== undefined ? null : this.search(this.opener);
    if (open) {
      this.held = this.held.slice(0, open.index + open[1]!.length);
      this.blocks.push('');
    }
    if (this.closer !== undefined) {
      this.blocks.push(this.block + this.held);
      this.held = '';
      this.closer = undefined;
    }
    const rest = this.held;
    this.held = '';
    return rest;
  }

  /** The raw blocks, as the model wrote them (kept so the model sees its own words next time). */
  get raw(): string[] {
    return [...this.blocks];
  }

  /** The calls in the blocks, and what could not be read as a call. */
  calls(): { calls: WrittenCall[]; problems: string[] } {
    const calls: WrittenCall[] = [];
    const problems: string[] = [];
    for (const block of this.blocks) {
      for (const item of actionsIn(block, problems)) {
        const call = asCall(item);
        // model-facing
        if (call) calls.push(call);
        else problems.push(`Not an action (it needs "tool" and "args"): ${short(JSON.stringify(item))}`);
      }
    }
    return { calls, problems };
  }
}

/**
 * A model with native tools that writes its call as the reply's text instead (small
 * models do: `{"name": "add_todo", "parameters": {...}}` as content). A reply that starts
 * with `{` or `[{` is held back; if the whole of it is JSON naming only known tools, it
 * is taken as the calls and never shown; anything else is shown as it was written.
 * `<tool_call>` tags are read as in the text protocol (the server did not turn them into
 * native calls), the rest of the reply shown.
 */
export class BareCalls {
  private text = '';
  private holding = true;
  private found: WrittenCall[] = [];
  private readonly tags = new TextCalls({ fences: false });

  feed(text: string): string {
    if (!this.holding) return this.tags.feed(text);
    this.text += text;
    // `{…` or `[{…` may be a call; `[x] done` or `[a link](…)` is not.
    if (/^\s*(\{|\[\s*(\{|$)|$)/.test(this.text)) return '';
    this.holding = false;
    return this.tags.feed(this.text);
  }

  end(): string {
    if (!this.holding) return this.tags.end();
    this.holding = false;
    try {
      const value: unknown = JSON.parse(this.text);
      const calls = (Array.isArray(value) ? value : [value]).map(asCall);
      if (calls.length > 0 && calls.every((c) => c !== undefined && toolNamed(c.name) !== undefined)) {
        this.found = calls as WrittenCall[];
        return '';
      }
    } catch {
      // Not JSON: the model's words, shown.
    }
    return this.tags.feed(this.text) + this.tags.end();
  }

  /** Nothing to send back as text: the calls go back as native tool calls. */
  get raw(): string[] {
    return [];
  }

  calls(): { calls: WrittenCall[]; problems: string[] } {
    const tagged = this.tags.calls();
    return { calls: [...this.found, ...tagged.calls], problems: tagged.problems };
  }
}

/** The actions of one block: a JSON list, one object, one object a line, or Qwen 3's `<function=…>` form. */
function actionsIn(block: string, problems: string[]): unknown[] {
  const text = block.trim();
  if (!text) return [];
  try {
    const value: unknown = JSON.parse(text);
    return Array.isArray(value) ? value : [value];
  } catch {
    // One object a line is unambiguous too; a line that is not JSON is refused alone.
  }
  if (text.startsWith('<function=')) return functionsIn(text, problems);
  const out: unknown[] = [];
  for (const line of text.split('\n').map((l) => l.trim().replace(/,$/, '')).filter((l) => l && l !== '[' && l !== ']')) {
    try {
      out.push(JSON.parse(line));
    } catch {
      // model-facing
      problems.push(`Not valid JSON in the tool block: ${short(line)}`);
    }
  }
  return out;
}

/**
 * Qwen 3's calls: `<function=name>` then `<parameter=key>value</parameter>` for each
 * argument, then `</function>`; each value is text (parseArguments takes "3" for an
 * integer). Several functions may follow one another. Anything else in the block, or an
 * argument given twice, makes the whole block refused: it is not guessed.
 */
function functionsIn(text: string, problems: string[]): unknown[] {
  const out: unknown[] = [];
  const fn = /<function=([A-Za-z0-9_.-]{1,100})>([\s\S]*?)<\/function>\s*/y;
  const param = /\s*<parameter=([A-Za-z0-9_]{1,100})>\n?([\s\S]*?)\n?<\/parameter>\s*/y;
  let m: RegExpExecArray | null;
  while ((m = fn.exec(text))) {
    const args: Record<string, string> = {};
    const body = m[2]!;
    param.lastIndex = 0;
    let p: RegExpExecArray | null;
    let end = 0;
    while ((p = param.exec(body)) && !Object.hasOwn(args, p[1]!)) {
      end = param.lastIndex;
      args[p[1]!] = p[2]!;
    }
    if (end !== body.length && body.trim()) break;
    out.push({ name: m[1], arguments: args });
    if (fn.lastIndex === text.length) return out;
  }
  // model-facing
  problems.push(`Not a call (expected <function=name> with a <parameter=key>value</parameter> for each argument): ${short(text)}`);
  return [];
}

function asCall(item: unknown): WrittenCall | undefined {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) return undefined;
  const { tool, name, function: fn, args, arguments: args2, parameters, ...rest } = item as Record<string, unknown>;
  const toolName = [tool, name, fn].find((x): x is string => typeof x === 'string');
  if (!toolName) return undefined;
  const given = [args, args2, parameters].filter((x) => x !== undefined);
  if (given.length > 1) return undefined; // two argument lists: which one? not guessed
  return { name: toolName.trim(), arguments: given[0] ?? rest };
}

function short(text: string): string {
  return text.length > 120 ? `${text.slice(0, 120)}…` : text;
}
