/**
 * Accessibility of both views, in light, dark and high-contrast themes: axe-core in the
 * real bundle's page finds nothing, with every kind of control on screen (todos open and
 * done, a reply with code, folded notes, a problem box); and the keyboard reaches every
 * control, in Tab order.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { harnessHooks } from './harness';
import type { Theme } from './themes';

const env = harnessHooks({ ollama: { models: ['llama3.2:latest'] } });

const AXE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const THEMES: Theme[] = ['light', 'dark', 'hc'];

/** axe's violations in the page, one line each (rule, what it says, where). */
async function violations(page: Page): Promise<string[]> {
  await page.evaluate(AXE); // through the debugger protocol: the page's CSP does not apply
  const found = (await page.evaluate('axe.run(document, { resultTypes: ["violations"] }).then((r) => r.violations)')) as {
    id: string;
    help: string;
    nodes: { target: unknown[]; failureSummary?: string }[];
  }[];
  return found.flatMap((v) => v.nodes.map((n) => `${v.id}: ${v.help} at ${JSON.stringify(n.target)} (${n.failureSummary ?? ''})`));
}

/** Presses Tab until the focus comes round again; what had it, in order (name or label, and tag). */
async function tabOrder(page: Page): Promise<string[]> {
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  const seen: string[] = [];
  for (let i = 0; i < 60; i++) {
    await page.keyboard.press('Tab');
    const here = await page.evaluate(() => {
      const el = document.activeElement as HTMLElement | null;
      if (!el || el === document.body) return '';
      const name = el.getAttribute('aria-label') ?? el.getAttribute('label') ?? el.textContent?.trim().slice(0, 40) ?? '';
      return `${el.tagName.toLowerCase()} ${name}`;
    });
    if (here && seen[0] === here && seen.length > 1) break;
    if (here) seen.push(here);
  }
  return seen;
}

async function withTodos(): Promise<void> {
  for (const title of ['Write the report', 'Call the plumber', 'Water the plants']) await env.h.tasks.addTodo(title);
  await env.h.tasks.toggleTodo(env.h.store.todos.rows({ where: { title: 'Call the plumber' } })[0]!.id);
}

/** A reply with code, notes folded after it, then a problem (the model is gone). */
async function withConversation(): Promise<Page> {
  const view = await env.h.open('chat');
  const page = view.page;
  await page.waitForSelector('.empty-state:not([hidden])');
  const code = '// every kind of token\nfunction add(a: number, b = "one"): number {\n  return a + b.length + Math.max(1, 2.5) + (true ? 1 : 0);\n}\nconst o = { key: null };\n';
  env.ollama.scriptChat({ tokens: [`Here, *with* \`inline\` [a link](https://example.com):\n\n> quoted\n\n\`\`\`ts\n${code}\`\`\`\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\nDone.`] });
  await page.locator('vscode-textarea.composer-input').click();
  await page.keyboard.type('Show code');
  await page.keyboard.press('Enter');
  await page.waitForSelector('.msg[data-role="assistant"][data-status="done"]');
  await withTodos();
  await page.getByRole('button', { name: '4 actions in Tasks' }).click();
  env.ollama.models = [];
  await page.keyboard.press('Tab'); // away from the fold
  await page.locator('vscode-textarea.composer-input').click();
  await page.keyboard.type('Again');
  await page.keyboard.press('Enter');
  await page.waitForSelector('.problem:not([hidden])');
  await env.h.chat.settled();
  return page;
}

