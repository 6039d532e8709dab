/**
 * The tools, as the chat uses them (the ToolPort of src/chat/toolPort.ts), and the
 * user's own undo. It holds the registry, the approvals and the undo log together:
 *
 * - `plan` checks each call (a known tool, arguments that pass its schema, a todo of
 *   this profile, something to do) and runs the reading ones; what does not pass is
 *   refused with a reason the model can act on, and nothing else happens;
 * - `apply` makes one change through TasksService, as the user's own click would, with
 *   the card and the undo entry written in the change's transaction;
 * - every tool acts on the conversation's profile only, and only while it is the
 *   active one (TasksService works on the active profile, through its scoped view).
 *
 * `UserUndo` gives the user's Delete and Clear Completed the same undo.
 */
import * as l10n from '@vscode/l10n';
import { messageOf, UserError } from '../errors';
import type { ChangeKind, Notification } from '../protocol';
import type { PlannedItem, SavedCard, ToolCall, ToolPort, ToolSpec } from '../chat/toolPort';
import type { TasksService } from '../tasks/tasksService';
import type { Actor } from '../tasks/revert';
import { quote } from '../tasks/notes';
import { canAlwaysAllow, type Approvals } from './approvals';
import { parseArguments, TOOLS, toolNamed, ToolError, type ToolScope } from './registry';
import { BareCalls, describeProtocol, TextCalls } from './textProtocol';
import type { UndoLog } from './undo';

/** Calls beyond this many in one round are refused: a model in a loop must not flood the card. */
const MAX_CALLS = 20;

export class Toolbox implements ToolPort {
  constructor(
    private readonly tasks: TasksService,
    private readonly approvals: Approvals,
    private readonly undoLog: UndoLog,
  ) {}

  specs(): ToolSpec[] {
    return TOOLS.map((t) => ({ type: 'function', function: { name: t.name, description: t.description, parameters: t.parameters } }));
  }

  textProtocol(): string {
    return describeProtocol(TOOLS);
  }

  textReader(mode: 'native' | 'text'): TextCalls | BareCalls {
    return mode === 'text' ? new TextCalls() : new BareCalls();
  }

  plan(profileId: number, calls: readonly ToolCall[], limit = MAX_CALLS): PlannedItem[] {
    const scope: ToolScope = { tasks: this.tasks, profileId, recentNotes: () => [] };
    return calls.map((call, index): PlannedItem => {
      const tool = toolNamed(call.name);
      const base = { index, tool: tool?.name ?? call.name.slice(0, 100) };
      if (index >= limit) {
        // model-facing
        const why = `Not run: at most ${limit} tool calls in one message.`;
        return { ...base, text: l10n.t('Use {0}', base.tool), state: 'refused', result: why };
      }
      if (!tool) {
        const names = TOOLS.map((t) => t.name).join(', ');
        // model-facing
        const why = `There is no tool named ${quote(base.tool)}. The tools are: ${names}.`;
        return { ...base, text: l10n.t('Use {0}', quote(base.tool)), state: 'refused', result: why };
      }
      try {
        this.inScope(profileId);
        const args = parseArguments(tool, call.arguments);
        const text = tool.describe(args, scope);
        if (tool.kind === 'read') return { ...base, text, state: 'read', args };
        tool.check(args, scope);
        return {
          ...base,
          text,
          state: 'proposed',
          change: tool.change,
          canAlways: canAlwaysAllow(tool.change),
          auto: this.approvals.allowed(profileId, tool.change),
          args,
        };
      } catch (err) {
        if (!(err instanceof UserError)) throw err;
        return { ...base, text: l10n.t('Use {0}', tool.name), state: 'refused', result: messageOf(err) };
      }
    });
  }

  read(profileId: number, item: PlannedItem, recentNotes: (limit: number) => string[]): string {
    const tool = toolNamed(item.tool);
    // model-facing
    if (tool?.kind !== 'read') throw new ToolError(`${item.tool} is not a reading tool.`);
    this.inScope(profileId);
    return tool.run(item.args, { tasks: this.tasks, profileId, recentNotes });
  }

  async apply(profileId: number, item: PlannedItem, saveCard: (result: string) => SavedCard, by: Actor = 'model', deferred?: (told: Promise<void>) => void): Promise<string> {
    const tool = toolNamed(item.tool);
    // model-facing
    if (tool?.kind !== 'change') throw new ToolError(`${item.tool} changes nothing.`);
    this.inScope(profileId);
    const scope: ToolScope = { tasks: this.tasks, profileId, recentNotes: () => [] };
    // Checked again: the list may have changed while the card waited.
    tool.check(item.args, scope);
    let told: string | undefined;
    await tool.apply(item.args, scope, (result) => ({
      by,
      deferred,
      record: (steps, note, value) => {
        told = result(value);
        const card = saveCard(told);
        this.undoLog.record(profileId, 'model', card.id, steps, note, card.first);
      },
    }));
    // model-facing
    return told ?? 'Nothing changed: it was so already.';
  }

  allow(profileId: number, kinds: readonly ChangeKind[]): void {
    this.approvals.allow(profileId, kinds);
  }

  lastUndoable(profileId: number): number | undefined {
    return this.undoLog.last(profileId, 'model')?.card_id ?? undefined;
  }

  async undo(profileId: number, cardId: number, alongside: () => void): Promise<void> {
    const entry = this.undoLog.last(profileId, 'model', cardId);
    if (!entry) throw new UserError(l10n.t('Nothing on that card can be undone.'));
    await this.undoLog.undo(entry, alongside);
  }

  /** The tools act on the conversation's profile, and only while the user works in it. */
  private inScope(profileId: number): void {
    if (this.tasks.activeProfileId === profileId) return;
    const active = this.tasks.activeProfile();
    // model-facing
    throw new ToolError(`The user now works in profile ${quote(active.name)}, not in this conversation's profile: the tools act only on this conversation's profile. Ask the user to switch back.`);
  }
}

/** The user's own deletes and clears, undoable like the model's changes ("Pipulate: Undo", the Tasks view's Undo). */
export class UserUndo {
  constructor(
    private readonly tasks: TasksService,
    private readonly undoLog: UndoLog,
    private readonly emit: (n: Notification) => void,
  ) {}

  async deleteTodo(id: number): Promise<void> {
    const profileId = this.tasks.activeProfileId;
    let label = '';
    await this.tasks.deleteTodo(id, { record: (steps, note) => ((label = note), this.undoLog.record(profileId, 'user', null, steps, note)) });
    this.emit({ kind: 'tasks/undoable', label });
  }

  async clearCompleted(): Promise<number> {
    const profileId = this.tasks.activeProfileId;
    let label = '';
    const n = await this.tasks.clearCompleted({ record: (steps, note) => ((label = note), this.undoLog.record(profileId, 'user', null, steps, note)) });
    if (n > 0) this.emit({ kind: 'tasks/undoable', label });
    return n;
  }

  /** Reverts the user's last delete or clear in the active profile; false when there is none. */
  async undo(): Promise<boolean> {
    const entry = this.undoLog.last(this.tasks.activeProfileId, 'user');
    if (!entry) return false;
    await this.undoLog.undo(entry);
    this.emit({ kind: 'tasks/undoable', label: null });
    return true;
  }
}
