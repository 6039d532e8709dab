/**
 * Cards: what the model did with its tools in one round, kept in the conversation.
 *
 * A round that made tool calls leaves two rows: the assistant's (its text, and in `data`
 * the calls as made, `{ calls, raw }`), then the card (role 'tool', `data: { card }`),
 * whose items hold each call's outcome and the result the model is told. So a reload
 * shows what happened, and every later request tells the model what it did: natively
 * (`tool_calls`, then one `role: "tool"` message per call naming the tool), or in the
 * text protocol (its block again, then the results in one message).
 *
 * A round's card, step by step (`round`): reads run at once; changes the user allowed are
 * applied at once (each change and the card showing it written in one transaction);
 * the rest wait for the user (`decide`: Apply, Reject, Apply selected, Always allow),
 * or are cancelled by Stop. Then the round is over and its results go back to the model.
 * An applied card can be undone (`undo`), also after a reload: the undo log keeps how.
 *
 * A card can also come from Pipulate itself rather than the model (`propose`: a workflow's
 * todos step): the same checks, approvals, decision and undo, its changes the user's own.
 */
import { attachmentsOf, withAttachments } from './attachments';
import * as l10n from '@vscode/l10n';
import { UserError, messageOf } from '../errors';
import type { CardSource, ChatMessageDto, ToolCard, ToolCardItem } from '../protocol';
import { quote } from '../tasks/notes';
import type { Message } from '../store/appSchema';
import type { OutgoingMessage } from './context';
import type { Conversation } from './conversation';
import { toDto } from './conversation';
import type { PlannedItem, ToolCall, ToolPort } from './toolPort';

export type ToolMode = 'native' | 'text' | 'off';

interface CardData {
  card: ToolCard;
}

interface CallsData {
  calls: ToolCall[];
  /** Text protocol: the blocks as the model wrote them. */
  raw?: string[];
}

/** The card a row holds, if it is a card. */
export function cardOf(row: Message): ToolCard | undefined {
  return row.role === 'tool' ? (row.data as CardData | null)?.card : undefined;
}

/** What a row is in a request to the model (a card is one message per call, or one for all). */
export function promptMessages(row: Message, mode: ToolMode): OutgoingMessage[] {
  if (row.role === 'tool') {
    const card = cardOf(row);
    if (!card) return [];
    if (card.from) return proposedMessages(card, card.from);
    const told = card.items.filter((i) => i.state !== 'cancelled');
    if (mode === 'native') return told.map((i) => ({ role: 'tool', tool_name: i.tool, content: resultFor(i) }));
    if (told.length === 0) return [];
    // model-facing
    const lines = told.map((i) => `- ${i.tool || 'action'}: ${resultFor(i)}`);
    // model-facing
    return [{ role: 'user', content: `Results of your actions:\n${lines.join('\n')}` }];
  }
  const role = row.role === 'user' ? 'user' : row.role === 'assistant' ? 'assistant' : 'system';
  // What the user attached goes with the message, as fenced blocks (attachments.ts).
  if (role === 'user' && attachmentsOf(row.data).length) return [{ role, content: withAttachments(row.content, row.data) }];
  const calls = row.role === 'assistant' ? (row.data as CallsData | null) : null;
  if (!calls?.calls?.length && !calls?.raw?.length) return row.content.trim() ? [{ role, content: row.content }] : [];
  if (mode === 'native') {
    return [{ role: 'assistant', content: row.content, tool_calls: calls.calls.map((c) => ({ function: { name: c.name, arguments: asObject(c.arguments) } })) }];
  }
  const blocks = calls.raw?.length ? calls.raw : [JSON.stringify(calls.calls.map((c) => ({ tool: c.name, args: c.arguments })))];
  // model-facing
  return [{ role: 'assistant', content: [row.content.trimEnd(), ...blocks.map((b) => `\`\`\`tool\n${b.trim()}\n\`\`\``)].filter(Boolean).join('\n') }];
}

