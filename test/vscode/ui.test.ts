/**
 * The installed extension in the VS Code UI, driven as a user would: the activity-bar
 * icon opens the Pipulate container, both webview views render, in a light and a dark
 * theme (screenshots in .vscode-test/screenshots/), and its commands run from the
 * command palette. Run by test/vscode/run.mjs (the `vscode` suite of `npm test`), or:
 *   npm run package && node --import tsx --test test/vscode/ui.test.ts
 */
import * as assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  DARK_THEME, HIGH_CONTRAST_THEME, LIGHT_THEME, openPipulateContainer, runCommand, screenshot, startUi, webviewFrame, type UiSession,
} from './ui';

/** Waits until a view's webview has drawn its app, in the theme's kind (VS Code sets it on the body). */
async function rendered(ui: UiSession, view: string, kind: 'vscode-light' | 'vscode-dark' | 'vscode-high-contrast'): Promise<void> {
  const frame = await webviewFrame(ui.page, view);
  await frame.locator(`body.${kind} .app > :not([hidden])`).first().waitFor({ state: 'visible', timeout: 30_000 });
}

describe('Pipulate in the VS Code UI', { timeout: 10 * 60_000 }, () => {
  let ui: UiSession;

  before(async () => {
    ui = await startUi({ theme: LIGHT_THEME, viewport: { width: 1400, height: 900 }, name: 'ui-test' });
  });

  after(async () => {
    await ui?.stop();
  });

  test('the activity-bar icon opens the Pipulate container with its Tasks and Chat views', async () => {
    await openPipulateContainer(ui.page);
    const headers = ui.page.locator('.part.sidebar .pane-header');
    await headers.first().waitFor({ state: 'visible' });
    const labels = await headers.evaluateAll((els) => els.map((e) => e.getAttribute('aria-label') ?? ''));
    assert.ok(labels.some((l) => l.startsWith('Tasks')), `views: ${labels.join(', ')}`);
    assert.ok(labels.some((l) => l.startsWith('Chat')), `views: ${labels.join(', ')}`);
  });

  test('both views render in a light theme', async () => {
    await openPipulateContainer(ui.page);
    await rendered(ui, 'Tasks', 'vscode-light');
    await rendered(ui, 'Chat', 'vscode-light');
    await ui.page.waitForTimeout(1000); // let styles and fonts settle for the picture
    await screenshot(ui.page, 'pipulate-light.png');
  });

  test('both views render in a dark theme', async () => {
    await ui.setTheme(DARK_THEME);
    await openPipulateContainer(ui.page);
    await rendered(ui, 'Tasks', 'vscode-dark');
    await rendered(ui, 'Chat', 'vscode-dark');
    await ui.page.waitForTimeout(1000);
    await screenshot(ui.page, 'pipulate-dark.png');
  });

  test('both views render in a high-contrast theme, with the outlines it asks for', async () => {
    await ui.setTheme(HIGH_CONTRAST_THEME);
    await openPipulateContainer(ui.page);
    await rendered(ui, 'Tasks', 'vscode-high-contrast');
    await rendered(ui, 'Chat', 'vscode-high-contrast');
    const tasks = await webviewFrame(ui.page, 'Tasks');
    // High contrast draws a border around inputs: VS Code's contrastBorder reaches the webview.
    const border = await tasks.locator('vscode-textfield.add-input').evaluate((el) => getComputedStyle(el).getPropertyValue('--vscode-contrastBorder').trim());
    assert.notEqual(border, '', 'the high-contrast border colour is defined in the webview');
    await ui.page.waitForTimeout(1000);
    await screenshot(ui.page, 'pipulate-high-contrast.png');
  });

  test('its command runs from the command palette (Pipulate: Show Log)', async () => {
    await runCommand(ui.page, 'Pipulate: Show Log');
    const panel = ui.page.locator('.part.panel');
    await panel.waitFor({ state: 'visible', timeout: 15_000 });
    // The Output view shows the extension's log channel.
    await ui.page.waitForFunction(() => {
      const panelEl = document.querySelector('.part.panel');
      return !!panelEl && /Pipulate/.test(panelEl.textContent ?? '');
    }, null, { timeout: 15_000 });
    await screenshot(ui.page, 'pipulate-log.png');
  });
});
