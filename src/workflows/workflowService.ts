/**
 * Workflow runs (Pipulate's `pipeline` table): each run is keyed (a key the user types,
 * or profile-workflow-NN), and its state is one JSON record of the values its steps were
 * given. Steps are linear: the current step is the first one without a value; entering
 * an existing key resumes there. Reverting a step clears it and every step after it;
 * after the last step a run can be finalized (locked) and unlocked again. Each finished
 * step is told to the model as a note in the profile's conversation.
 *
 * A todos step's todos go on the chat's confirmation card (ChatService.propose: Apply,
 * Reject, the allowed kinds of change, Undo), which the run panel shows in the step; the
 * step is done once the card applied some of them (`cardChanged`), its value those todos.
 *
 * The definition is read at each use, so a run follows its file: values stay with step
 * ids, a step the file no longer has is shown as removed (its value kept), a new step is
 * not done. A run whose definition is gone (or broken) opens read-only.
 *
 * Free of the `vscode` module. The table (pipelineTable.ts) is made and migrated with the
 * store's others (src/store/appSchema.ts); a profile's runs go with the profile.
 */
import * as l10n from '@vscode/l10n';
import { messageOf, UserError } from '../errors';
import type { CardSource, ChatMessageDto, ChatProblem, Notification, ToolCard } from '../protocol';
import type { Database } from '../store/database';
import { Table } from '../store/table';
import { quote } from '../tasks/notes';
import { cutText } from '../text';
import type { InputStep, Step, Workflow } from './definition';
import type { RunSummary, WorkflowRunDto, WorkflowStepDto } from './runDto';
import { pipelineTable, type PipelineRow } from './pipelineTable';
import { runShell } from './shellCommand';
import { fillTemplate, MAX_TODOS, todoLines } from './template';


interface RunState {
  /** Step id → the value it was given (checkbox: "true" / "false"). */
  values: Record<string, { value: string; at: number }>;
  /** Generated text not accepted yet, by step id: kept so a reload loses nothing. */
  drafts?: Record<string, string>;
  /** A todos step's card (a message id) and the todos it proposed, by step id. */
  cards?: Record<string, { id: number; todos: string[] }>;
}

/** A card message, as the views show it. */
export type CardMessage = ChatMessageDto & { card: ToolCard };

/** The longest value a step keeps. */
export const MAX_VALUE = 100_000;
const MAX_KEY = 100;

export interface WorkflowDeps {
  db: Database;
  emit: (n: Notification) => void;
  /** The chat queue's note: what the model is told of a finished step. */
  note: (profileId: number, text: string) => void;
  /** The definition by name, as it is now (undefined: gone or broken). */
  definition: (name: string) => Workflow | undefined;
  /** The profile's name, for keys; undefined when the profile does not exist. */
  profileName: (profileId: number) => string | undefined;
  /** The profile the Tasks list shows, the only one todos can be added to. */
  activeProfileId?: () => number;
  /** Proposes adding these todos on a confirmation card in the profile's conversation (ChatService.propose). */
  proposeTodos?: (profileId: number, from: CardSource, titles: readonly string[]) => Promise<CardMessage>;
  /** Takes back a card that still waits (ChatService.withdraw). */
  withdrawCard?: (profileId: number, cardId: number) => void;
  /** A card as the views show it; undefined when it is gone (its conversation was cleared). */
  card?: (profileId: number, cardId: number) => CardMessage | undefined;
  /** Where command steps run, and whether they may (VS Code's workspace trust). */
  workspace?: { trusted(): boolean; folder(): string | undefined };
  /** One prompt to the chat's model, streamed (ChatService.complete). */
  generate?: (prompt: string, signal: AbortSignal) => AsyncIterable<string>;
  /** What the chat says of an error of `generate`, with its actions (ChatService.explain). */
  explain?: (err: unknown) => Promise<ChatProblem>;
  now?: () => number;
  log?: (line: string) => void;
}

export class WorkflowService {
  private readonly table: Table<typeof pipelineTable>;
  private readonly generating = new Map<string, AbortController>();
  private readonly now: () => number;

  constructor(private readonly deps: WorkflowDeps) {
    this.table = new Table(deps.db, pipelineTable);
    this.now = deps.now ?? Date.now;
  }

  // ---- runs -----------------------------------------------------------------------------

