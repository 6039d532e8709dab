/**
 * Model output to DOM: markdown (marked), then sanitized (DOMPurify) before it touches
 * the page, then code highlighted (highlight.js, which only adds class names). Model
 * output is never trusted as HTML; the CSP is a second wall behind this one.
 */
import DOMPurify, { type Config } from 'dompurify';
import hljs from 'highlight.js/lib/core';
import bash from 'highlight.js/lib/languages/bash';
import c from 'highlight.js/lib/languages/c';
import cpp from 'highlight.js/lib/languages/cpp';
import css from 'highlight.js/lib/languages/css';
import diff from 'highlight.js/lib/languages/diff';
import go from 'highlight.js/lib/languages/go';
import java from 'highlight.js/lib/languages/java';
import javascript from 'highlight.js/lib/languages/javascript';
import json from 'highlight.js/lib/languages/json';
import markdownLang from 'highlight.js/lib/languages/markdown';
import python from 'highlight.js/lib/languages/python';
import rust from 'highlight.js/lib/languages/rust';
import sql from 'highlight.js/lib/languages/sql';
import typescript from 'highlight.js/lib/languages/typescript';
import xml from 'highlight.js/lib/languages/xml';
import yaml from 'highlight.js/lib/languages/yaml';
import { Marked } from 'marked';

const languages = { bash, c, cpp, css, diff, go, java, javascript, json, markdown: markdownLang, python, rust, sql, typescript, xml, yaml };
for (const [name, lang] of Object.entries(languages)) hljs.registerLanguage(name, lang);
hljs.registerAliases(['sh', 'shell', 'zsh', 'console'], { languageName: 'bash' });
hljs.registerAliases(['js', 'jsx', 'mjs', 'cjs'], { languageName: 'javascript' });
hljs.registerAliases(['ts', 'tsx'], { languageName: 'typescript' });
hljs.registerAliases(['py'], { languageName: 'python' });
hljs.registerAliases(['html', 'svg'], { languageName: 'xml' });
hljs.registerAliases(['yml'], { languageName: 'yaml' });
hljs.registerAliases(['rs'], { languageName: 'rust' });
hljs.registerAliases(['md'], { languageName: 'markdown' });

const marked = new Marked({ gfm: true, breaks: false, async: false });

const purify = DOMPurify(window);
// Passed to each call: DOMPurify's setConfig would make it ignore per-call settings.
const MARKDOWN: Config & { RETURN_DOM_FRAGMENT: true } = {
  USE_PROFILES: { html: true },
  FORBID_TAGS: ['style', 'form', 'input', 'button', 'textarea', 'select', 'img', 'video', 'audio', 'iframe', 'object', 'embed', 'svg', 'math'],
  FORBID_ATTR: ['style', 'id', 'name', 'class'],
  // Links: the web and mail only; no javascript:, data:, command: or file: URIs.
  ALLOWED_URI_REGEXP: /^(?:https?:|mailto:)/i,
  RETURN_DOM_FRAGMENT: true,
};
const HIGHLIGHTED: Config & { RETURN_DOM_FRAGMENT: true } = { ALLOWED_TAGS: ['span'], ALLOWED_ATTR: ['class'], RETURN_DOM_FRAGMENT: true };
purify.addHook('afterSanitizeAttributes', (node) => {
  if (node.tagName === 'A') {
    if (!node.getAttribute('href')) node.removeAttribute('href');
    node.setAttribute('rel', 'noopener noreferrer');
    const href = node.getAttribute('href');
    if (href) node.setAttribute('title', href);
  }
});

/**
 * Renders markdown into `target`, replacing what was there. `highlight: false` leaves code
 * blocks plain: for the growing tail of a streaming reply, rendered again every frame,
 * where highlighting a long code block (and sanitizing its thousands of spans) each time
 * would block the page; the block is highlighted once it is complete.
 */
export function renderMarkdown(target: HTMLElement, text: string, options: { highlight?: boolean } = {}): void {
  const html = marked.parse(text) as string;
  const fragment = purify.sanitize(html, MARKDOWN);
  if (options.highlight !== false) for (const code of fragment.querySelectorAll('pre > code')) highlight(code as HTMLElement);
  target.replaceChildren(fragment);
}

function highlight(code: HTMLElement): void {
  // Our code renderer put the fence's language in data-lang (DOMPurify drops classes).
  const lang = code.dataset.lang;
  const text = code.textContent ?? '';
  if (text.length > 100_000) return; // Not worth the time: shown plain.
  const result = lang && hljs.getLanguage(lang) ? hljs.highlight(text, { language: lang, ignoreIllegals: true }) : undefined;
  if (!result) return;
  // highlight.js escapes the text and adds only <span class="hljs-...">; sanitized again all the same.
  code.replaceChildren(purify.sanitize(result.value, HIGHLIGHTED));
  code.classList.add('hljs');
}

const escapeHtml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

marked.use({
  renderer: {
    // HTML the model writes is shown as the text it is, never parsed as markup.
    html({ text }) {
      return escapeHtml(text);
    },
    code({ text, lang }) {
      const language = (lang ?? '').trim().split(/\s+/)[0]!.toLowerCase();
      const escaped = escapeHtml(text);
      // not-ui: markup
      const attr = /^[a-z0-9+#-]{1,30}$/.test(language) ? ` data-lang="${language}"` : '';
      // not-ui: markup
      return `<pre><code${attr}>${escaped}</code></pre>\n`;
    },
  },
});

/**
 * Where a growing text can be cut so that what comes before never renders differently:
 * the last blank line outside a code fence, at or after `from` (a cut point itself).
 */
export function stableCut(text: string, from: number): number {
  let cut = from;
  let fence: string | undefined;
  let pos = from;
  while (pos < text.length) {
    const end = text.indexOf('\n', pos);
    if (end < 0) break;
    const line = text.slice(pos, end);
    const marker = /^ {0,3}(`{3,}|~{3,})/.exec(line)?.[1];
    if (fence === undefined && marker) fence = marker;
    else if (fence !== undefined && marker && marker[0] === fence[0] && marker.length >= fence.length && line.trim() === marker) fence = undefined;
    else if (fence === undefined && line.trim() === '' && pos > from) cut = end + 1;
    pos = end + 1;
  }
  return cut;
}
