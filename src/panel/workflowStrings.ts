/**
 * The run panel's texts, worded by the host in the display language and embedded in the
 * panel's page with the run it shows (html.ts's `data`, read by src/webview/workflow/).
 */
import * as l10n from '@vscode/l10n';

export function workflowStrings() {
  return {
    runKey: l10n.t('Run {0}'),
    steps: l10n.t('Steps'),
    stepOf: l10n.t('Step {0} of {1}'),
    done: l10n.t('Done'),
    current: l10n.t('To do now'),
    pending: l10n.t('Not yet'),
    removed: l10n.t('No longer in the workflow'),
    empty: l10n.t('(empty)'),
    checked: l10n.t('Checked'),
    unchecked: l10n.t('Not checked'),
    next: l10n.t('Next'),
    revert: l10n.t('Revert'),
    revertLabel: l10n.t('Revert “{0}” (clears it and every step after it)'),
    copy: l10n.t('Copy'),
    copyLabel: l10n.t('Copy the value of “{0}”'),
    copied: l10n.t('Copied “{0}” to the clipboard.'),
    choose: l10n.t('Choose…'),
    required: l10n.t('required'),
    prompt: l10n.t('Prompt sent to the model'),
    generate: l10n.t('Generate'),
    regenerate: l10n.t('Regenerate'),
    stop: l10n.t('Stop'),
    accept: l10n.t('Accept'),
    writing: l10n.t('The model is writing…'),
    stopped: l10n.t('Stopped: what arrived is kept. Edit it, or generate again.'),
    generatedFailed: l10n.t('The model could not write it: {0}'),
    commandLabel: l10n.t('Command'),
    commandWhere: l10n.t('Runs in {0}; stopped after {1} seconds. Read it before you run it.'),
    run: l10n.t('Run'),
    runAgain: l10n.t('Run Again'),
    running: l10n.t('Running…'),
    commandStopped: l10n.t('Stopped: the output so far is kept.'),
    commandFailed: l10n.t('The command failed: {0}'),
    todosPreview: l10n.t('Todos to add to the Tasks list'),
    addTodos: l10n.t('Add {0} todos'),
    addOneTodo: l10n.t('Add 1 todo'),
    noTodosYet: l10n.t('Nothing to add: the step this one takes its lines from is empty.'),
    finalize: l10n.t('Finalize'),
    unlock: l10n.t('Unlock'),
    finalized: l10n.t('This run is finalized. Unlock it to change it.'),
    allDone: l10n.t('Every step is done. Finalize the run to lock it.'),
    readOnly: l10n.t('This workflow’s file is gone or has errors (see the Problems panel): the run can be read, not changed.'),
    failed: l10n.t('That did not work: {0}'),
    couldNotOpen: l10n.t('Could not open the run: {0}'),
  };
}

export type WorkflowStrings = ReturnType<typeof workflowStrings>;
