/**
 * Workflows in a real VS Code with the installed .vsix, driven as a user would: New
 * Workflow from the built-in Hello (the file written and opened), Start Workflow with a
 * typed key, two steps filled in the run panel; the window reloads and the same key
 * resumes the run where it was; a step reverted and filled again; the run finalized and
 * unlocked; a broken workflow file shows its error in the Problems panel and the other
 * workflows keep working. The Workflows view: the workflows, under each its runs in the
 * active profile (another profile shows its own), a run opened by a click and by the
 * keyboard (arrows, Enter), a run started from a workflow's inline Start Workflow.
 * Run by test/vscode/run.mjs (the `vscode` suite of `npm test`), or:
 *   npm run package && node --import tsx --test test/vscode/workflows.test.ts
 */
import * as assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { FrameLocator, Page } from 'playwright-core';
import { DARK_THEME, answerInputBox, journey, openPipulateContainer, pickQuickItem, reloadWindow, runCommand, screenshot, startUi, waitUntil, webviewFrame, type UiSession } from './ui';

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

  test('the Workflows view lists the workflows and, under each, the active profile’s runs; a run opens on a click and on Enter; ▶ starts one', step('tree', async () => {
    await runCommand(page, 'View: Close All Editors');
    await openPipulateContainer(page);
    const header = page.locator('.part.sidebar .pane-header[aria-label="Workflows Section"]');
    if ((await header.getAttribute('aria-expanded')) === 'false') await header.click();
    const pane = page.locator('.part.sidebar .pane').filter({ has: page.locator('.pane-header[aria-label="Workflows Section"]') });
    const rows = pane.locator('.monaco-list-row');
    const shown = () => rows.evaluateAll((els) => els.map((e) => `${'  '.repeat(Number(e.getAttribute('aria-level')) - 1)}${e.querySelector('.label-name')?.textContent ?? ''} | ${(e.querySelector('.label-description')?.textContent ?? '').replace(/ · .*/, '')}`));
    // Sorted by file name; the file hello.json takes the built-in Hello's place; runs newest first.
    const expected = [
      'broken | 1 problem',
      '  "steps" is missing: a list of steps. | line 1, column 1',
      'Describe my changes | built-in',
      'Hello | hello',
      '  default-hello-01 | at step 1 of 2',
      '  trip-1 | all 2 steps done',
      'Plan a feature | built-in',
    ];
    await waitUntil('the Workflows view', shown, (list) => JSON.stringify(list) === JSON.stringify(expected)).catch(async () => assert.deepEqual(await shown(), expected));
    const row = (label: string) => rows.filter({ has: page.locator('.label-name', { hasText: new RegExp(`^${label}$`) }) }).first();

    // A broken file's error opens the file at its place.
    await rows.filter({ hasText: '"steps" is missing' }).first().click();
    await page.locator('.tabs-container .tab', { hasText: 'broken.json' }).waitFor({ timeout: 15_000 });
    await runCommand(page, 'View: Close All Editors');

    // A click on a run opens its panel.
    await row('trip-1').click();
    let panel = await webviewFrame(page, '#editor');
    await panel.locator('.wf-key', { hasText: 'Run trip-1' }).waitFor({ timeout: 20_000 });
    assert.deepEqual(await panel.locator('li.wf-done .wf-value').allTextContents(), ['Ada', 'Hi Ada']);

    // By keyboard: in the tree, Up from "Plan a feature" reaches the run above it; Enter opens it.
    await runCommand(page, 'View: Close All Editors');
    await row('Plan a feature').click();
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('ArrowUp');
    assert.equal(await pane.locator('.monaco-list-row.focused .label-name').textContent(), 'default-hello-01');
    await page.keyboard.press('Enter');
    panel = await webviewFrame(page, '#editor');
    await panel.locator('.wf-key', { hasText: /hello-01$/ }).waitFor({ timeout: 20_000 });
    await panel.locator('#step-name-field').waitFor();

    // Another profile has no runs; its own show once started; switching back shows the first one's.
    await runCommand(page, 'View: Close All Editors');
    await runCommand(page, 'Pipulate: New Profile');
    await answerInputBox(page, 'Elsewhere', /New profile/);
    await waitUntil('no runs under Hello', shown, (list) => list.includes('Hello | hello') && list[list.indexOf('Hello | hello') + 1] === 'Plan a feature | built-in');
    // The inline Start Workflow of "Plan a feature", then a key.
    await row('Plan a feature').hover();
    await row('Plan a feature').locator('.actions .action-label[aria-label^="Start Workflow"]').click();
    await answerInputBox(page, 'launch', /key for this run/);
    panel = await webviewFrame(page, '#editor');
    await panel.locator('h1.wf-title', { hasText: 'Plan a feature' }).waitFor({ timeout: 20_000 });
    await waitUntil('the new run in the tree', shown, (list) => list.some((l) => l.startsWith('  launch | at step 1 of 4')));
    // The run panel may still take the focus as it settles, and a quick pick closes when it loses it.
    await runCommand(page, 'View: Close All Editors');
    await runCommand(page, 'Pipulate: Switch Profile');
    await pickQuickItem(page, 'Default');
    await waitUntil('the first profile’s runs', shown, (list) => JSON.stringify(list) === JSON.stringify(expected));
    await screenshot(page, 'workflows-view-dark.png');
  }));
});

