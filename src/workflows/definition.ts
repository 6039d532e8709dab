/**
 * A workflow definition, as written in `.pipulate/workflows/<name>.json` (JSON with
 * comments), and its validation. Every error carries where it is (an offset and a
 * length, and the line and column from them), so the Problems panel can point at it; a
 * file with errors yields no workflow, and nothing else is affected by it.
 *
 * schemas/workflow.schema.json says the same for the editor (completion, hovers);
 * this module is what decides.
 */
import * as l10n from '@vscode/l10n';
import { parseTree, printParseErrorCode, type Node, type ParseError } from 'jsonc-parser';
import { referencesIn } from './template';

export type InputKind = 'text' | 'multiline' | 'choice' | 'checkbox';

interface StepBase {
  id: string;
  title: string;
  /** Shown under the title: what to write. */
  help?: string;
}

export interface InputStep extends StepBase {
  type: 'input';
  input: InputKind;
  required: boolean;
  /** A regular expression the whole value must match (text only). */
  pattern?: string;
  /** choice: what may be chosen. */
  options?: string[];
  /** A template: `{{step_id}}` is an earlier step's value. */
  default?: string;
}

export interface GenerateStep extends StepBase {
  type: 'generate';
  /** A template sent to the chat's model: `{{step_id}}` is an earlier step's value. */
  prompt: string;
}

export interface TodosStep extends StepBase {
  type: 'todos';
  /** A template: its lines (list markers dropped) become todos, once the user confirms them. */
  from: string;
}

export interface CommandStep extends StepBase {
  type: 'command';
  /** Run through the shell in the workspace folder, only in a trusted workspace, only when the user clicks Run having seen it. No {{}}: a value must never become shell code. */
  run: string;
  timeoutSeconds: number;
}

export type Step = InputStep | GenerateStep | TodosStep | CommandStep;

export interface Workflow {
  /** The file's name without `.json`: what runs are keyed under. */
  name: string;
  title: string;
  description?: string;
  steps: Step[];
}

export interface DefinitionError {
  message: string;
  offset: number;
  length: number;
  /** Zero-based, as VS Code's Position. */
  line: number;
  column: number;
}

export type ParseResult = { ok: true; workflow: Workflow } | { ok: false; errors: DefinitionError[] };

/** Step ids and workflow names: what `{{id}}` and the file name can hold. */
export const ID_PATTERN = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;
/** More steps than this is a mistake, not a workflow. */
export const MAX_STEPS = 100;
const MAX_TEXT = 20_000;

/** Parses and checks one definition; `name` is the file's name without `.json`. */
export function parseWorkflow(name: string, text: string): ParseResult {
  const errors: DefinitionError[] = [];
  const at = (node: Node | undefined, message: string, offset = node?.offset ?? 0, length = node?.length ?? 1) =>
    errors.push({ message, offset, length, ...position(text, offset) });

  if (!ID_PATTERN.test(name)) at(undefined, l10n.t('The file name must be a workflow name: letters, digits, - and _, starting with a letter.'));
  if (!text.trim()) {
    at(undefined, l10n.t('The file is empty: a workflow is an object with "title" and "steps".'));
    return { ok: false, errors };
  }
  const parseErrors: ParseError[] = [];
  const root = parseTree(text, parseErrors, { allowTrailingComma: true, disallowComments: false });
  for (const e of parseErrors) at(undefined, l10n.t('JSON: {0}', printParseErrorCode(e.error)), e.offset, e.length);
  if (parseErrors.length || !root) return { ok: false, errors };
  if (root.type !== 'object') {
    at(root, l10n.t('A workflow is an object with "title" and "steps".'));
    return { ok: false, errors };
  }
  const top = members(root, ['$schema', 'title', 'description', 'steps'], at);
  const title = str(top.get('title'), 'title', at, { required: true });
  const description = str(top.get('description'), 'description', at);
  const stepsNode = top.get('steps');
  const steps: Step[] = [];
  if (!stepsNode) at(root, l10n.t('"steps" is missing: a list of steps.'));
  else if (stepsNode.type !== 'array') at(stepsNode, l10n.t('"steps" must be a list of steps.'));
  else if (!stepsNode.children?.length) at(stepsNode, l10n.t('"steps" is empty: a workflow has at least one step.'));
  else if (stepsNode.children.length > MAX_STEPS) at(stepsNode, l10n.t('A workflow has at most {0} steps.', MAX_STEPS));
  else {
    const seen = new Set<string>();
    for (const node of stepsNode.children) {
      const step = parseStep(node, seen, at);
      if (step) steps.push(step);
    }
  }
  if (errors.length) return { ok: false, errors };
  return { ok: true, workflow: { name, title: title!, ...(description ? { description } : {}), steps } };
}

