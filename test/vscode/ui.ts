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
import { installExtension, runFolders, startCodeServer, updateSettings, type CodeServer } from '../../scripts/vscode/codeServer.mjs';
import { ensureVSCode } from '../../scripts/vscode/install.mjs';

export const root = resolve(__dirname, '..', '..');
export const screenshotDir = join(root, '.vscode-test', 'screenshots');
export const LIGHT_THEME = 'Default Light Modern';
export const DARK_THEME = 'Default Dark Modern';
export const HIGH_CONTRAST_THEME = 'Default High Contrast';

/** The label Preferences: Color Theme shows for a theme id. */
function themeLabel(theme: string): string {
  if (theme === 'Default High Contrast') return 'Dark High Contrast';
  if (theme === 'Default High Contrast Light') return 'Light High Contrast';
  return theme.replace(/^Default /, '');
}

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
  /** Settings of machine scope, which the extension host reads only from the machine's settings (see startCodeServer). */
  machineSettings?: Record<string, unknown>;
  /** The folder to open (default: a fresh one in the run folder). */
  workspace?: string;
  /** Files of the fresh workspace folder, by relative path (default: a README.md). */
  files?: Record<string, string>;
  /** Name of this session's folder under the runs folder. */
  name?: string;
  vsix?: string;
  /** Keep VS Code's workspace trust: the folder opens in Restricted Mode until trusted. */
  workspaceTrust?: boolean;
  /**
   * Runs once the fresh folders exist and before code-server starts: to put data where the
   * extension will find it (the user data folder holds its global storage).
   */
  prepare?(folders: { userDataDir: string; workspace: string }): Promise<void> | void;
}

export interface UiSession {
  server: CodeServer;
  browser: Browser;
  context: BrowserContext;
  page: Page;
  workspace: string;
  /** This session's folder: code-server's log, user data, failure screenshots. */
  runDir: string;
  /** Writes user settings to settings.json: code-server does not always notice; a reload reads them. */
  updateSettings(settings: Record<string, unknown>): void;
  /** Switches the color theme (Preferences: Color Theme) and waits until the workbench shows it. */
  setTheme(theme: string): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The user settings that point the extension's chat at a model server: an Ollama one (a
 * fake, or a port where nothing listens) or, with `openai`, an OpenAI-compatible one.
 */
