/** Entry point of the webview bundle: the shell says which view this is. */
import './styles.css';
import { startChatView } from './chat/chatView';
import { startTasksView } from './tasks/tasksView';

const root = document.getElementById('app')!;
const view = document.body.dataset.view;
if (view === 'tasks') startTasksView(root);
else if (view === 'chat') startChatView(root);
