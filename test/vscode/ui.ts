/**
 * A small driver for UI tests of the installed extension in a real VS Code: code-server
 * (without the smoke-test driver, so notifications show as a user sees them) with
 * dist/pipulate.vsix installed, opened in headless Chromium at a given size.
 *
 *   const ui = await startUi({ theme: 'Default Dark Modern' });
 *   await openPipulateContainer(ui.page);
 *   const tasks = webviewFrame(ui.page, 'Tasks');
 *   await tasks.getByRole('textbox').fill('...');
 *   await screenshot(ui.page, 'tasks-dark.png');
 *   await ui.stop();
 *
 * The .vsix must exist (`npm run package`; test/vscode/run.mjs builds it). Environment:
 * PIPULATE_VSIX (the .vsix), PIPULATE_UI_RUN_DIR (where runs go),
 * PIPULATE_UI_EXTENSIONS_DIR (an extensions folder the .vsix is already installed in).
 */
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { chromium, type Browser, type BrowserContext, type FrameLocator, type Page } from 'playwright-core';
import { installExtension, startCodeServer, updateSettings, type CodeServer } from '../../scripts/vscode/codeServer.mjs';
import { ensureVSCode } from '../../scripts/vscode/install.mjs';

export const root = resolve(__dirname, '..', '..');
export const screenshotDir = join(root, '.vscode-test', 'screenshots');
export const LIGHT_THEME = 'Default Light Modern';
export const DARK_THEME = 'Default Dark Modern';

export const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--no-first-run', '--disable-dev-shm-usage', '--disable-quic',
];

export interface UiOptions {
  /** workbench.colorTheme, e.g. LIGHT_THEME or DARK_THEME. */
  theme?: string;
  viewport?: { width: number; height: number };
  /** More user settings. */
  settings?: Record<string, unknown>;
  /** The folder to open (default: a fresh one in the run folder). */
  workspace?: string;
  /** Name of this session's folder under the runs folder. */
  name?: string;
  vsix?: string;
}

export interface UiSession {
  server: CodeServer;
  browser: Browser;
  context: BrowserContext;
  page: Page;
  workspace: string;
  /** Changes user settings live (VS Code watches settings.json). */
  updateSettings(settings: Record<string, unknown>): void;
  /** Switches the color theme and waits until the workbench shows it. */
  setTheme(theme: string): Promise<void>;
  stop(): Promise<void>;
}

/** Starts code-server with the .vsix installed, and opens the workspace in Chromium. */
export async function startUi(options: UiOptions = {}): Promise<UiSession> {
  const tools = await ensureVSCode();
  const vsix = resolve(options.vsix ?? process.env.PIPULATE_VSIX ?? join(root, 'dist', 'pipulate.vsix'));
  if (!existsSync(vsix)) throw new Error(`${vsix} is missing: run \`npm run package\` first`);
  const runsDir = process.env.PIPULATE_UI_RUN_DIR ?? join(root, '.vscode-test', 'runs', 'ui');
  const runDir = join(runsDir, options.name ?? `ui-${Date.now().toString(36)}`);
  rmSync(runDir, { recursive: true, force: true });
  mkdirSync(runDir, { recursive: true });

  let extensionsDir = process.env.PIPULATE_UI_EXTENSIONS_DIR;
  if (!extensionsDir || !existsSync(extensionsDir)) {
    extensionsDir = join(runDir, 'extensions');
    installExtension({ codeServer: tools, vsix, runDir, extensionsDir });
  }
  const workspace = options.workspace ?? join(runDir, 'workspace');
  if (!options.workspace) {
    mkdirSync(workspace, { recursive: true });
    writeFileSync(join(workspace, 'README.md'), '# Pipulate UI test workspace\n');
  }
  const server = await startCodeServer({
    codeServer: tools,
    runDir,
    extensionsDir,
    workspace,
    settings: { ...(options.theme ? { 'workbench.colorTheme': options.theme } : {}), ...options.settings },
  });
  let browser: Browser | undefined;
  try {
    browser = await chromium.launch({
      executablePath: tools.chromium,
      headless: process.env.PIPULATE_VSCODE_HEADED !== '1',
      args: CHROMIUM_ARGS,
      // Its crash reports and caches in the run folder, not the home folder.
      env: { ...process.env, XDG_CONFIG_HOME: join(runDir, 'xdg', 'config'), XDG_CACHE_HOME: join(runDir, 'xdg', 'cache') },
    });
    const context = await browser.newContext({ viewport: options.viewport ?? { width: 1400, height: 900 } });
    const page = await context.newPage();
    await page.goto(server.url(workspace));
    await waitForWorkbench(page);
    const session: UiSession = {
      server,
      browser,
      context,
      page,
      workspace,
      updateSettings: (settings) => void updateSettings(server.userDataDir, settings),
      async setTheme(theme) {
        updateSettings(server.userDataDir, { 'workbench.colorTheme': theme });
        // The workbench may or may not notice the file change; if not, reload it.
        try {
          await waitForTheme(page, theme, 5000);
        } catch {
          await page.reload();
          await waitForWorkbench(page);
          await waitForTheme(page, theme);
        }
      },
      async stop() {
        await browser?.close().catch(() => {});
        await server.stop();
      },
    };
    if (options.theme) await waitForTheme(page, options.theme);
    return session;
  } catch (err) {
    await browser?.close().catch(() => {});
    await server.stop();
    throw err;
  }
}

