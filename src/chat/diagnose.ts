/**
 * Turns what went wrong talking to Ollama into a ChatProblem: what happened, in plain
 * words, naming the host that was tried, and what the user can do about it (the actions
 * are buttons the chat shows).
 *
 * The errors come from the `ollama` client over Node's fetch (see
 * docs/ollama-wire.md): `TypeError('fetch failed')` with a `cause` (the
 * socket error: ECONNREFUSED, ENOTFOUND, UND_ERR_SOCKET...), `ResponseError` (a non-2xx
 * answer; not exported, recognised by name and `status_code`), a plain `Error` for an
 * error line in the middle of a stream, `AbortError` / `TimeoutError`; and from the chat
 * service itself (`ChatTimeoutError`, `InvalidHostError`).
 *
 * `detail` may hold several lines ("\n"): render it with `white-space: pre-line`.
 */
import * as fs from 'node:fs';
import type { ChatAction, ChatProblem } from '../protocol';
import { DEFAULT_OLLAMA_HOST, InvalidHostError, displayHost } from './ollamaClient';
import type { ServerKind } from './settings';

export type ProblemCode =
  | 'unreachable'
  | 'hostNotFound'
  | 'badHost'
  | 'timeout'
  | 'firstTokenTimeout'
  | 'stalled'
  | 'dropped'
  | 'midStream'
  | 'modelMissing'
  | 'noModel'
  | 'outOfMemory'
  | 'notOllama'
  | 'keyMissing'
  | 'keyRefused'
  | 'serverError'
  | 'pullFailed'
  | 'contextTooLong'
  | 'contextTrimmed'
  | 'contextFull'
  | 'unknown';

export interface Diagnosis {
  code: ProblemCode;
  problem: ChatProblem;
}

/** Where the extension host runs, for the hints of "not reachable". */
export interface HostEnvironment {
  /** `vscode.env.remoteName`: 'wsl', 'ssh-remote', 'dev-container', 'attached-container', 'codespaces', 'tunnel'... */
  remoteName?: string;
  /** The extension host runs inside WSL. */
  wsl?: boolean;
  /** The extension host runs in a container (dev container, Codespaces, docker). */
  container?: boolean;
}

/** Reads what the process can tell about where it runs (the caller adds `remoteName`). */
export function detectEnvironment(env: Record<string, string | undefined> = process.env, remoteName?: string): HostEnvironment {
  const wsl = !!(env.WSL_DISTRO_NAME || env.WSL_INTEROP) || remoteName === 'wsl';
  let container = !!(env.REMOTE_CONTAINERS || env.CODESPACES || env.DEVCONTAINER) || /container|codespaces/.test(remoteName ?? '');
  if (!container && process.platform === 'linux') {
    try {
      container = fs.existsSync('/.dockerenv') || fs.existsSync('/run/.containerenv');
    } catch {
      // not knowable: no container hint
    }
  }
  return { remoteName, wsl, container };
}

export interface DiagnoseContext {
  /** The host that was tried. */
  host: string;
  model: string;
  /** What was going on: checking the server, a chat before its first token, during it, or a pull. */
  phase: 'connect' | 'chat' | 'stream' | 'pull';
  timeoutMs?: number;
  numCtx?: number;
  environment?: HostEnvironment;
  /** The kind of server (default 'ollama'): what it is called, and whether pulls can be offered. */
  kind?: ServerKind;
  /** Whether an API key is kept for this server (a 401 then means refused, not missing). */
  hasKey?: boolean;
}

/** The chat service gave up waiting for Ollama. */
export class ChatTimeoutError extends Error {
  constructor(
    readonly ms: number,
    /** 'first': no first token; 'stalled': tokens stopped coming. */
    readonly stage: 'first' | 'stalled',
  ) {
    super(stage === 'first' ? `No first token within ${ms} ms` : `No token for ${ms} ms`);
    this.name = 'ChatTimeoutError';
  }
}

