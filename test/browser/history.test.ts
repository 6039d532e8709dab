/**
 * A long conversation in the Chat view: 5,000 messages in the store, the real webview
 * bundle in Chromium, the real router and ChatService behind it. The view opens at the
 * newest messages; scrolling to the top loads older pages up to the very first, with the
 * reader's place kept; old messages work like new ones (copy, code actions, hostile
 * markup inert); a reply still streams at the bottom; profile switch and clear work.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { harnessHooks } from './harness';

const env = harnessHooks({ ollama: { models: ['llama3.2:latest'] } });

const N = 5_000;
const T = { timeout: 180_000 };

const HOSTILE = [
  '<script>window.__pwned=1</script>',
  '<img src=x onerror="window.__pwned=2">',
  '[click me](javascript:window.__pwned=3)',
  '<a href="javascript:window.__pwned=4">link</a>',
  '[docs](https://example.com/docs)',
  '```ts\nconst oldest = 1;\n```',
].join('\n\n');

/** What message `i` of a conversation says; the first is hostile, some have code, some are notes. */
function content(tag: string, i: number): { role: 'user' | 'assistant' | 'note'; content: string } {
  if (i === 0) return { role: 'assistant', content: `${tag} message 0\n\n${HOSTILE}` };
  if (i % 7 === 3) return { role: 'note', content: `${tag} message ${i}: completed todo “t${i}”` };
  if (i % 2 === 0) return { role: 'user', content: `${tag} message ${i}: what next?` };
  const code = i % 10 === 1 ? `\n\n\`\`\`ts\nconst step${i} = ${i};\n\`\`\`` : '';
  return { role: 'assistant', content: `${tag} message ${i}: **do** the next thing, then \`check\` it.${code}` };
}

/** `n` messages in a profile's conversation, straight into the store (one transaction). */
async function seed(profileId: number, tag: string, n = N): Promise<number[]> {
  const ids: number[] = [];
  env.h.db.transaction(() => {
    for (let i = 0; i < n; i++) ids.push(env.h.store.messages.insert({ profile_id: profileId, ...content(tag, i), created: i, status: 'done', model: null }).id);
  });
  await env.h.db.sync();
  return ids;
}

/**
 * In the page (plain JavaScript: a function would be transpiled for Node): the first
 * message in sight, and a per-frame watch of how far it moves while older messages load.
 */
const PROBE = `(() => {
  const pane = document.querySelector('.messages');
  const offset = (el) => el.getBoundingClientRect().top - pane.getBoundingClientRect().top;
  window.__place = {
    firstInSight() {
      const top = pane.getBoundingClientRect().top;
      for (const m of document.querySelectorAll('.msg')) {
        const r = m.getBoundingClientRect();
        if (r.height > 0 && r.bottom > top) return m;
      }
      return null;
    },
    /** Scrolls to the top; from then on records, every frame, how far the message first in sight moved. */
    watch() {
      pane.scrollTop = 0;
      const anchor = this.firstInSight();
      const at = offset(anchor);
      const w = (this.watching = { id: anchor.dataset.id, worst: 0, frames: 0, on: true });
      const tick = () => {
        if (!w.on) return;
        w.worst = Math.max(w.worst, Math.abs(offset(anchor) - at));
        w.frames++;
        requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
      return w.id;
    },
    stop() {
      this.watching.on = false;
      return this.watching;
    },
  };
})()`;

const count = () => env.page.locator('.msg').count();
const firstId = () => env.page.locator('.msg').first().getAttribute('data-id');

/** Scrolls to the top until `ids[0]` is shown; returns how far the reader's place moved at worst, per page. */
async function climb(ids: number[]): Promise<number[]> {
  await env.page.evaluate(PROBE);
  const moves: number[] = [];
  for (let pages = 0; (await firstId()) !== String(ids[0]); pages++) {
    assert.ok(pages < ids.length / 50, 'every page brings older messages');
    const shown = await count();
    await env.page.evaluate('window.__place.watch()');
    // A page of 100 is in once that many more messages are built (fewer: the last page).
    await env.page.waitForFunction((target) => document.querySelectorAll('.msg').length >= target, Math.min(ids.length, shown + 100));
    await env.page.evaluate('new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))');
    moves.push(((await env.page.evaluate('window.__place.stop()')) as { worst: number }).worst);
  }
  return moves;
}

