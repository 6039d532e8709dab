/**
 * What the model did or asks to do with its tools in one round (a ToolCard), in the
 * conversation. A waiting card shows each change in plain words with Apply and Reject
 * (several changes: a checkbox each and "Apply selected"), and "Always allow" for the
 * kinds a card may allow. Keyboard: Enter applies and Escape rejects while the focus is
 * in the card (Enter on a button presses that button). Once decided, each item is one
 * line with its outcome; an item with a result (a read, a refusal) expands to show it;
 * an applied card offers Undo. The card arrives again whole at every change: it is
 * rendered again from it, keeping the focus in the card.
 *
 * A card Pipulate proposed itself (`card.from`: a workflow's todos step) says so in its
 * heading; the chat and the run panel show the same card.
 *
 * Every text here is the host's (item.text, item.result) and is set as text, never markup.
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import type { VscodeCheckbox } from '@vscode-elements/elements/dist/vscode-checkbox/vscode-checkbox.js';
import type { ChangeKind, ChatMessageDto, RequestBody, ToolCard, ToolCardItem } from '../../protocol';
import { h, icon } from '../dom';
import { request } from '../host';
import { fmt, strings, type WebviewStrings } from '../strings';
import { cutText } from '../../text';

/** What "Always allow …" names, per kind of change: keys of the host's texts. */
const KIND_WORDS: Record<ChangeKind, keyof WebviewStrings> = {
  add: 'kindAdd',
  complete: 'kindComplete',
  rename: 'kindRename',
  move: 'kindMove',
  delete: 'kindDelete',
  clearCompleted: 'kindClearCompleted',
  profile: 'kindProfile',
};

/** The tag of an item once decided (a read or a waiting change has none). */
const STATE_WORDS: Partial<Record<ToolCardItem['state'], keyof WebviewStrings>> = {
  applied: 'itemApplied',
  rejected: 'itemRejected',
  cancelled: 'itemCancelled',
  undone: 'itemUndone',
  failed: 'failed',
  refused: 'itemRefused',
};

const STATE_ICONS: Record<ToolCardItem['state'], string> = {
  read: 'eye',
  proposed: 'edit',
  applied: 'check',
  rejected: 'close',
  cancelled: 'circle-slash',
  undone: 'discard',
  failed: 'error',
  refused: 'warning',
};

/** A result longer than this is shown cut (it is what the model read: a long list, say). */
const RESULT_MAX = 20_000;

let cards = 0;

export class ToolCardView {
  readonly element: HTMLElement;
  private readonly head = h('div', { className: 'card-head', id: `card-head-${++cards}` });
  private readonly items = h('ul', { className: 'card-items' });
  private readonly footer = h('div', { className: 'card-footer' });
  private readonly error = h('div', { className: 'card-error', role: 'alert', hidden: true });
  private card: ToolCard;
  /** A decision or an undo is on its way: the buttons wait for its answer. */
  private busy = false;

  constructor(private message: ChatMessageDto & { card: ToolCard }) {
    this.card = message.card;
    this.element = h(
      'article',
      { className: 'msg tool-card', 'data-role': 'note', 'data-id': message.id, tabindex: -1, 'aria-labelledby': this.head.id },
      this.head,
      this.items,
      this.footer,
      this.error,
    );
    this.element.addEventListener('keydown', (e) => this.onKey(e));
    this.render();
  }

  get waiting(): boolean {
    return this.card.state === 'waiting';
  }

  /** The card changed (decided, cancelled, undone): shown again, the focus kept in it. */
  update(message: ChatMessageDto & { card: ToolCard }): void {
    this.message = message;
    this.card = message.card;
    const hadFocus = this.element.contains(document.activeElement);
    this.render();
    if (hadFocus && !this.element.contains(document.activeElement)) this.element.focus();
  }

  /** Takes the keyboard focus with its buttons in sight: in a short pane they matter more than its top. */
  takeFocus(): void {
    this.element.focus({ preventScroll: true });
    // Again once its buttons and checkboxes are drawn: their elements render after this task, taller.
    const show = () => this.footer.scrollIntoView({ block: 'nearest' });
    show();
    requestAnimationFrame(show);
  }

