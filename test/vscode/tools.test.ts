/**
 * The model's tools in a real VS Code, driven as a user would, with the installed .vsix
 * and the fake Ollama server answering with native tool calls: the user asks for a todo,
 * the card shows, Apply adds it to the Tasks view; another card is rejected; after
 * Developer: Reload Window both cards are there as they were, and Pipulate: Undo Last
 * Model Change from the command palette takes the todo back out.
 * Run by test/vscode/run.mjs (the `vscode` suite of `npm test`), or:
 *   npm run package && node --import tsx --test test/vscode/tools.test.ts
 */
import * as assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FrameLocator, Page } from 'playwright-core';
import { startFakeOllama, type FakeOllama } from '../fakes/ollamaServer';
import { DARK_THEME, journey, layoutSidebar, modelServerSettings, openPipulateContainer, reloadWindow, runCommand, screenshot, sendMessage, startUi, waitUntil, webviewFrame, type UiSession } from './ui';

let ollama: FakeOllama;
let ui: UiSession;
let page: Page;
let tasks: FrameLocator;
let chat: FrameLocator;
const step = journey(() => ui);

const cards = () => chat.locator('.tool-card');
const todoTitles = () => tasks.locator('li.todo .title').allInnerTexts();

/** Each card's items as `state: text`. */
async function cardItems(): Promise<string[][]> {
  return cards().evaluateAll((els) =>
    els.map((card) => [...card.querySelectorAll<HTMLElement>('.card-item')].map((li) => `${li.dataset.state}: ${li.querySelector('.card-text')?.textContent ?? ''}`)),
  );
}

describe('The model’s tools in the VS Code UI, against the fake Ollama server', { timeout: 10 * 60_000 }, () => {
  before(async () => {
    ollama = await startFakeOllama({ models: ['llama3.2:latest'] });
    ui = await startUi({
      theme: DARK_THEME,
      viewport: { width: 1400, height: 900 },
      name: 'ui-tools',
      settings: modelServerSettings({ url: ollama.url, model: 'llama3.2' }),
      files: { 'README.md': '# Pipulate tools test workspace\n' },
    });
    page = ui.page;
  });

  after(async () => {
    await ui?.stop();
    await ollama?.close();
  });

  test('asked for a todo, the model shows a card; Apply puts the todo in the Tasks view', step('apply', async () => {
    await openPipulateContainer(page);
    await layoutSidebar(page, { width: 400, firstViewHeight: 270 });
    chat = await webviewFrame(page, 'Chat');
    tasks = await webviewFrame(page, 'Tasks');
    await chat.locator('.conn-text', { hasText: 'llama3.2 · connected' }).waitFor({ timeout: 30_000 });
    ollama.scriptChat({ tokens: [''], toolCalls: [{ name: 'add_todo', arguments: { title: 'Call the bank' } }] }, { tokens: ['Added', ' it.'] });
    await sendMessage(page, chat, 'Add a todo to call the bank');
    const card = chat.locator('.tool-card[data-state="waiting"]');
    await card.waitFor({ timeout: 15_000 });
    assert.equal(await card.locator('.card-item').innerText(), 'Add todo “Call the bank”');
    assert.deepEqual(await todoTitles(), [], 'nothing before Apply');
    await screenshot(page, 'tools-card-waiting-dark.png');
    await card.locator('vscode-button', { hasText: 'Apply' }).click();
    await tasks.locator('li.todo .title', { hasText: 'Call the bank' }).waitFor({ timeout: 10_000 });
    await chat.locator('.msg[data-role="assistant"]', { hasText: 'Added it.' }).waitFor({ timeout: 15_000 });
    await chat.locator('.tool-card vscode-button', { hasText: 'Undo' }).waitFor();
  }));

  test('another card is rejected: nothing changes', step('reject', async () => {
    ollama.scriptChat({ tokens: [''], toolCalls: [{ name: 'add_todo', arguments: { title: 'Sell the car' } }] }, { tokens: ['Not added.'] });
    await sendMessage(page, chat, 'And one to sell the car');
    const card = chat.locator('.tool-card[data-state="waiting"]');
    await card.waitFor({ timeout: 15_000 });
    await card.locator('vscode-button', { hasText: 'Reject' }).click();
    await chat.locator('.msg[data-role="assistant"]', { hasText: 'Not added.' }).waitFor({ timeout: 15_000 });
    assert.deepEqual(await cardItems(), [['applied: Add todo “Call the bank”'], ['rejected: Add todo “Sell the car”']]);
    assert.deepEqual(await todoTitles(), ['Call the bank']);
  }));

  test('after Developer: Reload Window, Pipulate: Undo Last Model Change takes the todo back out', step('reload-undo', async () => {
    await reloadWindow(page);
    await openPipulateContainer(page);
    chat = await webviewFrame(page, 'Chat');
    tasks = await webviewFrame(page, 'Tasks');
    await waitUntil('both cards after the reload', cardItems, (c) => c.length === 2, { timeout: 30_000 });
    assert.deepEqual(await cardItems(), [['applied: Add todo “Call the bank”'], ['rejected: Add todo “Sell the car”']]);
    await tasks.locator('li.todo .title', { hasText: 'Call the bank' }).waitFor({ timeout: 15_000 });
    await runCommand(page, 'Pipulate: Undo Last Model Change');
    await waitUntil('the todo to be gone from the Tasks view', todoTitles, (t) => t.length === 0, { timeout: 15_000 });
    await waitUntil('the card to say undone', cardItems, (c) => c[0]?.[0] === 'undone: Add todo “Call the bank”', { timeout: 15_000 });
    assert.equal(await cards().first().locator('vscode-button', { hasText: 'Undo' }).count(), 0, 'undone once: no Undo left');
    await screenshot(page, 'tools-after-undo-dark.png');
  }));
});
