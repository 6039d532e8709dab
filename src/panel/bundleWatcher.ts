/**
 * Pipulate's `live=True`: while `npm run watch` rebuilds the webview bundle, tell the
 * open views to reload. Free of the `vscode` module, so it is tested under Node.
 */
import * as fs from 'node:fs';

/**
 * Calls `onRebuilt` once a burst of writes to the views' bundles (webview-tasks.js,
 * webview-chat.js) or their stylesheet (webview.css) in `dist` is over.
 */
export function watchBundle(dist: string, onRebuilt: () => void, settleMs = 150): { dispose(): void } {
  let timer: NodeJS.Timeout | undefined;
  const watcher = fs.watch(dist, (_event, file) => {
    if (!file || !/^webview(-[a-z]+)?\.(js|css)$/.test(file)) return;
    clearTimeout(timer);
    timer = setTimeout(onRebuilt, settleMs);
  });
  return {
    dispose: () => {
      clearTimeout(timer);
      watcher.close();
    },
  };
}