export function modelServerSettings(server: { url: string; model: string; openai?: boolean; tools?: boolean }): Record<string, unknown> {
  return {
    ...(server.openai ? { 'pipulate.server.kind': 'openai', 'pipulate.server.url': server.url } : { 'pipulate.ollama.host': server.url }),
    'pipulate.chat.model': server.model,
    // Room for a loaded machine; a request that hangs still fails within the test's step.
    'pipulate.chat.requestTimeoutSeconds': 30,
    ...(server.tools === false && { 'pipulate.tools.enabled': false }),
  };
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
    for (const [file, text] of Object.entries(options.files ?? { 'README.md': '# Pipulate UI test workspace\n' })) {
      mkdirSync(dirname(join(workspace, file)), { recursive: true });
      writeFileSync(join(workspace, file), text);
    }
  }
  await options.prepare?.({ userDataDir: runFolders(runDir, { extensionsDir }).userDataDir, workspace });
  const server = await startCodeServer({
    codeServer: tools,
    runDir,
    extensionsDir,
    workspace,
    workspaceTrust: options.workspaceTrust,
    settings: { ...(options.theme ? { 'workbench.colorTheme': options.theme } : {}), ...options.settings },
    // The walkthrough opens on the first activation (src/walkthrough.ts) unless told not to
    // (a setting of machine scope): only the walkthrough's own test wants it in the editor.
    machineSettings: { 'workbench.welcomePage.walkthroughs.openOnInstall': false, ...options.machineSettings },
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
      runDir,
      updateSettings: (settings) => void updateSettings(server.userDataDir, settings),
      async setTheme(theme) {
        // As a user does: Preferences: Color Theme, then the theme's label ('Light Modern'
        // for 'Default Light Modern'). code-server does not notice a settings.json
        // written behind its back, so that way needs a reload, and is only the fallback.
        try {
          await runCommand(page, 'Preferences: Color Theme');
          await page.waitForFunction(() => !document.querySelector<HTMLInputElement>('.quick-input-widget .quick-input-box input')?.value.startsWith('>'), null, { timeout: 10_000 });
          const label = themeLabel(theme);
          await quickInputBox(page).fill(label);
          await pickQuickItem(page, label);
          await waitForTheme(page, theme, 10_000);
        } catch {
          await page.keyboard.press('Escape');
          updateSettings(server.userDataDir, { 'workbench.colorTheme': theme });
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

/**
 * Opens the Pipulate view container by clicking its activity-bar icon (if not open yet).
 * A click on the icon of the container shown hides the side bar, and the workbench may
 * still be restoring its layout when this looks: so it looks again after each click.
 */
export async function openPipulateContainer(page: Page): Promise<void> {
  const icon = pipulateIcon(page);
  await icon.waitFor({ state: 'visible', timeout: 60_000 });
  const shown = () => {
    const sidebar = document.querySelector('.part.sidebar');
    const rect = sidebar?.getBoundingClientRect();
    return !!rect && rect.width > 0 && rect.height > 0
      && /pipulate/i.test(sidebar!.querySelector('.composite.title h2')?.textContent ?? '');
  };
  for (let attempt = 0; attempt < 4; attempt++) {
    if (await page.evaluate(shown)) return;
    await icon.click();
    await page.mouse.move(1, page.viewportSize()?.height ? page.viewportSize()!.height - 1 : 1); // no hover tooltip in pictures
    if (await page.waitForFunction(shown, null, { timeout: 5000 }).then(() => true, () => false)) return;
  }
  throw new Error('The Pipulate container did not open from its activity-bar icon');
}

/**
 * Runs a command by its title through the command palette (F1), as a user does. The
 * palette's list is built when it opens, so it is opened again until the command shows.
 * Each attempt presses Escape first, to close what is open: a webview with the focus
 * sees that Escape too (the Chat view stops a streaming reply on it).
 */
export async function runCommand(page: Page, title: string, { retries = 5 } = {}): Promise<void> {
  const input = quickInputBox(page);
  let lastError: unknown;
  for (let attempt = 0; attempt <= retries; attempt++) {
    let row;
    try {
      await page.keyboard.press('Escape');
      await page.keyboard.press('F1');
      await input.waitFor({ state: 'visible', timeout: 5000 });
      await input.fill(`>${title}`);
      const any = page.locator('.quick-input-widget .monaco-list-row', { hasText: title }).first();
      await any.waitFor({ state: 'visible', timeout: 3000 });
      // Prefer the exact title, when several match.
      const exact = page.locator('.quick-input-widget .monaco-list-row').filter({ has: page.locator('.label-name', { hasText: new RegExp(`^${escapeRegExp(title)}$`) }) }).first();
      row = (await exact.count()) ? exact : any;
    } catch (err) {
      lastError = err;
      await page.waitForTimeout(500 * (attempt + 1));
      continue;
    }
    // From here on no retry: the command may have run, and must not run twice.
    await row.click();
    // The palette closes, or the command puts its own quick input (an input box, a pick)
    // in the same widget: either way the palette's `>` query is gone.
    await page.waitForFunction(() => {
      const el = document.querySelector<HTMLInputElement>('.quick-input-widget .quick-input-box input');
      const shown = !!el && el.getBoundingClientRect().height > 0 && getComputedStyle(document.querySelector('.quick-input-widget')!).display !== 'none';
      return !shown || !el!.value.startsWith('>');
    }, null, { timeout: 10_000 }).catch((err: Error) => {
      throw new Error(`The command palette did not run "${title}": ${err.message}`);
    });
    return;
  }
  await page.keyboard.press('Escape');
  throw new Error(`Could not run the command "${title}" from the command palette: ${(lastError as Error)?.message ?? lastError}`);
}

/** The text box of VS Code's quick input (command palette, input boxes, quick picks). */
export function quickInputBox(page: Page) {
  return page.locator('.quick-input-widget .quick-input-box input');
}

/**
 * Answers an input box a command opened (showInputBox): waits for it, checks its title
 * or prompt when `expect` is given, types the text and presses Enter, and waits until it
 * is gone.
 */
export async function answerInputBox(page: Page, text: string, expect?: RegExp): Promise<void> {
  const widget = page.locator('.quick-input-widget');
  const input = quickInputBox(page);
  await input.waitFor({ state: 'visible', timeout: 10_000 });
  // An input box shows no list; wait for the palette's `>` to be gone if it was the palette.
  await page.waitForFunction(() => !document.querySelector<HTMLInputElement>('.quick-input-widget .quick-input-box input')?.value.startsWith('>'), null, { timeout: 10_000 });
  if (expect) {
    await page.waitForFunction(
      ([source, flags]) => new RegExp(source, flags).test((document.querySelector('.quick-input-widget') as HTMLElement | null)?.innerText ?? '')
        || new RegExp(source, flags).test(document.querySelector('.quick-input-widget .quick-input-box input')?.getAttribute('aria-label') ?? ''),
      [expect.source, expect.flags] as const,
      { timeout: 10_000 },
    ).catch(async () => {
      throw new Error(`The input box is not the one expected (${expect}): ${await widget.innerText().catch(() => '?')}`);
    });
  }
  await input.fill(text);
  await input.press('Enter');
  await input.waitFor({ state: 'hidden', timeout: 10_000 });
}

/**
 * Answers VS Code's save dialog (in code-server, its own file dialog in the quick input):
 * the dialog fills in its default file name only after it has read the folder, and that
 * would overwrite a path typed before; so wait for `defaultName`, then type the path.
 */
export async function answerSaveDialog(page: Page, path: string, title: RegExp, defaultName: RegExp): Promise<void> {
  await quickInputBox(page).waitFor({ state: 'visible', timeout: 10_000 });
  await page.waitForFunction(
    ([source, flags]) => new RegExp(source, flags).test(document.querySelector<HTMLInputElement>('.quick-input-widget .quick-input-box input')?.value ?? ''),
    [defaultName.source, defaultName.flags] as const,
    { timeout: 10_000 },
  ).catch(async () => {
    throw new Error(`The save dialog never offered ${defaultName}: "${await quickInputBox(page).inputValue().catch(() => '?')}"`);
  });
  await answerInputBox(page, path, title);
}

/** Types a message into the Chat view's composer, presses Enter, and waits until the message shows. */
export async function sendMessage(page: Page, chat: FrameLocator, text: string): Promise<void> {
  await chat.locator('vscode-textarea.composer-input').click();
  await page.keyboard.type(text);
  await page.keyboard.press('Enter');
  await chat.locator('.msg[data-role="user"]', { hasText: text }).waitFor();
}

/**
 * Picks an item by its label in a quick pick a command opened (showQuickPick): waits
 * for the row, clicks it, and waits until the pick is gone.
 */
export async function pickQuickItem(page: Page, label: string): Promise<void> {
  const row = page.locator('.quick-input-widget .monaco-list-row').filter({
    has: page.locator('.label-name', { hasText: new RegExp(`^${escapeRegExp(label)}$`) }),
  }).first();
  await row.waitFor({ state: 'visible', timeout: 10_000 });
  await row.click();
  await quickInputBox(page).waitFor({ state: 'hidden', timeout: 10_000 });
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
  if (title === '#editor') {
    const editor = visible(document.querySelector('.part.editor'));
    const shown = frames.filter((f) => editor && f.rect.left + f.rect.width / 2 >= editor.left && f.rect.left + f.rect.width / 2 <= editor.right && f.rect.top + f.rect.height / 2 >= editor.top && f.rect.top + f.rect.height / 2 <= editor.bottom);
    return shown.length === 1 ? { name: shown[0].name } : { error: shown.length + ' webviews in the editor area' };
  }
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
 * whose centre lies in the body of the pane titled `viewTitle` ("Tasks", "Chat"); with
 * '#editor', the one in the editor area (a panel: a workflow run). With no title, the
 * only visible webview. Resolves once that webview is shown and ready.
 */
export async function webviewFrame(page: Page, viewTitle?: string, timeout = 30_000): Promise<FrameLocator> {
  const deadline = Date.now() + timeout;
  let seen: string;
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

/**
 * Saves a screenshot of the whole page, or of `clip`; a bare file name goes to
 * .vscode-test/screenshots/.
 */
export async function screenshot(page: Page, file: string, options: { clip?: { x: number; y: number; width: number; height: number } } = {}): Promise<string> {
  const path = isAbsolute(file) ? file : join(screenshotDir, file);
  mkdirSync(dirname(path), { recursive: true });
  await page.screenshot({ path, clip: options.clip });
  return path;
}

/**
 * Reloads the window as a user does (Developer: Reload Window from the command palette):
 * the page loads again, a new extension host starts. Resolves once the workbench and the
 * Pipulate icon are back.
 */
export async function reloadWindow(page: Page): Promise<void> {
  const loaded = page.waitForEvent('load', { timeout: 60_000 });
  await runCommand(page, 'Developer: Reload Window');
  await loaded;
  await waitForWorkbench(page);
}

/** Opens a file of the workspace in the editor with Go to File (quick open), as a user does. */
export async function openFile(page: Page, name: string): Promise<void> {
  await runCommand(page, 'Go to File...');
  await page.waitForFunction(() => !document.querySelector<HTMLInputElement>('.quick-input-widget .quick-input-box input')?.value.startsWith('>'), null, { timeout: 10_000 });
  await quickInputBox(page).fill(name);
  await pickQuickItem(page, name);
  await page.locator(`.tabs-container .tab[data-resource-name="${name}"]`).first().waitFor({ timeout: 15_000 });
}

/** A status bar item of the extension by its id (e.g. 'pipulate.profile'). */
export function statusBarItem(page: Page, id: string) {
  return page.locator(`.part.statusbar .statusbar-item[id$=".${id}"]`).first();
}

/** A modal dialog of the workbench (showWarningMessage with modal: true, in the page). */
export function modalDialog(page: Page) {
  return page.locator('.monaco-dialog-box[role="dialog"]');
}

/** Clicks a button of the modal dialog by its label and waits until the dialog is gone. */
export async function answerDialog(page: Page, button: string): Promise<void> {
  const dialog = modalDialog(page);
  await dialog.locator('.dialog-buttons a.monaco-button', { hasText: new RegExp(`^${escapeRegExp(button)}$`) }).click();
  await dialog.waitFor({ state: 'hidden', timeout: 10_000 });
}

/** Drags a sash (a splitter of the workbench) by dx, dy pixels. */
export async function dragSash(page: Page, selector: string, dx: number, dy: number): Promise<void> {
  const box = await page.locator(selector).first().boundingBox();
  if (!box) throw new Error(`No sash ${selector}`);
  const x = box.x + box.width / 2;
  const y = box.y + box.height / 2;
  await page.mouse.move(x, y);
  await page.mouse.down();
  await page.mouse.move(x + dx / 2, y + dy / 2, { steps: 4 });
  await page.mouse.move(x + dx, y + dy, { steps: 4 });
  await page.mouse.up();
}

/**
 * Sizes the side bar to `width` pixels and, in the Pipulate container, gives the first
 * view (Tasks) `firstViewHeight` pixels, by dragging the sashes as a user would.
 */
export async function layoutSidebar(page: Page, { width, firstViewHeight }: { width?: number; firstViewHeight?: number }): Promise<void> {
  if (width !== undefined) {
    const sidebar = (await page.locator('.part.sidebar').boundingBox())!;
    if (Math.abs(sidebar.width - width) > 2) await dragSash(page, '.monaco-sash.vertical.primary-sidebar-sash', width - sidebar.width, 0);
    await page.waitForFunction((w) => Math.abs((document.querySelector('.part.sidebar')?.getBoundingClientRect().width ?? 0) - w) <= 2, width, { timeout: 5000 });
  }
  if (firstViewHeight !== undefined) {
    const first = (await page.locator('.part.sidebar .pane').first().boundingBox())!;
    if (Math.abs(first.height - firstViewHeight) > 2) await dragSash(page, '.part.sidebar .monaco-sash.horizontal', 0, firstViewHeight - first.height);
  }
  await page.mouse.move(1, (page.viewportSize()?.height ?? 2) - 1); // no hover effects in pictures
}

/**
 * Polls `probe` until `done(value)` holds; on timeout, fails with `what` and the last
 * value seen. For conditions inside webviews, where a FrameLocator has no waitForFunction.
 */
export async function waitUntil<T>(what: string, probe: () => Promise<T>, done: (value: T) => boolean, { timeout = 10_000, interval = 50 } = {}): Promise<T> {
  const deadline = Date.now() + timeout;
  let last: T | undefined;
  let error: unknown;
  for (;;) {
    try {
      last = await probe();
      error = undefined;
      if (done(last)) return last;
    } catch (err) {
      error = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`Timed out after ${timeout / 1000} s waiting for ${what}; last seen: ${error ? (error as Error).message : JSON.stringify(last)}`);
    }
    await new Promise((r) => setTimeout(r, interval));
  }
}

/** Text of the notification toasts on screen, for error messages. */
export async function notificationsText(page: Page): Promise<string> {
  return (await page.locator('.notifications-toasts').innerText({ timeout: 1000 }).catch(() => '')).trim();
}

/**
 * Steps of one user journey, as tests of node's runner that share one window. A step
 * that fails or times out saves a screenshot of the window into the session's run
 * folder (failures/<n>-<slug>.png) and names it in its error, with the notifications on
 * screen; the steps after it are skipped (they would fail only because of it).
 *
 *   const step = journey(() => ui);
 *   test('adds a todo', step('add', async () => { ... }));
 */
export function journey(session: () => UiSession | undefined, { timeoutMs = 90_000 } = {}) {
  let failed: string | undefined;
  let n = 0;
  return (slug: string, fn: (t: { diagnostic(message: string): void }) => Promise<void>, options: { timeoutMs?: number } = {}) => {
    const index = ++n;
    return async (t: { skip(message?: string): void; diagnostic(message: string): void }) => {
      if (failed) {
        t.skip(`skipped: the step "${failed}" before it failed`);
        return;
      }
      const limit = options.timeoutMs ?? timeoutMs;
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          fn(t),
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error(`step "${slug}" did not finish within ${limit / 1000} s`)), limit);
          }),
        ]);
      } catch (err) {
        failed = slug;
        const ui = session();
        const notes: string[] = [];
        if (ui) {
          const file = join(ui.runDir, 'failures', `${String(index).padStart(2, '0')}-${slug}.png`);
          await screenshot(ui.page, file).then(() => notes.push(`screenshot: ${file}`), (e: Error) => notes.push(`no screenshot: ${e.message}`));
          const toasts = await notificationsText(ui.page);
          if (toasts) notes.push(`notifications: ${toasts.replace(/\s+/g, ' ')}`);
        }
        if (err instanceof Error && notes.length) {
          // The reporter prints the stack, which holds the message as it was.
          const { message, stack } = err;
          err.message += `\n    ${notes.join('\n    ')}`;
          if (stack?.includes(message)) err.stack = stack.replace(message, err.message);
        }
        throw err;
      } finally {
        clearTimeout(timer);
      }
    };
  };
}
