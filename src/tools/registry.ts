/**
 * The tools the model may use, one definition each: its name and description and
 * JSON-schema parameters (what Ollama is sent), a valibot schema for its arguments (built
 * from the same pieces as the webview's own requests, src/protocol.ts), whether it reads
 * or changes, the plain words a card shows for it, and what it does, through
 * TasksService, as a click in the Tasks view would.
 *
 * Reading tools run at once. Changing tools are first checked (`check`: the todo is in
 * this profile, there is something to do), shown on a card, and applied once allowed.
 * Every tool works on the conversation's own profile, which must be the active one
 * (the toolbox makes sure): TasksService reads and writes only its rows (a scoped view).
 * Results and errors are written for the model (English, short, with what it needs to
 * correct itself: the ids there are).
 */
import * as l10n from '@vscode/l10n';
import * as v from 'valibot';
import { UserError } from '../errors';
import { id, name, title, type ChangeKind, type TodoDto } from '../protocol';
import { quote } from '../tasks/notes';
import { cutText } from '../text';
import type { ChangeOptions } from '../tasks/revert';
import type { TasksService } from '../tasks/tasksService';

/** A call the model must correct: nothing happened; the message says why, for the model. */
export class ToolError extends UserError {
  override name = 'ToolError';
}

export interface ToolScope {
  tasks: TasksService;
  profileId: number;
  /** The newest notes of this conversation (what the user did), oldest first. */
  recentNotes(limit: number): string[];
}

/** JSON schema of a tool's arguments, as Ollama takes it. */
export interface Parameters {
  type: 'object';
  properties: Record<string, { type: 'string' | 'integer' | 'boolean'; description: string }>;
  required: string[];
}

interface Common<A> {
  name: string;
  description: string;
  parameters: Parameters;
  schema: v.GenericSchema<unknown, A>;
  /** In plain words, for the card (the user's language). */
  describe(args: A, scope: ToolScope): string;
}

export interface ReadTool<A = never> extends Common<A> {
  kind: 'read';
  run(args: A, scope: ToolScope): string;
}

export interface ChangeTool<A = never> extends Common<A> {
  kind: 'change';
  change: ChangeKind;
  /** Throws ToolError when the change cannot be made as asked. */
  check(args: A, scope: ToolScope): void;
  /**
   * Makes the change through TasksService, with `change(result)` as the method's options:
   * `result` words the outcome for the model from what the method resolves with, inside
   * the change's transaction, so the card that shows it is written with the change.
   */
  apply(args: A, scope: ToolScope, change: ChangeWith): Promise<unknown>;
}

/** The options of a change made by the model, whose outcome `result` words (see ChangeTool.apply). */
export type ChangeWith = <R>(result: (value: R) => string) => ChangeOptions<R>;

export type Tool = ReadTool<any> | ChangeTool<any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- each tool types its own arguments

const none = v.object({});
const noParameters: Parameters = { type: 'object', properties: {}, required: [] };
// model-facing
const idParam = { type: 'integer', description: 'The id of the todo (from list_todos)' } as const;

/** The active profile's todos in order, as the model sees them. */
function ordered(scope: ToolScope): TodoDto[] {
  return scope.tasks.snapshot().todos;
}

/** The todo with this id in this profile, or a ToolError listing the ids there are. */
function todoOf(scope: ToolScope, todoId: number): TodoDto {
  const todos = ordered(scope);
  const todo = todos.find((t) => t.id === todoId);
  if (todo) return todo;
  const ids = todos.slice(0, 30).map((t) => `${t.id} ${quote(t.title)}`);
  // model-facing
  throw new ToolError(
    todos.length === 0
      ? `There is no todo with id ${todoId}: the list is empty.`
      : `There is no todo with id ${todoId} in this list. The ids are: ${ids.join(', ')}${todos.length > 30 ? ', …' : ''}.`,
  );
}

function position(scope: ToolScope, todoId: number): number {
  return ordered(scope).findIndex((t) => t.id === todoId) + 1;
}