/** Whether the message is on screen, inside the conversation pane. */
async function inSight(id: number): Promise<boolean> {
  return env.page.evaluate((id) => {
    const pane = document.querySelector('.messages')!.getBoundingClientRect();
    const r = document.querySelector(`.msg[data-id="${id}"]`)?.getBoundingClientRect();
    return !!r && r.height > 0 && r.top < pane.bottom && r.bottom > pane.top;
  }, id);
}

async function open(): Promise<void> {
  env.view = await env.h.open('chat');
}

describe('Chat view with 5,000 messages', () => {
  it('opens at the newest; scrolling to the top reaches the very first, page by page, the reader’s place kept', T, async () => {
    const ids = await seed(env.h.tasks.activeProfileId, 'Default');
    await open();
    const newest = ids.at(-1)!;
    await env.page.waitForSelector(`.msg[data-id="${newest}"]`);
    await env.page.waitForFunction(() => !document.querySelector('.messages')!.matches(':empty'));
    assert.ok(await inSight(newest), 'the newest message is in sight');
    assert.ok((await count()) <= 100, `only the newest page is built (${await count()})`);

    const moves = await climb(ids);
    assert.equal(await count(), N, 'every message once');
    assert.ok(moves.length >= (N - 100) / 100, `${moves.length} pages`);
    assert.ok(Math.max(...moves) <= 3, `the first message in sight moved at most ${Math.max(...moves)} px (per page: ${moves.join(' ')})`);
    const order = await env.page.locator('.msg').evaluateAll((els) => els.map((e) => Number((e as HTMLElement).dataset.id)));
    assert.deepEqual(order, ids, 'in order');
    await env.page.evaluate(() => (document.querySelector('.messages')!.scrollTop = 0));
    assert.ok(await inSight(ids[0]!), 'the very first message is in sight at the top');
    // Rendered text (innerText), once the browser has drawn what came into sight (content-visibility skips the rest).
    await env.page.waitForFunction((id) => /Default message 0/.test((document.querySelector(`.msg[data-id="${id}"]`) as HTMLElement | null)?.innerText ?? ''), ids[0]);
  });

  it('renders hostile markup in old messages inert; copy, code actions and links work on them as on new ones', T, async () => {
    const ids = await seed(env.h.tasks.activeProfileId, 'Default');
    await open();
    await climb(ids);
    const oldest = env.page.locator(`.msg[data-id="${ids[0]}"]`);
    const body = oldest.locator('.msg-body');
    assert.equal(await body.locator('script, img, iframe, [onerror]').count(), 0);
    const hrefs = await body.locator('a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    assert.deepEqual(hrefs.filter((x) => x !== null), ['https://example.com/docs']);
    await body.locator('a', { hasText: 'click me' }).click().catch(() => undefined);
    assert.equal(await env.page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined);
    assert.match(await body.innerText(), /<img src=x onerror="window.__pwned=2">/, 'HTML the model wrote is shown as text');

    await oldest.hover();
    await oldest.locator('button.copy-message').click();
    await env.page.waitForFunction((id) => document.querySelector(`.msg[data-id="${id}"] button.copy-message .codicon-check`), ids[0]);
    assert.match(env.h.ui.clipboard, /^Default message 0\n\n<script>/);
    assert.ok((await body.locator('pre code span.hljs-keyword').count()) >= 1, 'old code is highlighted');
    await body.locator('.code-block').hover();
    await body.locator('button.copy-code').click();
    await env.page.waitForFunction((id) => document.querySelector(`.msg[data-id="${id}"] button.copy-code .codicon-check`), ids[0]);
    assert.equal(env.h.ui.clipboard, 'const oldest = 1;');
    await body.locator('button.insert-code').click();
    await env.page.waitForFunction((id) => document.querySelector(`.msg[data-id="${id}"] button.insert-code .codicon-check`), ids[0]);
    assert.deepEqual(env.h.ui.inserted, ['const oldest = 1;']);
  });

  it('folds a run of notes into one line across the pages and slices it arrived in', T, async () => {
    // 200 messages; 121 to 170 are notes: the snapshot (the newest 60) starts inside the run.
    const profile_id = env.h.tasks.activeProfileId;
    const ids: number[] = [];
    env.h.db.transaction(() => {
      for (let i = 0; i < 200; i++) {
        const m = i > 120 && i <= 170 ? { role: 'note' as const, content: `Note ${i}` } : { role: 'user' as const, content: `Message ${i}` };
        ids.push(env.h.store.messages.insert({ profile_id, ...m, created: i, status: 'done', model: null }).id);
      }
    });
    await env.h.db.sync();
    await open();
    await env.page.waitForSelector(`.msg[data-id="${ids.at(-1)}"]`);
    await climb(ids);
    // textContent: the group may sit in a chunk out of sight, which is not laid out (innerText is empty then).
    assert.deepEqual(await env.page.locator('.note-fold:not([hidden])').allTextContents(), ['50 actions in Tasks']);
    const notes = await env.page.locator('.note-group .msg').evaluateAll((els) => els.map((e) => e.textContent));
    assert.deepEqual(notes, Array.from({ length: 50 }, (_, i) => `Note ${121 + i}`), 'in order');
  });

  it('streams a reply at the bottom, after the reader scrolled up through older pages', T, async () => {
    const ids = await seed(env.h.tasks.activeProfileId, 'Default');
    await open();
    await env.page.waitForSelector(`.msg[data-id="${ids.at(-1)}"]`);
    await env.page.evaluate(PROBE);
    for (let i = 0; i < 3; i++) {
      const shown = await count();
      await env.page.evaluate('window.__place.watch()');
      await env.page.waitForFunction((target) => document.querySelectorAll('.msg').length >= target, shown + 100);
      await env.page.evaluate('window.__place.stop()');
    }
    env.ollama.scriptChat({ tokens: Array.from({ length: 40 }, (_, i) => `w${i} `), tokenDelayMs: 15 });
    await env.page.locator('vscode-textarea.composer-input').click();
    await env.page.keyboard.type('One more?');
    await env.page.keyboard.press('Enter');
    const streaming = await env.page.waitForSelector('.msg[data-role="assistant"][data-status="streaming"]');
    const id = Number(await streaming.getAttribute('data-id'));
    await env.page.waitForFunction((id) => (document.querySelector(`.msg[data-id="${id}"] .msg-body`)?.textContent ?? '').includes('w3'), id);
    assert.ok(await inSight(id), 'the streaming reply is in sight');
    await env.page.waitForSelector(`.msg[data-id="${id}"][data-status="done"]`);
    assert.ok(await inSight(id), 'the finished reply is in sight');
    const last = await env.page.locator('.conversation .msg').last().getAttribute('data-id');
    assert.equal(last, String(id), 'the reply is the last message');
    assert.match(await env.page.locator(`.msg[data-id="${id}"] .msg-body`).innerText(), /w0 w1 w2 .* w39/);
  });

  it('switches profile and clears with 5,000 messages, nothing of the other conversation left behind', T, async () => {
    const home = env.h.tasks.activeProfileId;
    const homeIds = await seed(home, 'Default');
    const work = await env.h.tasks.addProfile('Work'); // switches to it
    const workIds = await seed(work.id, 'Work');
    await env.h.tasks.switchProfile(home);
    await open();
    await env.page.waitForSelector(`.msg[data-id="${homeIds.at(-1)}"]`);
    // Scrolled up, older pages loading, when the profile changes under it.
    await env.page.evaluate(PROBE);
    await env.page.evaluate('window.__place.watch()');
    await env.h.tasks.switchProfile(work.id);
    await env.page.waitForSelector(`.msg[data-id="${workIds.at(-1)}"]`);
    assert.ok(await inSight(workIds.at(-1)!), 'the other profile’s newest message is in sight');
    await env.page.evaluate('window.__place.stop()');
    // Whatever was pending for the first profile never shows up.
    await env.page.evaluate('new Promise((r) => setTimeout(r, 500))');
    const texts = await env.page.locator('.msg .msg-body').allInnerTexts();
    assert.ok(texts.every((t) => !t.startsWith('Default')), 'no message of the first profile');
    assert.ok(texts.length <= 200, `${texts.length} messages built`);

    const clear = env.page.locator('vscode-toolbar-button[label="Clear conversation"]');
    await clear.click();
    await env.page.waitForSelector('.empty-state:not([hidden])');
    assert.equal(await count(), 0);
    assert.equal(env.h.store.messages.count({ profile_id: work.id }), 0);
    assert.ok(env.h.store.messages.count({ profile_id: home }) >= N, 'the other conversation is untouched');
    await env.h.tasks.switchProfile(home);
    await env.page.waitForSelector(`.msg[data-id="${homeIds.at(-1)}"]`);
  });
});
