/** What the views show when the store cannot be opened (another window has it, say): the reason, not a blank panel. */
import * as vscode from 'vscode';
import { unavailableHtml } from './html';

export class UnavailableViewProvider implements vscode.WebviewViewProvider {
  constructor(
    private readonly reason: string,
    private readonly extensionUri: vscode.Uri,
  ) {}

  resolveWebviewView(view: vscode.WebviewView): void {
    const dist = vscode.Uri.joinPath(this.extensionUri, 'dist');
    view.webview.options = { enableScripts: false, localResourceRoots: [dist] };
    view.webview.html = unavailableHtml({
      cspSource: view.webview.cspSource,
      styleUri: view.webview.asWebviewUri(vscode.Uri.joinPath(dist, 'webview.css')).toString(),
      reason: this.reason,
    });
  }
}
