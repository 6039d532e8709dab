/**
 * The host bundle (dist/extension.js, as `npm test` builds it) loads under Node with
 * only `vscode` missing: a module esbuild left as a runtime `require` of a file that is
 * not in the bundle would fail here, not at activation in the user's VS Code.
 */
import assert from 'node:assert/strict';
import Module, { createRequire } from 'node:module';
import * as path from 'node:path';
import { test } from 'node:test';

test('dist/extension.js loads with nothing but the vscode module supplied, and exports activate and deactivate', () => {
  const bundle = path.resolve(__dirname, '../../../dist/extension.js');
  const load = (Module as unknown as { _load: (request: string, parent: unknown, isMain: boolean) => unknown })._load;
  const original = load.bind(Module);
  const missing: string[] = [];
  (Module as unknown as { _load: typeof load })._load = (request, parent, isMain) => {
    if (request === 'vscode') return new Proxy({}, { get: () => undefined });
    if ((parent as { filename?: string })?.filename === bundle && !request.startsWith('node:') && !Module.isBuiltin(request)) missing.push(request);
    return original(request, parent, isMain);
  };
  try {
    const exported = createRequire(__filename)(bundle) as { activate?: unknown; deactivate?: unknown };
    assert.equal(typeof exported.activate, 'function');
    assert.equal(typeof exported.deactivate, 'function');
    assert.deepEqual(missing, [], 'the bundle requires nothing from outside it but vscode and Node built-ins');
  } finally {
    (Module as unknown as { _load: typeof load })._load = load;
  }
});
