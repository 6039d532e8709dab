/**
 * The Tasks view's filter box and a search landing on a todo: the real webview bundle in
 * Chromium, the real core and store behind it. The filter narrows the list as it is typed
 * (words of the title, is:open, is:done); the keyboard and reordering stay within what is
 * shown; Escape gives the whole list back. todo/reveal scrolls to a todo and focuses it.
 */
import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { harnessHooks } from './harness';

const env = harnessHooks({ view: { kind: 'tasks', ready: '.counts:has-text("0 open")' } });

const shown = () => env.page.locator('li.todo:not([hidden]) .title').allTextContents();
const storeTitles = () => env.h.store.todos.xtra({ profile_id: env.h.tasks.activeProfileId }).rows({ orderBy: 'priority, id' }).map((t) => t.title);
const filter = () => env.page.locator('vscode-textfield.filter-input');

async function typeFilter(text: string): Promise<void> {
  await filter().click();
  await env.page.keyboard.type(text);
}

beforeEach(async () => {
  for (const title of ['Buy milk', 'Write report', 'Buy stamps', 'Call Alice', 'Buy bread']) await env.h.tasks.addTodo(title);
  const stamps = env.h.store.todos.rows({ where: { title: 'Buy stamps' } })[0]!;
  await env.h.tasks.toggleTodo(stamps.id);
  await env.view.settle();
  await env.page.waitForFunction(() => document.querySelectorAll('li.todo').length === 5);
});

async function expectShown(expected: string[]): Promise<void> {
  await env.page.waitForFunction((n) => document.querySelectorAll('li.todo:not([hidden])').length === n, expected.length).catch(() => undefined);
  assert.deepEqual(await shown(), expected);
}

describe('Tasks view filter', () => {
  it('narrows the list as it is typed, by every word of the title, any case; is:open and is:done', async () => {
    await typeFilter('BUY');
    await expectShown(['Buy milk', 'Buy stamps', 'Buy bread']);
    await env.page.keyboard.type(' is:open');
    await expectShown(['Buy milk', 'Buy bread']);
    await filter().evaluate((el) => ((el as HTMLInputElement).value = ''));
    await typeFilter('is:done');
    await expectShown(['Buy stamps']);
    await filter().evaluate((el) => ((el as HTMLInputElement).value = ''));
    await typeFilter('nothing like it');
    await expectShown([]);
    assert.equal(await env.page.locator('.empty-state').innerText(), 'No todo matches the filter.');
    await env.page.keyboard.press('Escape');
    await expectShown(['Buy milk', 'Write report', 'Buy stamps', 'Call Alice', 'Buy bread']);
    assert.equal(await env.page.locator('.empty-state').isHidden(), true);
  });

  it('a change keeps to the filter: a renamed todo leaves the list, a new one that matches joins it', async () => {
    await typeFilter('buy');
    await expectShown(['Buy milk', 'Buy stamps', 'Buy bread']);
    const milk = env.h.store.todos.rows({ where: { title: 'Buy milk' } })[0]!;
    await env.h.tasks.renameTodo(milk.id, 'Get milk');
    await env.h.tasks.addTodo('Buy flowers');
    await env.view.settle();
    await expectShown(['Buy stamps', 'Buy bread', 'Buy flowers']);
  });

  it('the keyboard moves among the todos shown, and Alt+Arrow reorders among them', async () => {
    await typeFilter('buy');
    await expectShown(['Buy milk', 'Buy stamps', 'Buy bread']);
    await env.page.keyboard.press('ArrowDown'); // from the filter into the list
    assert.equal(await env.page.evaluate(() => document.activeElement?.querySelector('.title')?.textContent), 'Buy milk');
    await env.page.keyboard.press('ArrowDown'); // skips "Write report"
    assert.equal(await env.page.evaluate(() => document.activeElement?.querySelector('.title')?.textContent), 'Buy stamps');
    await env.page.keyboard.press('End');
    assert.equal(await env.page.evaluate(() => document.activeElement?.querySelector('.title')?.textContent), 'Buy bread');
    await env.page.keyboard.press('Home');
    await env.page.keyboard.press('Alt+ArrowDown'); // "Buy milk" goes just after "Buy stamps", the next one shown
    await env.page.waitForFunction(() => !document.querySelector('.pending'));
    await env.view.settle();
    assert.deepEqual(storeTitles(), ['Write report', 'Buy stamps', 'Buy milk', 'Call Alice', 'Buy bread']);
    await expectShown(['Buy stamps', 'Buy milk', 'Buy bread']);
  });

  it('todo/reveal (a search landing on a todo) scrolls to it and focuses it', async () => {
    for (let i = 0; i < 300; i++) await env.h.tasks.addTodo(`Filler ${i}`);
    await env.h.tasks.addTodo('Needle at the bottom');
    await env.view.settle();
    const needle = env.h.store.todos.rows({ where: { title: 'Needle at the bottom' } })[0]!;
    env.h.core.events.emit({ kind: 'todo/reveal', id: needle.id });
    await env.page.waitForFunction(() => document.activeElement?.querySelector('.title')?.textContent === 'Needle at the bottom', null, { timeout: 5000 });
    // Within the list's scrolled box and the window, the row is shown.
    const where = await env.page.locator('li.todo:focus').evaluate((li) => {
      const box = li.getBoundingClientRect();
      const list = li.closest('.todos')!.getBoundingClientRect();
      return { top: box.top, bottom: box.bottom, listTop: list.top, listBottom: Math.min(list.bottom, window.innerHeight) };
    });
    assert.ok(where.top >= where.listTop && where.bottom <= where.listBottom, JSON.stringify(where));
  });
});
