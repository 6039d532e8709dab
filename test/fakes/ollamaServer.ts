/**
 * A fake Ollama server for tests: a real HTTP server on 127.0.0.1 speaking Ollama's wire
 * format (see docs/ollama-wire.md), scriptable per test.
 *
 *   const ollama = await startFakeOllama({ models: ['llama3.2:latest'] });
 *   ollama.scriptChat({ tokens: ['Hel', 'lo'], tokenDelayMs: 5 });  // the next chat request
 *   ... new Ollama({ host: ollama.url }) ...
 *   const exchange = await ollama.chatAt(0);   // what the server received and how it ended
 *   await exchange.closed;                     // 'complete' | 'client-closed' | 'dropped' | ...
 *   await ollama.close();
 *
 * What it speaks:
 * - `GET /` (`Ollama is running`), `GET /api/version`, `GET /api/tags`, `GET /api/ps`,
 *   `POST /api/show` (with `capabilities`: `tools` unless the model is in `noTools`);
 * - native tool calls (`toolCalls` in a script), and Ollama's 400 "does not support tools"
 *   for a request with `tools` to a model without them;
 * - `POST /api/chat`: NDJSON chunks `{model, created_at, message:{role,content}, done:false}`
 *   then a `done:true` line with the counters; `stream:false` answers one JSON object.
 *   Like Ollama (llama.cpp), it keeps a prefix cache per model: it remembers the last
 *   prompt's tokens and the reply's, and `prompt_eval_count` counts only the tokens
 *   after the part the new prompt shares with them (at least 1). Tokens are counted the
 *   way src/chat/context.ts estimates them (a few per message, 4 characters each);
 *   An unknown model is a 404 `{"error":"model \"x\" not found, try pulling it first"}`,
 *   as Ollama does. Like Ollama, the response headers go out with the first chunk, so a
 *   slow first token is also a slow response;
 * - `POST /api/pull`: NDJSON progress (`pulling manifest`, `pulling <digest>` with
 *   total/completed, `verifying sha256 digest`, `writing manifest`, `success`); on
 *   success the model is added to the list.
 *
 * Per request, a chat script says what to do: the tokens, the delay per token, a delayed
 * (or never sent) first token, an error status and body before the stream, an error line
 * in the middle of it, a dropped connection, a clean end without the done line. Each chat
 * request is recorded (its body, the tokens sent) with how it ended: `client-closed`
 * means the client closed the connection before the end, which is what a real stop
 * must do.
 *
 * Other processes (browser, VS Code and bench suites) start it from the command line and
 * script it over HTTP:
 *
 *   node --import tsx test/fakes/ollamaServer.ts --port 0 [--models a,b] [--token-delay 20]
 *     prints `FAKE_OLLAMA_URL=http://127.0.0.1:PORT` on stdout once listening
 *   POST /__fake/script  {"models"?: [...], "chat"?: [ChatScript...], "defaultChat"?: ChatScript, "pull"?: PullScript}
 *   (`--no-tools a,b`: models without the `tools` capability)
 *   GET  /__fake/log     {"requests": [...], "chats": [{body, sent, outcome, promptEvalCount}], "pulls": [...]}
 *   POST /__fake/reset
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { CHARS_PER_TOKEN, TOKENS_PER_MESSAGE } from '../../src/chat/context';

export interface ChatScript {
  /** Content pieces, one chunk each. Default: the words of `You said: <last user message>`. */
  tokens?: string[];
  /** Delay before each token after the first, in ms (default 0). */
  tokenDelayMs?: number;
  /** Delay before the first chunk (and the headers, sent with it), in ms (default 0). */
  firstTokenDelayMs?: number;
  /** Never answer: the request is held open until the client gives up. */
  hang?: boolean;
  /** Answer with this status and body instead of a stream (an error before the stream). */
  fail?: { status: number; body: unknown; contentType?: string };
  /** After `tokens` tokens, write one `{"error": message}` line and end (status stays 200). */
  errorAfter?: { tokens: number; message: string };
  /** After this many tokens, destroy the connection (no done line, no clean end). */
  dropAfter?: number;
  /** After this many tokens, end the response cleanly without the done line. */
  endAfter?: number;
  /** The final chunk's prompt_eval_count; default: the prompt's tokens after the cached prefix. */
  promptEvalCount?: number;
  /** The final chunk's eval_count; default: the number of tokens. */
  evalCount?: number;
  /** Default 'stop'. */
  doneReason?: string;
  /** Answer even when the model is not in the list. */
  anyModel?: boolean;
  /**
   * Native tool calls, sent after the tokens in one `done:false` chunk as Ollama sends them
   * (`message.tool_calls[].function` with `index`, `name` and `arguments`, an object or
   * whatever is given here; no call id).
   */
  toolCalls?: { name: string; arguments?: unknown }[];
  /** The OpenAI-compatible fake streams a call's arguments in pieces: the wait before each piece, in ms (default 0). */
  argumentDelayMs?: number;
}

