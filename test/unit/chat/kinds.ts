/**
 * The same chat against either kind of model server: the fake Ollama or the fake
 * OpenAI-compatible server (both real HTTP servers on 127.0.0.1, scripted alike), behind
 * the whole core (createCore) on a real store, so tool calls run through cards too.
 */
import type { TestContext } from 'node:test';
import type { ChatServiceDeps, ChatSettings } from '../../../src/chat/chatService';
import type { ServerKind } from '../../../src/chat/settings';
import { createCore, type Core } from '../../../src/core';
import type { Database } from '../../../src/store/database';
import { startFakeOllama, type ChatScript, type Exchange } from '../../fakes/ollamaServer';
import { startFakeOpenAI, type FakeOpenAIOptions } from '../../fakes/openaiServer';
import { defer, openForTest, scratchDir } from '../../helpers/store';
import { Events } from './harness';
import { quietUi } from '../../helpers/ui';

export const KINDS: ServerKind[] = ['ollama', 'openai'];

/** What a test needs of either fake. */
export interface FakeServer {
  readonly url: string;
  models: string[];
  scriptChat(...scripts: ChatScript[]): void;
  readonly chats: Exchange[];
  chatAt(index: number): Promise<Exchange>;
  readonly requests: { path: string; headers?: Record<string, unknown> }[];
}

const ui = quietUi();

export interface KindHarness {
  kind: ServerKind;
  server: FakeServer;
  dir: string;
  db: Database;
  core: Core;
  events: Events;
  logs: string[];
  settings: ChatSettings;
  profileId: number;
  /** The messages a chat request carried, whatever the kind. */
  messagesOf(exchange: Exchange): { role: string; content?: string | null; tool_calls?: unknown[]; tool_call_id?: string; tool_name?: string }[];
}

export async function setupKind(
  t: TestContext,
  kind: ServerKind,
  options: { settings?: Partial<ChatSettings>; deps?: Partial<ChatServiceDeps>; openai?: FakeOpenAIOptions; models?: string[] } = {},
): Promise<KindHarness> {
  const models = options.models ?? ['llama3.2'];
  const server: FakeServer = kind === 'openai' ? await startFakeOpenAI({ models, ...options.openai }) : await startFakeOllama({ models });
  defer(t, () => void (server as unknown as { close(): Promise<void> }).close());
  const dir = scratchDir(t, `pipulate-${kind}-`);
  const { db } = await openForTest(t, dir);
  const events = new Events();
  const logs: string[] = [];
  const settings: ChatSettings = { kind, host: server.url, model: 'llama3.2', systemPrompt: 'Be brief.', numCtx: 8192, timeoutMs: 5000, ...options.settings };
  const core = createCore({
    db,
    storage: { dir, scope: 'workspace' },
    chat: { settings: () => settings, log: (line) => logs.push(line), deltaIntervalMs: 5, ...options.deps },
    ui,
    log: (level, line) => logs.push(`${level}: ${line}`),
  } as Parameters<typeof createCore>[0]);
  core.events.on(events.push);
  defer(t, () => core.dispose());
  return {
    kind,
    server,
    dir,
    db,
    core,
    events,
    logs,
    settings,
    profileId: core.tasks.activeProfileId,
    messagesOf: (exchange) => (exchange.body as { messages: never[] }).messages,
  };
}