const listTodos: ReadTool<object> = {
  kind: 'read',
  name: 'list_todos',
  // model-facing
  description: "Lists the todos of the user's active profile in order: id, title, done, position (1 is the top).",
  parameters: noParameters,
  schema: none,
  describe: () => l10n.t('Read the todo list'),
  run: (_, scope) => JSON.stringify(ordered(scope).map((t, i) => ({ id: t.id, title: t.title, done: t.done, position: i + 1 }))),
};

const listProfiles: ReadTool<object> = {
  kind: 'read',
  name: 'list_profiles',
  // model-facing
  description: "Lists the user's profiles (each has its own todo list): id, name, and which is active.",
  parameters: noParameters,
  schema: none,
  describe: () => l10n.t('Read the profiles'),
  run: (_, scope) => JSON.stringify(scope.tasks.profileList().map((p) => ({ id: p.id, name: p.name, active: p.id === scope.tasks.activeProfileId }))),
};

const recentNotes: ReadTool<{ limit?: number }> = {
  kind: 'read',
  name: 'recent_notes',
  // model-facing
  description: 'Lists the latest things the user did in the to-do list (added, completed, moved...), oldest first.',
  // model-facing
  parameters: { type: 'object', properties: { limit: { type: 'integer', description: 'How many, 1 to 50 (default 10)' } }, required: [] },
  schema: v.object({ limit: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(50))) }),
  describe: () => l10n.t('Read the recent notes'),
  run: (args, scope) => JSON.stringify(scope.recentNotes(args.limit ?? 10)),
};

const addTodo: ChangeTool<{ title: string }> = {
  kind: 'change',
  change: 'add',
  name: 'add_todo',
  // model-facing
  description: 'Adds a todo at the bottom of the list.',
  // model-facing
  parameters: { type: 'object', properties: { title: { type: 'string', description: 'The todo, in a few words' } }, required: ['title'] },
  schema: v.object({ title }),
  describe: (args) => l10n.t('Add todo {0}', quote(args.title)),
  check: () => undefined,
  apply: (args, scope, change) =>
    scope.tasks.addTodo(
      args.title,
      // At the bottom: its position is the count (not the whole list read again).
      // model-facing
      change((todo) => `Added todo ${todo.id} ${quote(todo.title)} at position ${scope.tasks.todoCount()}.`),
    ),
};

/** Completing and reopening: one kind of change, two tools (small models pick a name better than a flag). */
function setDone(done: boolean): ChangeTool<{ id: number }> {
  return {
    kind: 'change',
    change: 'complete',
    name: done ? 'complete_todo' : 'reopen_todo',
    // model-facing
    description: done ? 'Marks a todo as done.' : 'Marks a done todo as not done again.',
    parameters: { type: 'object', properties: { id: idParam }, required: ['id'] },
    schema: v.object({ id }),
    describe: (args, scope) => (done ? l10n.t('Complete todo {0}', quote(todoOf(scope, args.id).title)) : l10n.t('Reopen todo {0}', quote(todoOf(scope, args.id).title))),
    check: (args, scope) => {
      const todo = todoOf(scope, args.id);
      // model-facing
      if (todo.done === done) throw new ToolError(`Todo ${todo.id} ${quote(todo.title)} is ${done ? 'done' : 'open'} already: nothing to do.`);
    },
    // model-facing
    apply: (args, scope, change) => scope.tasks.toggleTodo(args.id, change((todo) => `${done ? 'Completed' : 'Reopened'} todo ${todo.id} ${quote(todo.title)}.`)),
  };
}

const renameTodo: ChangeTool<{ id: number; title: string }> = {
  kind: 'change',
  change: 'rename',
  name: 'rename_todo',
  // model-facing
  description: 'Gives a todo a new title.',
  // model-facing
  parameters: { type: 'object', properties: { id: idParam, title: { type: 'string', description: 'The new title' } }, required: ['id', 'title'] },
  schema: v.object({ id, title }),
  describe: (args, scope) => l10n.t('Rename todo {0} to {1}', quote(todoOf(scope, args.id).title), quote(args.title)),
  check: (args, scope) => {
    const todo = todoOf(scope, args.id);
    // model-facing
    if (todo.title === args.title) throw new ToolError(`Todo ${todo.id} is called ${quote(todo.title)} already: nothing to do.`);
  },
  apply: (args, scope, change) => {
    const before = todoOf(scope, args.id).title;
    // model-facing
    return scope.tasks.renameTodo(args.id, args.title, change((todo) => `Renamed todo ${todo.id} ${quote(before)} to ${quote(todo.title)}.`));
  },
};

