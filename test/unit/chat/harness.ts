/** A chat service over a real store (temp folder) and the real fake Ollama server, for one test. */
import * as net from 'node:net';
import type { TestContext } from 'node:test';
import { ChatService, type ChatServiceDeps, type ChatSettings } from '../../../src/chat/chatService';
import type { ChatMessageDto, Notification } from '../../../src/protocol';
import { appStore, type AppStore } from '../../../src/store/appSchema';
import type { Database } from '../../../src/store/database';
import { startFakeOllama, type FakeOllama, type FakeOllamaOptions } from '../../fakes/ollamaServer';
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

export interface Harness {
  fake: FakeOllama;
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

export async function setup(
  t: TestContext,
  options: { settings?: Partial<ChatSettings>; fake?: FakeOllamaOptions; deps?: Partial<ChatServiceDeps>; dir?: string } = {},
): Promise<Harness> {
  const fake = await startFakeOllama(options.fake);
  defer(t, () => void fake.close());
  const dir = options.dir ?? scratchDir(t, 'pipulate-chat-');
  const { db } = await openForTest(t, dir);
  const store = appStore(db);
  const profile = store.profiles.rows({ orderBy: 'id', limit: 1 })[0] ?? store.profiles.insert({ name: 'Work' });
  const settings: ChatSettings = { host: fake.url, model: 'llama3.2', systemPrompt: 'Be brief.', numCtx: 4096, timeoutMs: 5000, ...options.settings };
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
  return { fake, dir, db, store, chat, events, logs, profile: { id: profile.id, name: profile.name }, settings };
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
