/**
 * The first-run walkthrough in a real VS Code, driven as a user would. Each step's
 * checkbox on the Welcome page (`.codicon[data-done-step-id=…]`, `aria-checked`) is read
 * before and after its real event, and never clicked: the step is not checked before
 * the event and is checked after it, while the steps after it stay unchecked.
 *
 *   first activation: the walkthrough opens by itself (nothing done yet); nothing checked,
 *     since the model server (the fake Ollama's port) does not answer yet
 *   Pipulate: Get Started (command palette) opens it again
 *   the server answers (the fake Ollama starts; Check Model Server Connection)
 *   a model is chosen (Select Model; the one in the settings is not on the server)
 *   a todo is added (typed in the Tasks view)
 *   a message is sent (typed in the Chat view)
 *   after Developer: Reload Window, the steps stay checked
 *
 * Run by test/vscode/run.mjs (the `vscode` suite of `npm test`), or:
 *   npm run package && node --import tsx --test test/vscode/walkthrough.test.ts
 */
import * as assert from 'node:assert/strict';
import * as net from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { FrameLocator, Page } from 'playwright-core';
import { startFakeOllama, type FakeOllama } from '../fakes/ollamaServer';
import { LIGHT_THEME, journey, modelServerSettings, openPipulateContainer, pickQuickItem, reloadWindow, runCommand, screenshot, startUi, waitUntil, webviewFrame, type UiSession } from './ui';

const STEPS = ['server', 'model', 'todo', 'chat'] as const;
type Step = (typeof STEPS)[number];
/** How VS Code names an extension's walkthrough step: extension id # walkthrough id # step id. */
const stepId = (step: Step) => `pipulate.pipulate#pipulate.start#pipulate.start.${step}`;

let port: number;
let ollama: FakeOllama | undefined;
let ui: UiSession;
let page: Page;
let tasks: FrameLocator;
let chat: FrameLocator;
const step = journey(() => ui);

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port: p } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return p;
}

/** The walkthrough's page in the editor area, showing Pipulate's steps. */
function walkthroughPage() {
  return page.locator('.gettingStartedContainer .getting-started-category .category-title', { hasText: 'Get started with Pipulate' }).first();
}
async function waitForWalkthrough(): Promise<void> {
  await page.locator(`.gettingStartedContainer [data-done-step-id="${stepId('server')}"]`).first().waitFor({ state: 'attached', timeout: 30_000 });
}

/** Each step's checkbox as the Welcome page shows it: true when checked. */
async function checks(): Promise<Record<Step, boolean | undefined>> {
  const states = await page.evaluate((ids) => ids.map((id) => document.querySelector(`.gettingStartedContainer .codicon[data-done-step-id="${id}"]`)?.getAttribute('aria-checked') ?? null), STEPS.map(stepId));
  return Object.fromEntries(STEPS.map((s, i) => [s, states[i] === null ? undefined : states[i] === 'true'])) as Record<Step, boolean | undefined>;
}

/** Waits until the steps up to `done` are checked and the rest are not; fails with what it saw. */
async function expectDone(done: Step | undefined): Promise<void> {
  const upTo = done ? STEPS.indexOf(done) : -1;
  const expected = Object.fromEntries(STEPS.map((s, i) => [s, i <= upTo])) as Record<Step, boolean>;
  await waitUntil(`the steps checked up to ${done ?? 'none'}`, checks, (c) => JSON.stringify(c) === JSON.stringify(expected), { timeout: 20_000, interval: 200 });
}

/** The focus in the Chat view, out of the Welcome page (where the palette's Escape would go back to its start). */
async function focusChat(): Promise<void> {
  await chat.locator('vscode-textarea.composer-input').click();
}

