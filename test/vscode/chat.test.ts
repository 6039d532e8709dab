/**
 * The Chat view in a real VS Code, driven as a user would, with the installed .vsix and
 * the fake Ollama server (test/fakes/ollamaServer.ts, real HTTP in this process; the
 * extension is pointed at it by user settings written before the workbench loads):
 * what is done in the Tasks view shows as notes; a reply streams in and is shown whole;
 * a long one is stopped with Escape, another with the Stop button, and the server sees
 * the connection closed; the window reloads and the whole conversation is there. Then
 * the chat's commands: Stop Generating, Pull Model (progress in a notification and in the
 * chat), Select Model (the pulled one, used for the next reply), Clear Conversation.
 * Screenshots of the Pipulate container with both views filled, in a dark and a light
 * theme, go to .vscode-test/screenshots/ (pipulate-filled-*.png; the *-1000.png ones, a
 * narrower window, are what docs/screenshot-*.png show).
 * Run by test/vscode/run.mjs (the `vscode` suite of `npm test`), or:
 *   npm run package && node --import tsx --test test/vscode/chat.test.ts
 */
import * as assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FrameLocator, Page } from 'playwright-core';
import { startFakeOllama, type FakeOllama } from '../fakes/ollamaServer';
import {
  DARK_THEME, LIGHT_THEME, answerDialog, answerInputBox, journey, layoutSidebar, modalDialog, modelServerSettings, openFile, openPipulateContainer, pickQuickItem,
  reloadWindow, runCommand, screenshot, sendMessage, startUi, statusBarItem, webviewFrame, waitUntil, type UiSession,
} from './ui';

let ollama: FakeOllama;
let ui: UiSession;
let page: Page;
let tasks: FrameLocator;
let chat: FrameLocator;
const step = journey(() => ui);

/** The reply with a code block (markdown), in pieces as a model streams it. */
const ANSWER = [
  'Lines that start with `x ` are done (the todo.txt convention), so print the others:',
  '',
  '```python',
  'with open("todo.txt") as f:',
  '    for line in f:',
  '        if not line.startswith("x "):',
  '            print(line.strip())',
  '```',
  '',
  'Run it with **python3** in the workspace folder.',
].join('\n');
const tokensOf = (text: string) => text.match(/\s*\S+/g)!;
const LONG = Array.from({ length: 300 }, (_, i) => `${i === 0 ? '' : ' '}sentence${i}`);

const messageRows = () => chat.locator('.msg');
const lastAssistant = () => chat.locator('.msg[data-role="assistant"]').last();
const sendButton = () => chat.locator('vscode-button', { hasText: 'Send' });
const stopButton = () => chat.locator('vscode-button', { hasText: 'Stop' });

/** The conversation as shown: role, status and text of every message. */
async function conversation(): Promise<{ role: string; status: string; text: string }[]> {
  return messageRows().evaluateAll((els) =>
    els.map((el) => ({
      role: (el as HTMLElement).dataset.role ?? '',
      status: (el as HTMLElement).dataset.status ?? '',
      text: ((el.querySelector('.msg-body') as HTMLElement | null)?.innerText ?? '').trim(),
    })),
  );
}

/** `promise`, or an error that says what did not happen within `ms`. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${ms / 1000} s`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/** Waits until the last reply streams and shows some text, and returns that text. */
async function partialReply(minLength: number): Promise<string> {
  const shown = await waitUntil(
    'a part of the reply, while it streams',
    async () => ({
      status: await lastAssistant().getAttribute('data-status'),
      text: ((await lastAssistant().locator('.msg-body').innerText()) ?? '').trim(),
    }),
    (s) => s.status !== 'streaming' || s.text.length >= minLength,
    { timeout: 20_000, interval: 20 },
  );
  assert.equal(shown.status, 'streaming', `the reply was still streaming when ${minLength} characters were shown (it was ${shown.status}: ${shown.text})`);
  return shown.text;
}

async function addTodo(title: string): Promise<void> {
  await tasks.locator('vscode-textfield.add-input').click();
  await page.keyboard.type(title);
  await page.keyboard.press('Enter');
  await tasks.locator('li.todo .title', { hasText: new RegExp(`^${title}$`) }).waitFor();
}

/**
 * Screenshots of the window as it is, at 1400x900, and at 1000x900 (the side bar and a
 * bit of the editor: the pictures of the README, docs/screenshot-*.png).
 */
