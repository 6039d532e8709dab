/**
 * A chat service over a real store (temp folder) and a real fake server, for one test:
 * the fake Ollama, or with `kind: 'openai'` the fake OpenAI-compatible server (kinds.ts).
 */
import * as net from 'node:net';
import type { TestContext } from 'node:test';
import { ChatService, type ChatServiceDeps, type ChatSettings } from '../../../src/chat/chatService';
import type { ServerKind } from '../../../src/chat/settings';
import type { ChatMessageDto, Notification } from '../../../src/protocol';
import { appStore, type AppStore } from '../../../src/store/appSchema';
import type { Database } from '../../../src/store/database';
import { startFakeOllama, type FakeOllama, type FakeOllamaOptions } from '../../fakes/ollamaServer';
import { startFakeOpenAI, type FakeOpenAI, type FakeOpenAIOptions } from '../../fakes/openaiServer';
import { defer, openForTest, scratchDir } from '../../helpers/store';

type Of<K extends Notification['kind']> = Extract<Notification, { kind: K }>;

/** Every notification the service emitted, with ways to wait for one. */
export class Events {
  readonly all: Notification[] = [];
  private waiters: { test: (n: Notification) => boolean; resolve: (n: Notification) => void }[] = [];

  push = (n: Notification): void => {
    this.all.push(n);
    const ready = this.waiters.filter((w) => w.test(n));
    this.waiters = this.waiters.filter((w) => !ready.includes(w));
    for (const w of ready) w.resolve(n);
  };

  of<K extends Notification['kind']>(kind: K): Of<K>[] {
    return this.all.filter((n): n is Of<K> => n.kind === kind);
  }

  /** The next notification of `kind` matching `test` (including one already seen when `seen`). */
  next<K extends Notification['kind']>(kind: K, test: (n: Of<K>) => boolean = () => true, what = kind, ms = 10_000): Promise<Of<K>> {
    return new Promise<Of<K>>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`Timed out waiting for ${what}`)), ms);
      this.waiters.push({
        test: (n) => n.kind === kind && test(n as Of<K>),
        resolve: (n) => {
          clearTimeout(timer);
          resolve(n as Of<K>);
        },
      });
    });
  }

  /** chat/finished for a message, or one already emitted. */
  finished(filter: (m: ChatMessageDto) => boolean = () => true): Promise<ChatMessageDto> {
    const seen = this.of('chat/finished').find((n) => filter(n.message));
    if (seen) return Promise.resolve(seen.message);
    return this.next('chat/finished', (n) => filter(n.message), 'chat/finished').then((n) => n.message);
  }

  /** The latest problem emitted (null: cleared; undefined: none ever). */
  get problem() {
    const list = this.of('chat/problem');
    return list.length ? list[list.length - 1]!.problem : undefined;
  }

  get connection() {
    const list = this.of('chat/connection');
    return list.length ? list[list.length - 1]!.connection : undefined;
  }
}

/** The fake of a kind of server; for a kind not known until run time, either (what both speak). */
export type FakeOf<K extends ServerKind> = K extends 'openai' ? FakeOpenAI : FakeOllama;
/** What either fake takes (models, noTools, defaultChat, port); the rest is one kind's own. */
export type FakeOptions = FakeOllamaOptions & FakeOpenAIOptions;

/** The fake server of `kind`, closed when the test ends. */
export async function startFake<K extends ServerKind>(t: TestContext, kind: K, options: FakeOptions = {}): Promise<FakeOf<K>> {
  const fake = kind === 'openai' ? await startFakeOpenAI(options) : await startFakeOllama(options);
  defer(t, () => void fake.close());
  return fake as FakeOf<K>;
}

export interface Harness<F = FakeOllama> {
  kind: ServerKind;
  fake: F;
  dir: string;
  db: Database;
  store: AppStore;
  chat: ChatService;
  events: Events;
  logs: string[];
  profile: { id: number; name: string };
  /** Change it freely: the service reads it at each use. */
  settings: ChatSettings;
}

export async function setup<K extends ServerKind = 'ollama'>(
  t: TestContext,
  options: { kind?: K; settings?: Partial<ChatSettings>; fake?: FakeOptions; deps?: Partial<ChatServiceDeps>; dir?: string } = {},
): Promise<Harness<FakeOf<K>>> {
  const kind = options.kind ?? 'ollama';
  const fake = await startFake(t, kind, options.fake);
  const dir = options.dir ?? scratchDir(t, 'pipulate-chat-');
  const { db } = await openForTest(t, dir);
  const store = appStore(db);
  const profile = store.profiles.rows({ orderBy: 'id', limit: 1 })[0] ?? store.profiles.insert({ name: 'Work' });
  const settings: ChatSettings = { kind, host: fake.url, model: 'llama3.2', systemPrompt: 'Be brief.', numCtx: 4096, timeoutMs: 5000, ...options.settings };
  const events = new Events();
  const logs: string[] = [];
  const chat = new ChatService({
    store,
    settings: () => settings,
    emit: events.push,
    log: (line) => logs.push(line),
    deltaIntervalMs: 20,
    ...options.deps,
  });
  defer(t, () => chat.dispose());
  return { kind, fake: fake as FakeOf<K>, dir, db, store, chat, events, logs, profile: { id: profile.id, name: profile.name }, settings };
}

/** A port on 127.0.0.1 that nothing listens on (it was free a moment ago). */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** `count` tokens `t0 t1 ...`. */
export function tokens(count: number, prefix = 't'): string[] {
  return Array.from({ length: count }, (_, i) => `${i ? ' ' : ''}${prefix}${i}`);
}