  /** The profile's runs (of one workflow, or all), most recently changed first. */
  runs(profileId: number, workflow?: string): RunSummary[] {
    const where = workflow === undefined ? { profile_id: profileId } : { profile_id: profileId, workflow };
    return this.table.rows({ where, orderBy: 'updated DESC' }).map((row) => {
      const def = this.deps.definition(row.workflow);
      const values = stateOf(row).values;
      const steps = def?.steps ?? [];
      return {
        workflow: row.workflow,
        key: row.key,
        updated: row.updated,
        finalized: row.finalized,
        done: steps.filter((s) => values[s.id]).length,
        total: steps.length,
      };
    });
  }

  /**
   * Starts a run of `workflow`, or resumes the run with that key when there is one.
   * Without a key, the next free `<profile>-<workflow>-NN`.
   */
  async start(profileId: number, workflow: string, key?: string): Promise<WorkflowRunDto> {
    const profile = this.deps.profileName(profileId);
    if (profile === undefined) throw new UserError(l10n.t('That profile no longer exists.'));
    const typed = key?.trim();
    if (typed !== undefined && typed !== '') {
      if (typed.length > MAX_KEY) throw new UserError(l10n.t('A key is at most {0} characters.', MAX_KEY));
      if (this.table.has([profileId, workflow, typed])) return this.open(profileId, workflow, typed);
    }
    if (!this.deps.definition(workflow)) throw new UserError(l10n.t('There is no workflow “{0}” (or its file has errors: see the Problems panel).', workflow));
    const chosen = typed || this.nextKey(profileId, profile, workflow);
    const now = this.now();
    this.table.insert({ profile_id: profileId, workflow, key: chosen, state: { values: {} } satisfies RunState, created: now, updated: now });
    return this.changed(profileId, workflow, chosen);
  }

  open(profileId: number, workflow: string, key: string): WorkflowRunDto {
    return this.dto(this.row(profileId, workflow, key));
  }

  /** Gives the current step its value (the user's, or an accepted generated text). */
  async submit(profileId: number, workflow: string, key: string, stepId: string, value: string): Promise<WorkflowRunDto> {
    const { row, def } = this.changeable(profileId, workflow, key);
    const state = stateOf(row);
    const step = def.steps.find((s) => s.id === stepId);
    if (!step) throw new UserError(l10n.t('This workflow has no step “{0}” now.', stepId));
    if (currentOf(def, state)?.id !== stepId) throw new UserError(l10n.t('“{0}” is not the step to fill now: the run has changed. It is shown as it is.', step.title));
    if (this.generating.has(runId(profileId, workflow, key))) throw new UserError(l10n.t('The text is still being written: stop it first.'));
    if (step.type === 'todos') await this.proposeTodos(row, def, step);
    else this.done(row, def, step, checkValue(step, value));
    return this.changed(profileId, workflow, key);
  }

  /** The step gets its value (its draft goes), and the model is told. */
  private done(row: PipelineRow, def: Workflow, step: Step, value: string): void {
    const state = stateOf(row);
    const drafts = { ...state.drafts };
    delete drafts[step.id];
    this.write(row, { ...state, values: { ...state.values, [step.id]: { value, at: this.now() } }, drafts });
    // model-facing
    this.deps.note(row.profile_id, `Workflow ${quote(def.title)} (run ${quote(row.key)}): step ${quote(step.title)} done: ${quote(value)}`);
  }

  /** Clears a done step and every step after it (Pipulate's revert). */
  async revert(profileId: number, workflow: string, key: string, stepId: string): Promise<WorkflowRunDto> {
    const { row, def } = this.changeable(profileId, workflow, key);
    const index = def.steps.findIndex((s) => s.id === stepId);
    if (index < 0) throw new UserError(l10n.t('This workflow has no step “{0}” now.', stepId));
    this.stopGenerating(profileId, workflow, key);
    const state = stateOf(row);
    const values = { ...state.values };
    const drafts = { ...state.drafts };
    const cards = { ...state.cards };
    const waiting: number[] = [];
    for (const s of def.steps.slice(index)) {
      delete values[s.id];
      delete drafts[s.id];
      // A card still waiting is taken back; one applied stays in the chat with its Undo: the todos are the user's now.
      if (cards[s.id]) waiting.push(cards[s.id]!.id);
      delete cards[s.id];
    }
    this.write(row, { values, drafts, cards });
    for (const id of waiting) this.deps.withdrawCard?.(profileId, id);
    // model-facing
    this.deps.note(profileId, `Workflow ${quote(def.title)} (run ${quote(key)}): went back to step ${quote(def.steps[index]!.title)}; it and the steps after it were cleared`);
    return this.changed(profileId, workflow, key);
  }

