/**
 * Attachments in the Chat view: the real bundle in Chromium, the real router and chat
 * service behind it, a scripted editor. Chips above the input say file and lines, open
 * the place by click or keyboard, and are removed with their ×; a sent message keeps its
 * chips across a reload.
 */
import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { harnessHooks } from './harness';
import type { CodeLink } from '../../src/tasks/anchor';
import type { Attachment } from '../../src/chat/attachments';

let revealed: CodeLink[] = [];

const selection: Attachment = { folder: 'app', path: 'src/parse.ts', start: 2, end: 4, language: 'typescript', text: 'a\nb\nc' };
const file: Attachment = { folder: 'app', path: 'docs/notes.md', language: 'markdown', text: '# Notes' };

beforeEach(() => {
  revealed = [];
});

const env = harnessHooks({
  harness: { editor: { read: async () => undefined, reveal: async (l) => void revealed.push(l), selection: () => undefined } },
  view: { kind: 'chat', ready: '.empty-state:not([hidden])' },
});

const chips = () => env.page.locator('.pending-chips .chip');

describe('Attachments in the Chat view', () => {
  it('shows what the next message carries as chips above the input, opens one by click, removes one with ×', async () => {
    assert.equal(await env.page.locator('.pending-chips').isHidden(), true);
    env.h.chat.attachments.add(env.h.tasks.activeProfileId, selection);
    env.h.chat.attachments.add(env.h.tasks.activeProfileId, file);
    await env.page.waitForFunction(() => document.querySelectorAll('.pending-chips .chip').length === 2);
    assert.deepEqual((await chips().allInnerTexts()).map((t) => t.trim()), ['parse.ts:3-5', 'notes.md']);
    assert.equal(await chips().first().locator('.chip-open').getAttribute('aria-label'), 'parse.ts:3-5, attached from src/parse.ts, lines 3 to 5. Open it');

    await chips().nth(1).locator('.chip-open').click();
    await env.page.waitForFunction(() => !document.querySelector('.pending'));
    await env.view.settle();
    await waitFor(() => revealed.length === 1);
    assert.deepEqual([revealed[0]!.path, revealed[0]!.start], ['docs/notes.md', 0]);

    await chips().first().locator('.chip-remove').click();
    await env.page.waitForFunction(() => document.querySelectorAll('.pending-chips .chip').length === 1);
    assert.deepEqual(env.h.chat.attachments.list(env.h.tasks.activeProfileId).map((a) => a.path), ['docs/notes.md']);
  });

  it('works from the keyboard: Tab to a chip, Enter opens it, Tab to its ×, Enter removes it', async () => {
    env.h.chat.attachments.add(env.h.tasks.activeProfileId, selection);
    await env.page.waitForSelector('.pending-chips .chip');
    await chips().first().locator('.chip-open').focus();
    await env.page.keyboard.press('Enter');
    await waitFor(() => revealed.length === 1);
    assert.deepEqual([revealed[0]!.start, revealed[0]!.end], [2, 4]);
    await env.page.keyboard.press('Tab');
    assert.equal(await env.page.evaluate(() => document.activeElement?.classList.contains('chip-remove')), true);
    await env.page.keyboard.press('Enter');
    await env.page.waitForFunction(() => document.querySelectorAll('.pending-chips .chip').length === 0);
    assert.equal(await env.page.locator('.pending-chips').isHidden(), true);
  });

  it('a sent message shows its chips, after a reload too; a click opens the place', async () => {
    const profileId = env.h.tasks.activeProfileId;
    const row = env.h.store.messages.insert({ profile_id: profileId, role: 'user', content: 'Look at these', created: 1, status: 'done', model: null, data: { attachments: [selection, file] } });
    await env.h.db.sync();
    await env.page.reload();
    await env.page.waitForSelector('.msg[data-role="user"] .chips .chip');
    assert.deepEqual((await env.page.locator('.msg[data-role="user"] .chips .chip').allInnerTexts()).map((t) => t.trim()), ['parse.ts:3-5', 'notes.md']);
    assert.equal((await env.page.locator('.msg[data-role="user"] .msg-body').innerText()).split('\n')[0], 'Look at these');
    await env.page.locator('.msg[data-role="user"] .chips .chip-open').first().click();
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
