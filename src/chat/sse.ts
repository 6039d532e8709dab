/**
 * Server-sent events, as OpenAI-compatible servers stream a chat: `data: {json}` lines,
 * an empty line ending each event, `: comment` lines (keep-alives), `data: [DONE]` at the
 * end. Hand-written (thirty lines) rather than the `openai` package: see the README,
 * "Model servers".
 */

/** The `data` of each event, in order (several `data:` lines of one event joined by "\n"). */
export async function* sseData(body: AsyncIterable<Uint8Array>): AsyncIterable<string> {
  const decoder = new TextDecoder();
  let buffer = '';
  let data: string[] = [];
  const line = function* (text: string): Generator<string> {
    if (text === '') {
      if (data.length) yield data.join('\n');
      data = [];
    } else if (text.startsWith('data:')) {
      data.push(text.slice(text[5] === ' ' ? 6 : 5));
    }
    // `event:`, `id:`, `retry:` and comments carry nothing the chat uses.
  };
  for await (const bytes of body) {
    buffer += decoder.decode(bytes, { stream: true });
    let end: number;
    while ((end = buffer.search(/\r\n|\n|\r/)) >= 0) {
      const text = buffer.slice(0, end);
      // A "\r" at the very end may be the first half of "\r\n": wait for the next bytes.
      if (buffer[end] === '\r' && end === buffer.length - 1) break;
      buffer = buffer.slice(end + (buffer.startsWith('\r\n', end) ? 2 : 1));
      yield* line(text);
    }
  }
  buffer += decoder.decode();
  if (buffer) yield* line(buffer.replace(/\r$/, ''));
  yield* line('');
}
