/**
 * The parts of the tool loop (ChatService.run) that are not the loop itself: how the
 * chosen model uses tools, the system prompt for that, and reading the text protocol
 * out of a streamed reply.
 */
import type { ChatChunk } from './modelServer';
import type { ToolMode } from './cards';
import type { TextCallReader, ToolPort } from './toolPort';

/** The system prompt with what the model must know of its tools in this mode. */
export function systemPromptFor(base: string, mode: ToolMode, tools: ToolPort | undefined): string {
  if (mode === 'off' || !tools) return base;
  // model-facing
  const told =
    mode === 'native'
      ? "You can read and change the user's to-do list with your tools. Use them only when the user asks; changes are shown to the user, who applies or rejects them."
      : tools.textProtocol();
  return base.trim() ? `${base.trim()}\n\n${told}` : told;
}

/** The stream with the text protocol's blocks taken out of the shown text (`reader` keeps them). */
export async function* readText(stream: AsyncIterable<ChatChunk>, reader: TextCallReader): AsyncIterable<ChatChunk> {
  for await (const chunk of stream) {
    const text = reader.feed(chunk.text) + (chunk.done ? reader.end() : '');
    yield { ...chunk, text };
  }
}