/** A card the model did not make: what was proposed and decided, told as a note (there were no calls to answer). */
function proposedMessages(card: ToolCard, from: CardSource): OutgoingMessage[] {
  const told = card.items.filter((i) => i.state !== 'cancelled');
  if (told.length === 0) return [];
  // model-facing
  const lines = told.map((i) => `- ${i.tool}: ${i.state === 'proposed' ? 'waiting for the user’s answer' : resultFor(i)}`);
  // model-facing
  return [{ role: 'system', content: `Step ${quote(from.step)} of the user's workflow run ${quote(from.key)} (${quote(from.workflow)}) proposed changes (not you):\n${lines.join('\n')}` }];
}

/** What the model is told of one call. */
function resultFor(item: ToolCardItem): string {
  // model-facing
  if (item.state === 'rejected') return 'The user rejected this change: it was not made.';
  // model-facing
  if (item.state === 'undone') return `${item.result ?? 'Applied'} (The user undid it later.)`;
  return item.result ?? '';
}

function asObject(args: unknown): Record<string, unknown> {
  return typeof args === 'object' && args !== null && !Array.isArray(args) ? (args as Record<string, unknown>) : {};
}

/** Longest arguments (as JSON) or block kept to be sent back: a megabyte from the model must not fill every later request. */
const KEEP_CHARS = 4000;

/** The calls data for the assistant row of a round (what is too long is kept as a mark that says so). */
export function callsData(calls: readonly ToolCall[], raw: readonly string[]): CallsData {
  const kept = calls.map((c) => {
    const size = JSON.stringify(c.arguments ?? {})?.length ?? 0;
    // model-facing
    return size > KEEP_CHARS ? { name: c.name.slice(0, 100), arguments: { omitted: `arguments of ${size} characters, too long to keep` } } : c;
  });
  // model-facing
  const blocks = raw.map((b) => (b.length > KEEP_CHARS ? `[a block of ${b.length} characters, too long to keep]` : b));
  return blocks.length ? { calls: kept, raw: blocks } : { calls: kept };
}

interface Card {
  id?: number;
  /** Not the model's: proposed by Pipulate (propose). */
  from?: CardSource;
  /** The row as last written, and what was written (a save that would write the same is skipped). */
  row?: Message;
  written?: string;
  /** A change was applied from it (so it has an undo entry). */
  changed?: boolean;
  /** Written with the card's first write (see `round`), then cleared. */
  withFirstWrite?: () => void;
  profileId: number;
  items: PlannedItem[];
  state: ToolCard['state'];
  /** The views have it (chat/appended sent). */
  shown: boolean;
  /** While it waits: resolves once the user decided (or the wait was cancelled). */
  settled?: Promise<void>;
}

interface Waiting {
  card: Card;
  /** Resolves `card.settled`. */
  settle: () => void;
}

export interface CardsDeps {
  conversation: Conversation;
  tools: ToolPort;
  emit: (message: ChatMessageDto, profileId: number, appended: boolean) => void;
  log: (line: string) => void;
}

export class Cards {
  private readonly waiting = new Map<number, Waiting>();

  constructor(private readonly deps: CardsDeps) {}

