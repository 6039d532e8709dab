/**
 * Todos that point at code, in the Tasks view: the real bundle in Chromium, the real
 * router, store and links behind it, a scripted editor. The row shows where it points,
 * opens it by click and by keyboard, says when the code is gone, unlinks and relinks.
 */
import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { harnessHooks } from './harness';
import type { CodeLink } from '../../src/tasks/anchor';

const files = new Map<string, string>();
let revealed: CodeLink[] = [];
let selection: CodeLink | undefined;

const source = ['export function parse(s) {', '  return lex(s);', '}'].join('\n');
const link = (start: number, anchor: string): CodeLink => ({ folder: 'app', path: 'src/parse.ts', start, end: start, anchor });

beforeEach(() => {
  files.clear();
  files.set('app/src/parse.ts', source);
  revealed = [];
  selection = undefined;
});

const env = harnessHooks({
  harness: {
    editor: {
      read: (f) => Promise.resolve(files.get(`${f.folder}/${f.path}`)),
      reveal: (l) => Promise.resolve(void revealed.push(l)),
      selection: () => selection,
    },
  },
  view: { kind: 'tasks', ready: '.counts:has-text("0 open")' },
});

describe('Linked todos in the Tasks view', () => {
  it('a linked row shows where it points and opens it by click; a plain row shows no link', async () => {
    await env.h.tasks.addTodo('Handle lexer errors', { link: link(1, '  return lex(s);') });
    await env.h.tasks.addTodo('Plain');
    await env.page.waitForSelector('li.todo .code-link');
    assert.equal(await env.page.locator('li.todo .code-link').count(), 1);
    assert.equal((await env.page.locator('li.todo .code-link').textContent())?.trim(), 'parse.ts:2');
    assert.equal(await env.page.locator('li.todo .code-link').getAttribute('aria-label'), 'Open src/parse.ts:2');
    await env.page.locator('li.todo .code-link').click();
    await env.page.waitForFunction(() => !document.querySelector('.pending'));
    await env.view.settle();
    assert.deepEqual(revealed.map((l) => [l.path, l.start]), [['src/parse.ts', 1]]);
  });

  it('opens from the keyboard (Tab to the link, Enter), after the code moved: the row follows', async () => {
    await env.h.tasks.addTodo('Handle lexer errors', { link: link(1, '  return lex(s);') });
    await env.page.waitForSelector('li.todo .code-link');
    files.set('app/src/parse.ts', `// a\n// b\n// c\n${source}`);
    await env.page.locator('li.todo').first().focus();
    await env.page.keyboard.press('Tab'); // the checkbox and title are not tab stops; the link is the first control
    assert.equal(await env.page.evaluate(() => document.activeElement?.className), 'code-link');
    await env.page.keyboard.press('Enter');
    await env.page.waitForSelector('li.todo .code-link:has-text("parse.ts:5")');
    assert.deepEqual(revealed.map((l) => l.start), [4]);
  });

  it('says when the code is gone, then relinks to the selection, then unlinks', async () => {
    const todo = await env.h.tasks.addTodo('Handle lexer errors', { link: link(1, '  return lex(s);') });
    await env.page.waitForSelector('li.todo .code-link');
    files.set('app/src/parse.ts', 'export function parse(s) {\n  return scan(s);\n}');
    await env.page.locator('li.todo .code-link').click();
    await env.page.waitForSelector('li.todo .code-link.gone');
    assert.match((await env.page.locator('li.todo .code-link').textContent()) ?? '', /parse\.ts:2 gone/);

    // Relink with nothing selected in the editor: told so, nothing changes.
    await env.page.locator('li.todo button.relink').click();
    await env.page.waitForSelector('.banner:has-text("Select the code")');

    selection = link(0, 'export function parse(s) {');
    await env.page.locator('li.todo button.relink').click();
    await env.page.waitForSelector('li.todo .code-link:not(.gone):has-text("parse.ts:1")');
    assert.equal(env.h.links.linkOf(todo.id)!.anchor, 'export function parse(s) {');

    files.set('app/src/parse.ts', 'nothing here');
    await env.page.locator('li.todo .code-link').click();
    await env.page.waitForSelector('li.todo button.unlink');
    await env.page.locator('li.todo button.unlink').click();
    await env.page.waitForFunction(() => !document.querySelector('li.todo .link-part'));
    assert.equal(env.h.links.linkOf(todo.id), undefined);
  });

  it('a missing file is said in the view, the row unchanged', async () => {
    await env.h.tasks.addTodo('Elsewhere', { link: { ...link(0, 'x'), path: 'lib/gone.ts' } });
    await env.page.locator('li.todo .code-link').click();
    await env.page.waitForSelector('.banner:has-text("lib/gone.ts is not in the workspace")');
    assert.equal(await env.page.locator('li.todo .code-link.gone').count(), 0);
  });
});
