/** A message across the top of a view: errors and warnings, announced to screen readers. */
import { h, iconButton } from './dom';
import { strings } from './strings';

export class Banner {
  private readonly text = h('span', { className: 'banner-text' });
  private readonly close = iconButton('close', strings().dismiss);
  readonly element = h('div', { className: 'banner', role: 'alert', hidden: true }, this.text, this.close);

  constructor() {
    this.close.addEventListener('click', () => this.hide());
  }

  show(message: string, level: 'error' | 'warning' = 'error'): void {
    this.text.textContent = message;
    this.element.dataset.level = level;
    this.element.hidden = false;
  }

  hide(): void {
    this.element.hidden = true;
  }
}
