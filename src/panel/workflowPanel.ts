/**
 * The VS Code side of the run panel: one editor-area webview panel per run, connected to
 * the router as a 'workflow' view, its run and texts in the page (html.ts's `data`).
 * Opening a run that has a panel reveals it. After a reload the panels come back
 * (a serializer: the page saved which run it shows).
 */
import * as vscode from 'vscode';
import type { Bundles } from './bundles';
import { makeNonce, webviewHtml } from './html';
import type { Router } from './router';
import { workflowStrings } from './workflowStrings';

export const RUN_PANEL = 'pipulate.workflowRun';

export interface RunId {
  profileId: number;
  workflow: string;
  key: string;
}

const idOf = (r: RunId) => `${r.profileId}\n${r.workflow}\n${r.key}`;

export class WorkflowPanels implements vscode.WebviewPanelSerializer<{ run?: RunId }> {
  private readonly panels = new Map<string, { panel: vscode.WebviewPanel; run: RunId }>();

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly bundles: Bundles,
    private readonly router: Router,
  ) {}

  /** The runs that have a panel now. */
  openRuns(): RunId[] {
    return [...this.panels.values()].map((p) => p.run);
  }

  show(run: RunId, title: string): void {
    const open = this.panels.get(idOf(run));
    if (open) return open.panel.reveal();
    const panel = vscode.window.createWebviewPanel(RUN_PANEL, title, vscode.ViewColumn.Active, { retainContextWhenHidden: false });
    this.attach(panel, run);
  }

  async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: { run?: RunId } | undefined): Promise<void> {
    const run = state?.run;
    if (!run || typeof run.profileId !== 'number' || typeof run.workflow !== 'string' || typeof run.key !== 'string') return panel.dispose();
    this.attach(panel, run);
  }

  private attach(panel: vscode.WebviewPanel, run: RunId): void {
    const dist = vscode.Uri.joinPath(this.extensionUri, 'dist');
    panel.webview.options = { enableScripts: true, localResourceRoots: [dist] };
    panel.iconPath = vscode.Uri.joinPath(this.extensionUri, 'media', 'pipulate.svg');
    const connection = this.router.connect({ post: (message) => void panel.webview.postMessage(message) }, 'workflow');
    const received = panel.webview.onDidReceiveMessage((message) => void connection.handle(message));
    this.panels.set(idOf(run), { panel, run });
    panel.onDidDispose(() => {
      received.dispose();
      connection.dispose();
      if (this.panels.get(idOf(run))?.panel === panel) this.panels.delete(idOf(run));
    });
    const asset = (file: string) => panel.webview.asWebviewUri(vscode.Uri.joinPath(dist, file)).toString();
    panel.webview.html = webviewHtml({
      view: 'workflow',
      cspSource: panel.webview.cspSource,
      nonce: makeNonce(),
      script: this.bundles.script('workflow'),
      style: this.bundles.style(),
      codiconUri: asset('codicon.css'),
      data: { run, strings: workflowStrings() },
    });
  }
}
