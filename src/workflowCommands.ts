/**
 * Workflows in VS Code: the definitions read from `.pipulate/workflows/*.json` in the
 * workspace (watched; each file's errors in the Problems panel, a broken file affecting
 * only itself), the "Workflows" tree (each workflow, and under it its runs in the active
 * profile), New Workflow (from a built-in or blank template), Start Workflow (a key, or
 * the next profile-workflow-NN; an existing key resumes), and the run panel.
 */
import * as l10n from '@vscode/l10n';
import * as vscode from 'vscode';
import type { Register } from './commandRunner';
import type { Events } from './core';
import { UserError } from './errors';
import type { TasksService } from './tasks/tasksService';
import { WorkflowPanels } from './panel/workflowPanel';
import { BUILTIN_WORKFLOWS } from './workflows/builtins';
import type { CatalogEntry, WorkflowCatalog } from './workflows/catalog';
import { ID_PATTERN, type DefinitionError } from './workflows/definition';
import type { RunSummary } from './workflows/runDto';
import type { WorkflowService } from './workflows/workflowService';

const FOLDER = '.pipulate/workflows';

export interface WorkflowCommandDeps {
  catalog: WorkflowCatalog;
  workflows: WorkflowService;
  tasks: TasksService;
  events: Events;
  panels: WorkflowPanels;
  register: Register;
}

/** An item of the Workflows view. */
export type WorkflowNode = { kind: 'workflow'; entry: CatalogEntry } | { kind: 'run'; workflow: string; run: RunSummary } | { kind: 'error'; entry: CatalogEntry; error: DefinitionError };