export interface PullScript {
  /** Answer with this status and body before any output. */
  fail?: { status: number; body: unknown };
  /** Layers to download (default: one of 1000 bytes). */
  layers?: { digest: string; total: number }[];
  /** Progress lines per layer (default 4). */
  steps?: number;
  /** Delay between lines, in ms (default 0). */
  delayMs?: number;
  /** After this many lines, write one `{"error": message}` line and end. */
  errorAfter?: { lines: number; message: string };
}

export type ExchangeOutcome =
  /** The last line was written and the response ended. */
  | 'complete'
  /** The client closed the connection before the response ended. */
  | 'client-closed'
  /** The script dropped the connection. */
  | 'dropped'
  /** The script ended the response early, cleanly (endAfter) or with an error line. */
  | 'ended-early'
  | 'error-line'
  /** Answered with an error status before any stream. */
  | 'failed';

export interface RecordedRequest {
  method: string;
  path: string;
  body: unknown;
  headers?: http.IncomingHttpHeaders;
}

export interface Exchange<B = any> {
  /** The parsed request body. */
  body: B;
  /** Content pieces (chat) or status lines (pull) written so far. */
  sent: string[];
  /** Undefined while the response is going on. */
  outcome?: ExchangeOutcome;
  /** Resolves with the outcome once the response is over, however it ended. */
  closed: Promise<ExchangeOutcome>;
  /** Chat: the prompt_eval_count the server reported (or would have, had it not failed first). */
  promptEvalCount?: number;
  /** performance.now() when the request had arrived whole, and when its response was over (for the benches). */
  arrivedAt: number;
  closedAt?: number;
}

export interface FakeOllamaOptions {
  /** Default 0: any free port. */
  port?: number;
  /** Models the server has (default ['llama3.2:latest']). A name without a tag means `:latest`. */
  models?: string[];
  version?: string;
  /** The script of every chat request that has no script of its own. */
  defaultChat?: ChatScript;
  /** The script of every pull. */
  pull?: PullScript;
  /** Models without the `tools` capability (`/api/show`): a chat request with `tools` for one is a 400, as Ollama answers. */
  noTools?: string[];
  log?: (line: string) => void;
}

export interface FakeOllama {
  /** `http://127.0.0.1:PORT`. */
  readonly url: string;
  readonly port: number;
  /** The models the server has; change it freely. */
  models: string[];
  /** Scripts for the next chat requests, one each, in order; after them, the default. */
  scriptChat(...scripts: ChatScript[]): void;
  setDefaultChat(script: ChatScript): void;
  scriptPull(script: PullScript): void;
  /** Every request received, in order (control requests excluded). */
  readonly requests: RecordedRequest[];
  readonly chats: Exchange[];
  readonly pulls: Exchange[];
  /** Resolves with the index-th chat exchange (0-based) once that request has arrived. */
  chatAt(index: number): Promise<Exchange>;
  pullAt(index: number): Promise<Exchange>;
  /** Forgets scripts, requests and exchanges; restores the models given at start. */
  reset(): void;
  /** Ends every connection and stops listening. */
  close(): Promise<void>;
}