const START_SERVER = 'Start the model server (vLLM, LM Studio, llama-server...), or check its URL in the setting pipulate.server.url.';
const START_OLLAMA = 'Start Ollama: run "ollama serve" in a terminal, or start the Ollama app (install it from https://ollama.com).';

export function diagnose(err: unknown, ctx: DiagnoseContext): Diagnosis {
  const host = displayHost(ctx.host);
  const e = err as { name?: string; message?: string; status_code?: number; cause?: unknown; code?: string };
  const message = String(e?.message ?? err);

  if (err instanceof InvalidHostError) {
    return d('badHost', 'The Ollama host setting is not valid', [`${err.message}.`], ['openSettings']);
  }
  if (err instanceof ChatTimeoutError) return timeoutProblem(err, ctx);
  if (e?.name === 'ServerResponseError') return openaiResponseProblem(message, e.status_code ?? (err as { status?: number }).status ?? 0, ctx);
  if (ctx.kind === 'openai' && socketCode(err) === 'ECONNREFUSED') return unreachable(ctx);

  if (e?.name === 'ResponseError') {
    // A 401 or 403 from Ollama comes from a proxy in front of it: the key's problem, as for any server.
    const status = e.status_code ?? 0;
    return status === 401 || status === 403 ? openaiResponseProblem(message, status, ctx) : responseProblem(message, status, ctx);
  }

  const code = socketCode(err);
  if (code === 'ECONNREFUSED') return unreachable(ctx);
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    const name = hostname(ctx.host);
    const lines = [
      `The name "${name}" could not be resolved (${code}), so Ollama at ${host} could not be reached.`,
      'Check the Ollama host in the settings.',
    ];
    if (name === 'host.docker.internal') {
      lines.push('host.docker.internal exists only inside Docker containers (and Docker Desktop); outside one, use http://127.0.0.1:11434.');
    }
    return d('hostNotFound', `Cannot find the Ollama host "${name}"`, lines, ['openSettings', 'retry']);
  }
  if (code === 'ETIMEDOUT' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH' || code === 'UND_ERR_CONNECT_TIMEOUT') {
    return d(
      'timeout',
      `Ollama at ${host} does not answer`,
      [
        `The connection to ${host} could not be made (${code}): the address is wrong, the machine is off, or a firewall blocks port ${port(ctx.host)}.`,
        'If Ollama runs on another machine, start it there with OLLAMA_HOST=0.0.0.0 so it accepts connections from the network.',
      ],
      ['retry', 'openSettings'],
    );
  }
  if (/bad port/i.test(causeMessage(err))) {
    return d(
      'badHost',
      `Port ${port(ctx.host)} cannot be used`,
      [`Node's fetch refuses to call port ${port(ctx.host)} (a port reserved for other protocols). Ollama listens on 11434 unless told otherwise: fix the Ollama host in the settings.`],
      ['openSettings'],
    );
  }
  if (e?.name === 'TimeoutError' || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
    const secs = ctx.timeoutMs ? ` within ${seconds(ctx.timeoutMs)}` : '';
    return d(
      'timeout',
      `${Who(ctx)} at ${host} did not answer${secs}`,
      [
        'The server accepted the connection but sent nothing back in time. It may be busy loading a model or overloaded.',
        'Try again, or raise the request timeout in the settings.',
      ],
      ['retry', 'openSettings'],
    );
  }
  if (
    code === 'ECONNRESET' ||
    code === 'EPIPE' ||
    code === 'UND_ERR_SOCKET' ||
    code === 'UND_ERR_CLOSED' ||
    /^(terminated|other side closed)$/i.test(message) ||
    /did not receive done or success response/i.test(message)
  ) {
    const during = ctx.phase === 'stream';
    return d(
      'dropped',
      during ? `The connection to ${who(ctx)} was lost in the middle of the reply` : `${Who(ctx)} at ${host} closed the connection`,
      [
        `${Who(ctx)} at ${host} closed the connection before ${ctx.phase === 'pull' ? 'the pull finished' : 'the reply was complete'} (it may have crashed, run out of memory, or been restarted).${during ? ' What arrived is kept.' : ''}`,
        `Check that ${who(ctx)} is still running (its log says why it stopped), then try again.`,
      ],
      ['retry', 'showLog'],
    );
  }
  if (e?.name === 'AbortError') {
    return d('unknown', `The request to ${who(ctx)} was cancelled`, ['The request was aborted before it finished.'], ['retry']);
  }
  if (isOutOfMemory(message)) return outOfMemory(message, ctx);

  // An {"error": ...} line in the middle of a stream comes out as a plain Error.
  if (e instanceof Error && e.name === 'Error' && (ctx.phase === 'stream' || ctx.phase === 'chat' || ctx.phase === 'pull')) {
    if (ctx.phase === 'pull') return pullFailed(message, ctx);
    return d(
      'midStream',
      `${Who(ctx)} stopped the reply with an error`,
      [`${Who(ctx)} reported: "${message}".`, `${ctx.phase === 'stream' ? 'What arrived before the error is kept. ' : ''}Try again; if it keeps happening, the ${ctx.kind === 'openai' ? 'server' : 'Ollama'} log says more.`],
      ['retry', 'showLog'],
    );
  }
  return d('unknown', `Something went wrong talking to ${who(ctx)}`, [`${message} (host ${host}).`], ['retry', 'showLog']);
}

