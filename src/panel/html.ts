/**
 * The HTML shell of a webview (Pipulate's initial `GET /`). Strict CSP: nothing but our
 * own bundle (by nonce), our stylesheets and fonts; no inline handlers, no network.
 */
import { randomBytes } from 'node:crypto';
import * as l10n from '@vscode/l10n';

import type { ViewKind } from '../protocol';
import { stringsScript } from './webviewStrings';

export type { ViewKind };

/**
 * The script of a view, in dist/: one bundle per view (esbuild.mjs), so the Tasks view
 * never loads the Chat's markdown, sanitizer and highlighter. Both share webview.css.
 */
export function bundleFile(view: ViewKind): string {
  return `webview-${view}.js`;
}

/**
 * A view's bundle and stylesheet are written into its page rather than fetched: in a
 * remote or web VS Code each fetch from a webview goes to the extension's machine and
 * back, and the page's script waits for its stylesheets (`npm run bench -- vscode`: the
 * Tasks view's script began some 80 ms after its document). The page's tokenizer ends a
 * `<script>` at the first `</script` (and after `<!--`, a `<script` hides even that), a
 * `<style>` at the first `</style`; esbuild writes none of them outside comments, and a
 * bundle that has one is refused.
 */
function inline(code: string, hazards: RegExp): string {
  const hazard = hazards.exec(code);
  // not-ui: a broken build, for the log
  if (hazard) throw new Error(`a bundle cannot be written into its page: it contains "${hazard[0]}" at ${hazard.index}`);
  return code;
}
export const inlineScript = (code: string) => inline(code, /<\/script|<script[\s/>]/i);
export const inlineStyle = (css: string) => inline(css, /<\/style/i);

/** The stylesheet both views share, in dist/. */
export const STYLE_FILE = 'webview.css';

export interface ShellOptions {
  view: ViewKind;
  /** The webview's `cspSource`: where our resources are served from. */
  cspSource: string;
  nonce: string;
  /** The text of dist/{@link bundleFile}(view) (see {@link inlineScript}). */
  script: string;
  /** The text of dist/{@link STYLE_FILE}. */
  style: string;
  /** Where codicon.css is served: vscode-elements link it into their shadow roots from there. */
  codiconUri: string;
  /** What the page needs before it asks anything (the run panel: its run and texts), as JSON it reads, never runs. */
  data?: unknown;
}

/** `data` as a `<script type="application/json">`: not executed, and `<` escaped so that no text in it can close the element. */
export function pageData(data: unknown): string {
  // not-ui: markup
  return `<script type="application/json" id="page-data">${JSON.stringify(data).replace(/</g, '\\u003c')}</script>`;
}

/** Only our own files and what the host wrote in with the page's nonce: no inline handlers or styles, no network (no connect-src: default-src 'none'). */
function contentSecurityPolicy(cspSource: string, nonce?: string): string {
  // not-ui: the policy
  return [
    "default-src 'none'",
    ...(nonce ? [`script-src 'nonce-${nonce}'`] : []),
    `style-src ${cspSource}${nonce ? ` 'nonce-${nonce}'` : ''}`,
    `font-src ${cspSource}`,
    `img-src ${cspSource} data:`,
  ].join('; ');
}

/** The document around a view: its policy, its stylesheets (`head`) and its body. */
function page(csp: string, head: string, body: string): string {
  // not-ui: markup
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
${head}
<title>Pipulate</title>
</head>
${body}
</html>`;
}

export function webviewHtml(o: ShellOptions): string {
  // not-ui: markup; the view's texts are in stringsScript(), worded by the host (webviewStrings.ts)
  return page(
    contentSecurityPolicy(o.cspSource, o.nonce),
    // The codicons apply once the view's script has started (src/webview/dom.ts's useCodicons): a stylesheet that applies at once holds the script back until it has come.
    `<link rel="stylesheet" href="${o.codiconUri}" id="vscode-codicon-stylesheet" media="not all">
<style nonce="${o.nonce}">${inlineStyle(o.style)}</style>`,
    `<body data-view="${o.view}">
<div id="app" class="app"></div>
${stringsScript()}
${o.data === undefined ? '' : pageData(o.data)}
<script nonce="${o.nonce}">${inlineScript(o.script)}</script>
</body>`,
  );
}

export function makeNonce(): string {
  return randomBytes(18).toString('base64');
}

/**
 * What both views show when the store cannot be opened (another window has it, say):
 * the reason, as text, in our stylesheet; no script at all.
 */
export function unavailableHtml(o: { cspSource: string; styleUri: string; reason: string }): string {
  const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  const text = escape(o.reason);
  const title = escape(l10n.t('Pipulate is not available.'));
  const then = escape(l10n.t('Then run {0}.')).replace('{0}', `<em>${escape(l10n.t('Developer: Reload Window'))}</em>`);
  // not-ui: markup around the texts above
  return page(
    contentSecurityPolicy(o.cspSource),
    `<link rel="stylesheet" href="${o.styleUri}">`,
    `<body>
<div class="app unavailable" role="alert">
<p><strong>${title}</strong></p>
<p class="reason">${text}</p>
<p>${then}</p>
</div>
</body>`,
  );
}
