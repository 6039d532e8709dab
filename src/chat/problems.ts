/**
 * The chat's current problem (at most one, shown above the input in every profile), and
 * when it is over. A problem must not outlive what it reports:
 *
 * - about the connection (not reachable, bad host, an API key missing or refused...): over once the server answers
 *   (a connection check, a reply);
 * - about a model (not installed, no model, a failed pull, not enough memory): over once
 *   another model is chosen, or that model turns out to be there, or a reply succeeds;
 * - about a reply (timeout, dropped, context...): over with the next send.
 *
 * Any send starts afresh (the user moved on), and the user can dismiss it.
 */
import type { ChatProblem } from '../protocol';
import type { Diagnosis, ProblemCode } from './diagnose';
import { hasModel, withTag } from './ollamaClient';

type Scope = 'connection' | 'model' | 'reply';

const MODEL_CODES: ReadonlySet<ProblemCode> = new Set(['modelMissing', 'noModel', 'pullFailed', 'outOfMemory']);
// A missing or refused API key is the connection's too: the server answering ends it.
const CONNECTION_CODES: ReadonlySet<ProblemCode> = new Set(['unreachable', 'hostNotFound', 'badHost', 'timeout', 'notOllama', 'keyMissing', 'keyRefused']);
/** Model problems that say the model is not there (so its being there ends them). */
const ABSENT_CODES: ReadonlySet<ProblemCode> = new Set(['modelMissing', 'pullFailed']);

function scopeOf(code: ProblemCode): Scope {
  return MODEL_CODES.has(code) ? 'model' : CONNECTION_CODES.has(code) ? 'connection' : 'reply';
}

export class Problems {
  private current: { diagnosis: Diagnosis; scope: Scope; model: string } | undefined;

  /** `emit` tells the views (null: the problem went away). */
  constructor(private readonly emit: (problem: ChatProblem | null) => void) {}

  get(): ChatProblem | undefined {
    return this.current?.diagnosis.problem;
  }

  get code(): ProblemCode | undefined {
    return this.current?.diagnosis.code;
  }

  /** `model`: the model it is about (the chosen one, or the one being pulled). */
  set(diagnosis: Diagnosis, model: string): void {
    this.current = { diagnosis, scope: scopeOf(diagnosis.code), model: withTag(model) };
    this.emit(diagnosis.problem);
  }

  clear(): void {
    if (!this.current) return;
    this.current = undefined;
    this.emit(null);
  }

  /** The chosen model is `model`: a model problem about another one is over. */
  modelChosen(model: string): void {
    if (this.current?.scope === 'model' && this.current.model !== withTag(model)) this.clear();
  }

  /** The server answered with its models: connection problems are over, and so is "not there" for a model it has. */
  reached(models: readonly string[]): void {
    if (this.current?.scope === 'connection') this.clear();
    else if (this.current && ABSENT_CODES.has(this.current.diagnosis.code) && hasModel(models, this.current.model)) this.clear();
  }

  /** A reply came back whole: nothing about the connection or the model stands in the way any more. */
  replied(): void {
    if (this.current && this.current.scope !== 'reply') this.clear();
  }
}
