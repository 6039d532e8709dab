/**
 * A tree view's provider registered at activation, before its items exist: the view
 * shows its progress bar until `items` comes (asking does not open the store), then what
 * `items` gives; nothing if they never come (the store could not open: the view's message
 * says why, src/extension.ts), where VS Code would say "There is no data provider registered".
 */
import * as vscode from 'vscode';

export function lazyTree<T>(items: Promise<vscode.TreeDataProvider<T>>): vscode.TreeDataProvider<T> & vscode.Disposable {
  const changed = new vscode.EventEmitter<void>();
  const forwarding = items.then(
    (tree) => tree.onDidChangeTreeData?.(() => changed.fire()),
    () => undefined,
  );
  return {
    onDidChangeTreeData: changed.event,
    getChildren: (node) => items.then((tree) => tree.getChildren(node), () => []),
    // Only ever asked for what getChildren gave, so once `items` is there.
    getTreeItem: (node) => items.then((tree) => tree.getTreeItem(node)),
    dispose: () => {
      changed.dispose();
      void forwarding.then((d) => d?.dispose());
    },
  };
}
