/**
 * The user's data kept and found, in a real VS Code with the installed .vsix: a profile
 * is backed up (Pipulate: Back Up Now, into the folder of pipulate.backup.folder),
 * deleted, and restored from the backup's quick pick, its todos found again; a word of
 * another profile's conversation is searched (Pipulate: Search) and landed on in the Chat
 * view; the conversation is exported as Markdown into an untitled editor; a second
 * window on the same folder meets the store's lock and says so (one store per folder).
 * One window, one journey: each test is a step of it (see journey()).
 *   npm run package && node --import tsx --test test/vscode/data.test.ts
 */
import * as assert from 'node:assert/strict';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { FrameLocator, Page } from 'playwright-core';
import {
  answerDialog, answerInputBox, journey, modalDialog, notificationsText, openPipulateContainer, pickQuickItem, quickInputBox, root, runCommand,
  startUi, statusBarItem, waitForWorkbench, waitUntil, webviewFrame, type UiSession,
} from './ui';

let ui: UiSession;
let page: Page;
let tasks: FrameLocator;
const step = journey(() => ui);
const backups = join(root, '.vscode-test', 'runs', 'ui-data-backups');

const titles = () => tasks.locator('li.todo .title').allTextContents();
const activeProfile = async () => (await statusBarItem(page, 'pipulate.profile').innerText()).trim();

async function expectTitles(expected: string[]): Promise<void> {
  await waitUntil('the todos shown', titles, (shown) => JSON.stringify(shown) === JSON.stringify(expected)).catch(async () => {
    assert.deepEqual(await titles(), expected, 'the todos shown in the Tasks view');
  });
}

async function expectNotification(pattern: RegExp): Promise<void> {
  await waitUntil(`a notification matching ${pattern}`, () => notificationsText(page), (text) => pattern.test(text), { timeout: 20_000 }).catch(async () => {
    assert.match(await notificationsText(page), pattern);
  });
}

