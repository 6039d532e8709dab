/**
 * What each action of a problem box (problemBox.ts) asks the host: the chat's problems
 * and a workflow step's, which are the chat's too. `retry` is the view's own: the chat
 * answers again, a workflow step is written again.
 */
import type { ChatAction, RequestBody } from '../../protocol';
import type { WebviewStrings } from '../strings';

/** The request, and the key of the text that says it failed (`{0}`: why). `model`: the one to pull (default: the chosen one). */
export function actionRequest(action: Exclude<ChatAction, 'retry'>, model?: string): { body: RequestBody; failed: keyof WebviewStrings } {
  switch (action) {
    case 'pull':
      return { body: { kind: 'chat/pull', model }, failed: 'couldNotPullModel' };
    case 'selectModel':
      return { body: { kind: 'chat/selectModel' }, failed: 'couldNotChooseModel' };
    case 'openSettings':
      return { body: { kind: 'command/run', command: 'pipulate.openSettings' }, failed: 'couldNotOpenSettings' };
    case 'setApiKey':
      return { body: { kind: 'command/run', command: 'pipulate.setApiKey' }, failed: 'couldNotSetApiKey' };
    case 'showLog':
      return { body: { kind: 'command/run', command: 'pipulate.showLog' }, failed: 'couldNotShowLog' };
  }
}