  /** What a screen reader is told when the card starts to wait. */
  announcement(): string {
    const proposed = this.card.items.filter((i) => i.state === 'proposed').map((i) => i.text);
    const t = strings();
    if (this.card.from) return fmt(t.cardFromAnnounce, this.card.from.text, proposed.length, proposed.join('; '));
    return proposed.length === 1 ? fmt(t.cardAnnounceOne, proposed[0]!) : fmt(t.cardAnnounceMany, proposed.length, proposed.join('; '));
  }

  private render(): void {
    const { card } = this;
    const proposed = card.items.filter((i) => i.state === 'proposed');
    const choosing = card.state === 'waiting' && proposed.length > 1;
    this.element.dataset.state = card.state;
    this.element.setAttribute('aria-busy', String(this.busy));
    this.head.replaceChildren(icon(card.from ? 'list-ordered' : card.state === 'waiting' ? 'tools' : 'sparkle'), h('span', {}, this.title(proposed.length)));
    this.items.replaceChildren(...card.items.map((item) => this.itemRow(item, choosing)));
    this.error.hidden = true;

    if (card.state === 'waiting') this.renderChoice(proposed, choosing);
    else if (card.undoable) {
      const undo = h('vscode-button', { secondary: true, icon: 'discard', className: 'card-undo', title: strings().undoCardTitle }, strings().undo);
      undo.addEventListener('click', () => this.send({ kind: 'tool/undo', cardId: this.message.id }, strings().couldNotUndo));
      this.footer.replaceChildren(undo);
    } else this.footer.replaceChildren();
    this.footer.hidden = this.footer.childElementCount === 0;
  }

  private title(proposed: number): string {
    const t = strings();
    const from = this.card.from?.text;
    if (from !== undefined) {
      if (this.card.state === 'waiting') return proposed === 1 ? fmt(t.cardFromAsksOne, from) : fmt(t.cardFromAsksMany, from, proposed);
      return this.card.state === 'cancelled' ? fmt(t.cardFromCancelled, from) : from;
    }
    if (this.card.state === 'waiting') return proposed === 1 ? t.cardAsksOne : fmt(t.cardAsksMany, proposed);
    if (this.card.items.every((i) => i.state === 'read')) return t.cardRead;
    return this.card.state === 'cancelled' ? t.cardCancelled : t.cardDone;
  }

  private itemRow(item: ToolCardItem, choosing: boolean): HTMLLIElement {
    const li = h('li', { className: 'card-item', 'data-state': item.state, 'data-index': item.index });
    if (choosing && item.state === 'proposed') {
      const box = h('vscode-checkbox', { className: 'card-pick', checked: true, 'data-index': item.index }, item.text) as VscodeCheckbox;
      box.checked = true;
      box.addEventListener('change', () => this.updateChoice());
      li.append(box);
      return li;
    }
    const line = [icon(STATE_ICONS[item.state]), h('span', { className: 'card-text' }, item.text), ...this.tag(item)];
    if (!item.result) {
      li.append(...line);
      return li;
    }
    // A line that expands to what the model was told; built when first opened (a read may be long).
    const body = h('pre', { className: 'card-result' });
    const details = h('details', { className: 'card-more' }, h('summary', {}, ...line), body);
    details.addEventListener('toggle', () => {
      if (!details.open || body.firstChild) return;
      body.textContent = cutText(item.result ?? '', RESULT_MAX);
    });
    li.append(details);
    return li;
  }

  private tag(item: ToolCardItem): HTMLElement[] {
    const key = item.state === 'applied' && item.auto ? 'itemAppliedAllowed' : STATE_WORDS[item.state];
    return key ? [h('span', { className: 'card-tag' }, strings()[key])] : [];
  }