  /**
   * One round's calls, from plan to outcome. `problems`: what the model wrote that could
   * not be read as a call (the text protocol), refused items. With `overLimit`, nothing is
   * run: each call is refused, the round limit being reached. Resolves once every item
   * has its outcome (in memory), or the card was cancelled (`signal`); `shown` resolves
   * once the changes made without asking are on disk, the views and the model told of
   * them, and the card shown: the next request may go out meanwhile, and its reply be
   * taken after (ChatService.run).
   *
   * `withFirstWrite` (the round's assistant row, ended) is written with the card's first
   * write: for a change the user allowed, in the change's own transaction, so one sync
   * puts the round, the change, the card and its undo entry on disk.
   */
  async round(
    profileId: number,
    calls: readonly ToolCall[],
    problems: readonly string[],
    signal: AbortSignal,
    overLimit: boolean,
    recentNotes: (limit: number) => string[],
    withFirstWrite: () => void,
  ): Promise<{ card: ToolCard; shown: Promise<void> }> {
    // model-facing
    const planned = overLimit ? calls.map((c, i) => refused(i, c.name, 'Not run: the limit of tool rounds for one message was reached.')) : this.deps.tools.plan(profileId, calls);
    const items = [...planned, ...problems.map((p, i) => refused(planned.length + i, '', p))];
    const card: Card = { profileId, items, state: 'done', shown: false, withFirstWrite };
    const { shown } = await this.open(card, recentNotes);
    if (card.state !== 'waiting') return { card: dtoOf(card), shown };
    await shown;
    await this.wait(card, signal);
    return { card: dtoOf(card), shown };
  }

  /**
   * A card no model round made: changes Pipulate proposes itself (`from`: a workflow's
   * todos step), as calls of the model's tools, with the same checks, approvals, decision
   * (`decide`) and undo; applied as the user's own changes. The model is told of it as a
   * note of what was decided, not as results of calls it never made. Resolves with the card
   * once it is written and shown, the changes the user allowed applied (the caller syncs);
   * it changes later as any card does (chat/finished). `withdraw` takes it back while it waits.
   */
  async propose(profileId: number, from: CardSource, calls: readonly ToolCall[]): Promise<ChatMessageDto & { card: ToolCard }> {
    const card: Card = { profileId, items: this.deps.tools.plan(profileId, calls, calls.length), state: 'done', shown: false, from };
    const { row, shown } = await this.open(card, () => []);
    await shown;
    return { ...toDto(row), card: dtoOf(card) };
  }

  /** Takes back a proposed card that still waits (its step was reverted): nothing is applied. False when it does not wait. */
  withdraw(profileId: number, cardId: number): boolean {
    const w = this.waiting.get(cardId);
    if (!w || w.card.profileId !== profileId || !w.card.from) return false;
    this.cancel(w.card);
    return true;
  }

  /** The profile's conversation is cleared or deleted: its proposed cards no longer wait (the model's end with their reply). */
  forget(profileId: number): void {
    for (const [id, w] of this.waiting) {
      if (w.card.profileId !== profileId || !w.card.from) continue;
      this.waiting.delete(id);
      w.settle();
    }
  }

  /** The user's answer to a waiting card: the chosen changes are applied, the rest rejected. Resolves once on disk. */
  async decide(profileId: number, cardId: number, apply: 'all' | 'none' | readonly number[], always = false): Promise<ChatMessageDto> {
    const w = this.waiting.get(cardId);
    if (!w || w.card.profileId !== profileId) throw new UserError(l10n.t('This card is not waiting for an answer any more.'));
    this.waiting.delete(cardId);
    const { card } = w;
    try {
      for (const item of card.items.filter((i) => i.state === 'proposed')) {
        if (apply === 'all' || (apply !== 'none' && apply.includes(item.index))) {
          await this.applyItem(card, item);
        } else {
          item.state = 'rejected';
        }
      }
      if (always) {
        const kinds = card.items.filter((i) => i.state === 'applied' && i.canAlways && i.change).map((i) => i.change!);
        if (kinds.length) this.deps.tools.allow(profileId, kinds);
      }
      card.state = 'done';
      const row = this.save(card);
      await this.deps.conversation.sync();
      this.show(card, row);
      return toDto(row);
    } finally {
      w.settle();
    }
  }