/** Ollama does not run at the host (connection refused): how to start it, and why the host may be the wrong one. */
export function unreachable(ctx: DiagnoseContext): Diagnosis {
  const host = displayHost(ctx.host);
  const env = ctx.environment ?? {};
  const openai = ctx.kind === 'openai';
  const lines = [`Nothing answers at ${host} (connection refused).`, openai ? START_SERVER : START_OLLAMA];
  const side = sideOf(env);
  if (side) lines.push(side);
  const name = hostname(ctx.host);
  if (name === 'localhost') {
    lines.push('"localhost" may resolve to ::1 (IPv6) while Ollama listens on 127.0.0.1 only: set the host to http://127.0.0.1:' + port(ctx.host) + '.');
  }
  // The steps name this server's port, and for Ollama how to make it listen beyond 127.0.0.1.
  const p = port(ctx.host);
  const server = openai ? 'the server' : 'Ollama';
  const listen = openai ? 'make it listen on 0.0.0.0 (its --host option)' : 'start it with OLLAMA_HOST=0.0.0.0';
  const wsl = `WSL: this extension runs inside WSL, where 127.0.0.1 is the Linux side. Run ${server} inside WSL, or run it on Windows, ${listen}, and set the URL to the Windows address (with mirrored networking, 127.0.0.1 works).`;
  const remote = `Remote window (SSH, tunnel): this extension runs on the remote machine, so 127.0.0.1 is that machine. Run ${server} there, or forward the one on your computer with "ssh -R ${p}:127.0.0.1:${p} <remote>".`;
  const codespaces = `Codespaces: this extension runs in the codespace, in the cloud, which cannot reach your computer. Use a server the codespace can reach (its URL in the settings), or run ${server} in the codespace.`;
  const container = `Dev container: 127.0.0.1 is the container. Set the URL to http://host.docker.internal:${p} and, on your machine, ${listen} so it accepts connections from the container.`;
  if (env.remoteName === 'codespaces') lines.push(codespaces);
  else if (env.container) lines.push(container);
  else if (env.wsl) lines.push(wsl);
  else if (env.remoteName) lines.push(remote);
  else lines.push(`If VS Code runs in a remote window, the host is seen from the remote side:`, `- ${wsl}`, `- ${remote}`, `- ${container}`);
  if (openai) lines.push('The URL comes from the setting pipulate.server.url.');
  else if (ctx.host !== DEFAULT_OLLAMA_HOST) lines.push(`The host comes from the settings (or OLLAMA_HOST); the default is ${DEFAULT_OLLAMA_HOST}.`);
  return d('unreachable', `${openai ? 'The model server' : 'Ollama'} is not reachable at ${host}`, lines, ['retry', 'openSettings', 'showLog']);
}