describe('Accessibility', () => {
  it('the Tasks view has no axe violations in light, dark and high-contrast themes', async () => {
    await withTodos();
    for (const theme of THEMES) {
      const { page } = await env.h.open('tasks', { theme });
      await page.waitForSelector('li.todo.done');
      await page.locator('li.todo').first().focus();
      assert.deepEqual(await violations(page), [], theme);
    }
  });

  it('the Chat view has no axe violations in light, dark and high-contrast themes', async () => {
    await withConversation();
    for (const theme of THEMES) {
      const { page } = await env.h.open('chat', { theme });
      await page.waitForSelector('.problem:not([hidden])');
      await page.getByRole('button', { name: '4 actions in Tasks' }).click();
      await page.locator('.problem summary').click();
      assert.deepEqual(await violations(page), [], theme);
    }
  });

  it('tool cards (applied, and waiting with three changes) and the Tasks view’s Undo bar have no axe violations in light, dark and high-contrast themes', async () => {
    const report = await env.h.tasks.addTodo('Write the report');
    const chat = await env.h.open('chat');
    env.ollama.scriptChat(
      { tokens: [''], toolCalls: [{ name: 'list_todos' }, { name: 'add_todo', arguments: { title: 'Call the plumber' } }] },
      { tokens: ['Added.'] },
      { tokens: ['Three changes:'], toolCalls: [
        { name: 'complete_todo', arguments: { id: report.id } },
        { name: 'add_todo', arguments: { title: 'Water the plants' } },
        { name: 'delete_todo', arguments: { id: report.id } },
      ] },
    );
    await chat.page.locator('vscode-textarea.composer-input').click();
    await chat.page.keyboard.type('Add the plumber');
    await chat.page.keyboard.press('Enter');
    await chat.page.locator('.tool-card[data-state="waiting"] vscode-button', { hasText: 'Apply' }).click();
    await chat.page.waitForSelector('.msg[data-role="assistant"]:has-text("Added.")');
    await chat.page.locator('vscode-textarea.composer-input').click();
    await chat.page.keyboard.type('Three more');
    await chat.page.keyboard.press('Enter');
    await chat.page.waitForSelector('.tool-card[data-state="waiting"]');
    const found: Partial<Record<Theme, string[]>> = {};
    try {
      for (const theme of THEMES) {
        const { page } = await env.h.open('chat', { theme });
        await page.waitForSelector('.tool-card[data-state="waiting"] vscode-checkbox');
        await page.locator('.tool-card summary', { hasText: 'Read the todo list' }).click();
        await page.waitForSelector('.card-result:has-text("Write the report")');
        found[theme] = await violations(page);
      }
    } finally {
      env.h.chat.stop(env.h.tasks.activeProfileId); // the card stops waiting, so the reply can end
    }
    assert.deepEqual(found, { light: [], dark: [], hc: [] }, 'chat');
    for (const theme of THEMES) {
      const { page } = await env.h.open('tasks', { theme });
      await page.locator('li.todo', { hasText: 'Call the plumber' }).focus();
      await page.keyboard.press('Delete');
      await page.waitForSelector('.undo-bar:not([hidden])');
      assert.deepEqual(await violations(page), [], `tasks, ${theme}`);
      await page.keyboard.press('ControlOrMeta+z');
      await page.waitForSelector('.undo-bar', { state: 'hidden' });
    }
  });

  it('the keyboard reaches every control of the Chat view', async () => {
    const page = await withConversation();
    const order = await tabOrder(page);
    const expected = [
      /^button llama3\.2 · connected$/,
      /^vscode-toolbar-button Clear conversation$/,
      /^button Copy message$/,
      /^button Copy code$/,
      /^button Insert code at the cursor$/,
      /^button 4 actions in Tasks$/,
      /^button Dismiss this problem$/,
      /^vscode-button Pull Model$/,
      /^vscode-button Choose Model$/,
      /^summary Details$/,
      /^vscode-textarea Message$/,
      /^vscode-button Send$/,
    ];
    for (const pattern of expected) assert.ok(order.some((x) => pattern.test(x)), `${pattern} in the Tab order:\n${order.join('\n')}`);
    for (const stop of order) assert.match(stop, /^\S+ \S/, 'every stop has a name');
  });

  it('the keyboard reaches every control of the Tasks view', async () => {
    await withTodos();
    const { page } = await env.h.open('tasks');
    await page.waitForSelector('li.todo.done');
    const order = await tabOrder(page);
    const expected = [
      /^vscode-single-select Active profile$/,
      /^vscode-toolbar-button New profile$/,
      /^vscode-toolbar-button Rename profile$/,
      /^vscode-textfield New todo$/,
      /^vscode-button Clear completed$/,
      /^li Write the report$/,
      /^button Edit title \(F2\)$/,
      /^button Delete todo \(Delete\)$/,
    ];
    for (const pattern of expected) assert.ok(order.some((x) => pattern.test(x)), `${pattern} in the Tab order:\n${order.join('\n')}`);
    for (const stop of order) assert.match(stop, /^\S+ \S/, 'every stop has a name');
  });
});
