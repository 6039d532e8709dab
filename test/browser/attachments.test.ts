/**
 * Attachments in the Chat view: the real bundle in Chromium, the real router and chat
 * service behind it, a scripted editor. Chips above the input say file and lines, open
 * the place by click or keyboard, and are removed with their ×; a sent message keeps its
 * chips across a reload.
 */
import assert from 'node:assert/strict';
import { after, afterEach, beforeEach, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { Harness, closeBrowser, type OpenedView } from './harness';
import type { CodeLink } from '../../src/tasks/anchor';
import type { Attachment } from '../../src/chat/attachments';

let h: Harness;
let view: OpenedView;
let page: Page;
let revealed: CodeLink[] = [];

const selection: Attachment = { folder: 'app', path: 'src/parse.ts', start: 2, end: 4, language: 'typescript', text: 'a\nb\nc' };
const file: Attachment = { folder: 'app', path: 'docs/notes.md', language: 'markdown', text: '# Notes' };

beforeEach(async () => {
  revealed = [];
  h = await Harness.start({ editor: { read: async () => undefined, reveal: async (l) => void revealed.push(l), selection: () => undefined } });
  view = await h.open('chat');
  page = view.page;
  await page.waitForSelector('.empty-state:not([hidden])');
});

afterEach(async () => {
  assert.deepEqual(view.problems, [], 'no console errors or CSP violations');
  await h.close();
});

after(closeBrowser);

const chips = () => page.locator('.pending-chips .chip');

describe('Attachments in the Chat view', () => {
  it('shows what the next message carries as chips above the input, opens one by click, removes one with ×', async () => {
    assert.equal(await page.locator('.pending-chips').isHidden(), true);
    h.chat.attachments.add(h.tasks.activeProfileId, selection);
    h.chat.attachments.add(h.tasks.activeProfileId, file);
    await page.waitForFunction(() => document.querySelectorAll('.pending-chips .chip').length === 2);
    assert.deepEqual((await chips().allInnerTexts()).map((t) => t.trim()), ['parse.ts:3-5', 'notes.md']);
    assert.equal(await chips().first().locator('.chip-open').getAttribute('aria-label'), 'parse.ts:3-5, attached from src/parse.ts, lines 3 to 5. Open it');

    await chips().nth(1).locator('.chip-open').click();
    await page.waitForFunction(() => !document.querySelector('.pending'));
    await view.settle();
    await waitFor(() => revealed.length === 1);
    assert.deepEqual([revealed[0]!.path, revealed[0]!.start], ['docs/notes.md', 0]);

    await chips().first().locator('.chip-remove').click();
    await page.waitForFunction(() => document.querySelectorAll('.pending-chips .chip').length === 1);
    assert.deepEqual(h.chat.attachments.list(h.tasks.activeProfileId).map((a) => a.path), ['docs/notes.md']);
  });

  it('works from the keyboard: Tab to a chip, Enter opens it, Tab to its ×, Enter removes it', async () => {
    h.chat.attachments.add(h.tasks.activeProfileId, selection);
    await page.waitForSelector('.pending-chips .chip');
    await chips().first().locator('.chip-open').focus();
    await page.keyboard.press('Enter');
    await waitFor(() => revealed.length === 1);
    assert.deepEqual([revealed[0]!.start, revealed[0]!.end], [2, 4]);
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.classList.contains('chip-remove')), true);
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.querySelectorAll('.pending-chips .chip').length === 0);
    assert.equal(await page.locator('.pending-chips').isHidden(), true);
  });

  it('a sent message shows its chips, after a reload too; a click opens the place', async () => {
    const profileId = h.tasks.activeProfileId;
    const row = h.store.messages.insert({ profile_id: profileId, role: 'user', content: 'Look at these', created: 1, status: 'done', model: null, data: { attachments: [selection, file] } });
    await h.db.sync();
    await page.reload();
    await page.waitForSelector('.msg[data-role="user"] .chips .chip');
    assert.deepEqual((await page.locator('.msg[data-role="user"] .chips .chip').allInnerTexts()).map((t) => t.trim()), ['parse.ts:3-5', 'notes.md']);
    assert.equal((await page.locator('.msg[data-role="user"] .msg-body').innerText()).split('\n')[0], 'Look at these');
    await page.locator('.msg[data-role="user"] .chips .chip-open').first().click();
    await waitFor(() => revealed.length === 1);
    assert.equal(revealed[0]!.path, 'src/parse.ts');
    assert.ok(row.id > 0);
  });
});

async function waitFor(test: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!test()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}