  /** Locks a run whose steps are all done. */
  async finalize(profileId: number, workflow: string, key: string): Promise<WorkflowRunDto> {
    const { row, def } = this.changeable(profileId, workflow, key);
    if (currentOf(def, stateOf(row))) throw new UserError(l10n.t('Finish every step before finalizing.'));
    this.table.update({ profile_id: profileId, workflow, key, finalized: true, updated: this.now() });
    // model-facing
    this.deps.note(profileId, `Workflow ${quote(def.title)} (run ${quote(key)}) finalized`);
    return this.changed(profileId, workflow, key);
  }

  async unlock(profileId: number, workflow: string, key: string): Promise<WorkflowRunDto> {
    const row = this.row(profileId, workflow, key);
    const def = this.deps.definition(workflow);
    if (!def) throw readOnly();
    if (!row.finalized) return this.dto(row);
    this.table.update({ profile_id: profileId, workflow, key, finalized: false, updated: this.now() });
    // model-facing
    this.deps.note(profileId, `Workflow ${quote(def.title)} (run ${quote(key)}) unlocked`);
    return this.changed(profileId, workflow, key);
  }

  // ---- todos steps --------------------------------------------------------------------------

  /** The todos the current step makes now go on a card; with the kind allowed, they are added at once and the step is done. */
  private async proposeTodos(row: PipelineRow, def: Workflow, step: Step & { type: 'todos' }): Promise<void> {
    const { profile_id: profileId, workflow, key } = row;
    const state = stateOf(row);
    const earlier = state.cards?.[step.id];
    const card = earlier && this.deps.card?.(profileId, earlier.id);
    if (card?.card.state === 'waiting') throw new UserError(l10n.t('These todos wait for your answer on their card: apply or reject them there.'));
    // A card decided while the run was not told (the window closed in between): the step takes its outcome.
    if (card && this.fromCard(row, def, step, card)) return;
    const titles = todosOf(step, state);
    if (titles.length === 0) throw new UserError(l10n.t('There is nothing to add: the text this step takes its todos from is empty.'));
    if (titles.length > MAX_TODOS) throw new UserError(l10n.t('That is {0} todos: at most {1} are added at once. Shorten the list (revert the step it comes from).', titles.length, MAX_TODOS));
    if (!this.deps.proposeTodos || !this.deps.activeProfileId) throw new UserError(l10n.t('Todos cannot be added here.'));
    // Todos are added to the active profile's list: a run of another profile must not add to this one's.
    if (this.deps.activeProfileId() !== profileId) throw new UserError(l10n.t('Switch to this run’s profile first: its todos go to that profile’s list.'));
    const from: CardSource = { text: l10n.t('Workflow {0}, run {1}: step {2}', quote(def.title), quote(key), quote(step.title)), workflow, key, step: step.id };
    const proposed = await this.deps.proposeTodos(profileId, from, titles);
    const now = this.table.get([profileId, workflow, key]);
    const next = stateOf(now);
    this.write(now, { ...next, cards: { ...next.cards, [step.id]: { id: proposed.id, todos: titles } } });
    if (proposed.card.state === 'done') this.fromCard(this.table.get([profileId, workflow, key]), def, step, proposed);
  }

  /**
   * A step's card was decided: when it applied some todos (and the step is still to do),
   * the step is done, its value those todos. False when it applied none (the step stays to do).
   */
  private fromCard(row: PipelineRow, def: Workflow, step: Step, message: CardMessage): boolean {
    const state = stateOf(row);
    const proposed = state.cards?.[step.id];
    if (!proposed || proposed.id !== message.id || state.values[step.id] || row.finalized || message.card.state !== 'done') return false;
    const added = message.card.items.filter((i) => i.state === 'applied' || i.state === 'undone').map((i) => proposed.todos[i.index] ?? i.text);
    if (added.length === 0) return false;
    this.done(row, def, step, added.join('\n'));
    return true;
  }