describe('The first-run walkthrough: each step completes on its real event', { timeout: 10 * 60_000 }, () => {
  before(async () => {
    port = await freePort();
    ui = await startUi({
      theme: LIGHT_THEME,
      name: 'ui-walkthrough',
      // What a user has by default (the UI tests turn it off).
      machineSettings: { 'workbench.welcomePage.walkthroughs.openOnInstall': true },
      settings: modelServerSettings({ url: `http://127.0.0.1:${port}`, model: 'qwen2.5:0.5b', tools: false }),
    });
    page = ui.page;
  });

  after(async () => {
    await ui?.stop();
    await ollama?.close();
  });

  test('the first activation opens the walkthrough; with no server answering, no step is checked', step('first-run', async () => {
    await openPipulateContainer(page);
    await waitForWalkthrough();
    assert.ok(await walkthroughPage().isVisible(), 'the walkthrough of Pipulate is shown');
    tasks = await webviewFrame(page, 'Tasks');
    chat = await webviewFrame(page, 'Chat');
    await chat.locator('.conn-text', { hasText: 'not reachable' }).waitFor({ timeout: 30_000 });
    await expectDone(undefined);
  }));

  test('Pipulate: Get Started opens it again from the command palette', step('get-started', async () => {
    await runCommand(page, 'View: Close All Editors');
    await page.locator('.gettingStartedContainer').waitFor({ state: 'detached', timeout: 10_000 });
    await focusChat();
    await runCommand(page, 'Pipulate: Get Started');
    await waitForWalkthrough();
    await expectDone(undefined);
  }));

  test('"Start a model server" is checked when the server answers, not before', step('server', async () => {
    ollama = await startFakeOllama({ port, models: ['llama3.2:latest'] });
    await page.waitForTimeout(1000);
    await expectDone(undefined); // a server that runs but was not asked yet is not an answer
    await focusChat();
    await runCommand(page, 'Pipulate: Check Model Server Connection');
    await chat.locator('.conn-text', { hasText: 'connected' }).waitFor({ timeout: 20_000 });
    await expectDone('server');
    // The model in the settings is not on the server: the model step waits for a choice.
    await chat.locator('.problem-title', { hasText: '"qwen2.5:0.5b" is not installed' }).waitFor({ timeout: 10_000 });
  }));

  test('"Choose or pull a model" is checked when a model the server has is chosen', step('model', async () => {
    await focusChat();
    await runCommand(page, 'Pipulate: Select Model');
    await pickQuickItem(page, 'llama3.2:latest');
    await chat.locator('.conn-text', { hasText: 'llama3.2:latest · connected' }).waitFor({ timeout: 15_000 });
    await expectDone('model');
  }));

  test('"Add your first todo" is checked when a todo is added in the Tasks view', step('todo', async () => {
    await tasks.locator('vscode-textfield.add-input').click();
    await page.keyboard.type('Write the report');
    await page.keyboard.press('Enter');
    await tasks.locator('li.todo', { hasText: 'Write the report' }).first().waitFor({ timeout: 10_000 });
    await expectDone('todo');
  }));

  test('"Ask the chat about it" is checked when a message is sent', step('chat', async () => {
    ollama!.scriptChat({ tokens: ['Start', ' with', ' the', ' report.'] });
    await chat.locator('vscode-textarea.composer-input').click();
    await page.keyboard.type('What should I do first?');
    await page.keyboard.press('Enter');
    await chat.locator('.msg[data-role="assistant"][data-status="done"]', { hasText: 'Start with the report.' }).waitFor({ timeout: 20_000 });
    await expectDone('chat');
    await screenshot(page, 'walkthrough-done-light.png');
  }));

  test('after Developer: Reload Window the steps stay checked, and the walkthrough does not open by itself again', step('reload', async () => {
    // Closed first: a reload restores the editors that were open.
    await focusChat();
    await runCommand(page, 'View: Close All Editors');
    await page.locator('.gettingStartedContainer').waitFor({ state: 'detached', timeout: 10_000 });
    await reloadWindow(page);
    await openPipulateContainer(page);
    chat = await webviewFrame(page, 'Chat');
    await chat.locator('.conn-text', { hasText: 'connected' }).waitFor({ timeout: 30_000 });
    await page.waitForTimeout(1000);
    assert.equal(await page.locator('.gettingStartedContainer [data-done-step-id]').count(), 0, 'not opened again');
    await focusChat();
    await runCommand(page, 'Pipulate: Get Started');
    await waitForWalkthrough();
    await expectDone('chat');
  }));
});