/** Waits for the workbench: its activity bar is shown and the Pipulate icon is in it. */
export async function waitForWorkbench(page: Page, timeout = 90_000): Promise<void> {
  await page.locator('.monaco-workbench .part.activitybar').waitFor({ state: 'visible', timeout });
  await pipulateIcon(page).waitFor({ state: 'visible', timeout });
}

/** The theme's CSS class name on the workbench: 'vs' for light, 'vs-dark', 'hc-black', 'hc-light'. */
function themeKind(theme: string): string {
  if (/high contrast light/i.test(theme)) return 'hc-light';
  if (/high contrast/i.test(theme)) return 'hc-black';
  return /light/i.test(theme) ? 'vs' : 'vs-dark';
}

export async function waitForTheme(page: Page, theme: string, timeout = 30_000): Promise<void> {
  const kind = themeKind(theme);
  await page.waitForFunction(
    (k) => document.querySelector('.monaco-workbench')?.classList.contains(k) ?? false,
    kind,
    { timeout },
  );
}

function pipulateIcon(page: Page) {
  return page.locator('.activitybar .action-item:has(a.action-label[aria-label^="Pipulate"])').first();
}

/** Opens the Pipulate view container by clicking its activity-bar icon (if not open yet). */
export async function openPipulateContainer(page: Page): Promise<void> {
  const icon = pipulateIcon(page);
  await icon.waitFor({ state: 'visible', timeout: 60_000 });
  const sidebarTitle = page.locator('.part.sidebar .composite.title h2');
  const open = async () => /pipulate/i.test((await sidebarTitle.textContent({ timeout: 1000 }).catch(() => '')) ?? '')
    && await page.locator('.part.sidebar').isVisible();
  if (!(await open())) {
    await icon.click();
    await page.mouse.move(1, page.viewportSize()?.height ? page.viewportSize()!.height - 1 : 1); // no hover tooltip in pictures
  }
  await page.waitForFunction(() => /pipulate/i.test(document.querySelector('.part.sidebar .composite.title h2')?.textContent ?? ''), null, { timeout: 30_000 });
}

/**
 * Runs a command by its title through the command palette (F1), as a user does. The
 * palette's list is built when it opens, so it is opened again until the command shows.
 */