  /** A card changed (decided, undone, cancelled): the run whose step proposed it follows, and its panel is told. */
  cardChanged(profileId: number, message: CardMessage): void {
    const from = message.card.from;
    if (!from || !this.table.has([profileId, from.workflow, from.key])) return;
    const row = this.table.get([profileId, from.workflow, from.key]);
    if (stateOf(row).cards?.[from.step]?.id !== message.id) return;
    const def = this.deps.definition(from.workflow);
    const step = def?.steps.find((s) => s.id === from.step);
    if (def && step) this.fromCard(row, def, step, message);
    this.changed(profileId, from.workflow, from.key).catch((err) => this.deps.log?.(`workflow: a card's outcome may not be on disk: ${messageOf(err)}`));
  }

  /** The profile is being deleted (inside its transaction): its runs go with it. */
  removeProfile(profileId: number): void {
    for (const [id, controller] of this.generating) if (id.startsWith(`${profileId}\n`)) controller.abort();
    this.table.deleteWhere({ profile_id: profileId });
  }

  /** Stops every text being written (the drafts so far are kept). */
  dispose(): void {
    for (const controller of this.generating.values()) controller.abort();
  }

  // ---- generate steps ---------------------------------------------------------------------

  /**
   * Writes the current generate step's text with the chat's model, or runs the current
   * command step (the user clicked Run, having seen the command): streamed as
   * workflow/delta, ended by workflow/generated (done, stopped or error), the text kept
   * as the step's draft to edit and accept (submit). Resolves when it has started.
   */
  async generate(profileId: number, workflow: string, key: string, stepId: string): Promise<null> {
    const { row, def } = this.changeable(profileId, workflow, key);
    const state = stateOf(row);
    const step = currentOf(def, state);
    if (step?.id !== stepId || (step.type !== 'generate' && step.type !== 'command')) throw new UserError(l10n.t('Only the current step can be written by the model.'));
    if (step.type === 'generate' && !this.deps.generate) throw new UserError(l10n.t('No model is connected.'));
    const blocked = step.type === 'command' ? this.blocked() : undefined;
    if (blocked) throw new UserError(blocked);
    const id = runId(profileId, workflow, key);
    if (this.generating.has(id)) throw new UserError(l10n.t('The text is already being written.'));
    const controller = new AbortController();
    this.generating.set(id, controller);
    const source =
      step.type === 'generate'
        ? this.deps.generate!(fillTemplate(step.prompt, valuesOf(state)), controller.signal)
        : runShell(step.run, { cwd: this.deps.workspace!.folder()!, timeoutMs: step.timeoutSeconds * 1000, signal: controller.signal });
    void this.stream(profileId, workflow, key, stepId, source, controller, step.type === 'generate');
    this.emit({ kind: 'workflow/changed', run: this.open(profileId, workflow, key) });
    return null;
  }

  /** Stops a generate step being written; what arrived is kept as its draft. */
  stopGenerating(profileId: number, workflow: string, key: string): boolean {
    const controller = this.generating.get(runId(profileId, workflow, key));
    controller?.abort();
    return !!controller;
  }

  /** Why command steps cannot run now; undefined when they can. */
  private blocked(): string | undefined {
    if (!this.deps.workspace?.trusted()) return l10n.t('Commands run only in a trusted workspace: trust this folder (Workspaces: Manage Workspace Trust) to run it.');
    if (!this.deps.workspace.folder()) return l10n.t('Commands run in the workspace folder: open a folder first.');
    return undefined;
  }

  /** `fromModel`: its errors are the chat's (explained, with the chat's actions). */
  private async stream(profileId: number, workflow: string, key: string, step: string, source: AsyncIterable<string>, controller: AbortController, fromModel: boolean): Promise<void> {
    let text = '';
    let status: 'done' | 'stopped' | 'error' = 'done';
    let error: string | undefined;
    let problem: ChatProblem | undefined;
    try {
      for await (const piece of source) {
        if (controller.signal.aborted) break;
        text = cutText(text + piece, MAX_VALUE);
        this.emit({ kind: 'workflow/delta', profileId, workflow, key, step, text: piece });
      }
      if (controller.signal.aborted) status = 'stopped';
    } catch (err) {
      status = controller.signal.aborted ? 'stopped' : 'error';
      if (status === 'error') error = messageOf(err);
      if (status === 'error' && fromModel) problem = await this.deps.explain?.(err).catch(() => undefined);
    }
    this.generating.delete(runId(profileId, workflow, key));
    let run: WorkflowRunDto | undefined;
    try {
      // The draft is kept unless the run moved on meanwhile (reverted, deleted).
      if (this.table.has([profileId, workflow, key])) {
        const row = this.table.get([profileId, workflow, key]);
        const state = stateOf(row);
        const def = this.deps.definition(workflow);
        if (def && currentOf(def, state)?.id === step && !row.finalized) this.write(row, { ...state, drafts: { ...state.drafts, [step]: text } });
        await this.deps.db.sync();
        run = this.open(profileId, workflow, key);
      }
    } catch (err) {
      // The store may also have closed meanwhile (the window closing): nothing is left to tell.
      this.deps.log?.(`workflow: a draft was not saved: ${messageOf(err)}`);
    }
    this.emit({ kind: 'workflow/generated', profileId, workflow, key, step, text, status, ...(error ? { error } : {}), ...(problem ? { problem } : {}) });
    if (run) this.emit({ kind: 'workflow/changed', run });
  }