async function pictures(name: string): Promise<void> {
  const resized = async (width: number) => {
    await page.setViewportSize({ width, height: 900 });
    await page.waitForFunction((w) => Math.round(document.querySelector('.part.statusbar')?.getBoundingClientRect().width ?? 0) === w, width);
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    await page.mouse.move(1, 899); // no hover effects
  };
  await resized(1400);
  await screenshot(page, `${name}.png`);
  await resized(1000);
  await screenshot(page, `${name}-1000.png`);
  await resized(1400);
}

/** Waits until both webviews show the theme's kind (VS Code sets it on their body). */
async function webviewsIn(kind: 'vscode-light' | 'vscode-dark'): Promise<void> {
  tasks = await webviewFrame(page, 'Tasks');
  chat = await webviewFrame(page, 'Chat');
  for (const frame of [tasks, chat]) await frame.locator(`body.${kind}`).waitFor({ timeout: 15_000 });
  // A frame to paint the new colours.
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
}

describe('Chat in the VS Code UI, against the fake Ollama server', { timeout: 10 * 60_000 }, () => {
  before(async () => {
    ollama = await startFakeOllama({ models: ['llama3.2:latest'] });
    ui = await startUi({
      theme: DARK_THEME,
      viewport: { width: 1400, height: 900 },
      name: 'ui-chat',
      settings: modelServerSettings({ url: ollama.url, model: 'llama3.2' }),
      files: {
        'todo.txt': 'x Buy milk\nWrite the report\nCall Alice\nBook flights to Lisbon\n',
        'README.md': '# Pipulate UI test workspace\n',
      },
    });
    page = ui.page;
  });

  after(async () => {
    await ui?.stop();
    await ollama?.close();
  });

  test('the Chat view shows the model connected to the fake server', step('connect', async () => {
    await openPipulateContainer(page);
    // As a user makes room: a wider side bar, the Tasks view just tall enough.
    await layoutSidebar(page, { width: 400, firstViewHeight: 270 });
    chat = await webviewFrame(page, 'Chat');
    tasks = await webviewFrame(page, 'Tasks');
    await chat.locator('.conn-text', { hasText: 'llama3.2 · connected' }).waitFor({ timeout: 30_000 });
    await chat.locator('.empty-state', { hasText: 'This is the conversation of “Default”' }).waitFor();
    assert.equal(await chat.locator('.problem').isHidden(), true, 'no problem shown');
  }));

  test('what is done in the Tasks view shows in the chat as muted notes', step('notes', async () => {
    for (const title of ['Buy milk', 'Write the report', 'Call Alice']) await addTodo(title);
    await tasks.locator('li.todo', { hasText: 'Buy milk' }).locator('input.check').click();
    await tasks.locator('li.todo.done', { hasText: 'Buy milk' }).waitFor();
    // From the command palette too.
    await runCommand(page, 'Pipulate: Add Todo');
    await answerInputBox(page, 'Book flights to Lisbon', /Add a todo to “Default”/);
    await tasks.locator('li.todo', { hasText: 'Book flights to Lisbon' }).waitFor();
    const notes = await waitUntil(
      'the notes of what was done in Tasks',
      async () => (await conversation()).filter((m) => m.role === 'note').map((m) => m.text),
      (n) => n.length >= 5,
    );
    assert.deepEqual(notes, [
      'Added todo “Buy milk”',
      'Added todo “Write the report”',
      'Added todo “Call Alice”',
      'Completed todo “Buy milk”',
      'Added todo “Book flights to Lisbon”',
    ]);
    const [noteColor, textColor] = await Promise.all([
      chat.locator('.msg[data-role="note"]').first().evaluate((el) => getComputedStyle(el).color),
      chat.locator('.app').evaluate((el) => getComputedStyle(el).color),
    ]);
    assert.notEqual(noteColor, textColor, 'notes are shown muted, not in the text colour');
  }));

  test('a reply streams in: part of it first, then the whole markdown with its code block', step('stream', async () => {
    ollama.scriptChat({ tokens: tokensOf(ANSWER), tokenDelayMs: 50 });
    await sendMessage(page, chat, 'How do I print my open todos from todo.txt?');
    await chat.locator('.msg[data-role="assistant"][data-status="streaming"]').waitFor({ timeout: 15_000 });
    await stopButton().waitFor();
    assert.equal(await sendButton().isHidden(), true, 'Send is replaced by Stop while the reply streams');
    const partial = await partialReply(12);
    assert.ok(partial.startsWith('Lines that'), `partial text: ${partial}`);
    await chat.locator('.msg[data-role="assistant"][data-status="done"]').waitFor({ timeout: 30_000 });
    const reply = lastAssistant();
    const whole = (await reply.locator('.msg-body').innerText()).trim();
    assert.ok(whole.length > partial.length, `the finished reply (${whole.length} characters) is longer than the part first seen (${partial.length})`);
    assert.equal(await reply.locator('pre code').innerText(), 'with open("todo.txt") as f:\n    for line in f:\n        if not line.startswith("x "):\n            print(line.strip())');
    assert.equal(await reply.locator('strong').innerText(), 'python3');
    assert.equal(await reply.locator('.msg-who').innerText(), 'llama3.2');
    await sendButton().waitFor();
    const exchange = await within(ollama.chatAt(0), 5000, 'the fake server got the chat request');
    assert.equal(await within(exchange.closed, 10_000, 'the reply ended'), 'complete');
    // The model was told about the todos.
    const system = (exchange.body.messages as { role: string; content: string }[]).filter((m) => m.role === 'system').map((m) => m.content).join('\n');
    assert.match(system, /\[x\] Buy milk/);
    assert.match(system, /\[ \] Book flights to Lisbon/);
  }));

  test('screenshots of both views filled, in a dark and a light theme', step('screenshots', async () => {
    await openFile(page, 'todo.txt');
    await page.locator('.editor-instance .view-lines', { hasText: 'Book flights to Lisbon' }).waitFor({ timeout: 15_000 });
    await page.keyboard.press('Control+End'); // the caret after the text, not on its first letter
    await webviewsIn('vscode-dark');
    await pictures('pipulate-filled-dark');
    await ui.setTheme(LIGHT_THEME);
    await openPipulateContainer(page);
    await webviewsIn('vscode-light');
    await chat.locator('.msg[data-role="assistant"][data-status="done"] pre').waitFor();
    await pictures('pipulate-filled-light');
  }, { timeoutMs: 120_000 }));

  test('a long reply is stopped with Escape in the message box; the server sees the connection closed', step('stop-escape', async () => {
    ollama.scriptChat({ tokens: LONG, tokenDelayMs: 50 });
    await sendMessage(page, chat, 'Write a long summary of my week');
    const exchange = await within(ollama.chatAt(1), 15_000, 'the fake server got the chat request');
    await partialReply(30);
    await page.keyboard.press('Escape'); // the focus is still in the message box
    assert.equal(await within(exchange.closed, 10_000, 'the connection closed after Escape'), 'client-closed', 'the request to Ollama was closed by the extension');
    await chat.locator('.msg[data-role="assistant"][data-status="stopped"]').waitFor({ timeout: 15_000 });
    assert.equal(await lastAssistant().locator('.msg-tag').innerText(), 'stopped');
    const text = (await lastAssistant().locator('.msg-body').innerText()).trim();
    assert.ok(text.startsWith('sentence0 sentence1'), `what arrived is kept: ${text}`);
    assert.ok(exchange.sent.length < LONG.length, `stopped before the end (${exchange.sent.length} of ${LONG.length} tokens sent)`);
    await sendButton().waitFor();
  }));

  test('another is stopped with the Stop button', step('stop-button', async () => {
    ollama.scriptChat({ tokens: LONG, tokenDelayMs: 50 });
    await sendMessage(page, chat, 'And of next week?');
    const exchange = await within(ollama.chatAt(2), 15_000, 'the fake server got the chat request');
    await partialReply(30);
    await stopButton().click();
    assert.equal(await within(exchange.closed, 10_000, 'the connection closed after Stop'), 'client-closed', 'the request to Ollama was closed by the extension');
    await waitUntil('the reply to show it was stopped', () => lastAssistant().getAttribute('data-status'), (s) => s === 'stopped');
    await sendButton().waitFor();
  }));

  test('after Developer: Reload Window the whole conversation is there', step('reload', async () => {
    const before = await conversation();
    assert.deepEqual(before.map((m) => `${m.role}/${m.status}`), [
      'note/done', 'note/done', 'note/done', 'note/done', 'note/done',
      'user/done', 'assistant/done',
      'user/done', 'assistant/stopped',
      'user/done', 'assistant/stopped',
    ]);
    await reloadWindow(page);
    await openPipulateContainer(page);
    chat = await webviewFrame(page, 'Chat');
    await waitUntil('the conversation after the reload', conversation, (c) => c.length >= before.length, { timeout: 30_000 });
    assert.deepEqual(await conversation(), before);
    assert.equal(await lastAssistant().locator('.msg-tag').innerText(), 'stopped');
    assert.equal(await chat.locator('.msg[data-role="assistant"][data-status="done"] pre code').count(), 1, 'the code block is there');
    await chat.locator('.conn-text', { hasText: 'llama3.2 · connected' }).waitFor({ timeout: 30_000 });
    await screenshot(page, 'chat-after-reload-light.png');
  }));

  test('Pipulate: Stop Generating from the command palette stops a reply', step('stop-command', async () => {
    ollama.scriptChat({ tokens: LONG, tokenDelayMs: 50 });
    await sendMessage(page, chat, 'Once more, at length');
    const exchange = await within(ollama.chatAt(3), 15_000, 'the fake server got the chat request');
    await partialReply(30);
    await runCommand(page, 'Pipulate: Stop Generating');
    assert.equal(await within(exchange.closed, 10_000, 'the connection closed after the command'), 'client-closed');
    await waitUntil('the reply to show it was stopped', () => lastAssistant().getAttribute('data-status'), (s) => s === 'stopped');
  }));

  test('Pipulate: Pull Model asks for a name; its progress shows in a notification and in the chat', step('pull', async () => {
    ollama.scriptPull({ steps: 20, delayMs: 150 });
    await runCommand(page, 'Pipulate: Pull Model');
    await answerInputBox(page, 'mistral', /Pull an Ollama model/);
    await chat.locator('.pull:not([hidden])', { hasText: /Pulling mistral: pulling 0123456789ab \(\d+%\)/ }).waitFor({ timeout: 15_000 });
    const toast = page.locator('.notifications-toasts .notification-toast', { hasText: 'Pulling mistral' });
    await toast.waitFor({ timeout: 10_000 });
    await toast.getByRole('button', { name: 'Cancel' }).waitFor({ timeout: 5000 }); // it can be cancelled
    await page.locator('.notifications-toasts', { hasText: 'Pulled mistral. It is ready to chat.' }).waitFor({ timeout: 20_000 });
    await chat.locator('.pull').waitFor({ state: 'hidden' });
    assert.equal((await ollama.pullAt(0)).body.name, 'mistral'); // ollama-js sends the model as `name`
    assert.ok(ollama.models.includes('mistral:latest'));
  }));

  test('Pipulate: Select Model lists the local models; the one picked shows in the view and the status bar', step('select-model', async () => {
    await runCommand(page, 'Pipulate: Select Model');
    await pickQuickItem(page, 'mistral:latest');
    await chat.locator('.conn-text', { hasText: 'mistral:latest · connected' }).waitFor({ timeout: 15_000 });
    await waitUntil('the status bar to show the model', () => statusBarItem(page, 'pipulate.model').innerText(), (t) => t.includes('mistral:latest'));
    ollama.scriptChat({ tokens: ['Hi', ' there'] });
    await sendMessage(page, chat, 'Hello, mistral');
    await chat.locator('.msg[data-role="assistant"][data-status="done"] .msg-who', { hasText: 'mistral:latest' }).last().waitFor({ timeout: 15_000 });
    assert.equal((await ollama.chatAt(4)).body.model, 'mistral:latest');
  }));

  test('Pipulate: Clear Conversation asks in a modal dialog; confirmed, the conversation is gone', step('clear', async () => {
    await runCommand(page, 'Pipulate: Clear Conversation');
    await modalDialog(page).waitFor({ timeout: 10_000 });
    assert.match(await modalDialog(page).innerText(), /Clear the conversation of “Default”\?/);
    await answerDialog(page, 'Cancel');
    assert.ok((await messageRows().count()) > 10, 'cancelled: the conversation is kept');
    await runCommand(page, 'Pipulate: Clear Conversation');
    await modalDialog(page).waitFor({ timeout: 10_000 });
    await answerDialog(page, 'Clear Conversation');
    await chat.locator('.empty-state', { hasText: 'This is the conversation of “Default”' }).waitFor({ timeout: 10_000 });
    assert.equal(await messageRows().count(), 0);
  }));
});
