/**
 * Edit and resend, regenerate and Apply to file in the Chat view: the real bundle in
 * Chromium, the real router, chat service and store behind it, the fake Ollama server.
 * Done by keyboard; the replaced messages leave the view and stay in the store; no edit
 * while a reply streams; Apply to file proposes a diff (the scripted UI records it).
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import type { Attachment } from '../../src/chat/attachments';
import { harnessHooks } from './harness';
import type { Theme } from './themes';

const AXE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const fileText = 'export function parse(input) {\n  return lex(input);\n}\n';
const selection: Attachment = { folder: 'app', path: 'src/parse.ts', start: 1, end: 1, language: 'typescript', text: '  return lex(input);' };

const env = harnessHooks({
  ollama: { models: ['llama3.2:latest'] },
  harness: { editor: { read: async () => fileText, reveal: async () => {}, selection: () => undefined } },
  view: { kind: 'chat', ready: '.empty-state:not([hidden])' },
});

const rows = () => env.h.store.messages.rows({ where: { profile_id: env.h.tasks.activeProfileId }, orderBy: 'id' });
const shownIds = () => env.page.evaluate(() => [...document.querySelectorAll('.msg[data-id]')].map((e) => Number(e.getAttribute('data-id'))));

async function send(text: string): Promise<void> {
  await env.page.locator('vscode-textarea.composer-input').click();
  await env.page.keyboard.type(text);
  await env.page.keyboard.press('Enter');
}

/** Tabs from the focus until `selector` has it (at most 40 presses): the keyboard reaches it. */
async function tabTo(selector: string): Promise<void> {
  for (let i = 0; i < 40; i++) {
    await env.page.keyboard.press('Tab');
    if (await env.page.evaluate((s) => document.activeElement?.matches(s) ?? false, selector)) return;
  }
  throw new Error(`Tab never reached ${selector}`);
}

