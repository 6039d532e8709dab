/** Entry point of the run panel's bundle (dist/webview-workflow.js): which run, and its texts, come in the page as JSON. */
import { useCodicons } from './dom';
import { startRunView, type RunPageData } from './workflow/runView';

const data = JSON.parse(document.getElementById('page-data')!.textContent!) as RunPageData;
startRunView(document.getElementById('app')!, data);
useCodicons();
