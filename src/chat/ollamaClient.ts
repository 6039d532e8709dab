/**
 * The `ollama` client for a host, and how a host setting is read.
 *
 * `ollama` (0.6.x) does not read OLLAMA_HOST, cannot time out a non-streamed call, and
 * only lets a streamed call be aborted once its response has started. So each client
 * gets a `fetch` that joins the client's own abort signal with ours (the caller's
 * signal and, for short calls, a timeout): a stop or a timeout closes the HTTP
 * connection at any point, before or during the response, which is what makes Ollama
 * stop generating.
 */
import * as l10n from '@vscode/l10n';
import { Ollama } from 'ollama';

export const DEFAULT_OLLAMA_HOST = 'http://127.0.0.1:11434';
const DEFAULT_PORT = '11434';

export class InvalidHostError extends Error {
  constructor(
    readonly host: string,
    example = DEFAULT_OLLAMA_HOST,
  ) {
    super(
      example === DEFAULT_OLLAMA_HOST
        ? l10n.t('"{0}" is not a valid Ollama host; use a URL such as {1}', host, example)
        : l10n.t('"{0}" is not a valid server URL; use a URL such as {1}', host, example),
    );
    this.name = 'InvalidHostError';
  }
}

/**
 * Turns what a user types, or what OLLAMA_HOST holds, into the base URL to call. Follows
 * Ollama's own rules: no scheme means http and port 11434 (`host`, `host:port`, `:port`);
 * `http://host` means port 80 and `https://host` port 443. A listening address such as
 * `0.0.0.0` or `[::]` (common in OLLAMA_HOST, which also tells the server where to
 * listen) is called on the loopback address instead. A path is kept (for a proxy);
 * a trailing slash is dropped.
 */
export function normalizeHost(raw: string | undefined | null): string {
  let text = (raw ?? '').trim();
  if (!text) return DEFAULT_OLLAMA_HOST;
  let explicit = /^[a-z][a-z0-9+.-]*:\/\//i.test(text);
  if (text.startsWith(':')) {
    text = `http://127.0.0.1${text}`;
    explicit = false;
  } else if (!explicit) {
    text = `http://${text}`;
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new InvalidHostError(raw ?? '');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new InvalidHostError(raw ?? '');
  if (!url.port && !explicit) url.port = DEFAULT_PORT;
  if (url.hostname === '0.0.0.0') url.hostname = '127.0.0.1';
  else if (url.hostname === '[::]') url.hostname = '[::1]';
  url.search = '';
  url.hash = '';
  // URL drops a default port (80 for http, 443 for https); say it, so the host shown is unambiguous.
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  const auth = url.username ? `${url.username}${url.password ? `:${url.password}` : ''}@` : '';
  return `${url.protocol}//${auth}${url.hostname}:${port}${url.pathname}`.replace(/\/+$/, '');
}

/** The host to use when the user has not set one: OLLAMA_HOST when set, else 127.0.0.1:11434. */
export function defaultOllamaHost(env: Record<string, string | undefined> = process.env): string {
  const fromEnv = env.OLLAMA_HOST?.trim();
  if (!fromEnv) return DEFAULT_OLLAMA_HOST;
  try {
    return normalizeHost(fromEnv);
  } catch {
    return DEFAULT_OLLAMA_HOST;
  }
}

/** The host a setting means: the setting when given, else OLLAMA_HOST, else the default. Throws InvalidHostError. */
export function resolveHost(setting: string, env: Record<string, string | undefined> = process.env): string {
  return setting.trim() ? normalizeHost(setting) : defaultOllamaHost(env);
}

/** The host without credentials, for messages and logs. */
export function displayHost(host: string): string {
  return host.replace(/\/\/[^@/]*@/, '//');
}

export interface ClientOptions {
  /** Any form `normalizeHost` takes. */
  host: string;
  /** Aborts every request of this client, at any point (before or during the response). */
  signal?: AbortSignal;
  /** Aborts each request that takes longer than this in all (use for short calls only, not streams). */
  timeoutMs?: number;
  /** Sent with every request (the settings' extra headers, an API key for a proxy). */
  headers?: Record<string, string>;
}

/** A client whose every request honours `signal` and `timeoutMs`. */
export function createOllamaClient(options: ClientOptions): Ollama {
  const host = normalizeHost(options.host);
  const withLimits: typeof fetch = async (input, init = {}) => {
    const signals = [init.signal, options.signal].filter((s): s is AbortSignal => !!s);
    if (options.timeoutMs && options.timeoutMs > 0) signals.push(AbortSignal.timeout(options.timeoutMs));
    const signal = signals.length === 0 ? undefined : signals.length === 1 ? signals[0] : AbortSignal.any(signals);
    return withoutKey(await fetch(input, { ...init, signal }), options.headers?.Authorization);
  };
  return new Ollama({ host, fetch: withLimits, ...(options.headers ? { headers: options.headers } : {}) });
}

/**
 * An error answer with the API key cut out of its body: a proxy in front of Ollama may
 * quote the key it refused, and the client turns the body into the error's message.
 */
async function withoutKey(res: Response, authorization: string | undefined): Promise<Response> {
  const key = authorization?.replace(/^Bearer /, '');
  if (res.ok || !key) return res;
  const text = await res.text();
  return new Response(text.split(key).join('…'), { status: res.status, statusText: res.statusText, headers: res.headers });
}

/** Ollama's models carry a tag: `llama3.2` is `llama3.2:latest`. */
export function withTag(model: string): string {
  const name = model.trim();
  if (!name) return name;
  // A colon in a registry host (`host:5000/ns/model`) is not a tag.
  const last = name.slice(name.lastIndexOf('/') + 1);
  return last.includes(':') ? name : `${name}:latest`;
}

/** True when `model` names one of `installed` (with or without the `:latest` tag). */
export function hasModel(installed: readonly string[], model: string): boolean {
  const wanted = withTag(model);
  return installed.some((m) => withTag(m) === wanted);
}
