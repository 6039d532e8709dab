/**
 * Cutting text for display and for notes. A cut by UTF-16 index can fall inside a
 * surrogate pair (an emoji) or a grapheme cluster (a flag, a family, an accent), which
 * leaves a lone surrogate that the store and the views turn into U+FFFD. So every cut
 * goes through here and falls on a grapheme boundary (Intl.Segmenter).
 */
const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/**
 * `text` if it is at most `max` UTF-16 units long; otherwise its longest start of whole
 * graphemes that leaves room for `ellipsis`, then `ellipsis`. Never longer than `max`.
 */
export function cutText(text: string, max: number, ellipsis = '…'): string {
  if (text.length <= max) return text;
  const room = Math.max(0, max - ellipsis.length);
  let end = 0;
  // The segmenter is lazy: only the graphemes up to the cut are looked at.
  for (const { index, segment } of graphemes.segment(text)) {
    if (index + segment.length > room) break;
    end = index + segment.length;
  }
  return text.slice(0, end) + ellipsis;
}

/** Text on one line: runs of white space (new lines included) become one space. */
export function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
