/**
 * The view's texts, worded by the host in the display language (src/panel/webviewStrings.ts)
 * and embedded in the page as JSON (`<script type="application/json" id="strings">`): read
 * once, on first use. The webview never writes a text of its own.
 */
import type { WebviewStrings } from '../panel/webviewStrings';

export type { WebviewStrings };

let table: WebviewStrings | undefined;

/** The table; every key is there (the host and this bundle are built from the same source). */
export function strings(): WebviewStrings {
  table ??= JSON.parse(document.getElementById('strings')?.textContent || '{}') as WebviewStrings;
  return table;
}

/** Fills `{0}`, `{1}`… in a text of the table, as `l10n.t` does on the host. */
export function fmt(text: string, ...args: (string | number)[]): string {
  return text.replace(/\{(\d+)\}/g, (match, i: string) => (args[Number(i)] === undefined ? match : String(args[Number(i)])));
}