const deleteTodo: ChangeTool<{ id: number }> = {
  kind: 'change',
  change: 'delete',
  name: 'delete_todo',
  // model-facing
  description: 'Deletes a todo.',
  parameters: { type: 'object', properties: { id: idParam }, required: ['id'] },
  schema: v.object({ id }),
  describe: (args, scope) => l10n.t('Delete todo {0}', quote(todoOf(scope, args.id).title)),
  check: (args, scope) => void todoOf(scope, args.id),
  apply: (args, scope, change) => {
    const todo = todoOf(scope, args.id);
    // model-facing
    return scope.tasks.deleteTodo(args.id, change(() => `Deleted todo ${todo.id} ${quote(todo.title)}.`));
  },
};

const moveTodo: ChangeTool<{ id: number; position: number }> = {
  kind: 'change',
  change: 'move',
  name: 'move_todo',
  // model-facing
  description: 'Moves a todo to a position in the list (1 is the top).',
  // model-facing
  parameters: {
    type: 'object',
    properties: { id: idParam, position: { type: 'integer', description: 'Where it goes: 1 is the top' } },
    required: ['id', 'position'],
  },
  schema: v.object({ id, position: v.pipe(v.number(), v.integer(), v.minValue(1)) }),
  describe: (args, scope) => {
    const count = ordered(scope).length;
    const to = Math.min(args.position, count);
    const title = quote(todoOf(scope, args.id).title);
    if (to === 1) return l10n.t('Move todo {0} to the top', title);
    if (to === count) return l10n.t('Move todo {0} to the bottom', title);
    return l10n.t('Move todo {0} to position {1}', title, to);
  },
  check: (args, scope) => {
    const todo = todoOf(scope, args.id);
    // model-facing
    if (position(scope, todo.id) === Math.min(args.position, ordered(scope).length)) throw new ToolError(`Todo ${todo.id} is at position ${args.position} already: nothing to do.`);
  },
  apply: (args, scope, change) => {
    const others = ordered(scope).filter((t) => t.id !== args.id);
    const before = others[args.position - 1]?.id ?? null;
    // model-facing
    return scope.tasks.moveTodo(args.id, before, change(() => `Moved todo ${args.id} ${quote(todoOf(scope, args.id).title)} to position ${position(scope, args.id)}.`));
  },
};

const clearCompleted: ChangeTool<object> = {
  kind: 'change',
  change: 'clearCompleted',
  name: 'clear_completed',
  // model-facing
  description: 'Deletes every todo that is done.',
  parameters: noParameters,
  schema: none,
  describe: (_, scope) => {
    const n = scope.tasks.counts().done;
    return n === 1 ? l10n.t('Delete the 1 completed todo') : l10n.t('Delete the {0} completed todos', n);
  },
  check: (_, scope) => {
    // model-facing
    if (scope.tasks.counts().done === 0) throw new ToolError('No todo is done: nothing to clear.');
  },
  // model-facing
  apply: (_, scope, change) => scope.tasks.clearCompleted(change((n) => `Deleted ${n} completed todo${n === 1 ? '' : 's'}.`)),
};

function profileNamed(scope: ToolScope, wanted: string) {
  const profiles = scope.tasks.profileList();
  const key = wanted.trim().toLowerCase();
  const found = profiles.find((p) => p.name.trim().toLowerCase() === key);
  if (found) return found;
  // model-facing
  throw new ToolError(`There is no profile named ${quote(wanted)}. The profiles are: ${profiles.map((p) => quote(p.name)).join(', ')}.`);
}

