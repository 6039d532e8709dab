/**
 * The Chat view: the active profile's conversation with the local model. Loads from a
 * snapshot (its newest messages; older ones as the reader scrolls up: olderMessages.ts),
 * then applies the host's patches: new messages are appended, streamed text
 * is added to its message only, nothing else is rendered again. The conversation follows
 * a streaming reply down unless the user scrolled up; a finished reply is announced to
 * screen readers once.
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-progress-bar/index.js';
import '@vscode-elements/elements/dist/vscode-textarea/index.js';
import '@vscode-elements/elements/dist/vscode-toolbar-button/index.js';
import type { VscodeTextarea } from '@vscode-elements/elements/dist/vscode-textarea/vscode-textarea.js';
import type { ChatAction, ChatConnection, ChatMessageDto, ChatProblem, ChatSnapshot, Notification, PullProgress, RequestBody } from '../../protocol';
import { Banner } from '../banner';
import { h, icon, landmark } from '../dom';
import { fmt, strings, type WebviewStrings } from '../strings';
import { PendingChips } from './attachmentChips';
import { loadState, log, onNotify, request, saveState } from '../host';
import { FollowBottom } from './follow';
import { openEditor } from './messageEditor';
import { OlderMessages } from './olderMessages';
import { actionRequest } from './problemActions';
import { ProblemBox } from './problemBox';
import { Transcript } from './transcript';
import { cutText } from '../../text';

interface SavedState {
  draft: string;
}

/** A finished reply longer than this is announced as finished, not read out: it can be read where it is. */
const ANNOUNCE_MAX = 400;

/** The model line's word for how the model uses tools (ChatConnection.tools), and what it means: keys of the host's texts. */
const TOOLS_BADGE: Record<NonNullable<ChatConnection['tools']>, { word: keyof WebviewStrings; meaning: keyof WebviewStrings }> = {
  native: { word: 'toolsNative', meaning: 'toolsNativeTitle' },
  text: { word: 'toolsText', meaning: 'toolsTextTitle' },
  off: { word: 'toolsOff', meaning: 'toolsOffTitle' },
};

