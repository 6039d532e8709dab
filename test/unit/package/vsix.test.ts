/**
 * The .vsix holds what the installed extension loads or shows, and nothing else: the
 * test packages the extension as `npm run package` does (vsce, same options) from the
 * current build into a temporary file, reads the zip's entries, and checks them
 * against an allowlist. Source maps, sources, tests, scripts, docs other than the image
 * README embeds, node_modules and .vscode-test must stay out.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';

const root = path.join(__dirname, '..', '..', '..');

/**
 * What may be in the .vsix (paths inside the zip). vsce stores the extension under
 * `extension/` and names README, CHANGELOG and LICENSE readme.md, changelog.md and
 * LICENSE.txt there.
 */
const ALLOWED: RegExp[] = [
  /^extension\.vsixmanifest$/,
  /^\[Content_Types\]\.xml$/,
  /^extension\/package\.json$/,
  /^extension\/package\.nls(\.[a-z]{2,3}(-[a-z0-9]+)*)?\.json$/i,
  // The host's texts (package.json's `l10n`): the English bundle and its translations.
  /^extension\/l10n\/bundle\.l10n(\.[a-z]{2,3}(-[a-z0-9]+)*)?\.json$/i,
  /^extension\/readme\.md$/,
  /^extension\/changelog\.md$/,
  /^extension\/LICENSE(\.txt|\.md)?$/,
  // The host bundle and one browser bundle per view; never a source map.
  /^extension\/dist\/[\w.-]+\.js$/,
  /^extension\/dist\/[\w.-]+\.css$/,
  /^extension\/dist\/sql-wasm\.wasm$/,
  /^extension\/dist\/codicon\.ttf$/,
  /^extension\/media\/[\w.-]+\.(png|svg)$/,
  // The walkthrough's pages (contributes.walkthroughs: each step's media.markdown).
  /^extension\/media\/walkthrough\/[\w.-]+\.md$/,
  // The JSON schemas the manifest's jsonValidation points at (workflow files).
  /^extension\/schemas\/[\w.-]+\.schema\.json$/,
];

/** Relative images README.md shows (`![..](path)`, `<img src>`): they must ship for the details page. */
function readmeImages(readme: string): string[] {
  const found = new Set<string>();
  for (const m of readme.matchAll(/!\[[^\]]*\]\(\s*([^)\s]+)/g)) found.add(m[1]!);
  for (const m of readme.matchAll(/<img\b[^>]*\bsrc=["']([^"']+)["']/gi)) found.add(m[1]!);
  return [...found].filter((src) => !/^[a-z][a-z0-9+.-]*:/i.test(src) && !src.startsWith('#')).map((src) => path.posix.normalize(src));
}

/** The entries that match no allowed pattern and are not an image README embeds. */
function strayEntries(entries: readonly string[], images: readonly string[]): string[] {
  const embedded = new Set(images.map((src) => `extension/${src}`));
  return entries.filter((e) => e.endsWith('.map') || !(embedded.has(e) || ALLOWED.some((re) => re.test(e))));
}

/** The names in a zip file, from its central directory. */
function zipEntries(file: string): string[] {
  const buf = fs.readFileSync(file);
  // The end-of-central-directory record: its signature, searched from the end (a comment may follow it).
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 0xffff); i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  assert.ok(eocd >= 0, `${file} is not a zip file`);
  const count = buf.readUInt16LE(eocd + 10);
  let at = buf.readUInt32LE(eocd + 16);
  const names: string[] = [];
  for (let n = 0; n < count; n++) {
    assert.equal(buf.readUInt32LE(at), 0x02014b50, `central directory entry ${n} of ${file}`);
    const nameLength = buf.readUInt16LE(at + 28);
    const extraLength = buf.readUInt16LE(at + 30);
    const commentLength = buf.readUInt16LE(at + 32);
    names.push(buf.toString('utf8', at + 46, at + 46 + nameLength));
    at += 46 + nameLength + extraLength + commentLength;
  }
  return names;
}

/** Packages the current build with the options of `npm run package`, into a temporary file. */
function packageVsix(out: string): void {
  const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  const script = manifest.scripts['package'] ?? '';
  const at = script.indexOf('vsce package');
  assert.ok(at >= 0, 'the package script runs vsce package');
  const args = script.slice(at + 'vsce package'.length).trim().split(/\s+/);
  const outAt = args.indexOf('--out');
  if (outAt >= 0) args.splice(outAt, 2);
  const vsce = path.join(root, 'node_modules', '@vscode', 'vsce', 'vsce');
  const r = spawnSync(process.execPath, [vsce, 'package', ...args, '--out', out], { cwd: root, encoding: 'utf8' });
  assert.equal(r.status, 0, `vsce package failed:\n${r.stdout}\n${r.stderr}`);
}

