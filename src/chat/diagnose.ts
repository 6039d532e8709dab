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

const START_OLLAMA = 'Start Ollama: run "ollama serve" in a terminal, or start the Ollama app (install it from https://ollama.com).';

export function diagnose(err: unknown, ctx: DiagnoseContext): Diagnosis {
  const host = displayHost(ctx.host);
  const e = err as { name?: string; message?: string; status_code?: number; cause?: unknown; code?: string };
  const message = String(e?.message ?? err);

  if (err instanceof InvalidHostError) {
    return d('badHost', 'The Ollama host setting is not valid', [`${err.message}.`], ['openSettings']);
  }
  if (err instanceof ChatTimeoutError) return timeoutProblem(err, ctx);

  if (e?.name === 'ResponseError') return responseProblem(message, e.status_code ?? 0, ctx);

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
      `Ollama at ${host} did not answer${secs}`,
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
      during ? 'The connection to Ollama was lost in the middle of the reply' : `Ollama at ${host} closed the connection`,
      [
        `Ollama at ${host} closed the connection before ${ctx.phase === 'pull' ? 'the pull finished' : 'the reply was complete'} (it may have crashed, run out of memory, or been restarted).${during ? ' What arrived is kept.' : ''}`,
        'Check that Ollama is still running (its log says why it stopped), then try again.',
      ],
      ['retry', 'showLog'],
    );
  }
  if (e?.name === 'AbortError') {
    return d('unknown', 'The request to Ollama was cancelled', ['The request was aborted before it finished.'], ['retry']);
  }
  if (isOutOfMemory(message)) return outOfMemory(message, ctx);

  // An {"error": ...} line in the middle of a stream comes out as a plain Error.
  if (e instanceof Error && e.name === 'Error' && (ctx.phase === 'stream' || ctx.phase === 'chat' || ctx.phase === 'pull')) {
    if (ctx.phase === 'pull') return pullFailed(message, ctx);
    return d(
      'midStream',
      'Ollama stopped the reply with an error',
      [`Ollama reported: "${message}".`, ctx.phase === 'stream' ? 'What arrived before the error is kept. Try again; if it keeps happening, the Ollama log says more.' : 'Try again; if it keeps happening, the Ollama log says more.'],
      ['retry', 'showLog'],
    );
  }
  return d('unknown', 'Something went wrong talking to Ollama', [`${message} (host ${host}).`], ['retry', 'showLog']);
}

/** Ollama does not run at the host (connection refused): how to start it, and why the host may be the wrong one. */
export function unreachable(ctx: DiagnoseContext): Diagnosis {
  const host = displayHost(ctx.host);
  const env = ctx.environment ?? {};
  const lines = [`Nothing answers at ${host} (connection refused).`, START_OLLAMA];
  const name = hostname(ctx.host);
  if (name === 'localhost') {
    lines.push('"localhost" may resolve to ::1 (IPv6) while Ollama listens on 127.0.0.1 only: set the host to http://127.0.0.1:' + port(ctx.host) + '.');
  }
  const wsl = 'WSL: this extension runs inside WSL, where 127.0.0.1 is the Linux side. Run Ollama inside WSL, or run it on Windows with OLLAMA_HOST=0.0.0.0 and set the host to the Windows address (with mirrored networking, 127.0.0.1 works).';
  const remote = 'Remote window (SSH, tunnel): this extension runs on the remote machine, so 127.0.0.1 is that machine. Run Ollama there, or forward your local Ollama with "ssh -R 11434:127.0.0.1:11434 <remote>".';
  const container = 'Dev container: 127.0.0.1 is the container. Set the host to http://host.docker.internal:11434 and start Ollama on your machine with OLLAMA_HOST=0.0.0.0 so it accepts connections from the container.';
  if (env.container) lines.push(container);
  else if (env.wsl) lines.push(wsl);
  else if (env.remoteName) lines.push(remote);
  else lines.push(`If VS Code runs in a remote window, the host is seen from the remote side:`, `- ${wsl}`, `- ${remote}`, `- ${container}`);
  if (ctx.host !== DEFAULT_OLLAMA_HOST) lines.push(`The host comes from the settings (or OLLAMA_HOST); the default is ${DEFAULT_OLLAMA_HOST}.`);
  return d('unreachable', `Ollama is not reachable at ${host}`, lines, ['retry', 'openSettings', 'showLog']);
}

export function modelMissing(ctx: DiagnoseContext): Diagnosis {
  return d(
    'modelMissing',
    `The model "${ctx.model}" is not installed`,
    [`Ollama at ${displayHost(ctx.host)} has no model "${ctx.model}". Pull it (it downloads once, then stays on this machine), or choose one of the installed models.`],
    ['pull', 'selectModel'],
  );
}

export function noModel(): Diagnosis {
  return d('noModel', 'No model is chosen', ['Choose one of the models Ollama has, or pull one, then send again.'], ['selectModel', 'pull']);
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
        `Ollama at ${host} sent no token within the request timeout (${seconds(err.ms)}), so the request was stopped.`,
        'The model may still be loading (a large model can take minutes the first time) or be too large for this machine.',
        'Try again, raise the request timeout in the settings, or choose a smaller model.',
      ],
      ['retry', 'openSettings', 'selectModel'],
    );
  }
  return d(
    'stalled',
    'The reply stalled',
    [`No token arrived from Ollama at ${host} for ${seconds(err.ms)}, so the request was stopped. What arrived is kept.`, 'Try again, or raise the request timeout in the settings.'],
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
    [`Ollama said: "${message}".`, 'Choose a smaller model, lower the context length in the settings, or close other programs.'],
    ['selectModel', 'openSettings', 'showLog'],
  );
}

// ---- helpers -----------------------------------------------------------------------

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
