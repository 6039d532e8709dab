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
import * as l10n from '@vscode/l10n';
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

/** The chat service gave up waiting for the model server. */
export class ChatTimeoutError extends Error {
  constructor(
    readonly ms: number,
    /** 'first': no first token; 'stalled': tokens stopped coming. */
    readonly stage: 'first' | 'stalled',
  ) {
    // not-ui: for the log; diagnose() words the problem the user sees
    super(stage === 'first' ? `No first token within ${ms} ms` : `No token for ${ms} ms`);
    this.name = 'ChatTimeoutError';
  }
}

const startServer = () => l10n.t('Start the model server (vLLM, LM Studio, llama-server...), or check its URL in the setting pipulate.server.url.');
const startOllama = () => l10n.t('Start Ollama: run "ollama serve" in a terminal, or start the Ollama app (install it from https://ollama.com).');

export function diagnose(err: unknown, ctx: DiagnoseContext): Diagnosis {
  const host = displayHost(ctx.host);
  const e = err as { name?: string; message?: string; status_code?: number; cause?: unknown; code?: string };
  const message = String(e?.message ?? err);

  if (err instanceof InvalidHostError) {
    const title = ctx.kind === 'openai' ? l10n.t('The model server URL setting is not valid') : l10n.t('The Ollama host setting is not valid');
    return d('badHost', title, [l10n.t('{0}.', err.message)], ['openSettings']);
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
    const lines = [l10n.t('The name "{0}" could not be resolved ({1}), so {2} at {3} could not be reached.', name, code, who(ctx), host), checkUrl(ctx)];
    if (name === 'host.docker.internal') {
      lines.push(l10n.t('host.docker.internal exists only inside Docker containers (and Docker Desktop); outside one, use http://127.0.0.1:11434.'));
    }
    const title = ctx.kind === 'openai' ? l10n.t('Cannot find the model server host "{0}"', name) : l10n.t('Cannot find the Ollama host "{0}"', name);
    return d('hostNotFound', title, lines, ['openSettings', 'retry']);
  }
  if (code === 'ETIMEDOUT' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH' || code === 'UND_ERR_CONNECT_TIMEOUT') {
    return d(
      'timeout',
      l10n.t('{0} at {1} does not answer', Who(ctx), host),
      [
        l10n.t('The connection to {0} could not be made ({1}): the address is wrong, the machine is off, or a firewall blocks port {2}.', host, code, port(ctx.host)),
        ctx.kind === 'openai'
          ? l10n.t('If the server runs on another machine, make it listen on 0.0.0.0 there (its --host option) so it accepts connections from the network.')
          : l10n.t('If Ollama runs on another machine, start it there with OLLAMA_HOST=0.0.0.0 so it accepts connections from the network.'),
      ],
      ['retry', 'openSettings'],
    );
  }
  if (/bad port/i.test(causeMessage(err))) {
    return d(
      'badHost',
      l10n.t('Port {0} cannot be used', port(ctx.host)),
      [
        ctx.kind === 'openai'
          ? l10n.t("Node's fetch refuses to call port {0} (a port reserved for other protocols). Fix the server URL in the setting pipulate.server.url.", port(ctx.host))
          : l10n.t(
              "Node's fetch refuses to call port {0} (a port reserved for other protocols). Ollama listens on 11434 unless told otherwise: fix the Ollama host in the settings.",
              port(ctx.host),
            ),
      ],
      ['openSettings'],
    );
  }
  if (e?.name === 'TimeoutError' || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
    return d(
      'timeout',
      ctx.timeoutMs ? l10n.t('{0} at {1} did not answer within {2}', Who(ctx), host, seconds(ctx.timeoutMs)) : l10n.t('{0} at {1} did not answer', Who(ctx), host),
      [
        l10n.t('The server accepted the connection but sent nothing back in time. It may be busy loading a model or overloaded.'),
        l10n.t('Try again, or raise the request timeout in the settings.'),
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
      during ? l10n.t('The connection to {0} was lost in the middle of the reply', who(ctx)) : l10n.t('{0} at {1} closed the connection', Who(ctx), host),
      [
        ctx.phase === 'pull'
          ? l10n.t('{0} at {1} closed the connection before the pull finished (it may have crashed, run out of memory, or been restarted).', Who(ctx), host)
          : during
            ? l10n.t('{0} at {1} closed the connection before the reply was complete (it may have crashed, run out of memory, or been restarted). What arrived is kept.', Who(ctx), host)
            : l10n.t('{0} at {1} closed the connection before the reply was complete (it may have crashed, run out of memory, or been restarted).', Who(ctx), host),
        l10n.t('Check that {0} is still running (its log says why it stopped), then try again.', who(ctx)),
      ],
      ['retry', 'showLog'],
    );
  }
  if (e?.name === 'AbortError') {
    return d('unknown', l10n.t('The request to {0} was cancelled', who(ctx)), [l10n.t('The request was aborted before it finished.')], ['retry']);
  }
  if (isOutOfMemory(message)) return outOfMemory(message, ctx);

  // An {"error": ...} line in the middle of a stream comes out as a plain Error.
  if (e instanceof Error && e.name === 'Error' && (ctx.phase === 'stream' || ctx.phase === 'chat' || ctx.phase === 'pull')) {
    if (ctx.phase === 'pull') return pullFailed(message, ctx);
    return d(
      'midStream',
      l10n.t('{0} stopped the reply with an error', Who(ctx)),
      [
        l10n.t('{0} reported: "{1}".', Who(ctx), message),
        ctx.kind === 'openai'
          ? ctx.phase === 'stream'
            ? l10n.t("What arrived before the error is kept. Try again; if it keeps happening, the server's log says more.")
            : l10n.t("Try again; if it keeps happening, the server's log says more.")
          : ctx.phase === 'stream'
            ? l10n.t('What arrived before the error is kept. Try again; if it keeps happening, the Ollama log says more.')
            : l10n.t('Try again; if it keeps happening, the Ollama log says more.'),
      ],
      ['retry', 'showLog'],
    );
  }
  return d('unknown', l10n.t('Something went wrong talking to {0}', who(ctx)), [l10n.t('{0} (host {1}).', message, host)], ['retry', 'showLog']);
}

/** Nothing runs at the host (connection refused): how to start the server, and why the host may be the wrong one. */
export function unreachable(ctx: DiagnoseContext): Diagnosis {
  const host = displayHost(ctx.host);
  const env = ctx.environment ?? {};
  const openai = ctx.kind === 'openai';
  const lines = [l10n.t('Nothing answers at {0} (connection refused).', host), openai ? startServer() : startOllama()];
  const side = sideOf(env);
  if (side) lines.push(side);
  const name = hostname(ctx.host);
  if (name === 'localhost') {
    lines.push(
      openai
        ? l10n.t('"localhost" may resolve to ::1 (IPv6) while the server listens on 127.0.0.1 only: use http://127.0.0.1:{0} in the URL.', port(ctx.host))
        : l10n.t('"localhost" may resolve to ::1 (IPv6) while Ollama listens on 127.0.0.1 only: set the host to http://127.0.0.1:{0}.', port(ctx.host)),
    );
  }
  // The steps name this server's port, and for Ollama how to make it listen beyond 127.0.0.1.
  const p = port(ctx.host);
  const server = openai ? l10n.t('the server') : 'Ollama';
  const listen = openai ? l10n.t('make it listen on 0.0.0.0 (its --host option)') : l10n.t('start it with OLLAMA_HOST=0.0.0.0');
  const wsl = l10n.t(
    'WSL: this extension runs inside WSL, where 127.0.0.1 is the Linux side. Run {0} inside WSL, or run it on Windows, {1}, and set the URL to the Windows address (with mirrored networking, 127.0.0.1 works).',
    server,
    listen,
  );
  const remote = l10n.t(
    'Remote window (SSH, tunnel): this extension runs on the remote machine, so 127.0.0.1 is that machine. Run {0} there, or forward the one on your computer with "ssh -R {1}:127.0.0.1:{1} <remote>".',
    server,
    p,
  );
  const codespaces = l10n.t(
    'Codespaces: this extension runs in the codespace, in the cloud, which cannot reach your computer. Use a server the codespace can reach (its URL in the settings), or run {0} in the codespace.',
    server,
  );
  const container = l10n.t(
    'Dev container: 127.0.0.1 is the container. Set the URL to http://host.docker.internal:{0} and, on your machine, {1} so it accepts connections from the container.',
    p,
    listen,
  );
  if (env.remoteName === 'codespaces') lines.push(codespaces);
  else if (env.container) lines.push(container);
  else if (env.wsl) lines.push(wsl);
  else if (env.remoteName) lines.push(remote);
  else lines.push(l10n.t('If VS Code runs in a remote window, the host is seen from the remote side:'), `- ${wsl}`, `- ${remote}`, `- ${container}`);
  if (openai) lines.push(l10n.t('The URL comes from the setting pipulate.server.url.'));
  else if (ctx.host !== DEFAULT_OLLAMA_HOST) lines.push(l10n.t('The host comes from the settings (or OLLAMA_HOST); the default is {0}.', DEFAULT_OLLAMA_HOST));
  return d('unreachable', l10n.t('{0} is not reachable at {1}', Who(ctx), host), lines, ['retry', 'openSettings', 'showLog']);
}

export function modelMissing(ctx: DiagnoseContext): Diagnosis {
  if (ctx.kind === 'openai') {
    return d(
      'modelMissing',
      l10n.t('The model "{0}" is not served', ctx.model),
      [
        l10n.t(
          'The server at {0} does not list a model "{1}" (GET /models). Choose one of the models it serves; models are pulled only through Ollama.',
          displayHost(ctx.host),
          ctx.model,
        ),
      ],
      ['selectModel', 'openSettings'],
    );
  }
  return d(
    'modelMissing',
    l10n.t('The model "{0}" is not installed', ctx.model),
    [
      l10n.t(
        'Ollama at {0} has no model "{1}". Pull it (it downloads once, then stays on this machine), or choose one of the installed models.',
        displayHost(ctx.host),
        ctx.model,
      ),
    ],
    ['pull', 'selectModel'],
  );
}

export function noModel(kind: ServerKind = 'ollama'): Diagnosis {
  if (kind === 'openai') return d('noModel', l10n.t('No model is chosen'), [l10n.t('Choose one of the models the server serves, then send again.')], ['selectModel']);
  return d('noModel', l10n.t('No model is chosen'), [l10n.t('Choose one of the models Ollama has, or pull one, then send again.')], ['selectModel', 'pull']);
}

/** A non-2xx answer of an OpenAI-compatible server (or of a proxy in front of Ollama). */
function openaiResponseProblem(message: string, status: number, ctx: DiagnoseContext): Diagnosis {
  const host = displayHost(ctx.host);
  if (status === 401 || status === 403) {
    const refused = ctx.hasKey || status === 403;
    return d(
      refused ? 'keyRefused' : 'keyMissing',
      refused ? l10n.t('The server at {0} refused the API key ({1})', host, status) : l10n.t('The server at {0} wants an API key ({1})', host, status),
      [
        l10n.t('It said: "{0}".', message),
        refused
          ? l10n.t('Set the right key with "Pipulate: Set API Key" (it is kept in VS Code\'s secret storage for this server only), or check that the key may use this model.')
          : l10n.t('Set one with "Pipulate: Set API Key": it is kept in VS Code\'s secret storage for this server only, never in the settings.'),
      ],
      ['setApiKey', 'openSettings'],
    );
  }
  if (status === 404 && /model/i.test(message)) return modelMissing(ctx);
  if (ctx.kind !== 'openai') return responseProblem(message, status, ctx);
  if (status === 404) {
    return d(
      'notOllama',
      l10n.t('{0} does not look like an OpenAI-compatible server', host),
      [
        l10n.t(
          "It answered \"{0}\" (404). The URL is the API's base, usually ending in /v1 (http://host:8000/v1 for vLLM, http://host:1234/v1 for LM Studio, http://host:8080/v1 for llama-server).",
          message,
        ),
      ],
      ['openSettings', 'retry'],
    );
  }
  if (isOutOfMemory(message)) return outOfMemory(message, ctx);
  return d(
    'serverError',
    l10n.t('The model server answered with an error ({0})', status),
    [l10n.t('The server at {0} said: "{1}".', host, message), l10n.t("Try again; if it keeps happening, the server's log says more.")],
    ['retry', 'showLog'],
  );
}

/** Which side the extension runs on, in a remote window: the server's address is seen from there. */
function sideOf(env: HostEnvironment): string | undefined {
  if (!env.remoteName && !env.wsl && !env.container) return undefined;
  if (env.container) {
    return l10n.t('Pipulate runs on the remote side of this window, in a container, not on your own computer: 127.0.0.1 there is the container. A server on your own computer is on the other side.');
  }
  if (env.wsl) {
    return l10n.t('Pipulate runs on the remote side of this window, in WSL, not on your own computer: 127.0.0.1 there is the WSL Linux side. A server on your own computer is on the other side.');
  }
  return l10n.t(
    'Pipulate runs on the remote side of this window, in the remote machine ({0}), not on your own computer: 127.0.0.1 there is that machine. A server on your own computer is on the other side.',
    env.remoteName ?? '',
  );
}

function responseProblem(message: string, status: number, ctx: DiagnoseContext): Diagnosis {
  const host = displayHost(ctx.host);
  if (ctx.phase === 'pull') return pullFailed(message, ctx);
  if (/model is required/i.test(message)) return noModel();
  if (status === 404 && /model/i.test(message) && /not found/i.test(message)) return modelMissing(ctx);
  if (status === 404) {
    return d(
      'notOllama',
      l10n.t('{0} does not look like Ollama', host),
      [
        l10n.t(
          'It answered "{0}" (404) to an Ollama API call. Check the Ollama host in the settings (a different program may use that port, or Ollama is very old).',
          message,
        ),
      ],
      ['openSettings', 'retry'],
    );
  }
  if (isOutOfMemory(message)) return outOfMemory(message, ctx);
  return d(
    'serverError',
    l10n.t('Ollama answered with an error ({0})', status),
    [
      l10n.t('Ollama at {0} said: "{1}".', host, message),
      l10n.t("Try again; if it keeps happening, the Ollama log (ollama serve output, or the app's logs) says more."),
    ],
    ['retry', 'showLog'],
  );
}

function pullFailed(message: string, ctx: DiagnoseContext): Diagnosis {
  return d(
    'pullFailed',
    l10n.t('Could not pull "{0}"', ctx.model),
    [l10n.t('Ollama said: "{0}".', message), l10n.t('Check the model name (see https://ollama.com/library) and that Ollama can reach the internet.')],
    ['selectModel', 'retry', 'showLog'],
  );
}

function timeoutProblem(err: ChatTimeoutError, ctx: DiagnoseContext): Diagnosis {
  const host = displayHost(ctx.host);
  if (err.stage === 'first') {
    return d(
      'firstTokenTimeout',
      l10n.t('No answer from "{0}" within {1}', ctx.model, seconds(err.ms)),
      [
        l10n.t('{0} at {1} sent no token within the first-token timeout ({2}), so the request was stopped.', Who(ctx), host, seconds(err.ms)),
        l10n.t('The model may still be loading (a large model can take minutes the first time) or be too large for this machine.'),
        l10n.t('Try again, raise the first-token timeout in the settings, or choose a smaller model.'),
      ],
      ['retry', 'openSettings', 'selectModel'],
    );
  }
  return d(
    'stalled',
    l10n.t('The reply stalled'),
    [
      l10n.t('No token arrived from {0} at {1} for {2}, so the request was stopped. What arrived is kept.', who(ctx), host, seconds(err.ms)),
      l10n.t('Try again, or raise the request timeout in the settings.'),
    ],
    ['retry', 'openSettings'],
  );
}

function isOutOfMemory(message: string): boolean {
  return /requires more system memory|out of memory|insufficient memory|cudaMalloc failed/i.test(message);
}

function outOfMemory(message: string, ctx: DiagnoseContext): Diagnosis {
  return d(
    'outOfMemory',
    l10n.t('Not enough memory for "{0}"', ctx.model),
    [l10n.t('{0} said: "{1}".', Who(ctx), message), l10n.t('Choose a smaller model, lower the context length in the settings, or close other programs.')],
    ['selectModel', 'openSettings', 'showLog'],
  );
}

// ---- helpers -----------------------------------------------------------------------

/** What the server is called in a sentence, and at its start. */
function who(ctx: DiagnoseContext): string {
  return ctx.kind === 'openai' ? l10n.t('the model server') : 'Ollama';
}
function Who(ctx: DiagnoseContext): string {
  return ctx.kind === 'openai' ? l10n.t('The model server') : 'Ollama';
}
/** Where the address comes from, to check it. */
function checkUrl(ctx: DiagnoseContext): string {
  return ctx.kind === 'openai' ? l10n.t('Check the server URL in the setting pipulate.server.url.') : l10n.t('Check the Ollama host in the settings.');
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
  return l10n.t('{0} s', Number.isInteger(s) ? s : s.toFixed(1));
}