  /**
   * Reverts what a card applied (default: the profile's newest card with changes to
   * undo); false when there was nothing. The card is sent again (chat/finished). The
   * changes of a card whose conversation was cleared are still undone: the undo log keeps them.
   */
  async undo(profileId: number, cardId?: number): Promise<boolean> {
    const id = cardId ?? this.deps.tools.lastUndoable(profileId);
    if (id === undefined) return false;
    const row = this.deps.conversation.get(id);
    const card = row && row.profile_id === profileId ? cardOf(row) : undefined;
    if (cardId !== undefined && !card) throw new UserError(l10n.t('That card is not in this conversation.'));
    if (card && !card.undoable) throw new UserError(l10n.t('Nothing on that card can be undone.'));
    let updated: Message | undefined;
    await this.deps.tools.undo(profileId, id, () => {
      // A card still waiting for the rest (Undo Last Model Change while it waits): the card in memory, which its answer writes, says it too.
      const live = this.waiting.get(id)?.card;
      if (live) {
        for (const item of live.items) if (item.state === 'applied') item.state = 'undone';
        updated = this.save(live);
        return;
      }
      if (!card) return;
      const items = card.items.map((i): ToolCardItem => (i.state === 'applied' ? { ...i, state: 'undone' } : i));
      const next: ToolCard = { ...card, items, undoable: false };
      updated = this.deps.conversation.update(id, { content: summary(items), data: { card: next } satisfies CardData });
    });
    if (updated) this.deps.emit(toDto(updated), profileId, false);
    return true;
  }

  /** Cards a restart left waiting (rows still 'streaming'): cancelled, nothing applied. Returns how many. */
  recover(streaming: readonly Message[]): number {
    let n = 0;
    for (const row of streaming) {
      const card = cardOf(row);
      if (!card) continue;
      const items = card.items.map((i): ToolCardItem => (i.state === 'proposed' ? { ...i, state: 'cancelled' } : i));
      this.deps.conversation.update(row.id, { content: summary(items), status: 'done', data: { card: { ...card, state: 'cancelled', items } } satisfies CardData });
      n++;
    }
    return n;
  }

  /**
   * Reads and allowed changes, in the model's order (a read after an allowed change sees
   * it); then the card is written and waits for `decide` if something is left to decide.
   * It is shown (`shown`) once the changes it says are applied are on disk and told.
   */
  private async open(card: Card, recentNotes: (limit: number) => string[]): Promise<{ row: Message; shown: Promise<void> }> {
    const saving: Promise<void>[] = [];
    for (const item of card.items) {
      if (item.state === 'read') this.readItem(card, item, recentNotes);
      else if (item.state === 'proposed' && item.auto) await this.applyItem(card, item, saving);
    }
    if (card.items.some((i) => i.state === 'proposed')) card.state = 'waiting';
    const row = this.save(card);
    // Before it is shown: an answer may come as soon as the views have it.
    if (card.state === 'waiting') this.park(card);
    // As last written: a cancel may have written it meanwhile.
    const shown = Promise.all(saving).then(() => this.show(card, card.row!));
    return { row, shown };
  }

  private readItem(card: Card, item: PlannedItem, recentNotes: (limit: number) => string[]): void {
    try {
      item.result = this.deps.tools.read(card.profileId, item, recentNotes);
    } catch (err) {
      if (!(err instanceof UserError)) throw err;
      item.state = 'refused';
      item.result = messageOf(err);
    }
  }

  /**
   * Applies one change of the card. With `saving`, it does not wait for the disk: the
   * promise that the change is on disk and told is added there (see ToolPort.apply).
   */
  private async applyItem(card: Card, item: PlannedItem, saving?: Promise<void>[]): Promise<void> {
    let recorded = false;
    try {
      const saveCard = (result: string) => {
        recorded = true;
        item.state = 'applied';
        item.result = result;
        const first = !card.changed;
        card.changed = true;
        return { id: this.save(card).id, first };
      };
      const told = (done: Promise<void>) => saving!.push(done.catch((err) => this.deps.log(`tools: ${item.tool} applied, but: ${messageOf(err)}`)));
      item.result = await this.deps.tools.apply(card.profileId, item, saveCard, card.from ? 'user' : 'model', saving && told);
      item.state = 'applied';
    } catch (err) {
      // A change recorded is in the store even if its sync failed (the store retries): it stays applied.
      if (!recorded) {
        item.state = 'failed';
        item.result = messageOf(err);
      }
      this.deps.log(`tools: ${item.tool} ${recorded ? 'applied, but' : 'failed'}: ${messageOf(err)}`);
    }
    // An applied change's result is written with it; a failure's with the card's next write (each caller ends with one).
  }