/** Ollama's models carry a tag; a bare name means `:latest`. */
export function withTag(name: string): string {
  return name.includes(':') ? name : `${name}:latest`;
}

const NOW = '2025-01-01T00:00:00Z';

/**
 * Records one streamed exchange and how its response ends (shared by the fake servers);
 * `signal` aborts the script's waits when the connection goes.
 */
export function trackExchange(body: unknown, res: http.ServerResponse) {
  let settle!: (o: ExchangeOutcome) => void;
  const exchange: Exchange = { body, sent: [], closed: new Promise((r) => (settle = r)), arrivedAt: performance.now() };
  const stop = new AbortController();
  let planned: ExchangeOutcome | undefined;
  res.on('close', () => {
    exchange.closedAt = performance.now();
    stop.abort();
    exchange.outcome = planned ?? (res.writableFinished ? 'complete' : 'client-closed');
    settle(exchange.outcome);
  });
  return {
    exchange,
    signal: stop.signal,
    /** The script ends the response this way. */
    end(outcome: ExchangeOutcome) {
      planned = outcome;
    },
  };
}

/**
 * Streams a script's tokens, a `format.token` line each (shared by the fake servers), or
 * ends the response where the script says: dropAfter, endAfter, errorAfter (a
 * `format.error` line). True once every token is out and the response still open (the
 * caller writes its end); false when it ended here or the client went.
 */
export async function streamTokens(
  res: http.ServerResponse,
  t: ReturnType<typeof trackExchange>,
  script: ChatScript,
  tokens: readonly string[],
  format: { token(text: string): string; error(message: string): string },
): Promise<boolean> {
  // Resolves once the last chunk was handed to the socket, so a drop comes after it.
  let flushed: Promise<unknown> = Promise.resolve();
  for (let i = 0; ; i++) {
    if (script.dropAfter === i) {
      t.end('dropped');
      await flushed;
      res.destroy();
      return false;
    }
    if (script.endAfter === i) {
      t.end('ended-early');
      res.end();
      return false;
    }
    if (script.errorAfter?.tokens === i) {
      t.end('error-line');
      res.end(format.error(script.errorAfter.message));
      return false;
    }
    if (i === tokens.length) return true;
    if (i > 0 && !(await sleep(script.tokenDelayMs ?? 0, t.signal))) return false;
    if (t.signal.aborted) return false;
    const line = format.token(tokens[i]!);
    flushed = new Promise((resolve) => res.write(line, resolve));
    t.exchange.sent.push(tokens[i]!);
  }
}

