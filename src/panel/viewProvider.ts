/** The VS Code side of a webview view: serves the shell and connects it to the router. */
import * as vscode from 'vscode';
import { bundleFile, makeNonce, STYLE_FILE, webviewHtml, type ViewKind } from './html';
import type { Router } from './router';

export class PipulateViewProvider implements vscode.WebviewViewProvider {
  private readonly views = new Set<vscode.WebviewView>();

  constructor(
    private readonly kind: ViewKind,
    private readonly extensionUri: vscode.Uri,
    private readonly router: Router,
  ) {}

  resolveWebviewView(view: vscode.WebviewView): void {
    const dist = vscode.Uri.joinPath(this.extensionUri, 'dist');
    view.webview.options = {
      enableScripts: true,
      localResourceRoots: [dist, vscode.Uri.joinPath(this.extensionUri, 'media')],
    };
    view.webview.html = this.html(view.webview);
    const connection = this.router.connect({ post: (message) => void view.webview.postMessage(message) }, this.kind);
    const received = view.webview.onDidReceiveMessage((message) => connection.handle(message));
    this.views.add(view);
    view.onDidDispose(() => {
      received.dispose();
      connection.dispose();
      this.views.delete(view);
    });
  }

  /** Serves the shell again, so open views load the rebuilt bundle (Pipulate's live=True). */
  reload(): void {
    for (const view of this.views) view.webview.html = this.html(view.webview);
  }

  private html(webview: vscode.Webview): string {
    const asset = (file: string) => webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'dist', file)).toString();
    return webviewHtml({
      view: this.kind,
      cspSource: webview.cspSource,
      nonce: makeNonce(),
      scriptUri: asset(bundleFile(this.kind)),
      styleUri: asset(STYLE_FILE),
      codiconUri: asset('codicon.css'),
    });
  }
}
