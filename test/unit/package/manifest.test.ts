/**
 * The manifest is localizable: every user-visible string in package.json's `contributes`
 * (command titles and categories, view and container names, setting descriptions...)
 * is a `%key%` placeholder, and every placeholder has its English text in
 * package.nls.json. VS Code then shows package.nls.<locale>.json's text where a
 * translation exists.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';

const root = path.join(__dirname, '..', '..', '..');
const readJson = (file: string): unknown => JSON.parse(fs.readFileSync(path.join(root, file), 'utf8'));

/** Keys whose values VS Code shows to the user, wherever they sit in `contributes`. */
const USER_VISIBLE = new Set([
  'title',
  'shortTitle',
  'category',
  'name',
  'contextualTitle',
  'label',
  'contents',
  'description',
  'markdownDescription',
  'deprecationMessage',
  'markdownDeprecationMessage',
  'enumDescriptions',
  'markdownEnumDescriptions',
  'enumItemLabels',
  'altText',
]);
const PLACEHOLDER = /^%([^%\s]+)%$/;

/** `where: value` for each user-visible string under `contributes` that is not a placeholder. */
function unlocalizedStrings(manifest: { contributes?: unknown }): string[] {
  const found: string[] = [];
  const walk = (value: unknown, where: string, visible: boolean): void => {
    if (typeof value === 'string') {
      if (visible && !PLACEHOLDER.test(value)) found.push(`${where}: ${JSON.stringify(value)}`);
    } else if (Array.isArray(value)) {
      value.forEach((item, i) => walk(item, `${where}[${i}]`, visible));
    } else if (value && typeof value === 'object') {
      for (const [key, item] of Object.entries(value)) walk(item, `${where}.${key}`, USER_VISIBLE.has(key));
    }
  };
  walk(manifest.contributes, 'contributes', false);
  return found;
}

/** Every `%key%` used anywhere in the manifest. */
function placeholders(manifest: unknown): Set<string> {
  const keys = new Set<string>();
  const walk = (value: unknown): void => {
    if (typeof value === 'string') {
      const m = PLACEHOLDER.exec(value);
      if (m) keys.add(m[1]!);
    } else if (value && typeof value === 'object') {
      for (const item of Object.values(value)) walk(item);
    }
  };
  walk(manifest);
  return keys;
}

/** What is wrong between the manifest and its package.nls.json: missing, empty and unused entries. */
function nlsProblems(manifest: unknown, nls: Record<string, unknown>): string[] {
  const used = placeholders(manifest);
  const problems: string[] = [];
  for (const key of used) {
    const entry = nls[key];
    // An entry is a string, or { message, comment } for translators.
    const text = typeof entry === 'object' && entry !== null ? (entry as { message?: unknown }).message : entry;
    if (entry === undefined) problems.push(`%${key}% has no entry in package.nls.json`);
    else if (typeof text !== 'string' || !text.trim()) problems.push(`package.nls.json: "${key}" is not a non-empty string`);
  }
  for (const key of Object.keys(nls)) if (!used.has(key)) problems.push(`package.nls.json: "${key}" is used nowhere in package.json`);
  return problems;
}

test('every user-visible string in package.json contributes is a %placeholder%', () => {
  const manifest = readJson('package.json') as { contributes?: unknown };
  assert.ok(manifest.contributes, 'package.json has contributes');
  assert.deepEqual(unlocalizedStrings(manifest), [], 'strings to move into package.nls.json');
});

test('every placeholder in package.json has its English text in package.nls.json, and no entry is unused', () => {
  assert.ok(fs.existsSync(path.join(root, 'package.nls.json')), 'package.nls.json exists');
  assert.deepEqual(nlsProblems(readJson('package.json'), readJson('package.nls.json') as Record<string, unknown>), []);
});

test('the checks catch a plain string, a placeholder without text and an unused entry', () => {
  const manifest = {
    contributes: {
      commands: [{ command: 'x.a', title: 'Do It', category: '%category%', icon: '$(add)' }],
      views: { x: [{ id: 'x.v', name: '%view.name%' }] },
      configuration: { title: '%config%', properties: { 'x.p': { type: 'string', default: 'kept as is', markdownDescription: 'Plain' } } },
    },
  };
  assert.deepEqual(unlocalizedStrings(manifest), [
    'contributes.commands[0].title: "Do It"',
    'contributes.configuration.properties.x.p.markdownDescription: "Plain"',
  ]);
  assert.deepEqual(nlsProblems(manifest, { category: 'X', config: 'X', unused: 'Y' }), [
    '%view.name% has no entry in package.nls.json',
    'package.nls.json: "unused" is used nowhere in package.json',
  ]);
});