  private renderChoice(proposed: ToolCardItem[], choosing: boolean): void {
    const always = proposed.some((i) => i.canAlways && i.change) ? (h('vscode-checkbox', { className: 'card-always' }) as VscodeCheckbox) : undefined;
    const t = strings();
    const apply = h('vscode-button', { className: 'card-apply', icon: 'check', title: t.applyTitle }, choosing ? t.applySelected : t.apply);
    const reject = h('vscode-button', { className: 'card-reject', secondary: true, icon: 'close', title: t.rejectTitle }, choosing ? t.rejectAll : t.reject);
    apply.addEventListener('click', () => this.decide(this.chosen()));
    reject.addEventListener('click', () => this.decide('none'));
    this.footer.replaceChildren(...(always ? [always] : []), h('div', { className: 'card-actions' }, apply, reject));
    if (this.busy) for (const b of [apply, reject]) b.setAttribute('disabled', '');
    this.updateChoice();
  }

  private alwaysLabel(kinds: ChangeKind[]): string {
    const t = strings();
    const words = kinds.map((k) => t[KIND_WORDS[k]]);
    const joined = words.length > 1 ? fmt(t.listAnd, words.slice(0, -1).join(', '), words.at(-1)!) : words[0]!;
    return fmt(t.alwaysAllow, joined);
  }

  /** After a checkbox changed: Apply selected needs one at least; "Always allow" names the kinds chosen. */
  private updateChoice(): void {
    const apply = this.footer.querySelector('.card-apply');
    const chosen = this.chosen();
    apply?.toggleAttribute('disabled', this.busy || (Array.isArray(chosen) && chosen.length === 0));
    const always = this.footer.querySelector<VscodeCheckbox>('vscode-checkbox.card-always');
    if (!always) return;
    const picked = this.card.items.filter((i) => i.state === 'proposed' && i.canAlways && i.change && (chosen === 'all' || chosen.includes(i.index)));
    const kinds = [...new Set(picked.map((i) => i.change!))];
    always.hidden = kinds.length === 0;
    if (kinds.length) always.textContent = this.alwaysLabel(kinds);
  }

  /** 'all' unless some checkbox is cleared; then the indexes of the checked ones. */
  private chosen(): 'all' | number[] {
    const boxes = [...this.items.querySelectorAll<VscodeCheckbox>('vscode-checkbox.card-pick')];
    if (boxes.every((b) => b.checked)) return 'all';
    return boxes.filter((b) => b.checked).map((b) => Number(b.dataset.index));
  }

  private decide(apply: 'all' | 'none' | number[]): void {
    if (!this.waiting || this.busy) return;
    if (Array.isArray(apply) && apply.length === 0) return;
    const always = (this.footer.querySelector('vscode-checkbox.card-always') as VscodeCheckbox | null)?.checked;
    const failed = apply === 'none' ? strings().couldNotReject : strings().couldNotApply;
    this.send({ kind: 'tool/decide', cardId: this.message.id, apply, ...(always && apply !== 'none' ? { always: true } : {}) }, failed);
  }

  /** `failed`: the text that says it failed ({0}: why). */
  private send(body: RequestBody, failed: string): void {
    if (this.busy) return;
    this.setBusy(true);
    request(body)
      .then((answer) => {
        this.setBusy(false);
        // tool/decide answers the card itself; the same card also follows as chat/finished.
        if (answer && typeof answer === 'object' && (answer as ChatMessageDto).card) this.update(answer as ChatMessageDto & { card: ToolCard });
      })
      .catch((err: Error) => {
        this.setBusy(false);
        this.error.textContent = fmt(failed, err.message);
        this.error.hidden = false;
      });
  }

  private setBusy(busy: boolean): void {
    this.busy = busy;
    this.element.setAttribute('aria-busy', String(busy));
    for (const b of this.footer.querySelectorAll('vscode-button')) b.toggleAttribute('disabled', busy);
    if (!busy) this.updateChoice();
  }

  private onKey(e: KeyboardEvent): void {
    if (!this.waiting || e.isComposing) return;
    const target = e.target as HTMLElement;
    if (e.key === 'Escape') {
      e.preventDefault(); // not the view's Escape, which stops the reply
      this.decide('none');
    } else if (e.key === 'Enter' && !target.closest('button, vscode-button, summary')) {
      e.preventDefault();
      this.decide(this.chosen());
    }
  }
}