export function modelMissing(ctx: DiagnoseContext): Diagnosis {
  if (ctx.kind === 'openai') {
    return d(
      'modelMissing',
      `The model "${ctx.model}" is not served`,
      [`The server at ${displayHost(ctx.host)} does not list a model "${ctx.model}" (GET /models). Choose one of the models it serves; models are pulled only through Ollama.`],
      ['selectModel', 'openSettings'],
    );
  }
  return d(
    'modelMissing',
    `The model "${ctx.model}" is not installed`,
    [`Ollama at ${displayHost(ctx.host)} has no model "${ctx.model}". Pull it (it downloads once, then stays on this machine), or choose one of the installed models.`],
    ['pull', 'selectModel'],
  );
}

export function noModel(kind: ServerKind = 'ollama'): Diagnosis {
  if (kind === 'openai') return d('noModel', 'No model is chosen', ['Choose one of the models the server serves, then send again.'], ['selectModel']);
  return d('noModel', 'No model is chosen', ['Choose one of the models Ollama has, or pull one, then send again.'], ['selectModel', 'pull']);
}

/** A non-2xx answer of an OpenAI-compatible server (or of a proxy in front of Ollama). */
function openaiResponseProblem(message: string, status: number, ctx: DiagnoseContext): Diagnosis {
  const host = displayHost(ctx.host);
  if (status === 401 || status === 403) {
    const refused = ctx.hasKey || status === 403;
    return d(
      refused ? 'keyRefused' : 'keyMissing',
      refused ? `The server at ${host} refused the API key (${status})` : `The server at ${host} wants an API key (${status})`,
      [
        `It said: "${message}".`,
        refused
          ? 'Set the right key with "Pipulate: Set API Key" (it is kept in VS Code\'s secret storage for this server only), or check that the key may use this model.'
          : 'Set one with "Pipulate: Set API Key": it is kept in VS Code\'s secret storage for this server only, never in the settings.',
      ],
      ['setApiKey', 'openSettings'],
    );
  }
  if (status === 404 && /model/i.test(message)) return modelMissing(ctx);
  if (ctx.kind !== 'openai') return responseProblem(message, status, ctx);
  if (status === 404) {
    return d(
      'notOllama',
      `${host} does not look like an OpenAI-compatible server`,
      [`It answered "${message}" (404). The URL is the API's base, usually ending in /v1 (http://host:8000/v1 for vLLM, http://host:1234/v1 for LM Studio, http://host:8080/v1 for llama-server).`],
      ['openSettings', 'retry'],
    );
  }
  if (isOutOfMemory(message)) return outOfMemory(message, ctx);
  return d('serverError', `The model server answered with an error (${status})`, [`The server at ${host} said: "${message}".`, 'Try again; if it keeps happening, the server\'s log says more.'], ['retry', 'showLog']);
}

/** Which side the extension runs on, in a remote window: the server's address is seen from there. */
function sideOf(env: HostEnvironment): string | undefined {
  if (!env.remoteName && !env.wsl && !env.container) return undefined;
  const where = env.container ? 'a container' : env.wsl ? 'WSL' : `the remote machine (${env.remoteName})`;
  return `Pipulate runs on the remote side of this window, in ${where}, not on your own computer: 127.0.0.1 there is ${env.container ? 'the container' : env.wsl ? 'the WSL Linux side' : 'that machine'}. A server on your own computer is on the other side.`;
}

function responseProblem(message: string, status: number, ctx: DiagnoseContext): Diagnosis {
  const host = displayHost(ctx.host);
  if (ctx.phase === 'pull') return pullFailed(message, ctx);
  if (/model is required/i.test(message)) return noModel();
  if (status === 404 && /model/i.test(message) && /not found/i.test(message)) return modelMissing(ctx);
  if (status === 404) {
    return d(
      'notOllama',
      `${host} does not look like Ollama`,
      [`It answered "${message}" (404) to an Ollama API call. Check the Ollama host in the settings (a different program may use that port, or Ollama is very old).`],
      ['openSettings', 'retry'],
    );
  }
  if (isOutOfMemory(message)) return outOfMemory(message, ctx);
  return d(
    'serverError',
    `Ollama answered with an error (${status})`,
    [`Ollama at ${host} said: "${message}".`, 'Try again; if it keeps happening, the Ollama log (ollama serve output, or the app\'s logs) says more.'],
    ['retry', 'showLog'],
  );
}