describe('workflows in Restricted Mode', () => {
  let untrusted: UiSession | undefined;
  const look = '{ "title": "Look", "steps": [ { "id": "out", "title": "Output", "type": "command", "run": "echo ran > ran.txt && echo ran", "timeoutSeconds": 10 } ] }\n';
  const trustedStep = journey(() => untrusted);
  before(async () => {
    untrusted = await startUi({ theme: DARK_THEME, name: 'workflows-untrusted', workspaceTrust: true, files: { '.pipulate/workflows/look.json': look } });
  });
  after(async () => {
    await untrusted?.stop();
  });

  test('a command step in an untrusted folder shows its command and why it cannot run, and runs nothing; trusted, it runs', trustedStep('untrusted', async () => {
    const p = untrusted!.page;
    page = p;
    await runCommand(p, 'Pipulate: Start Workflow');
    await pickThenType('Look', 'k', /key for this run/);
    const panel = await webviewFrame(p);
    await panel.locator('.wf-command pre', { hasText: 'echo ran > ran.txt && echo ran' }).waitFor({ timeout: 20_000 });
    assert.match((await panel.locator('.wf-command .wf-notice').textContent()) ?? '', /only in a trusted workspace: trust this folder/);
    const run = panel.locator('li.wf-current button', { hasText: /^Run$/ });
    assert.equal(await run.isDisabled(), true);
    await screenshot(p, 'workflow-untrusted-dark.png');
    assert.equal(existsSync(join(untrusted!.workspace, 'ran.txt')), false);

    // Trusted from VS Code's own Workspace Trust editor: the open run says it can run now.
    await runCommand(p, 'Workspaces: Manage Workspace Trust');
    await p.locator('.workspace-trust-editor .workspace-trust-buttons-row .monaco-button', { hasText: /^Trust$/ }).first().click({ timeout: 15_000 });
    await p.locator('.workspace-trust-editor', { hasText: 'You trust this folder' }).waitFor({ timeout: 15_000 });
    // The Workspace Trust editor opens as a modal editor: its close button.
    await p.locator('.monaco-modal-editor-block .action-label[aria-label^="Close"]').first().click({ timeout: 10_000 });
    await p.locator('.monaco-modal-editor-block').waitFor({ state: 'hidden', timeout: 10_000 });
    await p.locator('.tabs-container .tab', { hasText: 'Look: k' }).click();
    const again = await webviewFrame(p);
    await again.locator('li.wf-current button:enabled', { hasText: /^Run$/ }).click({ timeout: 20_000 });
    await again.locator('li.wf-current button:enabled', { hasText: 'Accept' }).waitFor({ timeout: 20_000 });
    assert.equal((await again.locator('#step-out-field').inputValue()).trim(), 'ran');
    assert.equal(existsSync(join(untrusted!.workspace, 'ran.txt')), true);
  }));
});
