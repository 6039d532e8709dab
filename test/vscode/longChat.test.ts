/**
 * A conversation of thousands of messages in a real VS Code with the installed .vsix: the
 * store is written before VS Code starts (by the store's own code, into the folder of the
 * global storage the extension uses for this workspace), with a profile "Long" of 5,000
 * messages and a profile "Short" of three. The Chat view opens at the newest messages and
 * builds only a page of them; hidden (the Explorer shown instead) and shown again, the same;
 * scrolled to the top, it brings an older page; Switch Profile to "Short" and back shows each
 * conversation's newest messages. The longest task the workbench's page and the Chat
 * webview saw is reported (a freeze is a matter of time, so it is a figure, not a check;
 * `npm run bench -- longChat` holds the goal).
 *   npm run package && node --import tsx --test test/vscode/longChat.test.ts
 */
import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, test } from 'node:test';
import type { FrameLocator, Page } from 'playwright-core';
import { appStore } from '../../src/store/appSchema';
import { storeFolder } from '../../src/store/location';
import { ACTIVE_PROFILE_KEY } from '../../src/tasks/tasksService';
import { openStore } from '../helpers/store';
import { journey, openPipulateContainer, pickQuickItem, runCommand, startUi, waitUntil, webviewFrame, type UiSession } from './ui';

const N = 5_000;
/** The extension's id (publisher.name): its global storage folder is named for it. */
const EXTENSION_ID = 'pipulate.pipulate';

let ui: UiSession;
let page: Page;
let chat: FrameLocator;
const step = journey(() => ui);

/** What message `i` of a conversation says: questions, markdown answers with code, notes. */
function message(tag: string, i: number): { role: 'user' | 'assistant' | 'note'; content: string } {
  if (i % 7 === 3) return { role: 'note', content: `${tag} message ${i}: completed todo “t${i}”` };
  if (i % 2 === 0) return { role: 'user', content: `${tag} message ${i}: what next?` };
  const code = i % 10 === 1 ? `\n\n\`\`\`ts\nconst step${i} = ${i};\n\`\`\`` : '';
  return { role: 'assistant', content: `${tag} message ${i}: **do** the next thing, then \`check\` it.${code}` };
}

/** The store of `workspace`, where the extension will look for it, with the two profiles' conversations. */
async function seed(userDataDir: string, workspace: string): Promise<void> {
  const dir = storeFolder(join(userDataDir, 'User', 'globalStorage', EXTENSION_ID), pathToFileURL(workspace).href);
  const db = await openStore(dir);
  const store = appStore(db);
  db.transaction(() => {
    const conversations: [string, number][] = [['Long', N], ['Short', 3]];
    for (const [name, n] of conversations) {
      const profile = store.profiles.insert({ name });
      for (let i = 0; i < n; i++) store.messages.insert({ profile_id: profile.id, ...message(name, i), created: i, status: 'done', model: null });
      if (name === 'Long') store.kv.set(ACTIVE_PROFILE_KEY, profile.id);
    }
  });
  await db.close();
}

/** Starts recording long tasks (over 50 ms) in the page or in the Chat webview's document. */
const WATCH = `(() => {
  window.__longest = 0;
  if (window.__watching) return;
  window.__watching = true;
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) window.__longest = Math.max(window.__longest, e.duration);
  }).observe({ type: 'longtask' });
})()`;

const built = () => chat.locator('.msg').count();
const newestShown = (tag: string, i: number) => chat.locator('.msg', { hasText: `${tag} message ${i}:` }).waitFor({ timeout: 60_000 });

/** The Chat view as it is now: the newest message of `tag` shown, and only a page of the conversation built. */
async function expectNewest(tag: string, n: number): Promise<number> {
  chat = await webviewFrame(page, 'Chat');
  await newestShown(tag, n - 1);
  const count = await built();
  assert.ok(count > 0 && count <= 600, `${count} of ${n} messages built`);
  return count;
}

/** (Re)starts the count of the longest task in the page and, once it exists, in the Chat webview. */
async function watch(): Promise<void> {
  await page.evaluate(WATCH);
  if (chat) await chat.locator('body').evaluate(WATCH).catch(() => {});
}

async function longest(): Promise<{ workbench: number; chat: number }> {
  return {
    workbench: (await page.evaluate('window.__longest ?? 0')) as number,
    chat: await chat.locator('body').evaluate(() => (window as unknown as { __longest?: number }).__longest ?? 0).catch(() => NaN),
  };
}

/** The longest tasks since watch(), for the step's report. */
async function report(t: { diagnostic(message: string): void }, what: string): Promise<void> {
  const { workbench, chat: inChat } = await longest();
  t.diagnostic(`${what}; longest task since the step began: workbench ${workbench.toFixed(0)} ms, Chat webview ${inChat.toFixed(0)} ms`);
}

describe('A conversation of thousands of messages in the VS Code UI', { timeout: 10 * 60_000 }, () => {
  before(async () => {
    ui = await startUi({ name: 'ui-longchat', prepare: ({ userDataDir, workspace }) => seed(userDataDir, workspace) });
    page = ui.page;
  });

  after(async () => {
    await ui?.stop();
  });

  test('the Chat view opens at the newest of 5,000 messages, building only a page of them', step('open', async (t) => {
    await watch();
    await openPipulateContainer(page);
    const count = await expectNewest('Long', N);
    await report(t, `${count} messages built`);
  }));

  test('hidden and shown again, it opens at the newest messages again', step('hide-show', async (t) => {
    await watch();
    await runCommand(page, 'View: Show Explorer');
    await page.locator('.part.sidebar .composite.title', { hasText: /explorer/i }).waitFor();
    await openPipulateContainer(page);
    const count = await expectNewest('Long', N);
    await report(t, `${count} messages built`);
  }));

  test('scrolled to the top, it brings the next older page', step('older', async (t) => {
    await watch();
    const before = await built();
    await chat.locator('.messages').evaluate((pane) => (pane.scrollTop = 0));
    const after = await waitUntil('an older page built', built, (n) => n > before, { timeout: 30_000 });
    assert.ok(after <= before + 200, `${after - before} older messages built at once`);
    const oldest = Number(await chat.locator('.msg').first().getAttribute('data-id'));
    assert.ok(oldest > 1, 'not the whole conversation at once');
    await report(t, `${before} -> ${after} messages built`);
  }));

  test('Switch Profile shows the other conversation, and switching back the newest of the long one', step('switch', async (t) => {
    await watch();
    await runCommand(page, 'Pipulate: Switch Profile');
    await pickQuickItem(page, 'Short');
    // The three seeded messages, and the note of the switch.
    const seeded = async () => (await chat.locator('.msg').allTextContents()).filter((x) => /(Long|Short) message/.test(x));
    await waitUntil('the Short conversation shown', seeded, (texts) => texts.length === 3 && texts.every((x) => x.includes('Short message')), { timeout: 30_000 });
    await runCommand(page, 'Pipulate: Switch Profile');
    await pickQuickItem(page, 'Long');
    const count = await expectNewest('Long', N);
    await report(t, `${count} messages built`);
  }));
});
