/**
 * The Tasks view's filter box and a search landing on a todo: the real webview bundle in
 * Chromium, the real core and store behind it. The filter narrows the list as it is typed
 * (words of the title, is:open, is:done); the keyboard and reordering stay within what is
 * shown; Escape gives the whole list back. todo/reveal scrolls to a todo and focuses it.
 */
import assert from 'node:assert/strict';
import { after, afterEach, beforeEach, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { Harness, closeBrowser, type OpenedView } from './harness';

let h: Harness;
let view: OpenedView;
let page: Page;

const shown = () => page.locator('li.todo:not([hidden]) .title').allTextContents();
const storeTitles = () => h.store.todos.xtra({ profile_id: h.tasks.activeProfileId }).rows({ orderBy: 'priority, id' }).map((t) => t.title);
const filter = () => page.locator('vscode-textfield.filter-input');

async function typeFilter(text: string): Promise<void> {
  await filter().click();
  await page.keyboard.type(text);
}

async function expectShown(expected: string[]): Promise<void> {
  await page.waitForFunction((n) => document.querySelectorAll('li.todo:not([hidden])').length === n, expected.length).catch(() => undefined);
  assert.deepEqual(await shown(), expected);
}

beforeEach(async () => {
  h = await Harness.start();
  view = await h.open('tasks');
  page = view.page;
  for (const title of ['Buy milk', 'Write report', 'Buy stamps', 'Call Alice', 'Buy bread']) await h.tasks.addTodo(title);
  const stamps = h.store.todos.rows({ where: { title: 'Buy stamps' } })[0]!;
  await h.tasks.toggleTodo(stamps.id);
  await view.settle();
  await page.waitForFunction(() => document.querySelectorAll('li.todo').length === 5);
});
afterEach(async () => h.close());
after(closeBrowser);

describe('Tasks view filter', () => {
  it('narrows the list as it is typed, by every word of the title, any case; is:open and is:done', async () => {
    await typeFilter('BUY');
    await expectShown(['Buy milk', 'Buy stamps', 'Buy bread']);
    await page.keyboard.type(' is:open');
    await expectShown(['Buy milk', 'Buy bread']);
    await filter().evaluate((el) => ((el as HTMLInputElement).value = ''));
    await typeFilter('is:done');
    await expectShown(['Buy stamps']);
    await filter().evaluate((el) => ((el as HTMLInputElement).value = ''));
    await typeFilter('nothing like it');
    await expectShown([]);
    assert.equal(await page.locator('.empty-state').innerText(), 'No todo matches the filter.');
    await page.keyboard.press('Escape');
    await expectShown(['Buy milk', 'Write report', 'Buy stamps', 'Call Alice', 'Buy bread']);
    assert.equal(await page.locator('.empty-state').isHidden(), true);
  });

  it('a change keeps to the filter: a renamed todo leaves the list, a new one that matches joins it', async () => {
    await typeFilter('buy');
    await expectShown(['Buy milk', 'Buy stamps', 'Buy bread']);
    const milk = h.store.todos.rows({ where: { title: 'Buy milk' } })[0]!;
    await h.tasks.renameTodo(milk.id, 'Get milk');
    await h.tasks.addTodo('Buy flowers');
    await view.settle();
    await expectShown(['Buy stamps', 'Buy bread', 'Buy flowers']);
  });

  it('the keyboard moves among the todos shown, and Alt+Arrow reorders among them', async () => {
    await typeFilter('buy');
    await expectShown(['Buy milk', 'Buy stamps', 'Buy bread']);
    await page.keyboard.press('ArrowDown'); // from the filter into the list
    assert.equal(await page.evaluate(() => document.activeElement?.querySelector('.title')?.textContent), 'Buy milk');
    await page.keyboard.press('ArrowDown'); // skips "Write report"
    assert.equal(await page.evaluate(() => document.activeElement?.querySelector('.title')?.textContent), 'Buy stamps');
    await page.keyboard.press('End');
    assert.equal(await page.evaluate(() => document.activeElement?.querySelector('.title')?.textContent), 'Buy bread');
    await page.keyboard.press('Home');
    await page.keyboard.press('Alt+ArrowDown'); // "Buy milk" goes just after "Buy stamps", the next one shown
    await page.waitForFunction(() => !document.querySelector('.pending'));
    await view.settle();
    assert.deepEqual(storeTitles(), ['Write report', 'Buy stamps', 'Buy milk', 'Call Alice', 'Buy bread']);
    await expectShown(['Buy stamps', 'Buy milk', 'Buy bread']);
  });

  it('todo/reveal (a search landing on a todo) scrolls to it and focuses it', async () => {
    for (let i = 0; i < 300; i++) await h.tasks.addTodo(`Filler ${i}`);
    await h.tasks.addTodo('Needle at the bottom');
    await view.settle();
    const needle = h.store.todos.rows({ where: { title: 'Needle at the bottom' } })[0]!;
    h.core.events.emit({ kind: 'todo/reveal', id: needle.id });
    await page.waitForFunction(() => document.activeElement?.querySelector('.title')?.textContent === 'Needle at the bottom', null, { timeout: 5000 });
    // Within the list's scrolled box and the window, the row is shown.
    const where = await page.locator('li.todo:focus').evaluate((li) => {
      const box = li.getBoundingClientRect();
      const list = li.closest('.todos')!.getBoundingClientRect();
      return { top: box.top, bottom: box.bottom, listTop: list.top, listBottom: Math.min(list.bottom, window.innerHeight) };
    });
    assert.ok(where.top >= where.listTop && where.bottom <= where.listBottom, JSON.stringify(where));
  });
});
