/**
 * A fake OpenAI-compatible server for tests, beside the fake Ollama one
 * (ollamaServer.ts): a real HTTP server on 127.0.0.1 speaking `/v1/models` and
 * `/v1/chat/completions` streamed as server-sent events (see docs/openai-wire.md), scripted
 * per test with the same `ChatScript` as the Ollama fake, and recording each exchange
 * the same way, so one test can run against either.
 *
 *   const server = await startFakeOpenAI({ models: ['qwen2.5'], apiKey: 'sk-test' });
 *   server.scriptChat({ tokens: ['Hel', 'lo'], toolCalls: [...] });
 *   ... settings { kind: 'openai', host: server.url } ...   // url ends in /v1
 *   await (await server.chatAt(0)).closed;                 // 'complete' | 'client-closed' | ...
 *
 * What it speaks:
 * - `GET /v1/models`: `{object: 'list', data: [{id, object: 'model', owned_by, ...contexts}]}`;
 *   a model's context length is reported as `max_model_len` (vLLM) when `contexts` gives one.
 * - `POST /v1/chat/completions` with `stream: true`: headers at once (as vLLM does), then
 *   after `firstTokenDelayMs` one `data: {chunk}` per token (`choices[0].delta.content`),
 *   then the tool calls in pieces (the first piece with the id and name, then the
 *   arguments' JSON in fragments of `argumentPiece` characters, `argumentDelayMs` apart), the `finish_reason`
 *   chunk ('tool_calls' or 'stop'), a usage chunk, and `data: [DONE]`.
 * - Errors as `{error: {message, type, code}}` with the status: 401 when `apiKey` is set and
 *   the request's `Authorization: Bearer` differs; 404 for a model it does not serve;
 *   a script's `fail`; `errorAfter` writes an error event mid-stream; `dropAfter` destroys
 *   the connection; `endAfter` ends cleanly without finish_reason or [DONE].
 *
 * From the command line: `node --import tsx test/fakes/openaiServer.ts --port 0 [--models a,b] [--api-key k]`
 * prints `FAKE_OPENAI_URL=http://127.0.0.1:PORT/v1`; `POST /__fake/script` and `GET /__fake/log` as the Ollama fake.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { argValue, json, sendFail, serveFromCommandLine, sleep, streamTokens, trackExchange, type ChatScript, type Exchange, type RecordedRequest } from './ollamaServer';

export interface FakeOpenAIOptions {
  port?: number;
  /** Default ['llama3.2']. */
  models?: string[];
  /** Per model, the context length `/v1/models` reports (max_model_len); none by default. */
  contexts?: Record<string, number>;
  /** When set, every request must carry `Authorization: Bearer <apiKey>`, else 401. */
  apiKey?: string;
  /** Models for which a request with `tools` is refused (400, as vLLM without --enable-auto-tool-choice). */
  noTools?: string[];
  /** Characters per fragment of a tool call's arguments (default 7). */
  argumentPiece?: number;
  defaultChat?: ChatScript;
}

export interface FakeOpenAI {
  /** `http://127.0.0.1:PORT/v1`. */
  readonly url: string;
  models: string[];
  apiKey: string | undefined;
  scriptChat(...scripts: ChatScript[]): void;
  setDefaultChat(script: ChatScript): void;
  readonly requests: (RecordedRequest & { headers: http.IncomingHttpHeaders })[];
  readonly chats: Exchange[];
  chatAt(index: number): Promise<Exchange>;
  close(): Promise<void>;
}