type At = (node: Node | undefined, message: string, offset?: number, length?: number) => void;

function parseStep(node: Node, earlier: Set<string>, at: At): Step | undefined {
  if (node.type !== 'object') {
    at(node, l10n.t('A step is an object with "id", "title" and "type".'));
    return undefined;
  }
  const m = members(node, ['id', 'title', 'help', 'type', 'input', 'required', 'pattern', 'options', 'default', 'prompt', 'from', 'run', 'timeoutSeconds'], at);
  const idNode = m.get('id');
  const id = str(idNode, 'id', at, { required: true, parent: node });
  if (id !== undefined) {
    if (!ID_PATTERN.test(id)) at(idNode, l10n.t('A step id is letters, digits, - and _, starting with a letter (at most 64).'));
    else if (earlier.has(id)) at(idNode, l10n.t('Another step has the id "{0}".', id));
  }
  const title = str(m.get('title'), 'title', at, { required: true, parent: node });
  const help = str(m.get('help'), 'help', at);
  const typeNode = m.get('type');
  const type = str(typeNode, 'type', at, { required: true, parent: node });
  // References may only name earlier steps: their values exist when this step is filled.
  const templ = (key: 'default' | 'prompt' | 'from', required: boolean) => {
    const n = m.get(key);
    const value = str(n, key, at, { required, parent: node });
    if (value === undefined) return undefined;
    for (const ref of referencesIn(value)) {
      if (!earlier.has(ref.id)) at(n, ref.id === id ? l10n.t('"{0}" names this step: only earlier steps can be used.', `{{${ref.id}}}`) : l10n.t('"{0}" is not an earlier step.', `{{${ref.id}}}`), n!.offset + 1 + ref.index, ref.length);
    }
    return value;
  };
  let step: Step | undefined;
  const base = { id: id ?? '', title: title ?? '', ...(help ? { help } : {}) };
  if (type === 'input') {
    const inputNode = m.get('input');
    const input = (str(inputNode, 'input', at) ?? 'text') as InputKind;
    if (!['text', 'multiline', 'choice', 'checkbox'].includes(input)) at(inputNode, l10n.t('"input" is one of text, multiline, choice, checkbox.'));
    const requiredNode = m.get('required');
    if (requiredNode && requiredNode.type !== 'boolean') at(requiredNode, l10n.t('"required" is true or false.'));
    const patternNode = m.get('pattern');
    const pattern = str(patternNode, 'pattern', at);
    if (pattern !== undefined) {
      if (input !== 'text') at(patternNode, l10n.t('"pattern" applies to text input only.'));
      try {
        new RegExp(pattern, 'u');
      } catch (err) {
        at(patternNode, l10n.t('"pattern" is not a valid regular expression: {0}', (err as Error).message));
      }
    }
    const optionsNode = m.get('options');
    let options: string[] | undefined;
    if (input === 'choice') {
      if (!optionsNode || optionsNode.type !== 'array' || !optionsNode.children?.length) at(optionsNode ?? node, l10n.t('A choice needs "options": a list of texts.'));
      else {
        options = [];
        for (const o of optionsNode.children) {
          if (o.type !== 'string' || !String(o.value).trim()) at(o, l10n.t('An option is a text.'));
          else if (options.includes(o.value as string)) at(o, l10n.t('This option is there twice.'));
          else options.push(o.value as string);
        }
      }
    } else if (optionsNode) at(optionsNode, l10n.t('"options" applies to choice input only.'));
    const def = templ('default', false);
    step = {
      ...base,
      type: 'input',
      input,
      required: requiredNode?.type === 'boolean' ? (requiredNode.value as boolean) : input !== 'checkbox',
      ...(pattern !== undefined ? { pattern } : {}),
      ...(options ? { options } : {}),
      ...(def !== undefined ? { default: def } : {}),
    };
    if (m.has('prompt')) at(m.get('prompt'), l10n.t('"{0}" applies to generate steps only.', 'prompt'));
    if (m.has('from')) at(m.get('from'), l10n.t('"{0}" applies to todos steps only.', 'from'));
  } else if (type === 'generate') {
    const prompt = templ('prompt', true);
    step = { ...base, type: 'generate', prompt: prompt ?? '' };
    for (const k of ['input', 'pattern', 'options', 'default'] as const) if (m.has(k)) at(m.get(k), l10n.t('"{0}" applies to input steps only.', k));
    if (m.has('from')) at(m.get('from'), l10n.t('"{0}" applies to todos steps only.', 'from'));
  } else if (type === 'todos') {
    const from = templ('from', true);
    step = { ...base, type: 'todos', from: from ?? '' };
    for (const k of ['input', 'pattern', 'options', 'default', 'prompt'] as const) if (m.has(k)) at(m.get(k), l10n.t('"{0}" does not apply to todos steps.', k));
  } else if (type === 'command') {
    const runNode = m.get('run');
    const run = str(runNode, 'run', at, { required: true, parent: node });
    if (run !== undefined && referencesIn(run).length) at(runNode, l10n.t('A command cannot use step values ({{…}}): a value must never become shell code.'));
    const tNode = m.get('timeoutSeconds');
    if (tNode && (tNode.type !== 'number' || !Number.isInteger(tNode.value) || tNode.value < 1 || tNode.value > 600)) at(tNode, l10n.t('"timeoutSeconds" is a whole number from 1 to 600.'));
    step = { ...base, type: 'command', run: run ?? '', timeoutSeconds: tNode?.type === 'number' ? Number(tNode.value) : 60 };
    for (const k of ['input', 'pattern', 'options', 'default', 'prompt', 'from'] as const) if (m.has(k)) at(m.get(k), l10n.t('"{0}" does not apply to command steps.', k));
  } else if (type !== undefined) {
    at(typeNode, l10n.t('"type" is one of input, generate, todos, command.'));
  }
  if (type !== 'command') for (const k of ['run', 'timeoutSeconds'] as const) if (m.has(k)) at(m.get(k), l10n.t('"{0}" applies to command steps only.', k));
  if (id !== undefined) earlier.add(id);
  return step;
}

