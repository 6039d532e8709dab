/** The VS Code side of a webview view: serves the shell and connects it to the router. */
import * as l10n from '@vscode/l10n';
import * as vscode from 'vscode';
import type { Bundles } from './bundles';
import { makeNonce, STYLE_FILE, unavailableHtml, webviewHtml, type ViewKind } from './html';
import type { Connection, Router } from './router';

/** The longest the Chat view waits for the Tasks view's first render (a stuck Tasks view must not hide the Chat). */
const CHAT_WAITS_AT_MOST_MS = 1500;
/**
 * After the Tasks view's snapshot was posted, the time its message takes to arrive and
 * the todos to render (measured in code-server by `npm run bench -- vscode`: the Chat
 * served at once was still being created while the Tasks view rendered).
 */
const TASKS_RENDER_MS = 250;

/**
 * Tasks first. When the container opens, both views are resolved at once, and in a web
 * VS Code (code-server, vscode.dev) every webview runs on the workbench's one main
 * thread: the Chat's bundle (markdown, sanitizer, highlighter) and its conversation's
 * markdown would be parsed and rendered while the Tasks view waits for its todos. So the
 * Chat's document is served once the Tasks view being loaded has been answered its
 * snapshot and had TASKS_RENDER_MS to render it (at most CHAT_WAITS_AT_MOST_MS after
 * the Chat was resolved); with no Tasks view loading, at once.
 */
class TasksFirst {
  private loading: Promise<void> | undefined;

  /** A Tasks view starts loading; `answered` settles once its snapshot was answered. */
  tasksLoading(answered: Promise<unknown>): void {
    const done = answered.then(settle, settle);
    const current = (this.loading = done.then(() => {
      if (this.loading === current) this.loading = undefined;
    }));
  }

  /** Runs `serve` after the Tasks view being loaded, if any, was answered. */
  chatReady(serve: () => void): void {
    if (!this.loading) return serve();
    let served = false;
    const once = () => {
      if (!served) serve();
      served = true;
    };
    void this.loading.then(once);
    setTimeout(once, CHAT_WAITS_AT_MOST_MS).unref?.();
  }
}
const tasksFirst = new TasksFirst();
const settle = () => new Promise<void>((resolve) => setTimeout(resolve, TASKS_RENDER_MS));

/**
 * The page is served at once; the store opens when a view first asks for something
 * (src/extension.ts), and what the view asks meanwhile is answered then, in order. If the
 * store cannot be opened, the view shows why instead.
 */
export class PipulateViewProvider implements vscode.WebviewViewProvider {
  private readonly views = new Set<vscode.WebviewView>();

  constructor(
    private readonly kind: ViewKind,
    private readonly extensionUri: vscode.Uri,
    private readonly bundles: Bundles,
    /** Opens the store if need be: called at the view's first message. */
    private readonly router: () => Promise<Router>,
  ) {}

  resolveWebviewView(view: vscode.WebviewView): void {
    const dist = vscode.Uri.joinPath(this.extensionUri, 'dist');
    view.webview.options = {
      enableScripts: true,
      localResourceRoots: [dist, vscode.Uri.joinPath(this.extensionUri, 'media')],
    };
    let disposed = false;
    let unavailable = false;
    let connection: Promise<Connection> | undefined;
    const connect = () => {
      if (connection) return connection;
      connection = this.router().then((router) => router.connect({ post: (message) => void view.webview.postMessage(message) }, this.kind));
      connection.catch((err: Error) => showUnavailable(err.message));
      return connection;
    };
    const showUnavailable = (reason: string) => {
      if (disposed) return;
      unavailable = true;
      view.webview.options = { enableScripts: false, localResourceRoots: [dist] };
      view.webview.html = unavailableHtml({
        cspSource: view.webview.cspSource,
        styleUri: view.webview.asWebviewUri(vscode.Uri.joinPath(dist, STYLE_FILE)).toString(),
        reason,
      });
    };
    let firstSnapshot: ((answered: Promise<unknown>) => void) | undefined;
    if (this.kind === 'tasks') {
      tasksFirst.tasksLoading(new Promise<unknown>((resolve) => (firstSnapshot = (answered) => resolve(answered))));
    }
    const received = view.webview.onDidReceiveMessage((message: { type?: string; body?: { kind?: string } }) => {
      const handled = connect().then((c) => c.handle(message), () => undefined);
      if (firstSnapshot && message?.type === 'request' && message.body?.kind === 'tasks/snapshot') {
        firstSnapshot(handled);
        firstSnapshot = undefined;
      }
    });
    this.views.add(view);
    view.onDidDispose(() => {
      disposed = true;
      firstSnapshot?.(Promise.resolve());
      received.dispose();
      void connection?.then((c) => c.dispose(), () => undefined);
      this.views.delete(view);
    });
    const serve = () => {
      if (disposed || unavailable) return;
      try {
        view.webview.html = this.html(view.webview);
      } catch (err) {
        // A damaged installation: dist/ unreadable, or a bundle that cannot be written into its page (html.ts).
        showUnavailable(l10n.t('Pipulate could not read its own files ({0}). Reinstalling the extension should mend it.', (err as Error).message));
      }
    };
    if (this.kind === 'chat') tasksFirst.chatReady(serve);
    else serve();
  }

  /** Serves the shell again, so open views load the rebuilt bundle (Pipulate's live=True). */
  reload(): void {
    for (const view of this.views) view.webview.html = this.html(view.webview);
  }

  private html(webview: vscode.Webview): string {
    const asset = (file: string) => webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'dist', file)).toString();
    return webviewHtml({
      view: this.kind,
      cspSource: webview.cspSource,
      nonce: makeNonce(),
      script: this.bundles.script(this.kind),
      style: this.bundles.style(),
      codiconUri: asset('codicon.css'),
    });
  }
}
