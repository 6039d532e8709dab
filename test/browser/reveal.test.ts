/**
 * "Pipulate: Search" landing in the Chat view (chat/reveal): the real chat bundle in
 * Chromium, the real core behind it. A message older than the snapshot's page is fetched
 * page by page until it is there, a note folded with others is unfolded, and the message
 * ends in sight and active.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { Page } from 'playwright-core';
import { harnessHooks } from './harness';

const env = harnessHooks();

let page: Page;

/** The active element's message id, if it is a message on screen inside the conversation pane. */
const activeInSight = () =>
  page.evaluate(() => {
    const el = document.activeElement?.closest<HTMLElement>('[data-id]');
    if (!el) return undefined;
    const pane = document.querySelector('.messages')!.getBoundingClientRect();
    const r = el.getBoundingClientRect();
    return r.height > 0 && r.top < pane.bottom && r.bottom > pane.top ? Number(el.dataset.id) : -1;
  });

it('a note far up the conversation, folded with others, is fetched, unfolded, scrolled to and made active', async () => {
  const profileId = env.h.tasks.activeProfileId;
  // Three notes in a row fold into "3 actions in Tasks"; then 250 messages push them out of the first page.
  for (const title of ['Plant the tulips', 'Water the roses', 'Mow the lawn']) await env.h.tasks.addTodo(title);
  for (let i = 0; i < 250; i++) await env.h.chat.post(profileId, 'assistant', `Message ${i}`);
  const note = env.h.store.messages.rows({ where: { profile_id: profileId, role: 'note' }, orderBy: 'id' }).find((m) => m.content.includes('Water the roses'))!;
  const view = await env.h.open('chat');
  page = view.page;
  await page.waitForSelector('.msg');
  assert.equal(await page.locator(`[data-id="${note.id}"]`).count(), 0, 'not in the first page');
  env.h.core.events.emit({ kind: 'chat/reveal', profileId, id: note.id });
  await page.waitForFunction((id) => document.activeElement?.closest('[data-id]')?.getAttribute('data-id') === String(id), note.id, { timeout: 10_000 });
  assert.equal(await activeInSight(), note.id);
  assert.equal(await page.locator('.note-fold').first().getAttribute('aria-expanded'), 'true');
});

it('a reveal for another profile’s conversation than the one shown does nothing', async () => {
  const shown = env.h.tasks.activeProfileId;
  const other = await env.h.tasks.addProfile('Other');
  await env.h.chat.post(other.id, 'assistant', 'elsewhere');
  await env.h.tasks.switchProfile(shown);
  const id = env.h.store.messages.rows({ where: { profile_id: other.id } })[0]!.id;
  const view = await env.h.open('chat');
  page = view.page;
  await page.waitForSelector('.empty, .msg, .chat-empty', { timeout: 5000 }).catch(() => undefined);
  env.h.core.events.emit({ kind: 'chat/reveal', profileId: other.id, id });
  await view.settle();
  assert.equal(await page.locator(`[data-id="${id}"]`).count(), 0);
});