export function startChatView(root: HTMLElement): void {
  const state = loadState<SavedState>({ draft: '' });
  const banner = new Banner();
  const s = strings();

  const dot = h('span', { className: 'conn-dot', 'aria-hidden': 'true' });
  // The model's name gives way to the state when the line is short of room: "not reachable" is what matters.
  const connModel = h('span', { className: 'conn-model' });
  const connState = h('span', { className: 'conn-state' });
  const connText = h('span', { className: 'conn-text' }, connModel, connState);
  const modelButton = h('button', { type: 'button', className: 'conn', title: s.chooseModel }, dot, connText, icon('chevron-down'));
  // How the model uses tools, in a word; the tooltip says what that means.
  const toolsBadge = h('span', { className: 'tools-badge', hidden: true });
  const clear = h('vscode-toolbar-button', { icon: 'clear-all', label: s.clearConversationLabel, title: s.clearConversationTitle });
  const header = h('div', { className: 'chat-head' }, modelButton, toolsBadge, clear);

  const transcript = new Transcript();
  const messages = h('div', { className: 'messages' }, transcript.element);
  const follow = new FollowBottom(messages, transcript.element);
  const older = new OlderMessages(messages, transcript, (why) => banner.show(fmt(s.couldNotLoadOlder, why)));
  const empty = h('div', { className: 'empty-state', hidden: true });
  const announcer = h('div', { className: 'sr-only', role: 'status', 'aria-live': 'polite' });

  let problem: ChatProblem | null | undefined;
  const problemBox = new ProblemBox({
    onAction: (a) => act(a),
    onDismiss: () => {
      const shown = problem;
      problemBox.show(null);
      void run({ kind: 'chat/dismissProblem' }, s.couldNotDismissProblem).then((ok) => ok || problemBox.show(shown));
    },
  });

  const pullText = h('span');
  const pullBar = h('vscode-progress-bar', { 'aria-label': s.pullProgress });
  const pullBox = h('div', { className: 'pull', hidden: true }, pullText, pullBar);

  const input = h('vscode-textarea', {
    className: 'composer-input',
    placeholder: s.composerPlaceholder,
    'aria-label': s.message,
    rows: 3,
    resize: 'vertical',
  }) as VscodeTextarea;
  input.value = state.draft;
  const send = h('vscode-button', { icon: 'send', title: s.sendTitle }, s.send);
  const stop = h('vscode-button', { icon: 'debug-stop', secondary: true, title: s.stopTitle, hidden: true }, s.stop);
  const composer = h('div', { className: 'composer' }, input, h('div', { className: 'composer-actions' }, stop, send));

  root.classList.add('chat');
  landmark(root, s.chat);
  const chips = new PendingChips((message) => banner.show(message));
  root.append(banner.element, header, messages, empty, problemBox.element, pullBox, chips.element, composer, announcer);

  let profileId = -1;
  let profileName = '';
  let loaded = false;
  let connection: ChatConnection | undefined;

  const save = () => saveState({ draft: input.value } satisfies SavedState);
  const streamingHere = () => transcript.streaming();

  function updateEmpty(): void {
    empty.hidden = transcript.size > 0;
    empty.textContent = fmt(s.emptyConversation, profileName);
  }

  function updateComposer(): void {
    const busy = streamingHere();
    stop.hidden = !busy;
    send.hidden = busy;
    // No edit or regenerate while a reply is being written (as in other chat tools): stop it first.
    for (const b of messages.querySelectorAll<HTMLButtonElement>('.edit-message, .regenerate-message')) {
      b.disabled = busy;
      b.title = busy ? s.notWhileReplying : (b.getAttribute('aria-label') ?? '');
    }
    for (const b of messages.querySelectorAll<HTMLElement & { disabled: boolean }>('.edit-send')) b.disabled = busy;
  }

  /** When this view saw the request start waiting for its first token (its own clock: the host's may be another machine's). */
  let waitingSince: number | undefined;
  let waitTicker: ReturnType<typeof setInterval> | undefined;

  /** While a request waits for its first token: loading the model (when the server can tell), else how long it has waited. */
  function waitingText(c: ChatConnection): string | undefined {
    if (!c.waiting) return undefined;
    if (c.waiting.loading) return s.loadingModel;
    return fmt(s.waitingFirstToken, Math.round((Date.now() - (waitingSince ?? Date.now())) / 1000));
  }

  function renderConnection(c: ChatConnection): void {
    connection = c;
    dot.dataset.state = c.state;
    if (c.waiting && waitingSince === undefined) {
      waitingSince = Date.now();
      waitTicker = setInterval(() => connection && renderConnection(connection), 1000);
    } else if (!c.waiting && waitingSince !== undefined) {
      waitingSince = undefined;
      clearInterval(waitTicker);
    }
    const state = waitingText(c) ?? (c.state === 'connected' ? s.connected : c.state === 'unreachable' ? s.notReachable : s.checking);
    connModel.textContent = c.model || s.noModel;
    connState.textContent = ` · ${state}`;
    modelButton.title = fmt(c.kind === 'openai' ? s.connectionTitleServer : s.connectionTitle, c.host, state, c.model || s.none);
    renderToolsMode(c.tools);
    updateComposer();
  }

  function renderToolsMode(mode: ChatConnection['tools']): void {
    toolsBadge.hidden = mode === undefined;
    if (!mode) return;
    toolsBadge.dataset.mode = mode;
    toolsBadge.textContent = s[TOOLS_BADGE[mode].word];
    toolsBadge.title = s[TOOLS_BADGE[mode].meaning];
    toolsBadge.setAttribute('aria-label', s[TOOLS_BADGE[mode].meaning]);
  }

  function renderProblem(p: ChatProblem | null | undefined): void {
    problem = p;
    problemBox.show(p);
  }

  /**
   * The focus is in the chat input or on a card, in a view that has the focus: a card that
   * arrives may take it. (In the editor, the webview keeps its activeElement but not the focus.)
   */
  function workingHere(): boolean {
    const active = document.activeElement;
    return document.hasFocus() && (active === input || !!active?.closest('.tool-card'));
  }

  /** Once, politely: the reply's text when short, otherwise that it is finished. */
  function announce(m: ChatMessageDto, text: string): void {
    announcer.textContent =
      m.status === 'stopped' ? s.replyStopped : m.status === 'error' ? s.replyFailed : text.length <= ANNOUNCE_MAX ? text : s.replyFinished;
  }

  function renderPull(p: PullProgress): void {
    pullBox.hidden = p.outcome !== undefined && p.outcome !== 'error';
    const percent = p.total ? Math.floor(((p.completed ?? 0) / p.total) * 100) : undefined;
    pullText.textContent =
      p.outcome === 'error'
        ? fmt(s.pullFailed, p.model, p.error ?? p.status)
        : percent !== undefined
          ? fmt(s.pullingPercent, p.model, p.status, percent)
          : fmt(s.pulling, p.model, p.status);
    if (percent !== undefined) {
      pullBar.removeAttribute('indeterminate');
      pullBar.setAttribute('value', String(percent));
      pullBar.setAttribute('max', '100');
    } else pullBar.setAttribute('indeterminate', '');
    pullBar.hidden = p.outcome === 'error';
  }

  function reset(s: ChatSnapshot): void {
    profileId = s.profileId;
    profileName = s.profileName;
    older.reset(s);
    follow.pin();
    renderConnection(s.connection);
    renderProblem(s.problem);
    chips.render(s.attachments);
    updateEmpty();
  }

  function load(): void {
    loaded = false;
    request({ kind: 'chat/snapshot' })
      .then((s) => {
        reset(s);
        loaded = true;
        // A search that landed here while the view was still opening.
        if (revealing?.profileId === profileId) void older.reveal(revealing.id);
        revealing = undefined;
      })
      .catch((err: Error) => {
        banner.show(fmt(s.couldNotLoadConversation, err.message));
        log('error', `chat snapshot failed: ${err.message}`);
      });
  }

  function apply(n: Notification): void {
    switch (n.kind) {
      case 'profiles/changed':
        profileName = n.profiles.find((p) => p.id === profileId)?.name ?? profileName;
        return updateEmpty();
      case 'chat/reset': // The active profile's conversation; on a switch, the host sends the new one.
        return reset(n.snapshot);
      case 'chat/appended': {
        if (n.profileId !== profileId) return;
        // Asked before the card is added: whether the user is working in this conversation.
        const takeFocus = n.message.card?.state === 'waiting' && workingHere();
        if (!transcript.add(n.message)) return;
        const card = transcript.get(n.message.id)?.card;
        if (card?.waiting) {
          announcer.textContent = cutText(card.announcement(), ANNOUNCE_MAX);
          if (takeFocus) card.takeFocus();
        }
        updateEmpty();
        return updateComposer();
      }
      case 'chat/delta':
        if (n.profileId === profileId) transcript.get(n.id)?.append(n.text);
        return;
      case 'chat/finished': {
        const view = n.profileId === profileId ? transcript.get(n.message.id) : undefined;
        const streamed = view?.message.status === 'streaming';
        view?.finish(n.message);
        if (view && streamed && n.message.role === 'assistant') announce(n.message, view.text());
        return updateComposer();
      }
      case 'chat/reveal':
        if (n.profileId === profileId) void older.reveal(n.id);
        return;
      case 'chat/attachments':
        if (n.profileId === profileId) chips.render(n.attachments);
        return;
      case 'chat/connection':
        return renderConnection(n.connection);
      case 'chat/problem':
        return renderProblem(n.problem);
      case 'chat/pull':
        return renderPull(n.progress);
      case 'focus/input':
        if (n.view === 'chat') input.focus();
        return;
      case 'store/problem':
        return n.message ? banner.show(n.message, 'warning') : banner.hide();
      default:
        return;
    }
  }

  let revealing: { profileId: number; id: number } | undefined;
  onNotify((n) => {
    if (loaded || n.kind === 'chat/connection' || n.kind === 'chat/pull' || n.kind === 'focus/input' || n.kind === 'store/problem') apply(n);
    else if (n.kind === 'chat/reveal') revealing = n;
  });

  /** Sends a request; true if the host did it, otherwise `failure` is shown (`{0}`: the host's reason). */
  const run = (body: RequestBody, failure: string): Promise<boolean> =>
    request(body).then(
      () => true,
      (err: Error) => {
        banner.show(fmt(failure, err.message));
        return false;
      },
    );

  function submit(): void {
    const text = input.value.trim();
    if (!text || streamingHere()) return;
    input.value = '';
    save();
    banner.hide();
    follow.pin();
    request({ kind: 'chat/send', text }).catch((err: Error) => {
      if (!input.value) input.value = text;
      save();
      banner.show(err.message);
    });
  }

  input.addEventListener('keydown', (e: KeyboardEvent) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      submit();
    } else if (e.key === 'Escape' && streamingHere()) {
      e.preventDefault();
      void run({ kind: 'chat/stop' }, s.couldNotStopReply);
    }
  });
  root.addEventListener('keydown', (e: KeyboardEvent) => {
    if (e.key === 'Escape' && streamingHere() && !e.defaultPrevented) void run({ kind: 'chat/stop' }, s.couldNotStopReply);
  });
  input.addEventListener('input', save);
  send.addEventListener('click', submit);
  stop.addEventListener('click', () => void run({ kind: 'chat/stop' }, s.couldNotStopReply));
  clear.addEventListener('click', () => void run({ kind: 'chat/clear' }, s.couldNotClearConversation));
  modelButton.addEventListener('click', () => void run({ kind: 'chat/selectModel' }, s.couldNotChooseModel));
  function act(action: ChatAction): void {
    if (action === 'retry') return void run({ kind: 'chat/retry' }, s.couldNotRetry);
    const { body, failed } = actionRequest(action, connection?.model || undefined);
    void run(body, s[failed]);
  }
  messages.addEventListener('click', (e) => {
    const button = (e.target as HTMLElement).closest('button');
    if (!button) return;
    const id = Number(button.closest('[data-id]')?.getAttribute('data-id'));
    if (button.classList.contains('copy-message')) {
      const text = transcript.get(id)?.message.content;
      if (text !== undefined) void run({ kind: 'clipboard/write', text }, s.couldNotCopyMessage).then((ok) => ok && flash(button));
      return;
    }
    if (button.classList.contains('edit-message')) {
      const view = transcript.get(id);
      if (view && !streamingHere()) openEditor(view, { busy: streamingHere, send: (text) => resend({ kind: 'chat/edit', id, text }, s.couldNotEdit) });
      return;
    }
    if (button.classList.contains('regenerate-message')) {
      if (!streamingHere()) void resend({ kind: 'chat/regenerate', id }, s.couldNotRegenerate);
      return;
    }
    const code = button.closest('.code-block')?.querySelector('code')?.textContent ?? '';
    if (button.classList.contains('copy-code')) void run({ kind: 'clipboard/write', text: code }, s.couldNotCopyCode).then((ok) => ok && flash(button));
    else if (button.classList.contains('insert-code')) void run({ kind: 'chat/insertCode', code }, s.couldNotInsertCode).then((ok) => ok && flash(button));
    else if (button.classList.contains('apply-code')) void run({ kind: 'chat/applyCode', id, code }, s.couldNotApplyCode).then((ok) => ok && flash(button));
  });

  /**
   * An edit or a regenerate: the host replaces the later part of the conversation and sends
   * it anew (chat/reset), then the reply streams at the end, followed there; the focus goes
   * to the input, as after a send (the button or box that had it is gone).
   */
  function resend(body: RequestBody, failure: string): Promise<boolean> {
    banner.hide();
    follow.pin();
    return run(body, failure).then((ok) => {
      if (ok) input.focus();
      return ok;
    });
  }

  load();
}

/** A short tick on the button that was used. */
function flash(button: HTMLElement): void {
  const glyph = button.querySelector('.codicon');
  if (!glyph) return;
  const before = glyph.className;
  glyph.className = 'codicon codicon-check';
  setTimeout(() => (glyph.className = before), 1200);
}
