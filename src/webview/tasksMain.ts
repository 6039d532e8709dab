/** Entry point of the Tasks view's bundle (dist/webview-tasks.js): only what the Tasks view uses. */
import { useCodicons } from './dom';
import { startTasksView } from './tasks/tasksView';

startTasksView(document.getElementById('app')!);
useCodicons();