  // ---- the record -------------------------------------------------------------------------

  private row(profileId: number, workflow: string, key: string): PipelineRow {
    if (!this.table.has([profileId, workflow, key])) throw new UserError(l10n.t('There is no run “{0}” of this workflow in this profile.', key));
    return this.table.get([profileId, workflow, key]);
  }

  /** The run and its definition, when the run may change (not finalized, definition there). */
  private changeable(profileId: number, workflow: string, key: string): { row: PipelineRow; def: Workflow } {
    const row = this.row(profileId, workflow, key);
    const def = this.deps.definition(workflow);
    if (!def) throw readOnly();
    if (row.finalized) throw new UserError(l10n.t('This run is finalized: unlock it to change it.'));
    return { row, def };
  }

  private write(row: PipelineRow, state: RunState): void {
    this.table.update({ profile_id: row.profile_id, workflow: row.workflow, key: row.key, state, updated: this.now() });
  }

  /** On disk, then told to every view. */
  private async changed(profileId: number, workflow: string, key: string): Promise<WorkflowRunDto> {
    await this.deps.db.sync();
    const run = this.open(profileId, workflow, key);
    this.emit({ kind: 'workflow/changed', run });
    return run;
  }

  private emit(n: Notification): void {
    this.deps.emit(n);
  }

  private nextKey(profileId: number, profile: string, workflow: string): string {
    const prefix = `${slug(profile) || 'profile'}-${workflow}-`;
    const taken = this.table.rows({ where: { profile_id: profileId, workflow }, select: ['key'] }).map((r) => r.key);
    let n = 1;
    for (const k of taken) {
      const m = k.startsWith(prefix) ? /^(\d+)$/.exec(k.slice(prefix.length)) : null;
      if (m) n = Math.max(n, Number(m[1]) + 1);
    }
    return `${prefix}${String(n).padStart(2, '0')}`;
  }

  private dto(row: PipelineRow): WorkflowRunDto {
    const def = this.deps.definition(row.workflow);
    const state = stateOf(row);
    const values = valuesOf(state);
    const current = def ? currentOf(def, state) : undefined;
    const steps: WorkflowStepDto[] = [];
    for (const s of def?.steps ?? []) {
      const done = state.values[s.id];
      const dtoState = done ? 'done' : s === current ? 'current' : 'pending';
      const base: WorkflowStepDto = { id: s.id, title: s.title, type: s.type, state: dtoState, ...(s.help ? { help: s.help } : {}) };
      if (s.type === 'input') {
        Object.assign(base, { input: s.input, required: s.required, ...(s.pattern ? { pattern: s.pattern } : {}), ...(s.options ? { options: s.options } : {}) });
      } else if (s.type === 'generate' && dtoState !== 'pending') {
        base.prompt = fillTemplate(s.prompt, values);
      } else if (s.type === 'todos') {
        if (dtoState === 'current') base.todos = todosOf(s, state);
        // The step's card: done, with what it applied (and Undo); to do, while it waits for the user.
        const proposed = state.cards?.[s.id];
        const card = proposed && dtoState !== 'pending' ? this.deps.card?.(row.profile_id, proposed.id) : undefined;
        if (card && (done || card.card.state === 'waiting')) base.card = card;
      } else if (s.type === 'command') {
        Object.assign(base, { command: s.run, timeoutSeconds: s.timeoutSeconds, cwd: this.deps.workspace?.folder() });
        const blocked = dtoState === 'current' ? this.blocked() : undefined;
        if (blocked) base.blocked = blocked;
      }
      if (done) base.value = done.value;
      else if (dtoState === 'current') {
        const start = s.type === 'generate' || s.type === 'command' ? state.drafts?.[s.id] : s.type === 'input' && s.default !== undefined ? fillTemplate(s.default, values) : undefined;
        if (start !== undefined) base.value = start;
      }
      steps.push(base);
    }
    const known = new Set(def?.steps.map((s) => s.id));
    // In the order they were given.
    for (const [id, v] of Object.entries(state.values).sort((a, b) => a[1].at - b[1].at)) {
      if (!known.has(id)) steps.push({ id, title: id, type: 'removed', state: 'removed', value: v.value });
    }
    return {
      profileId: row.profile_id,
      workflow: row.workflow,
      key: row.key,
      title: def?.title ?? row.workflow,
      finalized: row.finalized,
      readOnly: !def,
      updated: row.updated,
      steps,
      current: current?.id ?? null,
      generating: this.generating.has(runId(row.profile_id, row.workflow, row.key)),
    };
  }
}

