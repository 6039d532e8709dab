/**
 * What the chat needs of the tools (src/tools/toolbox.ts implements it), so the chat
 * knows nothing of todos: the tools' descriptions for the model, turning a round's calls
 * into card items, applying one, and undoing a card.
 */
import type { ChangeKind, ToolCardItem } from '../protocol';
import type { Actor } from '../tasks/revert';

/** A call as the model made it: the tool's name and its arguments as written (not yet checked). */
export interface ToolCall {
  name: string;
  arguments: unknown;
}

/** A tool as Ollama's `tools` takes it. */
export interface ToolSpec {
  type: 'function';
  function: { name: string; description: string; parameters: object };
}

/** A card item with what applying it needs (kept in memory only: a card waiting at a reload is cancelled). */
export interface PlannedItem extends ToolCardItem {
  args?: unknown;
}

/** Finds the text protocol's blocks in a streamed reply (see src/tools/textProtocol.ts). */
export interface TextCallReader {
  /** Takes a piece of the reply; returns what to show. */
  feed(text: string): string;
  /** The reply ended: the rest to show. */
  end(): string;
  readonly raw: string[];
  calls(): { calls: ToolCall[]; problems: string[] };
}

/** A card written with a change: its id, and whether the change is its first (see ToolPort.apply). */
export interface SavedCard {
  id: number;
  first: boolean;
}

export interface ToolPort {
  specs(): ToolSpec[];
  /** For models without native tools: the system prompt's part that teaches the text protocol. */
  textProtocol(): string;
  /** Text: finds the protocol's blocks. Native: finds a call a model wrote as its whole reply instead of calling. */
  textReader(mode: 'native' | 'text'): TextCallReader;
  /**
   * A round's calls as card items: reads ('read', run by `read` in their turn), changes
   * checked ('proposed', `auto` when allowed without asking), the rest 'refused' with the
   * reason for the model. Calls beyond `limit` (default: what a model may make in one round) are refused.
   */
  plan(profileId: number, calls: readonly ToolCall[], limit?: number): PlannedItem[];
  /** Runs a reading item; resolves with its result for the model. `recentNotes` serves the tool that reads them. */
  read(profileId: number, item: PlannedItem, recentNotes: (limit: number) => string[]): string;
  /**
   * Applies a proposed change through TasksService. `saveCard` is called inside the
   * change's transaction with the result for the model (the card shows it applied, on
   * disk with it) and returns the card's id, under which the change is kept for undo,
   * and whether it is the card's first change (it has no undo entry yet).
   * Resolves with the result for the model; rejects (UserError) when it cannot be
   * applied now. `by`: whose change the note says it is (the model's, or the user's own
   * on a card Pipulate proposed). With `deferred`, it resolves once the change is made in
   * memory and hands over the promise that it is on disk and told (ChangeOptions.deferred).
   */
  apply(profileId: number, item: PlannedItem, saveCard: (result: string) => SavedCard, by: Actor, deferred?: (told: Promise<void>) => void): Promise<string>;
  /** "Always allow": these kinds, in this profile (those a card may offer). */
  allow(profileId: number, kinds: readonly ChangeKind[]): void;
  /** The newest card of the profile with changes to undo. */
  lastUndoable(profileId: number): number | undefined;
  /** Reverts what card `cardId` applied; `alongside` writes in the revert's transaction (the card, undone). */
  undo(profileId: number, cardId: number, alongside: () => void): Promise<void>;
}
