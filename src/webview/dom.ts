/** Builds elements. Text is always set as text: titles, names and model output never become markup here. */
type Attrs = Record<string, string | number | boolean | undefined>;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs?: Attrs, ...children: (Node | string)[]): HTMLElementTagNameMap[K];
export function h(tag: string, attrs?: Attrs, ...children: (Node | string)[]): HTMLElement;
export function h(tag: string, attrs: Attrs = {}, ...children: (Node | string)[]): HTMLElement {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    if (name === 'className') el.className = String(value);
    else el.setAttribute(name, value === true ? '' : String(value));
  }
  el.append(...children);
  return el;
}

/** Makes a view's root its page's main landmark, headed (for screen readers) by the view's name. */
export function landmark(root: HTMLElement, name: string): void {
  root.setAttribute('role', 'main');
  root.prepend(h('h1', { className: 'sr-only' }, name));
}

/**
 * The page links codicon.css so that it applies only from here on (src/panel/html.ts):
 * called once the view has rendered, the icons come with the stylesheet, the view does not wait for it.
 */
export function useCodicons(): void {
  document.getElementById('vscode-codicon-stylesheet')?.setAttribute('media', 'all');
}

/** A codicon, hidden from screen readers (the control around it carries the label). */
export function icon(name: string): HTMLElement {
  return h('span', { className: `codicon codicon-${name}`, 'aria-hidden': 'true' });
}

/** A small icon button; `label` is its accessible name and tooltip. */
export function iconButton(name: string, label: string, className = ''): HTMLButtonElement {
  return h('button', { type: 'button', className: `icon-button ${className}`.trim(), 'aria-label': label, title: label }, icon(name));
}