function readOnly(): UserError {
  return new UserError(l10n.t('This workflow’s file is gone or has errors (see the Problems panel): its runs can be read, not changed.'));
}

function runId(profileId: number, workflow: string, key: string): string {
  return `${profileId}\n${workflow}\n${key}`;
}

/** A stored state that is not what we wrote (edited by hand, say) reads as an empty run rather than failing. */
function stateOf(row: PipelineRow): RunState {
  const s = row.state as Partial<RunState> | null;
  const values = s && typeof s.values === 'object' && s.values !== null ? s.values : {};
  const clean: RunState['values'] = {};
  for (const [id, v] of Object.entries(values)) if (v && typeof v.value === 'string') clean[id] = { value: v.value, at: Number(v.at) || 0 };
  const drafts = s?.drafts && typeof s.drafts === 'object' ? s.drafts : {};
  const cards: RunState['cards'] = {};
  for (const [id, c] of Object.entries(s?.cards && typeof s.cards === 'object' ? s.cards : {})) {
    if (c && Number.isInteger(c.id) && Array.isArray(c.todos)) cards[id] = { id: c.id, todos: c.todos.map(String) };
  }
  return { values: clean, drafts, cards };
}

function valuesOf(state: RunState): Record<string, string> {
  return Object.fromEntries(Object.entries(state.values).map(([id, v]) => [id, v.value]));
}

/** The todos a todos step would add now, from the values of the steps before it. */
function todosOf(step: Step & { type: 'todos' }, state: RunState): string[] {
  return todoLines(fillTemplate(step.from, valuesOf(state)));
}

/** The first step without a value. */
export function currentOf(def: Workflow, state: RunState): Step | undefined {
  return def.steps.find((s) => !state.values[s.id]);
}

/** The value as it is kept, or a UserError saying what is wrong with it. */
export function checkValue(step: Step, raw: string): string {
  if (raw.length > MAX_VALUE) throw new UserError(l10n.t('This is too long ({0} characters at most).', MAX_VALUE));
  if (step.type === 'todos') return raw;
  if (step.type === 'generate' || step.type === 'command') {
    if (!raw.trim()) throw new UserError(l10n.t('The text is empty: write it, or let the model write it.'));
    return raw;
  }
  return checkInput(step, raw);
}

function checkInput(step: InputStep, raw: string): string {
  if (step.input === 'checkbox') {
    if (raw !== 'true' && raw !== 'false') throw new UserError(l10n.t('A checkbox is true or false.'));
    if (step.required && raw !== 'true') throw new UserError(l10n.t('“{0}” must be checked to go on.', step.title));
    return raw;
  }
  const value = step.input === 'multiline' ? raw : raw.trim();
  if (!value.trim()) {
    if (step.required) throw new UserError(l10n.t('“{0}” is required.', step.title));
    return '';
  }
  if (step.input === 'choice' && !step.options?.includes(value)) throw new UserError(l10n.t('Choose one of the options.'));
  if (step.pattern !== undefined && !new RegExp(`^(?:${step.pattern})$`, 'u').test(value)) {
    throw new UserError(l10n.t('“{0}” does not have the expected form ({1}).', step.title, step.pattern));
  }
  return value;
}

function slug(text: string): string {
  return text
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40);
}