export async function startFakeOllama(options: FakeOllamaOptions = {}): Promise<FakeOllama> {
  const initialModels = (options.models ?? ['llama3.2:latest']).map(withTag);
  const noTools = (options.noTools ?? []).map(withTag);
  const log = options.log ?? (() => {});
  let models = [...initialModels];
  let defaultChat: ChatScript = options.defaultChat ?? {};
  let pullScript: PullScript = options.pull ?? {};
  let chatScripts: ChatScript[] = [];
  const requests: RecordedRequest[] = [];
  const chats: Exchange[] = [];
  const pulls: Exchange[] = [];
  let arrivals: { list: Exchange[]; index: number; resolve: (e: Exchange) => void }[] = [];
  /** Per model, the tokens of its last prompt and reply: the prefix cache. */
  const cache = new Map<string, string[]>();

  const waitFor = (list: Exchange[], index: number) =>
    list[index] ? Promise.resolve(list[index]!) : new Promise<Exchange>((resolve) => arrivals.push({ list, index, resolve }));
  const arrived = (list: Exchange[]) => {
    const ready = arrivals.filter((a) => a.list === list && list[a.index]);
    arrivals = arrivals.filter((a) => !ready.includes(a));
    for (const a of ready) a.resolve(list[a.index]!);
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const path = (req.url ?? '/').split('?')[0]!;
      let body: unknown = undefined;
      if (raw) {
        try {
          body = JSON.parse(raw);
        } catch {
          body = raw;
        }
      }
      if (path.startsWith('/__fake/')) return control(req.method ?? 'GET', path, body, res);
      requests.push({ method: req.method ?? 'GET', path, body, headers: req.headers });
      log(`${req.method} ${path}`);
      route(req.method ?? 'GET', path, body, res).catch((err) => {
        log(`fake ollama: ${String(err)}`);
        if (!res.headersSent) json(res, 500, { error: String(err) });
        else res.destroy();
      });
    });
  });

  function control(method: string, path: string, body: any, res: http.ServerResponse): void {
    if (method === 'POST' && path === '/__fake/script') {
      if (Array.isArray(body?.models)) models = body.models.map(withTag);
      if (Array.isArray(body?.chat)) chatScripts.push(...body.chat);
      if (body?.defaultChat) defaultChat = body.defaultChat;
      if (body?.pull) pullScript = body.pull;
      return json(res, 200, { ok: true });
    }
    if (method === 'POST' && path === '/__fake/reset') {
      api.reset();
      return json(res, 200, { ok: true });
    }
    if (method === 'GET' && path === '/__fake/log') {
      const strip = (e: Exchange) => ({ body: e.body, sent: e.sent, outcome: e.outcome ?? null, promptEvalCount: e.promptEvalCount ?? null });
      return json(res, 200, { requests, chats: chats.map(strip), pulls: pulls.map(strip) });
    }
    json(res, 404, { error: `no control endpoint ${method} ${path}` });
  }

  async function route(method: string, path: string, body: any, res: http.ServerResponse): Promise<void> {
    if (method === 'GET' && (path === '/' || path === '')) {
      res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('Ollama is running');
      return;
    }
    if (method === 'HEAD' && path === '/') {
      res.writeHead(200).end();
      return;
    }
    if (method === 'GET' && path === '/api/version') return json(res, 200, { version: options.version ?? '0.5.1' });
    if (method === 'GET' && path === '/api/tags') return json(res, 200, { models: models.map(modelEntry) });
    if (method === 'GET' && path === '/api/ps') return json(res, 200, { models: [] });
    if (method === 'POST' && path === '/api/show') {
      const name = withTag(String(body?.model ?? body?.name ?? ''));
      if (!models.includes(name)) return json(res, 404, { error: `model '${body?.model ?? body?.name}' not found` });
      const capabilities = noTools.includes(name) ? ['completion'] : ['completion', 'tools'];
      return json(res, 200, { modelfile: '', parameters: '', template: '{{ .Prompt }}', details: modelEntry(name).details, model_info: {}, capabilities });
    }
    if (method === 'POST' && path === '/api/chat') return chat(body, res);
    if (method === 'POST' && path === '/api/pull') return pull(body, res);
    res.writeHead(404, { 'Content-Type': 'text/plain' });
    res.end('404 page not found');
  }

  function track(list: Exchange[], body: unknown, res: http.ServerResponse) {
    const t = trackExchange(body, res);
    list.push(t.exchange);
    arrived(list);
    return t;
  }

  async function chat(body: any, res: http.ServerResponse): Promise<void> {
    const script = chatScripts.shift() ?? defaultChat;
    const t = track(chats, body, res);
    if (!body || typeof body !== 'object') {
      t.end('failed');
      return json(res, 400, { error: 'invalid request body' });
    }
    if (!body.model) {
      t.end('failed');
      return json(res, 400, { error: 'model is required' });
    }
    if (!script.anyModel && !script.fail && !models.includes(withTag(body.model))) {
      t.end('failed');
      return json(res, 404, { error: `model "${body.model}" not found, try pulling it first` });
    }
    if (script.fail) {
      t.end('failed');
      return sendFail(res, script.fail);
    }
    if (Array.isArray(body.tools) && body.tools.length > 0 && noTools.includes(withTag(body.model))) {
      t.end('failed');
      return json(res, 400, { error: `registry.ollama.ai/library/${body.model} does not support tools` });
    }
    const messages: { role: string; content: string }[] = Array.isArray(body.messages) ? body.messages : [];
    const lastUser = [...messages].reverse().find((m) => m.role === 'user')?.content ?? '';
    const tokens = script.tokens ?? `You said: ${lastUser}`.split(/(?=\s)/);
    const prompt = promptTokens(messages);
    const evaluated = Math.max(1, prompt.length - sharedPrefix(cache.get(withTag(body.model)) ?? [], prompt));
    t.exchange.promptEvalCount = script.promptEvalCount ?? evaluated;
    // What llama.cpp keeps: the prompt and the reply as generated (cut short if it is).
    res.on('close', () => cache.set(withTag(body.model), [...prompt, ...promptTokens([{ role: 'assistant', content: t.exchange.sent.join('') }])]));
    const final = {
      model: body.model,
      created_at: NOW,
      message: { role: 'assistant', content: '' },
      done: true,
      done_reason: script.doneReason ?? 'stop',
      total_duration: 1_000_000,
      load_duration: 1_000,
      prompt_eval_count: t.exchange.promptEvalCount,
      prompt_eval_duration: 1_000,
      eval_count: script.evalCount ?? tokens.length,
      eval_duration: 1_000,
    };

    if (script.hang) return; // held open until the client closes it
    if (!(await sleep(script.firstTokenDelayMs ?? 0, t.signal))) return;

    if (body.stream === false) {
      t.exchange.sent.push(...tokens);
      t.end('complete');
      return json(res, 200, { ...final, message: { role: 'assistant', content: tokens.join('') } });
    }

    res.writeHead(200, { 'Content-Type': 'application/x-ndjson' });
    const chunk = (message: object) => `${JSON.stringify({ model: body.model, created_at: NOW, message: { role: 'assistant', ...message }, done: false })}\n`;
    const all = await streamTokens(res, t, script, tokens, {
      token: (content) => chunk({ content }),
      error: (message) => `${JSON.stringify({ error: message })}\n`,
    });
    if (!all) return;
    if (script.toolCalls?.length) {
      const tool_calls = script.toolCalls.map((c, index) => ({ function: { index, name: c.name, arguments: c.arguments ?? {} } }));
      res.write(chunk({ content: '', tool_calls }));
    }
    res.end(`${JSON.stringify(final)}\n`);
  }

  async function pull(body: any, res: http.ServerResponse): Promise<void> {
    const script = pullScript;
    const t = track(pulls, body, res);
    const name = String(body?.model ?? body?.name ?? '');
    if (!name) {
      t.end('failed');
      return json(res, 400, { error: 'model is required' });
    }
    if (script.fail) {
      t.end('failed');
      return sendFail(res, script.fail);
    }
    const layers = script.layers ?? [{ digest: 'sha256:0123456789abcdef', total: 1000 }];
    const steps = Math.max(1, script.steps ?? 4);
    const lines: object[] = [{ status: 'pulling manifest' }];
    for (const layer of layers) {
      for (let s = 0; s <= steps; s++) {
        lines.push({ status: `pulling ${layer.digest.slice(7, 19)}`, digest: layer.digest, total: layer.total, completed: Math.round((layer.total * s) / steps) });
      }
    }
    lines.push({ status: 'verifying sha256 digest' }, { status: 'writing manifest' }, { status: 'removing any unused layers' }, { status: 'success' });

    if (body?.stream === false) {
      models = [...new Set([...models, withTag(name)])];
      t.end('complete');
      return json(res, 200, { status: 'success' });
    }
    res.writeHead(200, { 'Content-Type': 'application/x-ndjson' });
    for (let i = 0; i < lines.length; i++) {
      if (script.errorAfter?.lines === i) {
        t.end('error-line');
        res.end(`${JSON.stringify({ error: script.errorAfter.message })}\n`);
        return;
      }
      if (i > 0 && !(await sleep(script.delayMs ?? 0, t.signal))) return;
      if (t.signal.aborted) return;
      const line = lines[i] as { status: string };
      if (line.status === 'success') models = [...new Set([...models, withTag(name)])];
      res.write(`${JSON.stringify(line)}\n`);
      t.exchange.sent.push(line.status);
    }
    res.end();
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  const api: FakeOllama = {
    url: `http://127.0.0.1:${port}`,
    port,
    get models() {
      return models;
    },
    set models(list: string[]) {
      models = list.map(withTag);
    },
    scriptChat: (...scripts) => void chatScripts.push(...scripts),
    setDefaultChat: (script) => void (defaultChat = script),
    scriptPull: (script) => void (pullScript = script),
    requests,
    chats,
    pulls,
    chatAt: (index) => waitFor(chats, index),
    pullAt: (index) => waitFor(pulls, index),
    reset() {
      models = [...initialModels];
      defaultChat = options.defaultChat ?? {};
      pullScript = options.pull ?? {};
      chatScripts = [];
      requests.length = 0;
      chats.length = 0;
      pulls.length = 0;
      cache.clear();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  return api;
}

function modelEntry(name: string) {
  return {
    name,
    model: name,
    modified_at: NOW,
    size: 2019393189,
    digest: 'a80c4f17acd55265feec403c7aef86be0c25983ab279d83f3bcd3abbcb5b8b72',
    details: { parent_model: '', format: 'gguf', family: 'llama', families: ['llama'], parameter_size: '3.2B', quantization_level: 'Q4_K_M' },
  };
}

/** A prompt as the fake's tokens: per message, TOKENS_PER_MESSAGE role markers, then its text CHARS_PER_TOKEN characters a token. */
function promptTokens(messages: readonly { role: string; content?: unknown }[]): string[] {
  const out: string[] = [];
  for (const m of messages) {
    for (let i = 0; i < TOKENS_PER_MESSAGE; i++) out.push(`<${m.role}:${i}>`);
    const text = String(m.content ?? '');
    for (let i = 0; i < text.length; i += CHARS_PER_TOKEN) out.push(text.slice(i, i + CHARS_PER_TOKEN));
  }
  return out;
}

function sharedPrefix(a: readonly string[], b: readonly string[]): number {
  let n = 0;
  while (n < a.length && n < b.length && a[n] === b[n]) n++;
  return n;
}

export function json(res: http.ServerResponse, status: number, value: unknown): void {
  const text = JSON.stringify(value);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

export function sendFail(res: http.ServerResponse, fail: { status: number; body: unknown; contentType?: string }): void {
  if (typeof fail.body === 'string' && !fail.contentType?.includes('json')) {
    res.writeHead(fail.status, { 'Content-Type': fail.contentType ?? 'text/plain; charset=utf-8' });
    res.end(fail.body);
  } else {
    json(res, fail.status, fail.body);
  }
}

/** Waits `ms` (Infinity: forever); false when the connection went away meanwhile. */
export function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  if (ms <= 0) return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = (ok: boolean) => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      resolve(ok);
    };
    const onAbort = () => done(false);
    const timer = Number.isFinite(ms) ? setTimeout(() => done(true), ms) : undefined;
    signal.addEventListener('abort', onAbort);
  });
}

// ---- command line ------------------------------------------------------------------

/** A command line's value after `name` (`--port 0`). */
export function argValue(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

/** A fake server run from the command line: prints `<variable>=<url>` once it listens, stops on SIGINT or SIGTERM. */
export function serveFromCommandLine(name: string, variable: string, started: Promise<{ url: string; close(): Promise<void> }>): void {
  started.then(
    (fake) => {
      console.log(`${variable}=${fake.url}`);
      const stop = () => void fake.close().then(() => process.exit(0));
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    },
    (err) => {
      console.error(`${name}: ${(err as Error).message}`);
      process.exit(1);
    },
  );
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const tokenDelay = argValue(args, '--token-delay');
  serveFromCommandLine(
    'fake ollama',
    'FAKE_OLLAMA_URL',
    startFakeOllama({
      port: Number(argValue(args, '--port') ?? 0),
      models: argValue(args, '--models')?.split(',').filter(Boolean),
      noTools: argValue(args, '--no-tools')?.split(',').filter(Boolean),
      defaultChat: tokenDelay ? { tokenDelayMs: Number(tokenDelay) } : {},
      log: args.includes('--verbose') ? (line) => console.error(line) : undefined,
    }),
  );
}
