/**
 * The whole core (createCore) over a real store on disk and a real fake server (the fake
 * Ollama, or with `kind: 'openai'` the fake OpenAI-compatible server), for the tools'
 * tests and the chat tests that go through the whole core.
 */
import type { TestContext } from 'node:test';
import type { ChatServiceDeps, ChatSettings } from '../../../src/chat/chatService';
import type { ServerKind } from '../../../src/chat/settings';
import { createCore, type Core } from '../../../src/core';
import type { ChatMessageDto, ToolCard } from '../../../src/protocol';
import type { Database } from '../../../src/store/database';
import type { FakeOllama } from '../../fakes/ollamaServer';
import { defer, openForTest, scratchDir } from '../../helpers/store';
import { Events, startFake, type FakeOf, type FakeOptions } from '../chat/harness';
import { quietUi } from '../../helpers/ui';

const ui = quietUi();

export interface ToolHarness<F = FakeOllama> {
  kind: ServerKind;
  fake: F;
  dir: string;
  db: Database;
  core: Core;
  events: Events;
  logs: string[];
  /** Change it freely: the core reads it at each use. */
  settings: ChatSettings;
  /** The card messages of the active profile's conversation, oldest first. */
  cards(): (ChatMessageDto & { card: ToolCard })[];
  /** The next card that reaches `state` (chat/appended or chat/finished), or one already sent. */
  card(state: ToolCard['state'], filter?: (card: ToolCard) => boolean): Promise<ChatMessageDto & { card: ToolCard }>;
  /** Titles of the active profile's todos, in order, with [x] for done ones. */
  list(): string[];
}

export async function setupTools<K extends ServerKind = 'ollama'>(
  t: TestContext,
  options: { kind?: K; fake?: FakeOptions; settings?: Partial<ChatSettings>; deps?: Partial<ChatServiceDeps>; dir?: string; fakeToUse?: FakeOf<K> } = {},
): Promise<ToolHarness<FakeOf<K>>> {
  const kind = options.kind ?? 'ollama';
  const fake = options.fakeToUse ?? (await startFake(t, kind as K, options.fake));
  const dir = options.dir ?? scratchDir(t, 'pipulate-tools-');
  const { db } = await openForTest(t, dir);
  const events = new Events();
  const logs: string[] = [];
  const settings: ChatSettings = { kind, host: fake.url, model: 'llama3.2', systemPrompt: 'Be brief.', numCtx: 8192, timeoutMs: 5000, ...options.settings };
  const core = createCore({
    db,
    storage: { dir, scope: 'workspace' },
    chat: { settings: () => settings, log: (line) => logs.push(line), deltaIntervalMs: 5, ...options.deps },
    ui,
    log: (level, line) => logs.push(`${level}: ${line}`),
  });
  core.events.on(events.push);
  defer(t, () => core.dispose());

  const isCard = (m: ChatMessageDto): m is ChatMessageDto & { card: ToolCard } => m.card !== undefined;
  const sentCards = () =>
    events.all.flatMap((n) => ((n.kind === 'chat/appended' || n.kind === 'chat/finished') && isCard(n.message) ? [n.message] : []));
  return {
    kind,
    fake,
    dir,
    db,
    core,
    events,
    logs,
    settings,
    cards: () => core.chat.snapshot(core.tasks.activeProfile()).messages.filter(isCard),
    card(state, filter = () => true) {
      const seen = sentCards().find((m) => m.card.state === state && filter(m.card));
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`Timed out waiting for a ${state} card`)), 10_000);
        const off = core.events.on((n) => {
          if ((n.kind === 'chat/appended' || n.kind === 'chat/finished') && isCard(n.message) && n.message.card.state === state && filter(n.message.card)) {
            clearTimeout(timer);
            off();
            resolve(n.message);
          }
        });
      });
    },
    list: () => core.tasks.snapshot().todos.map((t) => `${t.done ? '[x] ' : ''}${t.title}`),
  };
}

/** Sends a message and waits until the whole reply (every round) is over. */
export async function ask(h: ToolHarness<unknown>, text: string): Promise<void> {
  await h.core.chat.send(h.core.tasks.activeProfileId, text);
  await h.core.chat.settled();
}