export async function startFakeOpenAI(options: FakeOpenAIOptions = {}): Promise<FakeOpenAI> {
  let models = [...(options.models ?? ['llama3.2'])];
  const scripts: ChatScript[] = [];
  let defaultChat: ChatScript = options.defaultChat ?? {};
  const requests: FakeOpenAI['requests'] = [];
  const chats: Exchange[] = [];
  let waiters: { index: number; resolve: (e: Exchange) => void }[] = [];
  const piece = Math.max(1, options.argumentPiece ?? 7);

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const path = (req.url ?? '/').split('?')[0]!;
      let body: any;
      try {
        body = raw ? JSON.parse(raw) : undefined;
      } catch {
        body = raw;
      }
      if (path.startsWith('/__fake/')) return control(req.method ?? 'GET', path, body, res);
      requests.push({ method: req.method ?? 'GET', path, body, headers: req.headers });
      if (api.apiKey !== undefined && req.headers.authorization !== `Bearer ${api.apiKey}`) {
        // Like some servers, it quotes the key it refused (the client must not pass it on).
        const message = req.headers.authorization ? `Incorrect API key provided: ${req.headers.authorization.replace(/^Bearer /, '')}.` : 'You didn\'t provide an API key.';
        return json(res, 401, { error: { message, type: 'invalid_request_error', code: 'invalid_api_key' } });
      }
      if (req.method === 'GET' && path === '/v1/models') {
        return json(res, 200, {
          object: 'list',
          data: models.map((id) => ({ id, object: 'model', created: 0, owned_by: 'fake', ...(options.contexts?.[id] ? { max_model_len: options.contexts[id] } : {}) })),
        });
      }
      if (req.method === 'POST' && path === '/v1/chat/completions') {
        return void chat(body, res).catch(() => res.destroy());
      }
      json(res, 404, { error: { message: `Not found: ${req.method} ${path}`, type: 'not_found_error', code: null } });
    });
  });

  function control(method: string, path: string, body: any, res: http.ServerResponse): void {
    if (method === 'POST' && path === '/__fake/script') {
      if (Array.isArray(body?.models)) models = body.models;
      if (Array.isArray(body?.chat)) scripts.push(...body.chat);
      if (body?.defaultChat) defaultChat = body.defaultChat;
      return json(res, 200, { ok: true });
    }
    if (method === 'GET' && path === '/__fake/log') {
      return json(res, 200, { requests: requests.map((r) => ({ method: r.method, path: r.path, body: r.body })), chats: chats.map((e) => ({ body: e.body, sent: e.sent, outcome: e.outcome ?? null })) });
    }
    json(res, 404, { error: `no control endpoint ${method} ${path}` });
  }

  async function chat(body: any, res: http.ServerResponse): Promise<void> {
    const script = scripts.shift() ?? defaultChat;
    const t = trackExchange(body, res);
    const exchange = t.exchange;
    chats.push(exchange);
    const ready = waiters.filter((w) => chats[w.index]);
    waiters = waiters.filter((w) => !ready.includes(w));
    for (const w of ready) w.resolve(chats[w.index]!);

    const fail = (status: number, message: string, type = 'invalid_request_error') => {
      t.end('failed');
      json(res, status, { error: { message, type, code: null } });
    };
    if (!body || typeof body !== 'object' || !body.model) return fail(400, 'model is required');
    if (script.fail) {
      t.end('failed');
      return sendFail(res, script.fail);
    }
    if (!script.anyModel && !models.includes(body.model)) return fail(404, `The model \`${body.model}\` does not exist.`, 'NotFoundError');
    if (Array.isArray(body.tools) && body.tools.length && options.noTools?.includes(body.model)) {
      return fail(400, '"auto" tool choice requires --enable-auto-tool-choice and --tool-call-parser to be set');
    }
    const messages: { role: string; content?: string | null }[] = Array.isArray(body.messages) ? body.messages : [];
    const lastUser = [...messages].reverse().find((m) => m.role === 'user')?.content ?? '';
    const tokens = script.tokens ?? `You said: ${lastUser}`.split(/(?=\s)/);
    if (script.hang) return;

    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache', Connection: 'keep-alive' });
    const head = { id: 'chatcmpl-fake', object: 'chat.completion.chunk', created: 0, model: body.model };
    const event = (choice: object | null, extra: object = {}) => `data: ${JSON.stringify({ ...head, choices: choice ? [{ index: 0, logprobs: null, ...choice }] : [], ...extra })}\n\n`;
    res.write(event({ delta: { role: 'assistant', content: '' }, finish_reason: null }));
    if (!(await sleep(script.firstTokenDelayMs ?? 0, t.signal))) return;
    const all = await streamTokens(res, t, script, tokens, {
      token: (content) => event({ delta: { content }, finish_reason: null }),
      error: (message) => `data: ${JSON.stringify({ error: { message, type: 'server_error', code: 500 } })}\n\n`,
    });
    if (!all) return;
    const calls = script.toolCalls ?? [];
    for (const [index, call] of calls.entries()) {
      const args = typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments ?? {});
      res.write(event({ delta: { tool_calls: [{ index, id: `call_fake_${index}`, type: 'function', function: { name: call.name, arguments: '' } }] }, finish_reason: null }));
      for (let at = 0; at < args.length; at += piece) {
        if (script.argumentDelayMs && !(await sleep(script.argumentDelayMs, t.signal))) return;
        res.write(event({ delta: { tool_calls: [{ index, function: { arguments: args.slice(at, at + piece) } }] }, finish_reason: null }));
      }
    }
    res.write(event({ delta: {}, finish_reason: calls.length ? 'tool_calls' : (script.doneReason ?? 'stop') }));
    const promptTokens = script.promptEvalCount ?? Math.ceil(JSON.stringify(messages).length / 4);
    res.write(event(null, { usage: { prompt_tokens: promptTokens, completion_tokens: script.evalCount ?? tokens.length, total_tokens: promptTokens + tokens.length } }));
    res.end('data: [DONE]\n\n');
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const api: FakeOpenAI = {
    url: `http://127.0.0.1:${port}/v1`,
    get models() {
      return models;
    },
    set models(list: string[]) {
      models = [...list];
    },
    apiKey: options.apiKey,
    scriptChat: (...more) => void scripts.push(...more),
    setDefaultChat: (script) => void (defaultChat = script),
    requests,
    chats,
    chatAt: (index) => (chats[index] ? Promise.resolve(chats[index]!) : new Promise((resolve) => waiters.push({ index, resolve }))),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  return api;
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const models = argValue(args, '--models')?.split(',').filter(Boolean);
  serveFromCommandLine('fake openai', 'FAKE_OPENAI_URL', startFakeOpenAI({ port: Number(argValue(args, '--port') ?? 0), models, apiKey: argValue(args, '--api-key') }));
}