export async function runCommand(page: Page, title: string, { retries = 5 } = {}): Promise<void> {
  const input = page.locator('.quick-input-widget .quick-input-box input');
  let lastError: unknown;
  for (let attempt = 0; attempt <= retries; attempt++) {
    try {
      await page.keyboard.press('Escape');
      await page.keyboard.press('F1');
      await input.waitFor({ state: 'visible', timeout: 5000 });
      await input.fill(`>${title}`);
      const row = page.locator('.quick-input-widget .monaco-list-row', { hasText: title }).first();
      await row.waitFor({ state: 'visible', timeout: 3000 });
      // Prefer the exact title, when several match.
      const exact = page.locator('.quick-input-widget .monaco-list-row').filter({ has: page.locator('.label-name', { hasText: new RegExp(`^${escapeRegExp(title)}$`) }) }).first();
      if (await exact.count()) await exact.click();
      else await row.click();
      await input.waitFor({ state: 'hidden', timeout: 5000 });
      return;
    } catch (err) {
      lastError = err;
      await page.waitForTimeout(500 * (attempt + 1));
    }
  }
  await page.keyboard.press('Escape');
  throw new Error(`Could not run the command "${title}" from the command palette: ${(lastError as Error)?.message ?? lastError}`);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Runs in the page: the `name` of the webview iframe shown in the view titled `title`.
 * Kept as source text, since the TypeScript loader would add helpers to a function's
 * code that the page does not have.
 */
const FIND_WEBVIEW = String.raw`function (title) {
  function visible(el) {
    const r = el && el.getBoundingClientRect();
    return r && r.width > 0 && r.height > 0 ? r : undefined;
  }
  const frames = [...document.querySelectorAll('iframe.webview.ready')]
    .map((f) => ({ name: f.getAttribute('name') || '', rect: visible(f) }))
    .filter((f) => f.rect && f.name);
  if (!title) return frames.length === 1 ? { name: frames[0].name } : { error: frames.length + ' webviews visible' };
  const panes = [...document.querySelectorAll('.part.sidebar .pane, .part.panel .pane, .part.auxiliarybar .pane')];
  const pane = panes.find((p) => {
    const label = (p.querySelector('.pane-header') || p).getAttribute('aria-label') || '';
    return label === title + ' Section' || label === title;
  });
  let body;
  if (pane) body = visible(pane.querySelector('.pane-body') || pane);
  else if (panes.length <= 1) {
    // A container with one view shows no pane header; its title is the container's.
    const heading = (document.querySelector('.part.sidebar .composite.title h2') || {}).textContent || '';
    if (heading.toLowerCase().includes(title.toLowerCase())) body = visible(document.querySelector('.part.sidebar .content'));
  }
  if (!body) return { error: 'no visible view titled "' + title + '"' };
  const inside = frames.filter((f) => {
    const x = f.rect.left + f.rect.width / 2;
    const y = f.rect.top + f.rect.height / 2;
    return x >= body.left && x <= body.right && y >= body.top && y <= body.bottom;
  });
  return inside.length === 1 ? { name: inside[0].name } : { error: inside.length + ' webviews in the view "' + title + '"' };
}`;

/**
 * The content of a webview view, two iframes deep. VS Code draws every webview in an
 * overlay outside the view's own element, so the view is found by place: the webview
 * whose centre lies in the body of the pane titled `viewTitle` ("Tasks", "Chat"). With
 * no title, the only visible webview. Resolves once that webview is shown and ready.
 */
export async function webviewFrame(page: Page, viewTitle?: string, timeout = 30_000): Promise<FrameLocator> {
  const deadline = Date.now() + timeout;
  let seen = '';
  for (;;) {
    const found = (await page.evaluate(`(${FIND_WEBVIEW})(${JSON.stringify(viewTitle ?? null)})`)) as { name?: string; error?: string };
    if (found.name) {
      const frame = page.frameLocator(`iframe.webview.ready[name="${found.name}"]`).frameLocator('#active-frame');
      await frame.locator('body').waitFor({ state: 'attached', timeout: Math.max(1000, deadline - Date.now()) });
      return frame;
    }
    seen = found.error ?? '';
    if (Date.now() > deadline) throw new Error(`No webview for ${viewTitle ? `the view "${viewTitle}"` : 'the page'}: ${seen}`);
    await page.waitForTimeout(250);
  }
}

/** Saves a screenshot of the whole page; a bare file name goes to .vscode-test/screenshots/. */
export async function screenshot(page: Page, file: string): Promise<string> {
  const path = isAbsolute(file) ? file : join(screenshotDir, file);
  mkdirSync(dirname(path), { recursive: true });
  await page.screenshot({ path });
  return path;
}
