/**
 * The HTML shell of a webview (Pipulate's initial `GET /`). Strict CSP: nothing but our
 * own bundle (by nonce), our stylesheets and fonts; no inline handlers, no network.
 */
import { randomBytes } from 'node:crypto';

export type ViewKind = 'tasks' | 'chat';

export interface ShellOptions {
  view: ViewKind;
  /** The webview's `cspSource`: where our resources are served from. */
  cspSource: string;
  nonce: string;
  scriptUri: string;
  styleUri: string;
  codiconUri: string;
}

export function webviewHtml(o: ShellOptions): string {
  const csp = [
    "default-src 'none'",
    `script-src 'nonce-${o.nonce}'`,
    `style-src ${o.cspSource}`,
    `font-src ${o.cspSource}`,
    `img-src ${o.cspSource} data:`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${o.codiconUri}" id="vscode-codicon-stylesheet">
<link rel="stylesheet" href="${o.styleUri}">
<title>Pipulate</title>
</head>
<body data-view="${o.view}">
<div id="app" class="app"></div>
<script nonce="${o.nonce}" src="${o.scriptUri}"></script>
</body>
</html>`;
}

export function makeNonce(): string {
  return randomBytes(18).toString('base64');
}