test('the allowlist refuses what does not belong in a .vsix', () => {
  const bad = [
    'extension/dist/extension.js.map',
    'extension/dist/webview-chat.js.map',
    'extension/dist/webview.css.map',
    'extension/dist/pipulate.vsix',
    'extension/src/extension.ts',
    'extension/test/unit/store/table.test.ts',
    'extension/scripts/test.mjs',
    'extension/docs/screenshot-light.png',
    'extension/docs/architecture.md',
    'extension/node_modules/sql.js/dist/sql-wasm.wasm',
    'extension/.vscode-test/results/unit.tap',
    'extension/l10n/notes.txt',
    'extension/tsconfig.json',
    'extension/esbuild.mjs',
    'extension/eslint.config.mjs',
  ];
  const good = [
    'extension.vsixmanifest',
    '[Content_Types].xml',
    'extension/package.json',
    'extension/package.nls.json',
    'extension/package.nls.de.json',
    'extension/l10n/bundle.l10n.json',
    'extension/l10n/bundle.l10n.pt-br.json',
    'extension/readme.md',
    'extension/changelog.md',
    'extension/LICENSE.txt',
    'extension/dist/extension.js',
    'extension/dist/webview-tasks.js',
    'extension/dist/webview-chat.js',
    'extension/dist/webview.css',
    'extension/dist/codicon.css',
    'extension/dist/codicon.ttf',
    'extension/dist/sql-wasm.wasm',
    'extension/media/icon.png',
    'extension/media/pipulate.svg',
    'extension/docs/screenshot-dark.png',
  ];
  assert.deepEqual(strayEntries([...good, ...bad], ['docs/screenshot-dark.png']), bad);
  assert.deepEqual(readmeImages('![a](docs/a.png) [b](docs/b.png) ![c](https://x/c.png) <img alt="d" src="./media/d.png">'), ['docs/a.png', 'media/d.png']);
});

test('the packaged .vsix holds what the extension needs and nothing else', { timeout: 120_000 }, () => {
  assert.ok(fs.existsSync(path.join(root, 'dist', 'extension.js')), 'dist/ is built (npm test builds it; alone: npm run build)');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pipulate-vsix-'));
  try {
    const vsix = path.join(dir, 'pipulate.vsix');
    packageVsix(vsix);
    const entries = zipEntries(vsix);
    const images = readmeImages(fs.readFileSync(path.join(root, 'README.md'), 'utf8'));
    assert.deepEqual(strayEntries(entries, images), [], 'files that do not belong in the .vsix (see .vscodeignore)');

    const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as {
      main: string;
      icon?: string;
      contributes?: { viewsContainers?: Record<string, { icon?: string }[]>; views?: Record<string, { icon?: string }[]> };
    };
    const referenced = [manifest.main, manifest.icon, ...Object.values(manifest.contributes?.viewsContainers ?? {}).flat().map((c) => c.icon), ...Object.values(manifest.contributes?.views ?? {}).flat().map((v) => v.icon)];
    const needed = new Set([
      'extension/package.json',
      'extension/package.nls.json',
      'extension/l10n/bundle.l10n.json',
      'extension/readme.md',
      'extension/changelog.md',
      'extension/LICENSE.txt',
      'extension/dist/extension.js',
      'extension/dist/sql-wasm.wasm',
      'extension/dist/codicon.css',
      'extension/dist/codicon.ttf',
      'extension/dist/webview.css',
      ...images.map((src) => `extension/${src}`),
      ...referenced.filter((p): p is string => typeof p === 'string' && !p.startsWith('$(')).map((p) => `extension/${path.posix.normalize(p)}`),
    ]);
    assert.deepEqual([...needed].filter((e) => !entries.includes(e)), [], 'files the extension needs, missing from the .vsix');
    assert.ok(manifest.icon?.endsWith('.png'), 'the marketplace icon is a PNG');
    const bundles = entries.filter((e) => /^extension\/dist\/[\w.-]+\.js$/.test(e) && e !== 'extension/dist/extension.js');
    assert.ok(bundles.length > 0, 'the webview bundles are in the .vsix');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
