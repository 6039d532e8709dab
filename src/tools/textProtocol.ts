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

/** A fence named for tools, at the start of a line; what follows it, on its line or the next, is the block. */
const OPENER = /(^|\n)[ \t]*```[ \t]*(?:tools?|tool_code|tool_calls?)(?![A-Za-z0-9_])/i;
/** The end of the text, when it may be the start of an opener still arriving. */
const PARTIAL_OPENER = /(^|\n)[ \t]*(`{1,2}|```[ \t]*[A-Za-z_]*)$/;

export class TextCalls {
  private held = '';
  private inBlock = false;
  /** Just after a block: the end of its closing line is not shown either. */
  private afterBlock = false;
  private block = '';
  private readonly blocks: string[] = [];

  /** Takes the next piece of the reply; returns the part to show. */
  feed(text: string): string {
    this.held += text;
    let shown = '';
    for (;;) {
      if (this.afterBlock) {
        if (/^[ \t]*$/.test(this.held)) return shown; // the rest of the closing line may still come
        this.afterBlock = false;
        this.held = this.held.replace(/^[ \t]*\n/, '');
      }
      if (this.inBlock) {
        const close = this.held.indexOf('```');
        if (close < 0) {
          // Keep a possible closer's start held; the rest is block.
          const keep = this.held.search(/`{1,2}$/);
          this.block += this.held.slice(0, keep < 0 ? this.held.length : keep);
          this.held = keep < 0 ? '' : this.held.slice(keep);
          return shown;
        }
        this.block += this.held.slice(0, close);
        this.held = this.held.slice(close + 3);
        this.afterBlock = true;
        this.blocks.push(this.block);
        this.block = '';
        this.inBlock = false;
        continue;
      }
      const open = OPENER.exec(this.held);
      // An opener that ends the text so far may still get its name's last letters ("tools"): wait for one more character.
      if (open && open.index + open[0].length < this.held.length) {
        shown += this.held.slice(0, open.index + open[1]!.length);
        this.held = this.held.slice(open.index + open[0].length);
        this.inBlock = true;
        continue;
      }
      const partial = open ? open.index : this.held.search(PARTIAL_OPENER);
      const cut = partial < 0 ? this.held.length : partial;
      shown += this.held.slice(0, cut);
      this.held = this.held.slice(cut);
      return shown;
    }
  }

  /** The reply ended: the rest to show (a fence that never became a block), and the blocks found (an unclosed one too). */
  end(): string {
    const open = this.inBlock ? null : OPENER.exec(this.held);
    if (open) {
      this.held = this.held.slice(0, open.index + open[1]!.length);
      this.blocks.push('');
    }
    if (this.inBlock) {
      this.blocks.push(this.block + this.held);
      this.held = '';
      this.inBlock = false;
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
 */
export class BareCalls {
  private text = '';
  private holding = true;
  private found: WrittenCall[] = [];

  feed(text: string): string {
    if (!this.holding) return text;
    this.text += text;
    // `{…` or `[{…` may be a call; `[x] done` or `[a link](…)` is not.
    if (/^\s*(\{|\[\s*(\{|$)|$)/.test(this.text)) return '';
    this.holding = false;
    return this.text;
  }

  end(): string {
    if (!this.holding) return '';
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
    return this.text;
  }

  /** Nothing to send back as text: the calls go back as native tool calls. */
  get raw(): string[] {
    return [];
  }

  calls(): { calls: WrittenCall[]; problems: string[] } {
    return { calls: this.found, problems: [] };
  }
}

/** The actions of one block: a JSON list, one object, or one object a line. */
function actionsIn(block: string, problems: string[]): unknown[] {
  const text = block.trim();
  if (!text) return [];
  try {
    const value: unknown = JSON.parse(text);
    return Array.isArray(value) ? value : [value];
  } catch {
    // One object a line is unambiguous too; a line that is not JSON is refused alone.
  }
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
