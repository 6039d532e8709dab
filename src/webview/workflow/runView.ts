/**
 * The run panel: one workflow run, one card per step. Done steps are compact, with
 * Revert; the current step is a form (an input of its kind, or the model's text to edit,
 * with Generate, Stop and Accept); later steps are named only. Finalize and Unlock at
 * the end. The whole list is rendered again from each workflow/changed (a run has at
 * most 100 steps), keeping what the user typed in the current step; the model's text
 * streams into its box as workflow/delta. Plain form controls, each labelled, so
 * keyboard and screen readers need nothing special; every value is set as text.
 *
 * A todos step's todos go on the chat's confirmation card (the same ToolCardView, its
 * Apply, Reject and Undo): shown in the step while it waits, and once the step is done.
 */
import type { ChatMessageDto, ChatProblem, Notification, ToolCard, WorkflowRunDto, WorkflowStepDto } from '../../protocol';
import type { WorkflowStrings } from '../../panel/workflowStrings';
import { Banner } from '../banner';
import { actionRequest } from '../chat/problemActions';
import { ProblemBox } from '../chat/problemBox';
import { ToolCardView } from '../chat/toolCard';
import { h, icon } from '../dom';
import { loadState, onNotify, request, saveState } from '../host';

export interface RunPageData {
  run: { profileId: number; workflow: string; key: string };
  strings: WorkflowStrings;
}

/** `{0}`, `{1}` filled as l10n.t would. */
function fmt(template: string, ...args: (string | number)[]): string {
  return template.replace(/\{(\d+)\}/g, (m, i: string) => (args[Number(i)] !== undefined ? String(args[Number(i)]) : m));
}