describe('Edit and regenerate in the Chat view', () => {
  it('edits a sent message by keyboard: Tab to Edit, Enter opens its text, Enter sends; the later part is replaced in the view and kept in the store', async () => {
    env.ollama.scriptChat({ tokens: ['Two.'] }, { tokens: ['Blue.'] }, { tokens: ['Four.'] });
    await send('What is 1+1?');
    await env.page.waitForSelector('.msg[data-role="assistant"][data-status="done"]:has-text("Two.")');
    await send('What colour is the sky?');
    await env.page.waitForSelector('.msg[data-role="assistant"][data-status="done"]:has-text("Blue.")');
    const [q1, r1, q2] = rows();

    // From the first message's head, by keyboard.
    await env.page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await tabTo(`.msg[data-id="${q1!.id}"] button.edit-message`);
    await env.page.keyboard.press('Enter');
    const box = env.page.locator(`.msg[data-id="${q1!.id}"] vscode-textarea.msg-editor-input`);
    await box.waitFor();
    assert.equal(await box.evaluate((e) => (e as HTMLTextAreaElement).value), 'What is 1+1?');
    assert.equal(await env.page.evaluate(() => !!document.activeElement?.closest('.msg-editor')), true, 'the focus is in the box');

    // Escape cancels: the message is as it was, the focus back on Edit.
    await env.page.keyboard.press('Escape');
    await env.page.waitForSelector('.msg-editor', { state: 'detached' });
    assert.equal(await env.page.evaluate(() => document.activeElement?.classList.contains('edit-message')), true);

    await env.page.keyboard.press('Enter');
    await box.waitFor();
    await env.page.keyboard.press('End');
    for (let i = 0; i < '1+1?'.length; i++) await env.page.keyboard.press('Backspace');
    await env.page.keyboard.type('2+2?');
    await env.page.keyboard.press('Enter');
    await env.page.waitForSelector('.msg[data-role="assistant"][data-status="done"]:has-text("Four.")');

    const after = rows();
    const live = after.filter((r) => !r.replaced);
    assert.deepEqual(
      live.map((r) => r.content),
      ['What is 2+2?', 'Four.'],
    );
    assert.deepEqual(
      after.filter((r) => r.replaced).map((r) => r.id),
      [q1!.id, r1!.id, q2!.id, after[3]!.id],
    );
    assert.deepEqual(await shownIds(), live.map((r) => r.id), 'only what is in the conversation is shown');
    assert.equal(await env.page.evaluate(() => document.activeElement?.closest('.composer') !== null), true, 'the focus is in the input again');
    const sent = (await env.ollama.chatAt(2)).body.messages as { role: string; content: string }[];
    assert.deepEqual(sent.filter((m) => m.role === 'user').map((m) => m.content), ['What is 2+2?']);

    // A reload shows the same.
    await env.page.reload();
    await env.page.waitForSelector('.msg[data-role="assistant"]:has-text("Four.")');
    assert.deepEqual(await shownIds(), live.map((r) => r.id));
  });

  it('regenerates a reply by keyboard; while a reply streams, Edit and Regenerate are disabled and say why', async () => {
    env.ollama.scriptChat({ tokens: ['First try.'] }, { tokens: ['Second', ' try', '.'], tokenDelayMs: 150 });
    await send('Plan my day');
    await env.page.waitForSelector('.msg[data-role="assistant"][data-status="done"]:has-text("First try.")');
    const [q, r] = rows();
    await env.page.locator(`.msg[data-id="${r!.id}"] button.regenerate-message`).focus();
    await env.page.keyboard.press('Enter');
    await env.page.waitForSelector('.msg[data-role="assistant"][data-status="streaming"]');
    const edit = env.page.locator(`.msg[data-id="${q!.id}"] button.edit-message`);
    assert.equal(await edit.isDisabled(), true);
    assert.equal(await edit.getAttribute('title'), 'A reply is being written: stop it first (Escape)');
    await env.page.waitForSelector('.msg[data-role="assistant"][data-status="done"]:has-text("Second try.")');
    assert.equal(await edit.isDisabled(), false);
    assert.equal(await edit.getAttribute('title'), 'Edit and send again');
    assert.deepEqual(await shownIds(), [q!.id, rows().at(-1)!.id]);
    assert.equal(env.h.store.messages.get(r!.id).replaced, true);
  });

  it('Apply to file on a code block of a reply to a message with an attachment proposes the change as a diff', async () => {
    env.ollama.scriptChat({ tokens: ['Use this:\n\n```ts\n  return lex(input ?? "");\n```\n'] });
    env.h.chat.attachments.add(env.h.tasks.activeProfileId, selection);
    await send('Fix the empty case');
    await env.page.waitForSelector('.msg[data-role="assistant"][data-status="done"] .code-block');
    const apply = env.page.locator('.msg[data-role="assistant"] button.apply-code');
    assert.equal(await apply.getAttribute('aria-label'), 'Apply to parse.ts (shows a diff to review)');
    await apply.focus();
    await env.page.keyboard.press('Enter');
    await env.page.waitForFunction(() => document.querySelector('.msg[data-role="assistant"] button.apply-code .codicon-check'));
    assert.deepEqual(env.h.ui.proposed.map((p) => [p.file.path, p.base, p.text]), [
      ['src/parse.ts', fileText, 'export function parse(input) {\n  return lex(input ?? "");\n}\n'],
    ]);
    // A reply to a message without attachments offers no Apply.
    env.ollama.scriptChat({ tokens: ['```ts\nx\n```'] });
    await send('And this?');
    await env.page.waitForFunction(() => document.querySelectorAll('.msg[data-role="assistant"][data-status="done"] .code-block').length === 2);
    assert.equal(await env.page.locator('.msg[data-role="assistant"]').last().locator('button.apply-code').count(), 0);
  });

  it('an open edit box, Edit, Regenerate and Apply to file have no axe violations in light, dark and high-contrast themes', async () => {
    env.ollama.scriptChat({ tokens: ['```ts\n  return lex(input ?? "");\n```'] });
    env.h.chat.attachments.add(env.h.tasks.activeProfileId, selection);
    await send('Fix it');
    await env.page.waitForSelector('.msg[data-role="assistant"][data-status="done"] .code-block');
    const shots = process.env.PIPULATE_SHOTS;
    for (const theme of ['light', 'dark', 'hc'] as Theme[]) {
      const { page: themed } = await env.h.open('chat', { theme });
      await themed.waitForSelector('.msg[data-role="assistant"] button.apply-code');
      await themed.locator('.msg[data-role="user"] button.edit-message').click();
      await themed.waitForSelector('.msg-editor');
      await themed.locator('.msg[data-role="assistant"] .code-block').hover();
      await themed.evaluate(AXE);
      const found = (await themed.evaluate('axe.run(document, { resultTypes: ["violations"] }).then((r) => r.violations.map((v) => v.id + ": " + v.nodes.map((n) => JSON.stringify(n.target)).join(" ")))')) as string[];
      assert.deepEqual(found, [], theme);
      if (shots) await themed.screenshot({ path: path.join(shots, `edit-${theme}.png`) });
    }
  });
});
