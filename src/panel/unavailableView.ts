/** What the views show when the store cannot be opened (another window has it, say): the reason, not a blank panel. */
import * as vscode from 'vscode';

export class UnavailableViewProvider implements vscode.WebviewViewProvider {
  constructor(private readonly reason: string) {}

  resolveWebviewView(view: vscode.WebviewView): void {
    view.webview.options = { enableScripts: false };
    const text = this.reason.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
    view.webview.html = `<!DOCTYPE html><html lang="en"><head><meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<style>body{font-family:var(--vscode-font-family);font-size:var(--vscode-font-size);color:var(--vscode-foreground);padding:8px 20px;}
p{overflow-wrap:anywhere}</style></head>
<body><p><strong>Pipulate is not available.</strong></p><p>${text}</p>
<p>Then run <em>Developer: Reload Window</em>.</p></body></html>`;
  }
}
