/**
 * What the run panel is sent of a run (protocol.ts re-exports these): the definition's
 * steps in order, each with its state, and the steps the run holds values for that the
 * definition no longer has.
 */
import type { ChatMessageDto, ToolCard } from '../protocol';
import type { InputKind } from './definition';

export type StepState = 'done' | 'current' | 'pending' | 'removed';

export interface WorkflowStepDto {
  id: string;
  title: string;
  help?: string;
  /** removed: the definition no longer has this step; its value is kept. */
  type: 'input' | 'generate' | 'todos' | 'command' | 'removed';
  state: StepState;
  input?: InputKind;
  required?: boolean;
  pattern?: string;
  options?: string[];
  /** done/removed: the value given; current: what the form starts with (the default filled, or a generated draft). */
  value?: string;
  /** generate: the prompt, filled with the earlier steps' values. */
  prompt?: string;
  /** command: exactly what runs (in `cwd`, at most `timeoutSeconds`). */
  command?: string;
  cwd?: string;
  timeoutSeconds?: number;
  /** command, current: why it cannot run here (an untrusted workspace, no folder); absent when it can. */
  blocked?: string;
  /** todos, current: the todos it would add (done: `value` holds those added, one per line). */
  todos?: string[];
  /** todos: the confirmation card of its todos (the chat's), while it waits for the user and once done. */
  card?: ChatMessageDto & { card: ToolCard };
}

export interface WorkflowRunDto {
  profileId: number;
  workflow: string;
  key: string;
  /** The definition's title (its name when it is gone). */
  title: string;
  finalized: boolean;
  /** The definition is gone (or has errors): the run is shown, nothing can change. */
  readOnly: boolean;
  updated: number;
  steps: WorkflowStepDto[];
  /** The first unfinished step; null when every step is done. */
  current: string | null;
  /** A generate step is being written now. */
  generating: boolean;
}

/** A run in a list (the Workflows tree). */
export interface RunSummary {
  workflow: string;
  key: string;
  updated: number;
  finalized: boolean;
  done: number;
  total: number;
}