/** Registers the commands, and returns the Workflows view's items (src/extension.ts shows them: its view is there before the store is open). */
export function registerWorkflowCommands(context: vscode.ExtensionContext, deps: WorkflowCommandDeps): vscode.TreeDataProvider<WorkflowNode> {
  const { catalog, workflows, tasks, events, panels, register } = deps;
  const diagnostics = vscode.languages.createDiagnosticCollection('pipulate-workflows');
  context.subscriptions.push(diagnostics);

  // ---- the files ----
  const nameOf = (uri: vscode.Uri) => uri.path.split('/').pop()!.replace(/\.json$/i, '');
  const read = async (uri: vscode.Uri) => {
    let text: string;
    try {
      text = new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
    } catch {
      return forget(uri);
    }
    const errors = catalog.setFile(nameOf(uri), uri.toString(), text);
    diagnostics.set(
      uri,
      errors.map((e) => {
        const start = new vscode.Position(e.line, e.column);
        const end = text ? positionAt(text, e.offset + Math.max(1, e.length)) : start;
        const d = new vscode.Diagnostic(new vscode.Range(start, end), e.message, vscode.DiagnosticSeverity.Error);
        d.source = 'Pipulate';
        return d;
      }),
    );
  };
  const forget = (uri: vscode.Uri) => {
    if (catalog.list().some((e) => e.source === uri.toString())) catalog.removeFile(nameOf(uri));
    diagnostics.delete(uri);
  };
  const watcher = vscode.workspace.createFileSystemWatcher(`**/${FOLDER}/*.json`);
  context.subscriptions.push(watcher, watcher.onDidCreate(read), watcher.onDidChange(read), watcher.onDidDelete(forget));
  // No excludes: a folder hidden from the explorer (files.exclude) still holds its workflows.
  // Start Workflow waits for this first read: run as the command that activates Pipulate, it would list only the built-ins.
  const firstRead = Promise.resolve(vscode.workspace.findFiles(`${FOLDER}/*.json`, null)).then((uris) => Promise.all(uris.map(read)));

  // ---- the tree ----
  const changed = new vscode.EventEmitter<void>();
  const tree: vscode.TreeDataProvider<WorkflowNode> = {
    onDidChangeTreeData: changed.event,
    getChildren(node) {
      if (!node) return catalog.list().map((entry) => ({ kind: 'workflow', entry }));
      // A broken file: its errors, each at its place; otherwise the runs.
      if (node.kind === 'workflow' && node.entry.errors.length) return node.entry.errors.map((error) => ({ kind: 'error', entry: node.entry, error }));
      if (node.kind === 'workflow') return workflows.runs(tasks.activeProfileId, node.entry.name).map((run) => ({ kind: 'run', workflow: node.entry.name, run }));
      return [];
    },
    getTreeItem(node) {
      if (node.kind === 'workflow') {
        const { entry } = node;
        const hasChildren = entry.errors.length > 0 || workflows.runs(tasks.activeProfileId, entry.name).length > 0;
        const item = new vscode.TreeItem(entry.workflow?.title ?? entry.name, hasChildren ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None);
        // A workflow that gets its first run shows it: as a new item (a new id), it takes the Expanded state given here.
        item.id = `workflow:${entry.name}${hasChildren ? '' : ':empty'}`;
        item.description = entry.errors.length === 1 ? l10n.t('1 problem') : entry.errors.length ? l10n.t('{0} problems', entry.errors.length) : entry.source === 'builtin' ? l10n.t('built-in') : entry.name;
        item.tooltip = entry.workflow?.description ?? (entry.errors.length ? l10n.t('This file has errors: see the Problems panel.') : undefined);
        item.iconPath = new vscode.ThemeIcon(entry.errors.length ? 'warning' : 'list-ordered');
        item.contextValue = entry.errors.length ? 'pipulate.workflow.broken' : entry.source === 'builtin' ? 'pipulate.workflow.builtin' : 'pipulate.workflow.file';
        if (entry.source !== 'builtin') item.resourceUri = vscode.Uri.parse(entry.source);
        return item;
      }
      if (node.kind === 'error') {
        const { error, entry } = node;
        const item = new vscode.TreeItem(error.message, vscode.TreeItemCollapsibleState.None);
        item.description = l10n.t('line {0}, column {1}', error.line + 1, error.column + 1);
        item.iconPath = new vscode.ThemeIcon('error', new vscode.ThemeColor('problemsErrorIcon.foreground'));
        const at = new vscode.Position(error.line, error.column);
        item.command = { command: 'vscode.open', title: l10n.t('Open Workflow File'), arguments: [vscode.Uri.parse(entry.source), { selection: new vscode.Range(at, at) }] };
        return item;
      }
      const { run } = node;
      const item = new vscode.TreeItem(run.key, vscode.TreeItemCollapsibleState.None);
      item.id = `run:${node.workflow}:${run.key}`;
      // Steps are filled in order, so the current one is the one after those done.
      const progress = run.finalized
        ? l10n.t('finalized')
        : run.done < run.total
          ? l10n.t('at step {0} of {1}', run.done + 1, run.total)
          : l10n.t('all {0} steps done', run.total);
      item.description = `${progress} · ${new Date(run.updated).toLocaleString()}`;
      item.iconPath = new vscode.ThemeIcon(run.finalized ? 'lock' : run.done === run.total && run.total > 0 ? 'pass' : 'circle-large-outline');
      item.contextValue = 'pipulate.workflowRun';
      item.command = { command: 'pipulate.openWorkflowRun', title: l10n.t('Open Run'), arguments: [node] };
      return item;
    },
  };
  context.subscriptions.push(changed);
  const refresh = () => changed.fire();
  const offCatalog = catalog.onChange(refresh);
  const offEvents = events.on((n) => {
    if (n.kind === 'workflow/changed' || n.kind === 'tasks/reset' || n.kind === 'profiles/changed') refresh();
  });
  context.subscriptions.push({ dispose: () => (offCatalog(), offEvents()) });
  // A command step says why it cannot run in Restricted Mode: once the workspace is trusted, the open runs say it can.
  context.subscriptions.push(
    vscode.workspace.onDidGrantWorkspaceTrust(() => {
      for (const r of panels.openRuns()) {
        try {
          events.emit({ kind: 'workflow/changed', run: workflows.open(r.profileId, r.workflow, r.key) });
        } catch {
          // The run is gone (its profile was deleted): its panel shows that when it asks.
        }
      }
    }),
  );

  // ---- commands ----
  const open = (workflow: string, key: string) => {
    const run = workflows.open(tasks.activeProfileId, workflow, key);
    panels.show({ profileId: run.profileId, workflow, key }, `${run.title}: ${key}`);
  };

  register(
    'pipulate.newWorkflow',
    (why) => l10n.t('Pipulate could not create the workflow: {0}', why),
    async () => {
      const folder = vscode.workspace.workspaceFolders?.[0];
      if (!folder) throw new UserError(l10n.t('Open a folder first: workflows are files in its {0} folder.', FOLDER));
      const picked = await vscode.window.showQuickPick(
        BUILTIN_WORKFLOWS.map((b) => ({ label: b.templateOnly ? l10n.t('Blank') : (catalog.get(b.name)?.title ?? b.name), description: b.name, template: b })),
        { title: l10n.t('New Workflow'), placeHolder: l10n.t('Start from') },
      );
      if (!picked) return;
      const name = await vscode.window.showInputBox({
        title: l10n.t('New Workflow'),
        prompt: l10n.t('The file name, without .json: letters, digits, - and _'),
        value: picked.template.templateOnly ? 'my-workflow' : picked.template.name,
        validateInput: (v) => (ID_PATTERN.test(v) ? undefined : l10n.t('Letters, digits, - and _, starting with a letter.')),
      });
      if (!name) return;
      const uri = vscode.Uri.joinPath(folder.uri, FOLDER, `${name}.json`);
      const exists = await vscode.workspace.fs.stat(uri).then(
        () => true,
        () => false,
      );
      if (!exists) await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(picked.template.text));
      await read(uri);
      await vscode.window.showTextDocument(uri);
    },
  );

  register(
    'pipulate.startWorkflow',
    (why) => l10n.t('Pipulate could not start the workflow: {0}', why),
    async (node?: WorkflowNode) => {
      let name = node?.kind === 'workflow' ? node.entry.name : undefined;
      if (!name) {
        await firstRead.catch(() => undefined);
        const pick = await vscode.window.showQuickPick(
          catalog.list().filter((e) => e.workflow).map((e) => ({ label: e.workflow!.title, description: e.name, name: e.name })),
          { title: l10n.t('Start Workflow'), placeHolder: l10n.t('Which workflow?') },
        );
        name = pick?.name;
      }
      if (!name) return;
      const key = await vscode.window.showInputBox({
        title: l10n.t('Start Workflow'),
        prompt: l10n.t('A key for this run: an existing key resumes its run. Leave it empty for the next number.'),
        placeHolder: l10n.t('empty: the next number'),
        validateInput: (v) => (v.trim().length > 100 ? l10n.t('A key is at most {0} characters.', 100) : undefined),
      });
      if (key === undefined) return;
      const run = await workflows.start(tasks.activeProfileId, name, key);
      open(name, run.key);
    },
  );

  register(
    'pipulate.openWorkflowRun',
    (why) => l10n.t('Pipulate could not open the run: {0}', why),
    (node?: WorkflowNode) => {
      if (node?.kind === 'run') open(node.workflow, node.run.key);
    },
  );

  register(
    'pipulate.openWorkflowFile',
    (why) => l10n.t('Pipulate could not open the workflow file: {0}', why),
    async (node?: WorkflowNode) => {
      if (node?.kind === 'workflow' && node.entry.source !== 'builtin') await vscode.window.showTextDocument(vscode.Uri.parse(node.entry.source));
    },
  );
  return tree;
}

/** The position of an offset in a text (for a diagnostic's end). */
function positionAt(text: string, offset: number): vscode.Position {
  const before = text.slice(0, Math.min(offset, text.length)).split('\n');
  return new vscode.Position(before.length - 1, before[before.length - 1]!.length);
}
