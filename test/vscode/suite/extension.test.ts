/** The packaged extension, installed from its .vsix, activates and opens its database. */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { activatePipulate, pipulateExtension } from './api';
import { expectedExtensionsDir } from './context';

suite('Pipulate extension (installed .vsix)', () => {
  test('is the installed extension, not a development folder', () => {
    const ext = pipulateExtension();
    assert.equal(ext.packageJSON.publisher, 'pipulate');
    assert.equal(ext.packageJSON.name, 'pipulate');
    // A .vsix holds the bundle and the manifest, not the sources.
    assert.ok(fs.existsSync(path.join(ext.extensionPath, 'dist', 'extension.js')), 'dist/extension.js is packaged');
    assert.ok(!fs.existsSync(path.join(ext.extensionPath, 'src')), `${ext.extensionPath} has src/: a development folder, not the .vsix`);
    if (expectedExtensionsDir) {
      const rel = path.relative(fs.realpathSync(expectedExtensionsDir), fs.realpathSync(ext.extensionPath));
      assert.ok(rel && !rel.startsWith('..') && !path.isAbsolute(rel), `${ext.extensionPath} is not under ${expectedExtensionsDir}`);
    }
  });

  test('a command that needs the store, run before anything opened it, waits for the store to open and then runs', async () => {
    // Nothing opens the store before something asks (this is the suite's first test, the Explorer shown): this command
    // is the first to ask, whether it activates Pipulate or Pipulate is active already (onStartupFinished), and must not fail meanwhile.
    const folder = vscode.workspace.workspaceFolders![0]!.uri;
    const file = vscode.Uri.joinPath(folder, 'first-command.txt');
    await vscode.workspace.fs.writeFile(file, new TextEncoder().encode('attached before the store was open\n'));
    const asked = new Date();
    await vscode.commands.executeCommand('pipulate.addFileToChat', file);
    const api = await activatePipulate();
    // The lock says when the store was opened (src/store/lock.ts): after the command was run.
    const lock = JSON.parse(fs.readFileSync(path.join(api.dataDir, 'pipulate.db.lock'), 'utf8')) as { since: string };
    assert.ok(new Date(lock.since) >= asked, `the store opened at ${lock.since}, before the command (${asked.toISOString()})`);
    // take() also removes them: the chat tests after this one start with none.
    const attached = api.chat.attachments.take(api.tasks.activeProfileId);
    assert.deepEqual(attached.map((a) => [a.path, a.text]), [['first-command.txt', 'attached before the store was open\n']]);
    // Attaching showed the Chat view: show the Explorer again, or the reload would restore
    // Pipulate's container and activate it before phase 2 looks.
    await vscode.commands.executeCommand('workbench.view.explorer');
  });

  test('activates on its command and returns its API', async () => {
    const api = await activatePipulate();
    assert.ok(pipulateExtension().isActive);
    assert.ok(api, 'activate() returned an API');
    assert.equal(typeof api.dataDir, 'string');
    assert.ok(api.store, 'api.store');
    assert.equal(typeof api.store.profiles.insert, 'function');
    assert.equal(typeof api.store.db.sync, 'function');
  });

  test('keeps its database in a folder of its global storage named for the workspace, whatever the window', async () => {
    const api = await activatePipulate();
    assert.ok(vscode.workspace.workspaceFolders?.length, 'a folder is open');
    const ext = pipulateExtension();
    assert.ok(api.dataDir, 'dataDir');
    // dataDir is <globalStorage>/<extension id>/workspaces/<hash of the folder's URI> (src/store/location.ts).
    const parts = api.dataDir.split(path.sep);
    assert.ok(parts.includes('globalStorage'), `${api.dataDir} is in globalStorage`);
    assert.equal(parts.at(-3), ext.id);
    assert.equal(parts.at(-2), 'workspaces');
    assert.match(path.basename(api.dataDir), /^[0-9a-f]{16}$/);
    await api.store.db.sync();
    const files = fs.readdirSync(api.dataDir);
    assert.ok(files.includes('pipulate.db'), `pipulate.db in ${api.dataDir}: ${files.join(', ')}`);
    assert.ok(files.includes('pipulate.db.journal'), `pipulate.db.journal in ${api.dataDir}: ${files.join(', ')}`);
  });
});