export function startRunView(root: HTMLElement, data: RunPageData): void {
  const s = data.strings;
  const ids = data.run;
  // What was typed in the current step outlives the panel being hidden or the window reloaded.
  const saved = loadState<{ draft?: { step: string; value: string } }>({});
  const banner = new Banner();
  const heading = h('h1', { className: 'wf-title' });
  const keyLine = h('p', { className: 'wf-key' });
  const notice = h('p', { className: 'wf-notice', role: 'status' });
  /** Says what a button did that shows no change of its own (Copy). */
  const announcer = h('div', { className: 'sr-only', role: 'status', 'aria-live': 'polite' });
  const list = h('ol', { className: 'wf-steps', 'aria-label': s.steps });
  const footer = h('div', { className: 'wf-footer' });
  root.setAttribute('role', 'main');
  root.classList.add('wf');
  root.append(banner.element, heading, keyLine, notice, list, footer, announcer);

  let run: WorkflowRunDto | undefined;
  /** What the user typed in the current step, kept across renders of the same step. */
  let draft: { step: string; value: string } | undefined = saved.draft;
  const setDraft = (next: { step: string; value: string } | undefined) => {
    draft = next;
    saveState({ run: ids, draft });
  };
  saveState({ run: ids, draft });
  /** The generate step's status line (writing, stopped, failed). */
  let genStatus = '';
  /** Why the model could not write a step, as the chat says it (with its actions). */
  let genProblem: { step: string; problem: ChatProblem } | undefined;
  /** The todos steps' cards, kept across renders (a checkbox the user cleared stays cleared). */
  const cards = new Map<number, { view: ToolCardView; json: string }>();

  const act = async <T>(work: () => Promise<T>): Promise<T | undefined> => {
    banner.hide();
    try {
      return await work();
    } catch (err) {
      banner.show(fmt(s.failed, (err as Error).message));
      return undefined;
    }
  };
  /** The same run told twice (the answer, then the notification) is rendered once. */
  let shown = '';
  const show = (next: WorkflowRunDto, focus = false) => {
    const moved = run !== undefined && run.current !== next.current;
    if (draft && (draft.step !== next.current || moved)) setDraft(undefined);
    run = next;
    const json = JSON.stringify(next);
    if (json !== shown) {
      shown = json;
      // What had the focus keeps it, when it is still there (a control is known by its id or action).
      const had = document.activeElement instanceof HTMLElement && root.contains(document.activeElement) ? document.activeElement : undefined;
      const mark = had?.id ? `#${CSS.escape(had.id)}` : had?.dataset.action ? `[data-action="${CSS.escape(had.dataset.action)}"]` : undefined;
      render();
      if (mark && !focus && !moved) root.querySelector<HTMLElement>(mark)?.focus();
    }
    if (focus || moved) focusCurrent();
  };

  function render(): void {
    const r = run!;
    heading.textContent = r.title;
    keyLine.textContent = fmt(s.runKey, r.key);
    notice.textContent = r.readOnly ? s.readOnly : r.finalized ? s.finalized : r.current === null ? s.allDone : '';
    notice.hidden = !notice.textContent;
    const total = r.steps.filter((x) => x.state !== 'removed').length;
    list.replaceChildren(...r.steps.map((step, i) => card(step, i, total)));
    footer.replaceChildren();
    if (!r.readOnly && r.finalized) footer.append(button(s.unlock, 'unlock', () => act(() => request({ kind: 'workflow/unlock', ...ids })).then((x) => x && show(x, true))));
    else if (!r.readOnly && r.current === null) footer.append(button(s.finalize, 'lock', () => act(() => request({ kind: 'workflow/finalize', ...ids })).then((x) => x && show(x, true)), true));
  }

  function card(step: WorkflowStepDto, index: number, total: number): HTMLElement {
    const titleId = `step-${step.id}-title`;
    const stateText = { done: s.done, current: s.current, pending: s.pending, removed: s.removed }[step.state];
    const title = h(
      'h2',
      { className: 'wf-step-title', id: titleId },
      step.state === 'removed' ? '' : h('span', { className: 'wf-step-number' }, fmt(s.stepOf, index + 1, total)),
      h('span', { className: 'wf-step-name' }, step.title),
      h('span', { className: 'wf-step-state' }, stateText),
    );
    const li = h('li', { className: `wf-step wf-${step.state}`, 'aria-labelledby': titleId, 'data-step': step.id }, title);
    if (step.state === 'done' || step.state === 'removed') {
      li.append(step.card ? cardOf(step.card) : h('div', { className: 'wf-value' }, shownValue(step)));
      const actions = h('div', { className: 'wf-actions' });
      // A value to take elsewhere (a commit message): copied as it is, also from a finalized or read-only run.
      if (step.value && step.input !== 'checkbox') {
        const value = step.value;
        const copy = button(s.copy, 'copy', () => act(() => request({ kind: 'clipboard/write', text: value })).then((x) => x !== undefined && (announcer.textContent = fmt(s.copied, step.title))));
        copy.setAttribute('aria-label', fmt(s.copyLabel, step.title));
        copy.id = `step-${step.id}-copy`; // the focus stays on it when the run is drawn again
        actions.append(copy);
      }
      if (step.state === 'done' && !run!.readOnly && !run!.finalized) {
        const revert = button(s.revert, 'discard', () => act(() => request({ kind: 'workflow/revert', ...ids, step: step.id })).then((x) => x && show(x, true)));
        revert.setAttribute('aria-label', fmt(s.revertLabel, step.title));
        revert.id = `step-${step.id}-revert`;
        actions.append(revert);
      }
      if (actions.childElementCount) li.append(actions);
    } else if (step.state === 'current' && !run!.readOnly && !run!.finalized) {
      if (step.help) li.append(h('p', { className: 'wf-help', id: `step-${step.id}-help` }, step.help));
      li.append(step.type === 'generate' || step.type === 'command' ? generateForm(step) : step.type === 'todos' ? todosForm(step) : inputForm(step));
    }
    return li;
  }

  function shownValue(step: WorkflowStepDto): string {
    if (step.input === 'checkbox') return step.value === 'true' ? s.checked : s.unchecked;
    return step.value ? step.value : s.empty;
  }

  function inputForm(step: WorkflowStepDto): HTMLElement {
    const fieldId = `step-${step.id}-field`;
    const described = step.help ? `step-${step.id}-help` : undefined;
    const start = draft?.step === step.id ? draft.value : (step.value ?? '');
    let field: HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement;
    let read: () => string;
    if (step.input === 'checkbox') {
      const box = h('input', { type: 'checkbox', id: fieldId, className: 'wf-checkbox', 'aria-describedby': described });
      box.checked = start === 'true';
      field = box;
      read = () => String(box.checked);
    } else if (step.input === 'choice') {
      const select = h('select', { id: fieldId, className: 'wf-field', 'aria-describedby': described, 'aria-required': step.required ? 'true' : undefined });
      select.append(h('option', { value: '' }, s.choose), ...(step.options ?? []).map((o) => h('option', { value: o }, o)));
      select.value = start;
      field = select;
      read = () => select.value;
    } else if (step.input === 'multiline') {
      const area = h('textarea', { id: fieldId, className: 'wf-field', rows: 5, 'aria-describedby': described, 'aria-required': step.required ? 'true' : undefined });
      area.value = start;
      field = area;
      read = () => area.value;
    } else {
      const input = h('input', { type: 'text', id: fieldId, className: 'wf-field', 'aria-describedby': described, 'aria-required': step.required ? 'true' : undefined });
      input.value = start;
      field = input;
      read = () => input.value;
    }
    field.dataset.current = '';
    const keep = () => setDraft({ step: step.id, value: read() });
    field.addEventListener('input', keep);
    field.addEventListener('change', keep);
    const label = h('label', { for: fieldId, className: step.input === 'checkbox' ? 'wf-check-label' : 'wf-label' }, step.title, step.required && step.input !== 'checkbox' ? h('span', { className: 'wf-required' }, ` (${s.required})`) : '');
    const submit = button(s.next, 'arrow-right', () => undefined, true);
    submit.type = 'submit';
    const form = h('form', { className: 'wf-form' }, ...(step.input === 'checkbox' ? [h('div', { className: 'wf-check' }, field, label)] : [label, field]), h('div', { className: 'wf-actions' }, submit));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      void act(() => request({ kind: 'workflow/submit', ...ids, step: step.id, value: read() })).then((x) => x && show(x));
    });
    // Ctrl+Enter submits a multiline text, Enter a choice, as Enter submits a line.
    if (field instanceof HTMLTextAreaElement) field.addEventListener('keydown', (e) => e.key === 'Enter' && (e.ctrlKey || e.metaKey) && form.requestSubmit());
    if (field instanceof HTMLSelectElement) field.addEventListener('keydown', (e) => e.key === 'Enter' && (e.preventDefault(), form.requestSubmit()));
    return form;
  }

  /** A generate step (the model writes), or a command step (the command runs, only on Run): the text streams into a box to edit and accept. */
  function generateForm(step: WorkflowStepDto): HTMLElement {
    const fieldId = `step-${step.id}-field`;
    const generating = run!.generating;
    const isCommand = step.type === 'command';
    const prompt = isCommand
      ? h(
          'div',
          { className: 'wf-command' },
          h('p', { className: 'wf-label', id: `step-${step.id}-command` }, s.commandLabel),
          h('pre', { 'aria-labelledby': `step-${step.id}-command` }, step.command ?? ''),
          h('p', { className: 'wf-help' }, fmt(s.commandWhere, step.cwd ?? '', step.timeoutSeconds ?? 0)),
          step.blocked ? h('p', { className: 'wf-notice', role: 'note' }, step.blocked) : '',
        )
      : h('details', { className: 'wf-prompt' }, h('summary', {}, s.prompt), h('pre', {}, step.prompt ?? ''));
    const area = h('textarea', { id: fieldId, className: 'wf-field wf-generated', rows: 10, 'aria-describedby': `step-${step.id}-status` });
    area.value = draft?.step === step.id ? draft.value : (step.value ?? '');
    area.readOnly = generating;
    area.dataset.current = '';
    area.addEventListener('input', () => setDraft({ step: step.id, value: area.value }));
    const status = h('p', { className: 'wf-gen-status', id: `step-${step.id}-status`, role: 'status' }, generating ? (isCommand ? s.running : s.writing) : genStatus);
    const hasText = area.value.trim() !== '';
    const startLabel = isCommand ? (hasText ? s.runAgain : s.run) : hasText ? s.regenerate : s.generate;
    const start = () => {
      setDraft({ step: step.id, value: '' });
      genStatus = '';
      genProblem = undefined;
      return act(() => request({ kind: 'workflow/generate', ...ids, step: step.id }));
    };
    const generate = button(startLabel, isCommand ? 'play' : 'sparkle', start, !hasText);
    const stop = button(s.stop, 'debug-stop', () => act(() => request({ kind: 'workflow/stop', ...ids })));
    const accept = button(s.accept, 'check', () => act(() => request({ kind: 'workflow/submit', ...ids, step: step.id, value: area.value })).then((x) => x && show(x)), hasText);
    generate.disabled = generating || !!step.blocked;
    stop.hidden = !generating;
    accept.disabled = generating || !hasText;
    area.addEventListener('input', () => (accept.disabled = !area.value.trim()));
    area.addEventListener('keydown', (e) => {
      if (e.key === 'Escape' && run?.generating) void act(() => request({ kind: 'workflow/stop', ...ids }));
    });
    const problem = genProblem?.step === step.id && !generating ? problemBox(genProblem.problem, start) : '';
    return h('div', { className: 'wf-form' }, prompt, h('label', { for: fieldId, className: 'wf-label' }, step.title), area, status, problem, h('div', { className: 'wf-actions' }, generate, stop, accept));
  }

  /** The chat's problem box: the cause, the chat's actions (Retry writes the step again), the details. */
  function problemBox(p: ChatProblem, retry: () => unknown): HTMLElement {
    const box: ProblemBox = new ProblemBox({
      onAction: (a) => void (a === 'retry' ? retry() : act(() => request(actionRequest(a).body))),
      onDismiss: () => {
        genProblem = undefined;
        box.show(null);
      },
    });
    box.show(p);
    return box.element;
  }

  /** The chat's card for a todos step's todos, the same element from one render to the next. */
  function cardOf(message: ChatMessageDto & { card: ToolCard }): HTMLElement {
    const json = JSON.stringify(message);
    const kept = cards.get(message.id);
    if (!kept) cards.set(message.id, { view: new ToolCardView(message), json });
    else if (kept.json !== json) {
      kept.view.update(message);
      kept.json = json;
    }
    const { element } = cards.get(message.id)!.view;
    delete element.dataset.current; // the current step's form sets it again
    return element;
  }

  /** The exact todos and one button that proposes them; then their card (Apply, Reject), unless adding todos is allowed. */
  function todosForm(step: WorkflowStepDto): HTMLElement {
    if (step.card) {
      const element = cardOf(step.card);
      element.dataset.current = '';
      return element;
    }
    const todos = step.todos ?? [];
    const listId = `step-${step.id}-todos`;
    const preview = todos.length
      ? h('ul', { className: 'wf-todos', id: listId, 'aria-label': s.todosPreview }, ...todos.map((t) => h('li', {}, t)))
      : h('p', { className: 'wf-help', id: listId }, s.noTodosYet);
    // The focus goes to the card that follows (or, when it applied them at once, to the next step).
    const add = button(todos.length === 1 ? s.addOneTodo : fmt(s.addTodos, todos.length), 'checklist', () => act(() => request({ kind: 'workflow/submit', ...ids, step: step.id, value: '' })).then((x) => x && show(x, true)), true);
    add.disabled = todos.length === 0;
    add.dataset.current = '';
    add.setAttribute('aria-describedby', listId);
    return h('div', { className: 'wf-form' }, preview, h('div', { className: 'wf-actions' }, add));
  }

  function button(text: string, codicon: string, onClick: () => unknown, primary = false): HTMLButtonElement {
    const b = h('button', { type: 'button', className: primary ? 'wf-button primary' : 'wf-button', 'data-action': text }, icon(codicon), text);
    b.addEventListener('click', () => void onClick());
    return b;
  }

  function focusCurrent(): void {
    const field = list.querySelector<HTMLElement>('[data-current]') ?? footer.querySelector<HTMLElement>('button') ?? list.querySelector<HTMLElement>('.wf-done:last-of-type button');
    const card = [...cards.values()].find((c) => c.view.element === field);
    if (card) card.view.takeFocus();
    else field?.focus();
  }

  const ours = (n: { profileId: number; workflow: string; key: string }) => n.profileId === ids.profileId && n.workflow === ids.workflow && n.key === ids.key;
  const load = (focus: boolean) =>
    request({ kind: 'workflow/open', ...ids }).then(
      (r) => show(r, focus),
      (err: Error) => banner.show(fmt(s.couldNotOpen, err.message)),
    );
  onNotify((n: Notification) => {
    if (n.kind === 'workflow/changed' && ours(n.run)) show(n.run);
    else if (n.kind === 'workflow/reset' || (n.kind === 'workflow/definition' && n.workflow === ids.workflow)) void load(false);
    else if (n.kind === 'workflow/delta' && ours(n)) {
      const area = list.querySelector<HTMLTextAreaElement>(`[data-step="${CSS.escape(n.step)}"] textarea`);
      if (area) {
        area.value += n.text;
        setDraft({ step: n.step, value: area.value });
      }
    } else if (n.kind === 'workflow/generated' && ours(n)) {
      setDraft({ step: n.step, value: n.text });
      const isCommand = run?.steps.find((x) => x.id === n.step)?.type === 'command';
      // The model's error is the chat's: its problem box says it; a command's, one line.
      genProblem = n.problem ? { step: n.step, problem: n.problem } : undefined;
      genStatus =
        n.status === 'stopped' ? (isCommand ? s.commandStopped : s.stopped) : n.status === 'error' && !n.problem ? fmt(isCommand ? s.commandFailed : s.generatedFailed, n.error ?? '') : '';
    }
  });

  void load(true);
}
