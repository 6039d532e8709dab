/**
 * Workflows in a real VS Code with the installed .vsix, driven as a user would: New
 * Workflow from the built-in Hello (the file written and opened), Start Workflow with a
 * typed key, two steps filled in the run panel; the window reloads and the same key
 * resumes the run where it was; a step reverted and filled again; the run finalized and
 * unlocked; a broken workflow file shows its error in the Problems panel and the other
 * workflows keep working.
 * Run by test/vscode/run.mjs (the `vscode` suite of `npm test`), or:
 *   npm run package && node --import tsx --test test/vscode/workflows.test.ts
 */
import * as assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { FrameLocator, Page } from 'playwright-core';
import { DARK_THEME, answerInputBox, journey, reloadWindow, runCommand, screenshot, startUi, webviewFrame, type UiSession } from './ui';

let ui: UiSession;
let page: Page;
let run: FrameLocator;
const step = journey(() => ui);

/** Picks a quick pick's item by label when the command's input box follows it in the same widget (pickQuickItem waits for the widget to close). */
async function pickThenType(label: string, text: string, expect: RegExp): Promise<void> {
  const row = page.locator('.quick-input-widget .monaco-list-row').filter({ has: page.locator('.label-name', { hasText: new RegExp(`^${label}$`) }) }).first();
  await row.waitFor({ state: 'visible', timeout: 10_000 });
  await row.click();
  await page.locator('.quick-input-widget', { hasText: expect }).waitFor({ timeout: 10_000 });
  await answerInputBox(page, text, expect);
}

/** Start Workflow → Hello → the key; the run panel is the only webview then (the editors were closed). */
async function startHello(key: string): Promise<void> {
  await runCommand(page, 'View: Close All Editors');
  await runCommand(page, 'Pipulate: Start Workflow');
  await pickThenType('Hello', key, /key for this run/);
  run = await webviewFrame(page);
  await run.locator('h1.wf-title').waitFor({ timeout: 20_000 });
}

describe('workflows', () => {
  before(async () => {
    ui = await startUi({ theme: DARK_THEME, name: 'workflows', files: { 'README.md': '# Workflows\n' } });
    page = ui.page;
  });
  after(async () => {
    await ui?.stop();
  });

  test('New Workflow writes the built-in Hello into .pipulate/workflows/ and opens it', step('new', async () => {
    await runCommand(page, 'Pipulate: New Workflow');
    await pickThenType('Hello', 'hello', /file name/);
    await page.locator('.tabs-container .tab', { hasText: 'hello.json' }).waitFor({ timeout: 15_000 });
    const file = join(ui.workspace, '.pipulate', 'workflows', 'hello.json');
    assert.ok(existsSync(file));
    assert.match(readFileSync(file, 'utf8'), /"title": "Hello"/);
  }));

  test('Start Workflow with a key opens the run panel; two steps filled by keyboard', step('start', async () => {
    await startHello('trip-1');
    await run.locator('#step-name-field').waitFor();
    await run.locator('#step-name-field').fill('Ada');
    await run.locator('#step-name-field').press('Enter');
    await run.locator('li.wf-current[data-step="greeting"]').waitFor();
    assert.equal(await run.locator('#step-greeting-field').inputValue(), 'Hello, Ada!');
    await run.locator('#step-greeting-field').press('Enter');
    await run.locator('.wf-footer button', { hasText: 'Finalize' }).waitFor();
    await screenshot(page, 'workflow-run-dark.png');
  }));

  test('after a reload, the same key resumes the run as it was', step('resume', async () => {
    await reloadWindow(page);
    await startHello('trip-1');
    await run.locator('.wf-footer button', { hasText: 'Finalize' }).waitFor();
    assert.deepEqual(await run.locator('li.wf-done .wf-value').allTextContents(), ['Ada', 'Hello, Ada!']);
  }));

  test('revert clears the step; finalize locks the run and unlock opens it', step('revert-finalize', async () => {
    await run.locator('li[data-step="greeting"] button', { hasText: 'Revert' }).click();
    await run.locator('li.wf-current[data-step="greeting"]').waitFor();
    await run.locator('#step-greeting-field').fill('Hi Ada');
    await run.locator('#step-greeting-field').press('Enter');
    await run.locator('.wf-footer button', { hasText: 'Finalize' }).click();
    await run.locator('.wf-footer button', { hasText: 'Unlock' }).waitFor();
    assert.equal(await run.locator('li.wf-step button', { hasText: 'Revert' }).count(), 0);
    await run.locator('.wf-footer button', { hasText: 'Unlock' }).click();
    await run.locator('.wf-footer button', { hasText: 'Finalize' }).waitFor();
  }));

  test('a broken workflow file shows its error in the Problems panel; Hello still starts', step('broken', async () => {
    const dir = join(ui.workspace, '.pipulate', 'workflows');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'broken.json'), '{ "title": "Broken" }\n');
    await runCommand(page, 'Focus Problems (Errors, Warnings, Infos)');
    await page.locator('.markers-panel', { hasText: '"steps" is missing' }).waitFor({ timeout: 20_000 });
    await startHello('');
    assert.match((await run.locator('.wf-key').textContent()) ?? '', /hello-01$/);
  }));
});