const switchProfile: ChangeTool<{ name: string }> = {
  kind: 'change',
  change: 'profile',
  name: 'switch_profile',
  // model-facing
  description: "Makes another of the user's profiles the active one (by its name, from list_profiles). The conversation stays with this profile.",
  // model-facing
  parameters: { type: 'object', properties: { name: { type: 'string', description: 'The name of the profile' } }, required: ['name'] },
  schema: v.object({ name }),
  describe: (args, scope) => l10n.t('Switch to profile {0}', quote(profileNamed(scope, args.name).name)),
  check: (args, scope) => {
    const profile = profileNamed(scope, args.name);
    // model-facing
    if (profile.id === scope.tasks.activeProfileId) throw new ToolError(`Profile ${quote(profile.name)} is the active one already: nothing to do.`);
  },
  apply: (args, scope, change) => {
    const profile = profileNamed(scope, args.name);
    // model-facing
    const result = `Switched to profile ${quote(profile.name)}. This conversation belongs to another profile: the tools work again once the user switches back.`;
    return scope.tasks.switchProfile(profile.id, change(() => result));
  },
};

const createProfile: ChangeTool<{ name: string }> = {
  kind: 'change',
  change: 'profile',
  name: 'create_profile',
  // model-facing
  description: 'Creates a new profile with an empty todo list and makes it the active one.',
  // model-facing
  parameters: { type: 'object', properties: { name: { type: 'string', description: 'The name of the new profile' } }, required: ['name'] },
  schema: v.object({ name }),
  describe: (args) => l10n.t('Create profile {0} and switch to it', quote(args.name)),
  check: (args, scope) => {
    const key = args.name.trim().toLowerCase();
    // model-facing
    if (scope.tasks.profileList().some((p) => p.name.trim().toLowerCase() === key)) throw new ToolError(`A profile named ${quote(args.name)} exists already: use switch_profile.`);
  },
  // model-facing
  apply: (args, scope, change) => scope.tasks.addProfile(args.name, change((profile) => `Created profile ${quote(profile.name)} and switched to it.`)),
};

/** Every tool, in the order the model is told of them. */
export const TOOLS: readonly Tool[] = [
  listTodos,
  listProfiles,
  recentNotes,
  addTodo,
  setDone(true),
  setDone(false),
  renameTodo,
  moveTodo,
  deleteTodo,
  clearCompleted,
  createProfile,
  switchProfile,
];

/** The tool a model means: its name in any case, with spaces or dashes for underscores ("Add-Todo"), is unambiguous. */
export function toolNamed(toolName: string): Tool | undefined {
  const wanted = toolName.trim().toLowerCase().replace(/[\s-]+/g, '_');
  return TOOLS.find((t) => t.name === wanted);
}

/**
 * The arguments as the tool takes them, or a ToolError saying what is wrong. Small models
 * write arguments a little off; what is unambiguous is taken: a JSON string holding the
 * object, an integer written as a string ("3"). Anything else is refused, never guessed.
 */
export function parseArguments<A>(tool: Common<A>, raw: unknown): A {
  let args = raw ?? {};
  if (typeof args === 'string') {
    try {
      args = args.trim() ? JSON.parse(args) : {};
    } catch {
      // model-facing
      throw new ToolError(`The arguments of ${tool.name} are not a JSON object.`);
    }
  }
  // model-facing
  if (typeof args !== 'object' || args === null || Array.isArray(args)) throw new ToolError(`The arguments of ${tool.name} must be an object.`);
  const fixed: Record<string, unknown> = { ...(args as Record<string, unknown>) };
  for (const [key, param] of Object.entries(tool.parameters.properties)) {
    const value = fixed[key];
    if (param.type === 'integer' && typeof value === 'string' && /^\s*\d{1,15}\s*$/.test(value)) fixed[key] = Number(value);
  }
  const result = v.safeParse(tool.schema, fixed);
  if (result.success) return result.output;
  const why = result.issues
    .slice(0, 3)
    .map((i) => cutText(`${v.getDotPath(i) ?? 'arguments'}: ${i.message}`, 200))
    .join('; ');
  // model-facing
  const wanted = Object.entries(tool.parameters.properties).map(([k, p]) => `${k} (${p.type}${tool.parameters.required.includes(k) ? '' : ', optional'})`);
  // model-facing
  throw new ToolError(`Wrong arguments for ${tool.name}: ${why}. It takes ${wanted.length ? wanted.join(', ') : 'no arguments'}.`);
}
