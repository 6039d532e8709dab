/**
 * Todos that point at code, in the Tasks view: the real bundle in Chromium, the real
 * router, store and links behind it, a scripted editor. The row shows where it points,
 * opens it by click and by keyboard, says when the code is gone, unlinks and relinks.
 */
import assert from 'node:assert/strict';
import { after, afterEach, beforeEach, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { Harness, closeBrowser, type OpenedView } from './harness';
import type { CodeLink } from '../../src/tasks/anchor';

let h: Harness;
let view: OpenedView;
let page: Page;
const files = new Map<string, string>();
let revealed: CodeLink[] = [];
let selection: CodeLink | undefined;

const source = ['export function parse(s) {', '  return lex(s);', '}'].join('\n');
const link = (start: number, anchor: string): CodeLink => ({ folder: 'app', path: 'src/parse.ts', start, end: start, anchor });

beforeEach(async () => {
  files.clear();
  files.set('app/src/parse.ts', source);
  revealed = [];
  selection = undefined;
  h = await Harness.start({
    editor: {
      read: (f) => Promise.resolve(files.get(`${f.folder}/${f.path}`)),
      reveal: (l) => Promise.resolve(void revealed.push(l)),
      selection: () => selection,
    },
  });
  view = await h.open('tasks');
  page = view.page;
  await page.waitForSelector('.counts:has-text("0 open")');
});

afterEach(async () => {
  assert.deepEqual(view.problems, [], 'no console errors or CSP violations');
  await h.close();
});

after(closeBrowser);

describe('Linked todos in the Tasks view', () => {
  it('a linked row shows where it points and opens it by click; a plain row shows no link', async () => {
    await h.tasks.addTodo('Handle lexer errors', { link: link(1, '  return lex(s);') });
    await h.tasks.addTodo('Plain');
    await page.waitForSelector('li.todo .code-link');
    assert.equal(await page.locator('li.todo .code-link').count(), 1);
    assert.equal((await page.locator('li.todo .code-link').textContent())?.trim(), 'parse.ts:2');
    assert.equal(await page.locator('li.todo .code-link').getAttribute('aria-label'), 'Open src/parse.ts:2');
    await page.locator('li.todo .code-link').click();
    await page.waitForFunction(() => !document.querySelector('.pending'));
    await view.settle();
    assert.deepEqual(revealed.map((l) => [l.path, l.start]), [['src/parse.ts', 1]]);
  });

  it('opens from the keyboard (Tab to the link, Enter), after the code moved: the row follows', async () => {
    await h.tasks.addTodo('Handle lexer errors', { link: link(1, '  return lex(s);') });
    await page.waitForSelector('li.todo .code-link');
    files.set('app/src/parse.ts', `// a\n// b\n// c\n${source}`);
    await page.locator('li.todo').first().focus();
    await page.keyboard.press('Tab'); // the checkbox and title are not tab stops; the link is the first control
    assert.equal(await page.evaluate(() => document.activeElement?.className), 'code-link');
    await page.keyboard.press('Enter');
    await page.waitForSelector('li.todo .code-link:has-text("parse.ts:5")');
    assert.deepEqual(revealed.map((l) => l.start), [4]);
  });

  it('says when the code is gone, then relinks to the selection, then unlinks', async () => {
    const todo = await h.tasks.addTodo('Handle lexer errors', { link: link(1, '  return lex(s);') });
    await page.waitForSelector('li.todo .code-link');
    files.set('app/src/parse.ts', 'export function parse(s) {\n  return scan(s);\n}');
    await page.locator('li.todo .code-link').click();
    await page.waitForSelector('li.todo .code-link.gone');
    assert.match((await page.locator('li.todo .code-link').textContent()) ?? '', /parse\.ts:2 gone/);

    // Relink with nothing selected in the editor: told so, nothing changes.
    await page.locator('li.todo button.relink').click();
    await page.waitForSelector('.banner:has-text("Select the code")');

    selection = link(0, 'export function parse(s) {');
    await page.locator('li.todo button.relink').click();
    await page.waitForSelector('li.todo .code-link:not(.gone):has-text("parse.ts:1")');
    assert.equal(h.links.linkOf(todo.id)!.anchor, 'export function parse(s) {');

    files.set('app/src/parse.ts', 'nothing here');
    await page.locator('li.todo .code-link').click();
    await page.waitForSelector('li.todo button.unlink');
    await page.locator('li.todo button.unlink').click();
    await page.waitForFunction(() => !document.querySelector('li.todo .link-part'));
    assert.equal(h.links.linkOf(todo.id), undefined);
  });

  it('a missing file is said in the view, the row unchanged', async () => {
    await h.tasks.addTodo('Elsewhere', { link: { ...link(0, 'x'), path: 'lib/gone.ts' } });
    await page.locator('li.todo .code-link').click();
    await page.waitForSelector('.banner:has-text("lib/gone.ts is not in the workspace")');
    assert.equal(await page.locator('li.todo .code-link.gone').count(), 0);
  });
});
