/**
 * The Chat view: the active profile's conversation with the local model. Loads from a
 * snapshot, then applies the host's patches: new messages are appended, streamed text
 * is added to its message only, nothing else is rendered again.
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-progress-bar/index.js';
import '@vscode-elements/elements/dist/vscode-textarea/index.js';
import '@vscode-elements/elements/dist/vscode-toolbar-button/index.js';
import type { VscodeTextarea } from '@vscode-elements/elements/dist/vscode-textarea/vscode-textarea.js';
import type { ChatAction, ChatConnection, ChatProblem, ChatSnapshot, Notification, PullProgress, RequestBody } from '../../protocol';
import { Banner } from '../banner';
import { h, icon } from '../dom';
import { loadState, log, onNotify, request, saveState } from '../host';
import { MessageView } from './messageView';

interface SavedState {
  draft: string;
}

const ACTION_LABEL: Record<ChatAction, string> = {
  pull: 'Pull Model',
  selectModel: 'Choose Model',
  openSettings: 'Open Settings',
  showLog: 'Show Log',
  retry: 'Retry',
};

export function startChatView(root: HTMLElement): void {
  const state = loadState<SavedState>({ draft: '' });
  const banner = new Banner();

  const dot = h('span', { className: 'conn-dot', 'aria-hidden': 'true' });
  const connText = h('span', { className: 'conn-text' });
  const modelButton = h('button', { type: 'button', className: 'conn', title: 'Choose the model' }, dot, connText, icon('chevron-down'));
  const clear = h('vscode-toolbar-button', { icon: 'clear-all', label: 'Clear conversation', title: 'Clear Conversation' });
  const header = h('div', { className: 'chat-head' }, modelButton, clear);

  const messages = h('div', { className: 'messages', role: 'log', 'aria-live': 'polite', 'aria-label': 'Conversation' });
  const empty = h('div', { className: 'empty-state', hidden: true });

  const problemTitle = h('strong');
  const problemDetail = h('div', { className: 'problem-detail' });
  const problemActions = h('div', { className: 'problem-actions' });
  const problemBox = h('div', { className: 'problem', role: 'alert', hidden: true }, problemTitle, problemDetail, problemActions);

  const pullText = h('span');
  const pullBar = h('vscode-progress-bar', { 'aria-label': 'Pull progress' });
  const pullBox = h('div', { className: 'pull', hidden: true }, pullText, pullBar);

  const input = h('vscode-textarea', {
    className: 'composer-input',
    placeholder: 'Ask about your work (Enter to send, Shift+Enter for a new line)',
    'aria-label': 'Message',
    rows: 3,
    resize: 'vertical',
  }) as VscodeTextarea;
  input.value = state.draft;
  const send = h('vscode-button', { icon: 'send', title: 'Send (Enter)' }, 'Send');
  const stop = h('vscode-button', { icon: 'debug-stop', secondary: true, title: 'Stop generating (Escape)', hidden: true }, 'Stop');
  const composer = h('div', { className: 'composer' }, input, h('div', { className: 'composer-actions' }, stop, send));

  root.classList.add('chat');
  root.append(banner.element, header, messages, empty, problemBox, pullBox, composer);

  let profileId = -1;
  let profileName = '';
  let loaded = false;
  let views = new Map<number, MessageView>();
  let connection: ChatConnection | undefined;

  const save = () => saveState({ draft: input.value } satisfies SavedState);
  const streamingHere = () => [...views.values()].some((v) => v.message.status === 'streaming');
  const nearBottom = () => messages.scrollHeight - messages.scrollTop - messages.clientHeight < 40;
  const keepBottom = (fn: () => void) => {
    const stick = nearBottom();
    fn();
    if (stick) messages.scrollTop = messages.scrollHeight;
  };

  function updateEmpty(): void {
    empty.hidden = views.size > 0;
    empty.textContent = `This is the conversation of “${profileName}”. The model is told what you do in the Tasks view; ask it about your work.`;
  }

  function updateComposer(): void {
    const busy = streamingHere();
    stop.hidden = !busy;
    send.hidden = busy;
  }

  function renderConnection(c: ChatConnection): void {
    connection = c;
    dot.dataset.state = c.state;
    const state = c.state === 'connected' ? 'connected' : c.state === 'unreachable' ? 'not reachable' : 'checking…';
    connText.textContent = `${c.model || 'no model'} · ${state}`;
    modelButton.title = `Ollama at ${c.host}: ${state}. Model: ${c.model || 'none'}. Click to choose the model.`;
    modelButton.setAttribute('aria-label', `Model ${c.model || 'none'}, Ollama ${state}. Choose the model.`);
    updateComposer();
  }

  function renderProblem(p: ChatProblem | null | undefined): void {
    problemBox.hidden = !p;
    if (!p) return;
    problemTitle.textContent = p.title;
    problemDetail.textContent = p.detail;
    problemActions.replaceChildren(
      ...p.actions.map((a) => {
        const button = h('vscode-button', { secondary: a !== 'pull', 'data-action': a }, ACTION_LABEL[a]);
        return button;
      }),
    );
  }

  function renderPull(p: PullProgress): void {
    pullBox.hidden = p.outcome !== undefined && p.outcome !== 'error';
    const percent = p.total ? Math.floor(((p.completed ?? 0) / p.total) * 100) : undefined;
    pullText.textContent =
      p.outcome === 'error' ? `Pulling ${p.model} failed: ${p.error ?? p.status}` : `Pulling ${p.model}: ${p.status}${percent !== undefined ? ` (${percent}%)` : ''}`;
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
    views = new Map();
    const fragment = document.createDocumentFragment();
    for (const m of s.messages) {
      const v = new MessageView(m);
      views.set(m.id, v);
      fragment.append(v.element);
    }
    messages.replaceChildren(fragment);
    messages.scrollTop = messages.scrollHeight;
    renderConnection(s.connection);
    renderProblem(s.problem);
    updateEmpty();
  }

  function load(): void {
    loaded = false;
    request({ kind: 'chat/snapshot' })
      .then((s) => {
        reset(s);
        loaded = true;
      })
      .catch((err: Error) => {
        banner.show(`Could not load the conversation: ${err.message}`);
        log('error', `chat snapshot failed: ${err.message}`);
      });
  }

  function apply(n: Notification): void {
    switch (n.kind) {
      case 'tasks/reset':
        if (n.snapshot.activeProfileId !== profileId) load(); // Another profile: its own conversation.
        return;
      case 'profiles/changed':
        profileName = n.profiles.find((p) => p.id === profileId)?.name ?? profileName;
        return updateEmpty();
      case 'chat/reset':
        if (n.snapshot.profileId === profileId) reset(n.snapshot);
        return;
      case 'chat/appended': {
        if (n.profileId !== profileId || views.has(n.message.id)) return;
        const v = new MessageView(n.message);
        views.set(n.message.id, v);
        keepBottom(() => messages.append(v.element));
        updateEmpty();
        return updateComposer();
      }
      case 'chat/delta':
        if (n.profileId === profileId) keepBottom(() => views.get(n.id)?.append(n.text));
        return;
      case 'chat/finished':
        if (n.profileId === profileId) keepBottom(() => views.get(n.message.id)?.finish(n.message));
        return updateComposer();
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

  onNotify((n) => {
    if (loaded || n.kind === 'chat/connection' || n.kind === 'chat/pull' || n.kind === 'focus/input') apply(n);
  });

  /** Sends a request; true if the host did it, otherwise its error is shown. */
  const run = (body: RequestBody, what: string): Promise<boolean> =>
    request(body).then(
      () => true,
      (err: Error) => {
        banner.show(`Could not ${what}: ${err.message}`);
        return false;
      },
    );

  function submit(): void {
    const text = input.value.trim();
    if (!text || streamingHere()) return;
    input.value = '';
    save();
    banner.hide();
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
      void run({ kind: 'chat/stop' }, 'stop the reply');
    }
  });
  root.addEventListener('keydown', (e: KeyboardEvent) => {
    if (e.key === 'Escape' && streamingHere() && !e.defaultPrevented) void run({ kind: 'chat/stop' }, 'stop the reply');
  });
  input.addEventListener('input', save);
  send.addEventListener('click', submit);
  stop.addEventListener('click', () => void run({ kind: 'chat/stop' }, 'stop the reply'));
  clear.addEventListener('click', () => void run({ kind: 'chat/clear' }, 'clear the conversation'));
  modelButton.addEventListener('click', () => void run({ kind: 'chat/selectModel' }, 'choose the model'));
  problemActions.addEventListener('click', (e) => {
    const action = (e.target as HTMLElement).closest('[data-action]')?.getAttribute('data-action') as ChatAction | null;
    if (action === 'pull') void run({ kind: 'chat/pull', model: connection?.model || undefined }, 'pull the model');
    else if (action === 'selectModel') void run({ kind: 'chat/selectModel' }, 'choose the model');
    else if (action === 'openSettings') void run({ kind: 'command/run', command: 'pipulate.openSettings' }, 'open the settings');
    else if (action === 'showLog') void run({ kind: 'command/run', command: 'pipulate.showLog' }, 'show the log');
    else if (action === 'retry') void run({ kind: 'chat/retry' }, 'retry');
  });
  messages.addEventListener('click', (e) => {
    const button = (e.target as HTMLElement).closest('button');
    if (!button) return;
    if (button.classList.contains('copy-message')) {
      const id = Number(button.closest('[data-id]')?.getAttribute('data-id'));
      const text = views.get(id)?.message.content;
      if (text !== undefined) void run({ kind: 'clipboard/write', text }, 'copy the message').then((ok) => ok && flash(button));
      return;
    }
    const code = button.closest('.code-block')?.querySelector('code')?.textContent ?? '';
    if (button.classList.contains('copy-code')) void run({ kind: 'clipboard/write', text: code }, 'copy the code').then((ok) => ok && flash(button));
    else if (button.classList.contains('insert-code')) void run({ kind: 'chat/insertCode', code }, 'insert the code').then((ok) => ok && flash(button));
  });

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
