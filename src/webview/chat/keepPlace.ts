/**
 * Keeps the reader's place while content is added above it: the first message in sight
 * stays where it was in the pane. The browser's own scroll anchoring is no help here: it
 * does nothing while the pane is scrolled to its very top, which is where the reader is
 * when older messages arrive.
 */
export function keepingPlace(pane: HTMLElement, change: () => void): void {
  const anchor = firstInSight(pane);
  const before = anchor?.getBoundingClientRect().top;
  change();
  if (anchor && before !== undefined) pane.scrollTop += anchor.getBoundingClientRect().top - before;
}

/** The first message (or note group) whose bottom is below the pane's top. */
function firstInSight(pane: HTMLElement): Element | undefined {
  const top = pane.getBoundingClientRect().top;
  const below = (el: Element) => el.getBoundingClientRect().bottom > top;
  // The chunks are in order: the first one reaching into sight, by bisection.
  const chunks = pane.querySelectorAll('.msg-chunk');
  let lo = 0;
  let hi = chunks.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (below(chunks[mid]!)) hi = mid;
    else lo = mid + 1;
  }
  const chunk = chunks[lo];
  return chunk && ([...chunk.children].find(below) ?? chunk);
}