function pullFailed(message: string, ctx: DiagnoseContext): Diagnosis {
  return d(
    'pullFailed',
    `Could not pull "${ctx.model}"`,
    [`Ollama said: "${message}".`, 'Check the model name (see https://ollama.com/library) and that Ollama can reach the internet.'],
    ['selectModel', 'retry', 'showLog'],
  );
}

function timeoutProblem(err: ChatTimeoutError, ctx: DiagnoseContext): Diagnosis {
  const host = displayHost(ctx.host);
  if (err.stage === 'first') {
    return d(
      'firstTokenTimeout',
      `No answer from "${ctx.model}" within ${seconds(err.ms)}`,
      [
        `${Who(ctx)} at ${host} sent no token within the first-token timeout (${seconds(err.ms)}), so the request was stopped.`,
        'The model may still be loading (a large model can take minutes the first time) or be too large for this machine.',
        'Try again, raise the first-token timeout in the settings, or choose a smaller model.',
      ],
      ['retry', 'openSettings', 'selectModel'],
    );
  }
  return d(
    'stalled',
    'The reply stalled',
    [`No token arrived from ${who(ctx)} at ${host} for ${seconds(err.ms)}, so the request was stopped. What arrived is kept.`, 'Try again, or raise the request timeout in the settings.'],
    ['retry', 'openSettings'],
  );
}

function isOutOfMemory(message: string): boolean {
  return /requires more system memory|out of memory|insufficient memory|cudaMalloc failed/i.test(message);
}

function outOfMemory(message: string, ctx: DiagnoseContext): Diagnosis {
  return d(
    'outOfMemory',
    `Not enough memory for "${ctx.model}"`,
    [`${Who(ctx)} said: "${message}".`, 'Choose a smaller model, lower the context length in the settings, or close other programs.'],
    ['selectModel', 'openSettings', 'showLog'],
  );
}

// ---- helpers -----------------------------------------------------------------------

/** What the server is called in a sentence, and at its start. */
function who(ctx: DiagnoseContext): string {
  return ctx.kind === 'openai' ? 'the model server' : 'Ollama';
}
function Who(ctx: DiagnoseContext): string {
  return ctx.kind === 'openai' ? 'The model server' : 'Ollama';
}

function d(code: ProblemCode, title: string, lines: string[], actions: ChatAction[]): Diagnosis {
  return { code, problem: { title, detail: lines.join('\n'), actions } };
}

/** The socket error code behind a fetch failure (its cause, or the first of an AggregateError's). */
function socketCode(err: unknown): string | undefined {
  const seen = new Set<unknown>();
  type Cause = { code?: unknown; errors?: { code?: unknown }[]; cause?: unknown };
  let cur = err as Cause | undefined;
  while (cur && typeof cur === 'object' && !seen.has(cur)) {
    seen.add(cur);
    if (typeof cur.code === 'string' && cur.code !== 'ABORT_ERR') return cur.code;
    if (Array.isArray(cur.errors) && cur.errors[0]?.code) return String(cur.errors[0].code);
    cur = cur.cause as Cause | undefined;
  }
  return undefined;
}

function causeMessage(err: unknown): string {
  const cause = (err as { cause?: { message?: string } })?.cause;
  return String(cause?.message ?? '');
}

function hostname(host: string): string {
  try {
    return new URL(host).hostname;
  } catch {
    return host;
  }
}

function port(host: string): string {
  try {
    const url = new URL(host);
    return url.port || (url.protocol === 'https:' ? '443' : '80');
  } catch {
    return '11434';
  }
}

function seconds(ms: number): string {
  const s = ms / 1000;
  return `${Number.isInteger(s) ? s : s.toFixed(1)} s`;
}