  /** Until the parked card is decided, or cancelled when `signal` aborts. */
  private async wait(card: Card, signal: AbortSignal): Promise<void> {
    const settled = card.settled!;
    const cancel = () => this.cancel(card);
    if (signal.aborted) cancel();
    signal.addEventListener('abort', cancel);
    try {
      await settled;
    } finally {
      signal.removeEventListener('abort', cancel);
    }
  }

  /** The card waits for `decide` (or `cancel`). */
  private park(card: Card): void {
    let settle!: () => void;
    card.settled = new Promise<void>((resolve) => (settle = resolve));
    this.waiting.set(card.id!, { card, settle });
  }

  /** Stopped (or withdrawn) while waiting: nothing proposed is applied. */
  private cancel(card: Card): void {
    const w = this.waiting.get(card.id!);
    if (!w) return; // being decided: the decision finishes
    this.waiting.delete(card.id!);
    for (const item of card.items) if (item.state === 'proposed') item.state = 'cancelled';
    card.state = 'cancelled';
    try {
      this.show(card, this.save(card));
      this.deps.conversation.sync().catch((err) => this.deps.log(`tools: a cancelled card may not be on disk: ${messageOf(err)}`));
    } catch (err) {
      this.deps.log(`tools: could not save a cancelled card (its conversation was cleared?): ${messageOf(err)}`);
    }
    w.settle();
  }

  /** Writes the card (inserted the first time, and again only when it changed); returns its row. */
  private save(card: Card): Message {
    const first = card.withFirstWrite;
    card.withFirstWrite = undefined;
    first?.();
    const dto = dtoOf(card);
    const data: CardData = { card: dto };
    // 'streaming' while it waits: a restart finds it (recover) and cancels it.
    const status = card.state === 'waiting' ? 'streaming' : 'done';
    const written = JSON.stringify([status, dto]);
    if (card.row && card.written === written) return card.row;
    const row = card.id !== undefined ? this.deps.conversation.update(card.id, { content: summary(dto.items), status, data }) : this.deps.conversation.add(card.profileId, 'tool', summary(dto.items), status, null, data);
    if (!row) throw new UserError(l10n.t('That profile no longer exists.'));
    card.id = row.id;
    card.row = row;
    card.written = written;
    return row;
  }

  private show(card: Card, row: Message): void {
    this.deps.emit(toDto(row), card.profileId, !card.shown);
    card.shown = true;
  }
}

function refused(index: number, tool: string, why: string): PlannedItem {
  return { index, tool, text: tool ? l10n.t('Use {0}', tool) : l10n.t('An action the model wrote'), state: 'refused', result: why };
}

function dtoOf(card: Card): ToolCard {
  const items = card.items.map((item): ToolCardItem => {
    const shown: PlannedItem = { ...item };
    delete shown.args; // in memory only: the store and the views get the card
    return shown;
  });
  return { state: card.state, items, undoable: items.some((i) => i.state === 'applied' && i.change !== undefined), ...(card.from ? { from: card.from } : {}) };
}

/** The card in one line, for a view that knows no cards (and the notes group). */
function summary(items: readonly ToolCardItem[]): string {
  const words: Record<ToolCardItem['state'], () => string> = {
    read: () => l10n.t('done'),
    proposed: () => l10n.t('waiting for your answer'),
    applied: () => l10n.t('applied'),
    rejected: () => l10n.t('rejected'),
    cancelled: () => l10n.t('cancelled'),
    undone: () => l10n.t('undone'),
    failed: () => l10n.t('failed'),
    refused: () => l10n.t('refused'),
  };
  return items.map((i) => `${i.text}: ${words[i.state]()}`).join('; ');
}
