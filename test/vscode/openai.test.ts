/**
 * An OpenAI-compatible server in a real VS Code, driven as a user would: the installed
 * .vsix pointed at the fake OpenAI-compatible server (test/fakes/openaiServer.ts, real
 * HTTP in this process), which wants an API key. The chat says the key is missing and
 * offers Set API Key; the key typed there is sent as a bearer token and is not in the
 * settings; a reply streams, another is stopped (the server sees the connection closed);
 * after Developer: Reload Window the conversation is there and the key still works; Set
 * API Key from the command palette replaces it (a wrong one is refused, the right one
 * connects again).
 * Run by test/vscode/run.mjs (the `vscode` suite of `npm test`), or:
 *   npm run package && node --import tsx --test test/vscode/openai.test.ts
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { FrameLocator, Page } from 'playwright-core';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/openaiServer';
import { DARK_THEME, answerInputBox, journey, modelServerSettings, openPipulateContainer, reloadWindow, runCommand, sendMessage, startUi, waitUntil, webviewFrame, type UiSession } from './ui';

const KEY = 'sk-ui-test-4b1d9c2e7f';
let server: FakeOpenAI;
let ui: UiSession;
let page: Page;
let chat: FrameLocator;
const step = journey(() => ui);

const lastAssistant = () => chat.locator('.msg[data-role="assistant"]').last();

/** Every file under `dir` that holds `text`. */
function filesHolding(dir: string, text: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name))
    .filter((file) => {
      try {
        return fs.readFileSync(file).includes(text);
      } catch {
        return false;
      }
    });
}

describe('Chat against an OpenAI-compatible server that wants an API key', { timeout: 10 * 60_000 }, () => {
  before(async () => {
    server = await startFakeOpenAI({ models: ['qwen2.5'], apiKey: KEY, contexts: { 'qwen2.5': 32768 } });
    ui = await startUi({
      theme: DARK_THEME,
      viewport: { width: 1400, height: 900 },
      name: 'ui-openai',
      settings: modelServerSettings({ url: server.url, model: 'qwen2.5', openai: true, tools: false }),
    });
    page = ui.page;
  });

  after(async () => {
    await ui?.stop();
    await server?.close();
  });

  test('without a key the chat says so and offers Set API Key; the key typed there connects', step('key', async () => {
    await openPipulateContainer(page);
    chat = await webviewFrame(page, 'Chat');
    await chat.locator('.problem-title', { hasText: 'wants an API key (401)' }).waitFor({ timeout: 30_000 });
    await chat.locator('.problem-actions vscode-button', { hasText: 'Set API Key' }).click();
    await answerInputBox(page, KEY, /API key for/);
    await chat.locator('.conn-text', { hasText: 'qwen2.5 · connected' }).waitFor({ timeout: 30_000 });
    assert.equal(server.requests.at(-1)?.headers.authorization, `Bearer ${KEY}`);
    assert.deepEqual(filesHolding(path.join(ui.runDir), KEY).filter((f) => /settings\.json$/.test(f)), [], 'the key is in no settings file');
  }));

  test('a reply streams in and is shown whole', step('reply', async () => {
    server.scriptChat({ tokens: ['Start', ' with', ' the', ' report.'], tokenDelayMs: 30 });
    await sendMessage(page, chat, 'What first?');
    await chat.locator('.msg[data-role="assistant"][data-status="done"]', { hasText: 'Start with the report.' }).waitFor({ timeout: 30_000 });
  }));

  test('Stop ends a reply: the server sees the connection closed, what arrived is kept', step('stop', async () => {
    server.scriptChat({ tokens: Array.from({ length: 300 }, (_, i) => ` word${i}`), tokenDelayMs: 50 });
    await sendMessage(page, chat, 'Talk at length');
    const exchange = await server.chatAt(1);
    await waitUntil('part of the reply', () => lastAssistant().innerText(), (t) => t.includes('word3'), { timeout: 20_000 });
    await chat.locator('vscode-button', { hasText: 'Stop' }).click();
    assert.equal(await exchange.closed, 'client-closed');
    await chat.locator('.msg[data-role="assistant"][data-status="stopped"]').waitFor({ timeout: 15_000 });
  }));

  test('after Developer: Reload Window the conversation is there and the kept key still works', step('reload', async () => {
    const before = server.requests.length;
    await reloadWindow(page);
    await openPipulateContainer(page);
    chat = await webviewFrame(page, 'Chat');
    await chat.locator('.conn-text', { hasText: 'qwen2.5 · connected' }).waitFor({ timeout: 30_000 });
    const after = server.requests.slice(before);
    assert.ok(after.length > 0 && after.every((r) => r.headers.authorization === `Bearer ${KEY}`), 'the key is read back from the secret storage');
    await waitUntil('the conversation after the reload', () => chat.locator('.msg[data-role="assistant"]').count(), (n) => n === 2, { timeout: 30_000 });
    assert.equal(await chat.locator('.msg[data-role="assistant"][data-status="stopped"]').count(), 1);
  }));

  test('Pipulate: Set API Key from the command palette: a wrong key is refused (and not shown), the right one connects again', step('palette-key', async () => {
    const wrong = 'sk-wrong-7c1e0b';
    await chat.locator('vscode-textarea.composer-input').click();
    await runCommand(page, 'Pipulate: Set API Key');
    await answerInputBox(page, wrong, /API key for/);
    await chat.locator('.problem-title', { hasText: 'refused the API key (401)' }).waitFor({ timeout: 30_000 });
    assert.equal(server.requests.at(-1)?.headers.authorization, `Bearer ${wrong}`);
    assert.equal((await chat.locator('body').innerText()).includes(wrong), false, 'the server quoted the key; the chat does not');
    await runCommand(page, 'Pipulate: Set API Key');
    await answerInputBox(page, KEY, /API key for/);
    await chat.locator('.conn-text', { hasText: 'qwen2.5 · connected' }).waitFor({ timeout: 30_000 });
    await chat.locator('.problem').waitFor({ state: 'hidden', timeout: 10_000 });
    assert.deepEqual([...filesHolding(ui.runDir, wrong), ...filesHolding(ui.runDir, KEY)].filter((f) => /settings\.json$/.test(f)), [], 'no key in a settings file');
  }));
});