/** The object's members by key; unknown and repeated keys are errors. */
function members(node: Node, known: readonly string[], at: At): Map<string, Node> {
  const out = new Map<string, Node>();
  for (const prop of node.children ?? []) {
    const [keyNode, valueNode] = prop.children ?? [];
    if (!keyNode || !valueNode) continue;
    const key = String(keyNode.value);
    if (!known.includes(key)) at(keyNode, l10n.t('Unknown property "{0}". Known here: {1}.', key, known.join(', ')));
    else if (out.has(key)) at(keyNode, l10n.t('"{0}" is there twice.', key));
    else out.set(key, valueNode);
  }
  return out;
}

function str(node: Node | undefined, key: string, at: At, o: { required?: boolean; parent?: Node } = {}): string | undefined {
  if (!node) {
    if (o.required) at(o.parent, l10n.t('"{0}" is missing.', key), o.parent?.offset, 1);
    return undefined;
  }
  if (node.type !== 'string') {
    at(node, l10n.t('"{0}" must be a text.', key));
    return undefined;
  }
  const value = node.value as string;
  if (o.required && !value.trim()) at(node, l10n.t('"{0}" cannot be empty.', key));
  if (value.length > MAX_TEXT) at(node, l10n.t('"{0}" is too long ({1} characters at most).', key, MAX_TEXT));
  return value;
}

/** Zero-based line and column of an offset. */
export function position(text: string, offset: number): { line: number; column: number } {
  let line = 0;
  let start = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text[i] === '\n') {
      line++;
      start = i + 1;
    }
  }
  return { line, column: Math.max(0, offset - start) };
}