describe('Backups, restore, search and export in the VS Code UI', { timeout: 10 * 60_000 }, () => {
  before(async () => {
    rmSync(backups, { recursive: true, force: true });
    ui = await startUi({ name: 'ui-data', settings: { 'pipulate.backup.folder': backups } });
    page = ui.page;
  });

  after(async () => {
    await ui?.stop();
  });

  test('a profile with todos is backed up with Pipulate: Back Up Now, into the folder of the setting', step('back-up', async () => {
    await openPipulateContainer(page);
    tasks = await webviewFrame(page, 'Tasks');
    await runCommand(page, 'Pipulate: New Profile');
    await answerInputBox(page, 'Garden', /New profile/);
    for (const title of ['Plant the tulips', 'Water the roses']) {
      await runCommand(page, 'Pipulate: Add Todo');
      await answerInputBox(page, title, /Add a todo to “Garden”/);
    }
    await expectTitles(['Plant the tulips', 'Water the roses']);
    await runCommand(page, 'Pipulate: Back Up Now');
    await expectNotification(/Pipulate backed up 2 profiles, 2 todos, \d+ messages, 0 workflow runs to .*pipulate-\d{4}-\d{2}-\d{2}\.db/);
    assert.ok(readdirSync(backups).some((f) => /^pipulate-\d{4}-\d{2}-\d{2}\.db$/.test(f)));
  }));

  test('the profile is deleted, then restored from the backup: its todos are found again', step('restore', async () => {
    await runCommand(page, 'Pipulate: Delete Profile');
    await pickQuickItem(page, 'Garden');
    await modalDialog(page).waitFor({ timeout: 10_000 });
    await answerDialog(page, 'Delete Profile');
    await waitUntil('the profile gone', activeProfile, (name) => !/Garden/.test(name));
    await expectTitles([]);

    await runCommand(page, 'Pipulate: Restore from Backup');
    const item = page.locator('.quick-input-widget .monaco-list-row', { hasText: '2 profiles, 2 todos' }).first();
    await item.waitFor({ timeout: 10_000 });
    await item.click();
    await expectNotification(/Pipulate now holds 2 profiles, 2 todos, \d+ messages, 0 workflow runs from the backup of .* The data as it was before is kept in .*before-restore\.db/);
    await waitUntil('the profile back', activeProfile, (name) => /Garden/.test(name));
    await expectTitles(['Plant the tulips', 'Water the roses']);
    assert.ok(readdirSync(backups).some((f) => f.endsWith('-before-restore.db')), 'the data as it was is kept');
  }));

  test('Pipulate: Search finds a word of another profile’s conversation and lands on it', step('search', async () => {
    await runCommand(page, 'Pipulate: Switch Profile');
    await pickQuickItem(page, 'Default');
    await waitUntil('Default active', activeProfile, (name) => /Default/.test(name));
    await runCommand(page, 'Pipulate: Search');
    await quickInputBox(page).waitFor({ state: 'visible', timeout: 10_000 });
    await quickInputBox(page).fill('tulips');
    // The note "Added todo “Plant the tulips”" is in Garden's conversation; the todo is found too.
    const inConversation = page.locator('.quick-input-widget .monaco-list-row', { hasText: 'Garden · conversation' }).first();
    await inConversation.waitFor({ timeout: 10_000 });
    const todoHit = page.locator('.quick-input-widget .monaco-list-row', { hasText: 'Plant the tulips' }).first();
    assert.match(await todoHit.innerText(), /Plant the tulips[\s\S]*Garden/);
    await inConversation.click();
    await waitUntil('Garden active', activeProfile, (name) => /Garden/.test(name));
    const chat = await webviewFrame(page, 'Chat');
    // The message is the view's active element (the frame itself may not hold the page's focus), in sight in the transcript.
    const landed = () =>
      chat.locator('body').evaluate(() => {
        const el = document.activeElement?.closest('[data-id]');
        if (!el) return '';
        const box = el.getBoundingClientRect();
        return box.bottom > 0 && box.top < window.innerHeight ? (el.textContent ?? '') : '(out of sight)';
      });
    await waitUntil('the message in sight and active', landed, (text) => /Plant the tulips/.test(text)).catch(async () => {
      assert.match(await landed(), /Plant the tulips/);
    });
  }));

  test('Pipulate: Export Conversation as Markdown opens the conversation in an untitled Markdown editor', step('export', async () => {
    await runCommand(page, 'Pipulate: Export Conversation as Markdown');
    const editor = page.locator('.editor-instance .monaco-editor .view-lines').first();
    // The editor lays spaces out as no-break spaces.
    const shownText = async () => (await editor.innerText().catch(() => '')).replace(/\u00a0/g, ' ');
    await waitUntil('the Markdown', shownText, (text) => /Conversation in “Garden”/.test(text), { timeout: 15_000 });
    const text = await shownText();
    assert.match(text, /# Conversation in “Garden”/);
    assert.match(text, /> \*\*Note\*\* · .*: Added todo “Plant the tulips”/);
    assert.match(await page.locator('.tabs-container .tab.active').innerText(), /Untitled/);
    assert.ok(existsSync(backups));
  }));

  test('a second window on the same folder meets the store’s lock and says so, instead of opening a second, empty store', step('second-window', async () => {
    const second = await ui.context.newPage();
    try {
      await second.goto(ui.server.url(ui.workspace));
      await waitForWorkbench(second);
      await openPipulateContainer(second).catch(() => undefined); // activates Pipulate there, if the container was not open already
      const said = () => second.locator('.notifications-toasts').innerText({ timeout: 1000 }).catch(() => '');
      await waitUntil('the second window’s message', said, (text) => /Pipulate cannot open its data/.test(text), { timeout: 30_000 }).catch(async () => {
        assert.match(await said(), /Pipulate cannot open its data/);
      });
      assert.match(await said(), /Pipulate cannot open its data: The Pipulate database is in use by process \d+/);
      // The Workflows view says it too (VS Code would say it has no data provider).
      const workflows = second.locator('.part.sidebar .pane').filter({ has: second.locator('.pane-header[aria-label="Workflows Section"]') });
      await workflows.locator('.message', { hasText: /Pipulate cannot open its data: The Pipulate database is in use by process \d+/ }).waitFor({ timeout: 15_000 });
    } finally {
      await second.close();
    }
    // The first window still has its data.
    await expectTitles(['Plant the tulips', 'Water the roses']);
  }));
});
