/**
 * Every text the webviews show, in the display language. The webviews cannot translate
 * (no `vscode`, no bundle, no network): the host words them here, once per page, and
 * html.ts embeds the table in the page as JSON in a `<script type="application/json">`
 * (data, never run: the CSP allows no inline script), which src/webview/strings.ts reads.
 *
 * `{0}`, `{1}` are filled in by the webview (`fmt` in src/webview/strings.ts), as
 * `l10n.t` would: a translation may put them in another order.
 */
import * as l10n from '@vscode/l10n';

export function webviewStrings() {
  return {
    // Both views
    dismiss: l10n.t('Dismiss'),

    // Tasks: the profile bar
    profile: l10n.t('Profile'),
    activeProfile: l10n.t('Active profile'),
    newProfileLabel: l10n.t('New profile'),
    newProfileTitle: l10n.t('New Profile'),
    renameProfileLabel: l10n.t('Rename profile'),
    renameProfileTitle: l10n.t('Rename Profile'),
    deleteProfileLabel: l10n.t('Delete profile'),
    deleteProfileTitle: l10n.t('Delete Profile'),
    tasks: l10n.t('Tasks'),
    // Tasks: adding, filtering, counts, the list
    filterPlaceholder: l10n.t('Filter: words, is:open, is:done'),
    filterTodos: l10n.t('Filter todos'),
    noMatch: l10n.t('No todo matches the filter.'),
    addTodoPlaceholder: l10n.t('Add a todo and press Enter'),
    newTodo: l10n.t('New todo'),
    clearCompleted: l10n.t('Clear completed'),
    clearCompletedTitle: l10n.t('Clear completed todos'),
    counts: l10n.t('{0} open · {1} done'),
    noTodos: l10n.t('No todos in “{0}” yet. Type one above and press Enter.'),
    globalStorage: l10n.t('No folder is open: these todos are kept in VS Code’s global storage, shared by every window without a folder.'),
    todos: l10n.t('Todos'),
    todoTitle: l10n.t('Todo title'),
    todoDone: l10n.t('{0}, done'),
    dragToReorder: l10n.t('Drag to reorder (or Alt+Up / Alt+Down)'),
    editTitle: l10n.t('Edit title (F2)'),
    deleteTodo: l10n.t('Delete todo (Delete)'),
    // Tasks: the Undo of the user's own delete or clear (src/webview/tasks/undoBar.ts); {0}: what was done
    undoLabel: l10n.t('{0} —'),
    undoTasksTitle: l10n.t('Undo (Ctrl+Z in the list)'),
    // Tasks: what failed ({0}: why)
    couldNotLoadTodos: l10n.t('Could not load the todos: {0}'),
    couldNotAddTodo: l10n.t('Could not add the todo: {0}'),
    couldNotSwitchProfile: l10n.t('Could not switch profile: {0}'),
    couldNotCreateProfile: l10n.t('Could not create the profile: {0}'),
    couldNotRenameProfile: l10n.t('Could not rename the profile: {0}'),
    couldNotDeleteProfile: l10n.t('Could not delete the profile: {0}'),
    couldNotClearCompleted: l10n.t('Could not clear completed todos: {0}'),
    couldNotUpdateTodo: l10n.t('Could not update the todo: {0}'),
    couldNotDeleteTodo: l10n.t('Could not delete the todo: {0}'),
    couldNotMoveTodo: l10n.t('Could not move the todo: {0}'),
    couldNotRenameTodo: l10n.t('Could not rename the todo: {0}'),
    couldNotOpenCode: l10n.t('Could not open the code: {0}'),
    couldNotUnlinkTodo: l10n.t('Could not unlink the todo: {0}'),
    couldNotRelinkTodo: l10n.t('Could not relink the todo: {0}'),
    selectCodeFirst: l10n.t('Select the code in an editor first, then relink.'),
    // Tasks: a todo's link to code (src/webview/tasks/codeLink.ts)
    openPlace: l10n.t('Open {0}'),
    linkGoneTitle: l10n.t('The linked code is gone from {0}. Open the file where it was'),
    linkGoneLabel: l10n.t('Linked code gone from {0}; open the file'),
    gone: l10n.t('gone'),
    relink: l10n.t('Relink to the selection in the editor'),
    unlink: l10n.t('Unlink from the code'),

    chat: l10n.t('Chat'),
    // Chat: the header, the connection, the tools
    chooseModel: l10n.t('Choose the model'),
    clearConversationLabel: l10n.t('Clear conversation'),
    clearConversationTitle: l10n.t('Clear Conversation'),
    connected: l10n.t('connected'),
    notReachable: l10n.t('not reachable'),
    checking: l10n.t('checking…'),
    noModel: l10n.t('no model'),
    none: l10n.t('none'),
    connectionTitle: l10n.t('Ollama at {0}: {1}. Model: {2}. Click to choose the model.'),
    connectionTitleServer: l10n.t('The model server at {0}: {1}. Model: {2}. Click to choose the model.'),
    loadingModel: l10n.t('loading the model…'),
    waitingFirstToken: l10n.t('waiting for the first token, {0} s…'),
    toolsNative: l10n.t('tools'),
    toolsNativeTitle: l10n.t('Tools: native. The model can read and change your todos through the server’s tool calls, with your OK.'),
    toolsText: l10n.t('tools: text'),
    toolsTextTitle: l10n.t('Tools: text protocol. This model has no native tools; it writes its actions in a block the chat reads, with your OK.'),
    toolsOff: l10n.t('no tools'),
    toolsOffTitle: l10n.t('Tools: off. The model can only talk; it cannot read or change your todos (pipulate.tools.enabled).'),
    // Chat: the conversation
    conversation: l10n.t('Conversation'),
    emptyConversation: l10n.t('This is the conversation of “{0}”. The model is told what you do in the Tasks view; ask it about your work.'),
    you: l10n.t('You'),
    assistant: l10n.t('Assistant'),
    note: l10n.t('Note'),
    system: l10n.t('System'),
    said: l10n.t('{0} said'),
    stopped: l10n.t('stopped'),
    failed: l10n.t('failed'),
    noTextArrived: l10n.t('No text arrived.'),
    notes: l10n.t('{0} actions in Tasks'),
    copyMessage: l10n.t('Copy message'),
    // Chat: edit and resend, regenerate (src/webview/chat/messageEditor.ts)
    editMessage: l10n.t('Edit and send again'),
    regenerateReply: l10n.t('Regenerate this reply'),
    notWhileReplying: l10n.t('A reply is being written: stop it first (Escape)'),
    editLabel: l10n.t('Edit your message'),
    sendEdit: l10n.t('Send'),
    sendEditTitle: l10n.t('Send the edited message (Enter); the conversation after it is replaced'),
    cancelEdit: l10n.t('Cancel'),
    cancelEditTitle: l10n.t('Cancel the edit (Escape)'),
    couldNotEdit: l10n.t('Could not send the edited message: {0}'),
    couldNotRegenerate: l10n.t('Could not regenerate the reply: {0}'),
    // Chat: Apply to file, on the code blocks of a reply to a message with attachments
    applyToNamedFile: l10n.t('Apply to {0} (shows a diff to review)'),
    applyToFile: l10n.t('Apply to an attached file (shows a diff to review)'),
    couldNotApplyCode: l10n.t('Could not apply the code: {0}'),
    copyCode: l10n.t('Copy code'),
    insertCode: l10n.t('Insert code at the cursor'),
    replyStopped: l10n.t('Reply stopped.'),
    replyFailed: l10n.t('Reply failed.'),
    replyFinished: l10n.t('Reply finished.'),
    // Chat: the model's tool cards (src/webview/chat/toolCard.ts)
    cardAsksOne: l10n.t('The model asks to change your list'),
    cardAsksMany: l10n.t('The model asks to make {0} changes'),
    cardRead: l10n.t('The model read your work'),
    cardCancelled: l10n.t('The model’s request was cancelled'),
    cardDone: l10n.t('The model’s changes'),
    cardAnnounceOne: l10n.t('The model asks to make a change: {0}. Enter applies, Escape rejects.'),
    cardAnnounceMany: l10n.t('The model asks to make {0} changes: {1}. Enter applies, Escape rejects.'),
    // A card Pipulate proposed itself; {0}: where from (Workflow “Plan a feature”, run “x”: step “Plan to todos”)
    cardFromAsksOne: l10n.t('{0} proposes a change'),
    cardFromAsksMany: l10n.t('{0} proposes {1} changes'),
    cardFromCancelled: l10n.t('{0}: taken back, nothing was changed'),
    cardFromAnnounce: l10n.t('{0} proposes {1} changes: {2}. Enter applies, Escape rejects.'),
    apply: l10n.t('Apply'),
    applySelected: l10n.t('Apply selected'),
    applyTitle: l10n.t('Apply (Enter)'),
    reject: l10n.t('Reject'),
    rejectAll: l10n.t('Reject all'),
    rejectTitle: l10n.t('Reject (Escape)'),
    undo: l10n.t('Undo'),
    undoCardTitle: l10n.t('Undo what this card applied'),
    alwaysAllow: l10n.t('Always allow {0} in this profile'),
    // Two or more things in a row: "{0}" is the first ones, separated by commas.
    listAnd: l10n.t('{0} and {1}'),
    kindAdd: l10n.t('adding todos'),
    kindComplete: l10n.t('completing and reopening todos'),
    kindRename: l10n.t('renaming todos'),
    kindMove: l10n.t('moving todos'),
    kindDelete: l10n.t('deleting todos'),
    kindClearCompleted: l10n.t('clearing completed todos'),
    kindProfile: l10n.t('creating and switching profiles'),
    itemApplied: l10n.t('applied'),
    itemAppliedAllowed: l10n.t('applied, allowed'),
    itemRejected: l10n.t('rejected'),
    itemCancelled: l10n.t('cancelled'),
    itemUndone: l10n.t('undone'),
    itemRefused: l10n.t('refused'),
    couldNotApply: l10n.t('Could not apply: {0}'),
    couldNotReject: l10n.t('Could not reject: {0}'),
    couldNotUndo: l10n.t('Could not undo: {0}'),
    // Chat: the composer
    message: l10n.t('Message'),
    composerPlaceholder: l10n.t('Ask about your work (Enter to send, Shift+Enter for a new line)'),
    send: l10n.t('Send'),
    sendTitle: l10n.t('Send (Enter)'),
    stop: l10n.t('Stop'),
    stopTitle: l10n.t('Stop generating (Escape)'),
    // Chat: problems and pulls
    details: l10n.t('Details'),
    dismissProblem: l10n.t('Dismiss this problem'),
    pullModel: l10n.t('Pull Model'),
    chooseModelAction: l10n.t('Choose Model'),
    openSettings: l10n.t('Open Settings'),
    showLog: l10n.t('Show Log'),
    retry: l10n.t('Retry'),
    setApiKey: l10n.t('Set API Key'),
    pullProgress: l10n.t('Pull progress'),
    pulling: l10n.t('Pulling {0}: {1}'),
    pullingPercent: l10n.t('Pulling {0}: {1} ({2}%)'),
    pullFailed: l10n.t('Pulling {0} failed: {1}'),
    // Chat: what failed ({0}: why)
    couldNotLoadConversation: l10n.t('Could not load the conversation: {0}'),
    couldNotLoadOlder: l10n.t('Could not load older messages: {0}'),
    couldNotSetApiKey: l10n.t('Could not set the API key: {0}'),
    // Chat: attachments (src/webview/chat/attachmentChips.ts)
    attachments: l10n.t('Attachments'),
    attachedToNext: l10n.t('Attached to the next message'),
    attachedLines: l10n.t('{0}, lines {1} to {2}'),
    attachedLine: l10n.t('{0}, line {1}'),
    // {0}: what the chip shows (parse.ts:3-5), first, so the name spoken holds the text seen; {1}: the full place
    attachedOpen: l10n.t('{0}, attached from {1}. Open it'),
    removeAttachment: l10n.t('Remove {0} from the next message'),
    couldNotOpenFile: l10n.t('Could not open {0}: {1}'),
    couldNotRemoveAttachment: l10n.t('Could not remove the attachment: {0}'),
    couldNotDismissProblem: l10n.t('Could not dismiss the problem: {0}'),
    couldNotStopReply: l10n.t('Could not stop the reply: {0}'),
    couldNotClearConversation: l10n.t('Could not clear the conversation: {0}'),
    couldNotChooseModel: l10n.t('Could not choose the model: {0}'),
    couldNotPullModel: l10n.t('Could not pull the model: {0}'),
    couldNotOpenSettings: l10n.t('Could not open the settings: {0}'),
    couldNotShowLog: l10n.t('Could not show the log: {0}'),
    couldNotRetry: l10n.t('Could not retry: {0}'),
    couldNotCopyMessage: l10n.t('Could not copy the message: {0}'),
    couldNotCopyCode: l10n.t('Could not copy the code: {0}'),
    couldNotInsertCode: l10n.t('Could not insert the code: {0}'),
  };
}

/** The table the webviews receive: one string per key. */
export type WebviewStrings = ReturnType<typeof webviewStrings>;

/**
 * The table as a `<script type="application/json" id="strings">` element: not executed
 * (so no nonce and no CSP exception), and `<` written as `\u003c` so that no text in it
 * can close the element.
 */
export function stringsScript(strings: WebviewStrings = webviewStrings()): string {
  // not-ui: markup
  return `<script type="application/json" id="strings">${JSON.stringify(strings).replace(/</g, '\\u003c')}</script>`;
}
