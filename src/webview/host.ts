/**
 * The webview's side of the protocol: requests with ids and their responses,
 * notifications from the host, and the view's saved UI state.
 */
import type { HostMessage, Notification, RequestBody, RequestKind, ResponseOf, WebviewMessage } from '../protocol';

interface VsCodeApi {
  postMessage(message: WebviewMessage): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
let nextId = 1;
const waiting = new Map<number, { resolve: (data: unknown) => void; reject: (err: Error) => void }>();
const listeners = new Set<(n: Notification) => void>();

window.addEventListener('message', (event: MessageEvent<HostMessage>) => {
  const message = event.data;
  if (message?.type === 'response') {
    const w = waiting.get(message.id);
    if (!w) return;
    waiting.delete(message.id);
    if (message.ok) w.resolve(message.data);
    else w.reject(new Error(message.error));
  } else if (message?.type === 'notify') {
    for (const listener of listeners) listener(message.body);
  }
});

/** Sends a request; resolves with the host's answer once the change is on disk, rejects with its error. */
export function request<B extends RequestBody>(body: B): Promise<ResponseOf<B['kind'] & RequestKind>> {
  const id = nextId++;
  return new Promise((resolve, reject) => {
    waiting.set(id, { resolve: resolve as (d: unknown) => void, reject });
    vscode.postMessage({ type: 'request', id, body });
  });
}

export function onNotify(listener: (n: Notification) => void): void {
  listeners.add(listener);
}

export function log(level: 'info' | 'warn' | 'error', message: string): void {
  vscode.postMessage({ type: 'log', level, message: message.slice(0, 10_000) });
}

export function loadState<T extends object>(fallback: T): T {
  return { ...fallback, ...((vscode.getState() as Partial<T> | undefined) ?? {}) };
}

export function saveState(state: object): void {
  vscode.setState(state);
}

window.addEventListener('error', (e) => log('error', `${e.message} at ${e.filename}:${e.lineno}`));
window.addEventListener('unhandledrejection', (e) => log('error', `Unhandled: ${String((e.reason as Error)?.stack ?? e.reason)}`));
