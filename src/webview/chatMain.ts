/** Entry point of the Chat view's bundle (dist/webview-chat.js): the markdown and highlighting code lives here only. */
import { useCodicons } from './dom';
import { startChatView } from './chat/chatView';

startChatView(document.getElementById('app')!);
useCodicons();
