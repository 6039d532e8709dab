/**
 * The Tasks view: the real webview bundle in Chromium, the real router and store behind
 * it. Every action by mouse and by keyboard, patches in place, several views in step,
 * hostile text shown as text, malformed messages refused.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { harnessHooks } from './harness';

const env = harnessHooks({ view: { kind: 'tasks', ready: '.counts:has-text("0 open")' } });

const rows = (p: Page = env.page) => p.locator('li.todo');
const titles = (p: Page = env.page) => p.locator('li.todo .title').allTextContents();
const storeTitles = () => env.h.store.todos.xtra({ profile_id: env.h.tasks.activeProfileId }).rows({ orderBy: 'priority, id' }).map((t) => t.title);

async function addByKeyboard(title: string, p: Page = env.page): Promise<void> {
  const before = await rows(p).count();
  await p.locator('vscode-textfield.add-input').click();
  await p.keyboard.type(title);
  await p.keyboard.press('Enter');
  await p.waitForFunction((n) => document.querySelectorAll('li.todo').length > n, before);
}

/**
 * The contrast ratio (WCAG) of an element's text against what is painted behind it: its
 * colour over the backgrounds of it and its ancestors, composited over white. A string:
 * the test runner's transpiler would add helpers (`__name`) the page lacks.
 */
const CONTRAST_OF = `(el) => {
  const parse = (c) => {
    const m = c.match(/[\\d.]+/g).map(Number);
    return { r: m[0], g: m[1], b: m[2], a: m[3] ?? 1 };
  };
  const over = (top, under) => ({
    r: top.r * top.a + under.r * (1 - top.a),
    g: top.g * top.a + under.g * (1 - top.a),
    b: top.b * top.a + under.b * (1 - top.a),
    a: 1,
  });
  const layers = [];
  for (let e = el; e; e = e.parentElement) layers.push(parse(getComputedStyle(e).backgroundColor));
  let background = { r: 255, g: 255, b: 255, a: 1 };
  for (const layer of layers.reverse()) background = over(layer, background);
  const text = over(parse(getComputedStyle(el).color), background);
  const channel = (v) => (v / 255 <= 0.03928 ? v / 255 / 12.92 : ((v / 255 + 0.055) / 1.055) ** 2.4);
  const luminance = (c) => 0.2126 * channel(c.r) + 0.7152 * channel(c.g) + 0.0722 * channel(c.b);
  const [a, b] = [luminance(text), luminance(background)];
  return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}`;

async function seed(...list: string[]): Promise<void> {
  for (const title of list) await env.h.tasks.addTodo(title);
  await env.view.settle();
  await env.page.waitForFunction((n) => document.querySelectorAll('li.todo').length === n, list.length);
}

/** Waits until the host has answered every request (nothing pending in the page). */
async function idle(): Promise<void> {
  await env.page.waitForFunction(() => !document.querySelector('.pending'));
  await env.view.settle();
}

describe('Tasks view', () => {
  it('shows an empty state that says what to do', async () => {
    assert.match(await env.page.locator('.empty-state').innerText(), /No todos in “Default” yet\. Type one above and press Enter\./);
    assert.equal(await env.page.locator('.counts').innerText(), '0 open · 0 done');
  });

  it('says so when no folder is open and the todos live in the global storage', async () => {
    assert.equal(await env.page.locator('.storage-note').isHidden(), true, 'not with a folder open');
    await env.restart({ scope: 'global' });
    env.view = await env.h.open('tasks');
    await env.page.waitForSelector('.storage-note:not([hidden]):has-text("No folder is open")');
  });

  it('adds todos with the input and Enter, on disk in order', async () => {
    await addByKeyboard('Buy milk');
    await addByKeyboard('Write report');
    assert.deepEqual(await titles(), ['Buy milk', 'Write report']);
    assert.equal(await env.page.locator('.counts').innerText(), '2 open · 0 done');
    assert.deepEqual(storeTitles(), ['Buy milk', 'Write report']);
    await idle(); // the rows show at once; their answers come once on disk
    assert.equal(env.h.db.dirty, false, 'answered only once on disk');
    assert.equal(await env.page.locator('vscode-textfield.add-input').evaluate((el) => (el as HTMLInputElement).value), '');
    assert.equal(await env.page.locator('.empty-state').isHidden(), true);
  });

  it('toggles done by click, patching that one row only', async () => {
    await seed('one', 'two', 'three');
    // Mark every row node; a re-render would replace them.
    await env.page.evaluate(() => document.querySelectorAll('li.todo').forEach((li) => ((li as unknown as { mark: number }).mark = 1)));
    await rows().nth(1).locator('input.check').click();
    await env.page.waitForSelector('li.todo.done');
    await idle();
    assert.equal(await rows().nth(1).getAttribute('class'), 'todo done');
    assert.equal(await env.page.evaluate(() => [...document.querySelectorAll('li.todo')].every((li) => (li as unknown as { mark?: number }).mark === 1)), true);
    assert.equal(await env.page.locator('.counts').innerText(), '2 open · 1 done');
    assert.equal(env.h.store.todos.rows({ where: { title: 'two' } })[0]!.done, true);
  });

  it('works from the keyboard: arrows move focus, Space toggles, F2 edits, Delete deletes', async () => {
    await seed('alpha', 'beta', 'gamma');
    await rows().first().focus();
    await env.page.keyboard.press('ArrowDown');
    assert.equal(await env.page.evaluate(() => (document.activeElement as HTMLElement).dataset.id), String(env.h.store.todos.rows({ where: { title: 'beta' } })[0]!.id));
    await env.page.keyboard.press('Space');
    await env.page.waitForSelector('li.todo.done');
    await idle();
    assert.equal(env.h.store.todos.rows({ where: { title: 'beta' } })[0]!.done, true);

    await env.page.keyboard.press('End');
    await env.page.keyboard.press('F2');
    await env.page.keyboard.press('Control+A');
    await env.page.keyboard.type('GAMMA <b>bold</b>');
    await env.page.keyboard.press('Enter');
    await idle();
    assert.deepEqual(storeTitles(), ['alpha', 'beta', 'GAMMA <b>bold</b>']);
    assert.equal(await env.page.locator('li.todo b').count(), 0);

    await env.page.keyboard.press('Home');
    await env.page.keyboard.press('Delete');
    await env.page.waitForFunction(() => document.querySelectorAll('li.todo').length === 2);
    assert.deepEqual(storeTitles(), ['beta', 'GAMMA <b>bold</b>']);
    // The focus moves to the next row, so Delete can be pressed again.
    assert.equal(await env.page.evaluate(() => document.activeElement?.classList.contains('todo')), true);
  });

  it('edits in place on double-click: Enter saves, Escape cancels', async () => {
    await seed('draft title');
    await rows().first().locator('.title').dblclick();
    const field = env.page.locator('input.title-edit');
    await field.fill('final title');
    await field.press('Enter');
    await idle();
    assert.deepEqual(storeTitles(), ['final title']);
    assert.deepEqual(await titles(), ['final title']);

    await rows().first().locator('.title').dblclick();
    await field.fill('never saved');
    await field.press('Escape');
    await idle();
    assert.deepEqual(storeTitles(), ['final title']);
    assert.deepEqual(await titles(), ['final title']);
  });

  it('edits and deletes with the row buttons', async () => {
    await seed('keep', 'remove me');
    await rows().nth(1).hover();
    await rows().nth(1).locator('button.delete').click();
    await env.page.waitForFunction(() => document.querySelectorAll('li.todo').length === 1);
    await rows().first().hover();
    await rows().first().locator('button.edit').click();
    await env.page.locator('input.title-edit').fill('kept');
    await env.page.keyboard.press('Enter');
    await idle();
    assert.deepEqual(storeTitles(), ['kept']);
  });

  it('reorders with Alt+Up / Alt+Down, keeping the focus on the moved row', async () => {
    await seed('a', 'b', 'c', 'd');
    await rows().nth(3).focus();
    await env.page.keyboard.press('Alt+ArrowUp');
    await idle();
    await env.page.keyboard.press('Alt+ArrowUp');
    await idle();
    assert.deepEqual(storeTitles(), ['a', 'd', 'b', 'c']);
    assert.deepEqual(await titles(), ['a', 'd', 'b', 'c']);
    assert.equal(await env.page.evaluate(() => document.activeElement?.querySelector('.title')?.textContent), 'd');
    await env.page.keyboard.press('Alt+ArrowDown');
    await idle();
    await env.page.keyboard.press('Alt+ArrowDown');
    await idle();
    await env.page.keyboard.press('Alt+ArrowDown'); // already last: nothing happens
    await idle();
    assert.deepEqual(storeTitles(), ['a', 'b', 'c', 'd']);
    assert.deepEqual(await titles(), ['a', 'b', 'c', 'd']);
  });

  it('reorders by dragging a row onto another', async () => {
    await seed('first', 'second', 'third');
    await rows().nth(2).dragTo(rows().nth(0), { targetPosition: { x: 40, y: 3 } });
    await idle();
    assert.deepEqual(storeTitles(), ['third', 'first', 'second']);
    assert.deepEqual(await titles(), ['third', 'first', 'second']);
    await rows().nth(0).dragTo(rows().nth(2), { targetPosition: { x: 40, y: 20 } });
    await idle();
    assert.deepEqual(storeTitles(), ['first', 'second', 'third']);
    assert.deepEqual(await titles(), ['first', 'second', 'third']);
  });

  it('drops a row let go on the top edge of another row’s title, and the marker moves nothing', async () => {
    await seed('first', 'second', 'third', 'fourth');
    const tops = () => rows().evaluateAll((lis) => lis.map((li) => li.getBoundingClientRect().top));
    const before = await tops();
    // Every change of a drop marker, to see it flicker.
    await env.page.evaluate(() => {
      const w = window as unknown as { marks: string[] };
      w.marks = [];
      new MutationObserver((records) => {
        for (const r of records) w.marks.push(`${(r.target as HTMLElement).dataset.id}:${(r.target as HTMLElement).className}`);
      }).observe(document.querySelector('.todos')!, { subtree: true, attributeFilter: ['class'] });
    });
    const title = rows().nth(1).locator('.title');
    const box = (await title.boundingBox())!;
    await rows().nth(3).hover();
    await env.page.mouse.down();
    // Into the row beside its title, then onto the title's top edge, then a little further in.
    const y = box.y + 0.5;
    for (const x of [box.x - 12, box.x + 4, box.x + 20, box.x + 30]) await env.page.mouse.move(x, y);
    assert.deepEqual(await tops(), before, 'the marker took no room: no row moved');
    const marks = await env.page.evaluate(() => (window as unknown as { marks: string[] }).marks);
    assert.deepEqual(marks.filter((m) => /drop-/.test(m) || m.endsWith(':todo')), [`${await rows().nth(1).getAttribute('data-id')}:todo drop-before`], 'marked once, never cleared meanwhile');
    await env.page.mouse.up();
    await idle();
    assert.deepEqual(storeTitles(), ['first', 'fourth', 'second', 'third']);
    assert.deepEqual(await titles(), ['first', 'fourth', 'second', 'third']);
    assert.equal(await env.page.locator('.drop-before, .drop-after').count(), 0);
  });

  it('shows done todos readable (4.5:1 at least) in light, dark and high-contrast themes', async () => {
    for (const theme of ['light', 'dark', 'hc'] as const) {
      const themed = await env.h.open('tasks', { theme });
      await themed.page.waitForSelector('.counts');
      if (theme === 'light') {
        await env.h.tasks.addTodo('finished business');
        await env.h.tasks.toggleTodo(env.h.store.todos.rows()[0]!.id);
      }
      await themed.page.waitForSelector('li.todo.done');
      const ratio = (await themed.page.evaluate(`(${CONTRAST_OF})(document.querySelector('li.todo.done .title'))`)) as number;
      assert.ok(ratio >= 4.5, `${theme}: ${ratio.toFixed(2)}:1`);
    }
  });

  it('renders a long list in slices, applying the patches that arrive meanwhile in order', async () => {
    const N = 5000;
    const profile_id = env.h.tasks.activeProfileId;
    const ids: number[] = [];
    env.h.db.transaction(() => {
      for (let i = 1; i <= N; i++) ids.push(env.h.store.todos.insert({ title: `todo ${i}`, done: i % 3 === 0, priority: i, profile_id }).id);
    });
    await env.h.db.sync();
    // The page holds the snapshot back, and every message after it, until released: then
    // they are all queued at once, the patches right behind the snapshot, so they arrive
    // after the render's first slice and before the rest, whatever the machine's speed.
    await env.page.addInitScript(`
      window.__arrivals = [];
      const held = [];
      let holding = false;
      window.addEventListener('message', (e) => {
        const m = e.data;
        if (m && m.__released) return;
        if (m && m.type === 'response' && m.ok && m.data && Array.isArray(m.data.todos)) holding = true;
        if (!holding) return;
        e.stopImmediatePropagation();
        held.push(m);
      }, true);
      window.addEventListener('message', (e) => {
        if (e.data && e.data.type === 'notify' && e.data.body.kind.startsWith('todo/')) window.__arrivals.push(document.querySelectorAll('li.todo').length);
      });
      window.__release = () => {
        holding = false;
        for (const m of held.splice(0)) window.postMessage(Object.assign({}, m, { __released: true }), '*');
      };
    `);
    await env.page.reload();
    await env.page.waitForFunction(() => (window as unknown as { __release?: unknown }).__release && document.querySelector('.counts'));
    await env.view.settle();
    const id = (n: number) => ids[n - 1]!;
    await env.h.tasks.toggleTodo(id(2)); // rendered
    await env.h.tasks.toggleTodo(id(4900)); // still to render
    await env.h.tasks.renameTodo(id(4500), 'renamed while rendering');
    await env.h.tasks.deleteTodo(id(4800));
    await env.h.tasks.deleteTodo(id(1));
    await env.h.tasks.moveTodo(id(4950), id(3)); // from the todos to render to the rendered rows
    await env.h.tasks.moveTodo(id(5), id(4990)); // from the rendered rows to the todos to render
    await env.h.tasks.moveTodo(id(4700), null);
    await env.h.tasks.addTodo('added while rendering');
    await env.view.settle();
    assert.equal(await rows().count(), 0, 'held back until now');
    await env.page.evaluate(() => (window as unknown as { __release: () => void }).__release());
    await env.page.waitForFunction((n) => document.querySelectorAll('li.todo').length === n && !(document.querySelector('.todos') as HTMLElement).style.paddingBottom, N - 1, { timeout: 60_000 });
    const arrivals = await env.page.evaluate(() => (window as unknown as { __arrivals: number[] }).__arrivals);
    assert.equal(arrivals.length, 9);
    assert.ok(arrivals.every((rows) => rows < N - 1), `every patch arrived mid-render (rows then: ${arrivals.join(', ')})`);
    const store = env.h.store.todos.xtra({ profile_id }).rows({ orderBy: 'priority, id' });
    const shown = await rows().evaluateAll((lis) => lis.map((li) => `${li.querySelector('.title')!.textContent}${li.classList.contains('done') ? ' [x]' : ''}`));
    assert.deepEqual(shown, store.map((t) => `${t.title}${t.done ? ' [x]' : ''}`));
    const done = store.filter((t) => t.done).length;
    assert.equal(await env.page.locator('.counts').innerText(), `${store.length - done} open · ${done} done`);
    assert.equal(await env.page.locator('li.todo[tabindex="0"]').count(), 1, 'one row in the tab order');
  });

  it('clears completed todos', async () => {
    await seed('open one', 'done one', 'done two');
    await rows().nth(1).locator('input.check').click();
    await rows().nth(2).locator('input.check').click();
    await env.page.waitForSelector('.counts:has-text("1 open · 2 done")');
    await idle();
    await env.page.locator('vscode-button', { hasText: 'Clear completed' }).click();
    await env.page.waitForSelector('.counts:has-text("1 open · 0 done")');
    assert.deepEqual(storeTitles(), ['open one']);
    assert.equal(await env.page.locator('vscode-button', { hasText: 'Clear completed' }).getAttribute('disabled'), '');
  });

  it('creates, switches, renames and deletes profiles; each has its own todos', async () => {
    await seed('work item');
    env.h.ui.promptAnswers.push('Home');
    await env.page.locator('vscode-toolbar-button[label="New profile"]').click();
    await env.page.waitForSelector('.empty-state:has-text("No todos in “Home” yet")');
    await addByKeyboard('home item');
    assert.deepEqual(await titles(), ['home item']);
    assert.equal(env.h.store.kv.get('active_profile_id'), env.h.tasks.activeProfileId);

    // Switch back through the select.
    const select = env.page.locator('vscode-single-select.profile-select');
    await select.click();
    await env.page.locator('vscode-single-select .option', { hasText: 'Default' }).or(env.page.getByRole('option', { name: 'Default' })).first().click();
    await env.page.waitForFunction(() => document.querySelector('li.todo .title')?.textContent === 'work item');
    assert.equal(env.h.tasks.activeProfile().name, 'Default');

    env.h.ui.promptAnswers.push('Office');
    await env.page.locator('vscode-toolbar-button[label="Rename profile"]').click();
    await env.page.waitForFunction(() => (document.querySelector('vscode-single-select') as HTMLSelectElement | null)?.querySelector('vscode-option[value]')?.textContent === 'Office');
    assert.equal(env.h.tasks.activeProfile().name, 'Office');

    env.h.ui.confirmAnswer = false;
    await env.page.locator('vscode-toolbar-button[label="Delete profile"]').click();
    await idle();
    assert.equal(env.h.store.profiles.count(), 2, 'kept when the dialog is cancelled');
    env.h.ui.confirmAnswer = true;
    await env.page.locator('vscode-toolbar-button[label="Delete profile"]').click();
    await env.page.waitForFunction(() => document.querySelector('li.todo .title')?.textContent === 'home item');
    assert.deepEqual(env.h.ui.asked.filter((q) => q.startsWith('Delete')), ['Delete the profile “Office”?', 'Delete the profile “Office”?']);
    assert.equal(env.h.store.profiles.count(), 1);
    assert.equal(env.h.store.todos.count({ title: 'work item' }), 0, 'its todos went with it');
    // The last profile cannot be deleted: the button is disabled.
    assert.equal(await env.page.locator('vscode-toolbar-button[label="Delete profile"]').getAttribute('disabled'), '');
  });

  it('manages profiles and clears completed todos from the keyboard alone', async () => {
    await seed('work item', 'done item');
    await env.h.tasks.toggleTodo(env.h.store.todos.rows({ where: { title: 'done item' } })[0]!.id);
    await idle();
    const focused = (selector: string) => env.page.waitForFunction((s) => document.activeElement?.matches(s) ?? false, selector);
    await env.page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await env.page.keyboard.press('Tab');
    await focused('vscode-single-select.profile-select');
    await env.page.keyboard.press('Tab');
    await focused('vscode-toolbar-button[label="New profile"]');
    env.h.ui.promptAnswers.push('Home');
    await env.page.keyboard.press('Enter');
    await env.page.waitForSelector('.empty-state:has-text("No todos in “Home” yet")');
    assert.equal(env.h.tasks.activeProfile().name, 'Home');

    // The select: open it, the option above, Enter.
    await env.page.keyboard.press('Shift+Tab');
    await focused('vscode-single-select.profile-select');
    await env.page.keyboard.press('Space');
    await env.page.keyboard.press('ArrowUp');
    await env.page.keyboard.press('Enter');
    await env.page.waitForFunction(() => document.querySelector('li.todo .title')?.textContent === 'work item');
    assert.equal(env.h.tasks.activeProfile().name, 'Default');

    await env.page.keyboard.press('Tab');
    await env.page.keyboard.press('Tab');
    await focused('vscode-toolbar-button[label="Rename profile"]');
    env.h.ui.promptAnswers.push('Office');
    await env.page.keyboard.press('Enter');
    await env.page.waitForFunction(() => document.querySelector('vscode-single-select vscode-option[selected]')?.textContent === 'Office');

    await env.page.keyboard.press('Tab');
    await focused('vscode-toolbar-button[label="Delete profile"]');
    env.h.ui.confirmAnswer = false;
    await env.page.keyboard.press('Space');
    await env.page.waitForFunction(() => !document.querySelector('.pending'));
    await env.view.settle();
    assert.deepEqual(env.h.ui.asked.filter((q) => q.startsWith('Delete')), ['Delete the profile “Office”?']);

    await env.page.keyboard.press('Tab');
    await focused('vscode-textfield.add-input');
    await env.page.keyboard.press('Tab');
    await focused('vscode-button.clear-done');
    await env.page.keyboard.press('Enter');
    await env.page.waitForFunction(() => document.querySelectorAll('li.todo').length === 1);
    assert.deepEqual(storeTitles(), ['work item']);
  });

  it('keeps every open view in step, whichever made the change', async () => {
    const other = await env.h.open('tasks', { theme: 'light' });
    await other.page.waitForSelector('.counts');
    await addByKeyboard('from view one');
    await other.page.waitForSelector('li.todo:has-text("from view one")');
    await addByKeyboard('from view two', other.page);
    await env.page.waitForSelector('li.todo:has-text("from view two")');
    // As the command palette does it: through the service, with no view asking.
    await env.h.tasks.addTodo('from a command');
    await env.page.waitForSelector('li.todo:has-text("from a command")');
    await other.page.waitForSelector('li.todo:has-text("from a command")');
    await other.page.locator('li.todo', { hasText: 'from view one' }).locator('input.check').click();
    await env.page.waitForSelector('li.todo.done:has-text("from view one")');
    assert.deepEqual(await titles(), await titles(other.page));
    assert.deepEqual(other.problems, []);
  });

  it('shows an error and undoes the row when the host refuses', async () => {
    await seed('soon gone');
    const id = env.h.store.todos.rows()[0]!.id;
    // Deleted behind the view's back, and the patch not yet delivered.
    env.h.store.todos.delete(id);
    await env.h.db.sync();
    await rows().first().locator('input.check').click();
    await env.page.waitForSelector('.banner:has-text("Could not update the todo: That todo no longer exists.")');
    assert.equal(await rows().first().locator('input.check').isChecked(), false);
    assert.equal(await env.page.locator('.banner').getAttribute('role'), 'alert');
  });

  it('shows hostile titles as text and runs nothing', async () => {
    const hostile = [
      '<img src=x onerror="window.__pwned=1">',
      '</script><script>window.__pwned=2</script>',
      '<a href="javascript:window.__pwned=3">click</a>',
      '"><svg onload="window.__pwned=4">',
      '{{constructor.constructor("window.__pwned=5")()}}',
    ];
    await seed(...hostile);
    assert.deepEqual(await titles(), hostile);
    await rows().nth(2).locator('.title').click();
    assert.equal(await env.page.locator('li.todo img, li.todo script, li.todo a, li.todo svg').count(), 0);
    assert.equal(await env.page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined);
    // Profile names too.
    await env.h.tasks.renameProfile(env.h.tasks.activeProfileId, '<img src=x onerror="window.__pwned=6">');
    await env.page.waitForFunction(() => document.querySelector('vscode-option')?.textContent?.startsWith('<img'));
    assert.equal(await env.page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined);
  });

  it('answers malformed messages with an error and keeps working', async () => {
    const bad: unknown[] = [
      { type: 'request', id: 7, body: { kind: 'todo/add' } },
      { type: 'request', id: 8, body: { kind: 'todo/add', title: '   ' } },
      { type: 'request', id: 9, body: { kind: 'todo/toggle', id: 'x' } },
      { type: 'request', id: 10, body: { kind: 'no/such' } },
      { type: 'request', id: 11, body: { kind: 'todo/add', title: 'x'.repeat(2001) } },
    ];
    for (const message of bad) {
      const answers = await env.view.sendRaw(message);
      assert.equal(answers.length, 1);
      const answer = answers[0]!;
      assert.ok(answer.type === 'response' && !answer.ok && answer.id === (message as { id: number }).id, JSON.stringify(answer));
      assert.match(answer.error, /^Invalid request: /);
    }
    // With no id to answer to, there is nothing to say but the log line.
    for (const junk of [null, 42, 'text', { type: 'request' }]) {
      assert.deepEqual(await env.view.sendRaw(junk), []);
    }
    const [answer] = await env.view.sendRaw({ type: 'nope', id: 1 });
    assert.ok(answer?.type === 'response' && !answer.ok && answer.id === 1);
    assert.equal(env.h.logs.filter((l) => l.includes('Rejected a malformed message')).length, 10);
    await addByKeyboard('still works');
    assert.deepEqual(storeTitles(), ['still works']);
  });

  it('comes back as it was after a reload: the list once, the draft kept', async () => {
    await seed('one', 'two');
    await env.page.locator('vscode-textfield.add-input').click();
    await env.page.keyboard.type('half-typed');
    await env.page.reload();
    await env.page.addStyleTag({ url: env.page.url().replace(/\/tasks$/, '/theme-dark.css') });
    await env.page.waitForSelector('li.todo');
    await idle();
    assert.deepEqual(await titles(), ['one', 'two']);
    assert.equal(await env.page.locator('vscode-textfield.add-input').evaluate((el) => (el as HTMLInputElement).value), 'half-typed');
  });

  it('opened again, shows at once the todos it showed last, before the host answers; then what the host has', async () => {
    await seed('one', 'two', 'three');
    // A change the view is not told of, as if made while it was closed.
    const [first] = env.h.store.todos.xtra({ profile_id: env.h.tasks.activeProfileId }).rows({ orderBy: 'priority, id' });
    env.h.store.todos.update({ id: first!.id, title: 'one, renamed while away' });
    // What the page shows once its scripts ran: no answer from the host can have come by then.
    await env.page.addInitScript(`document.addEventListener('DOMContentLoaded', () => {
      window.__atLoad = [...document.querySelectorAll('li.todo .title')].map((e) => e.textContent);
    });`);
    await env.page.reload();
    await env.page.waitForFunction(() => (window as unknown as { __atLoad?: string[] }).__atLoad);
    assert.deepEqual(await env.page.evaluate(() => (window as unknown as { __atLoad: string[] }).__atLoad), ['one', 'two', 'three']);
    await env.page.waitForFunction(() => document.querySelector('li.todo .title')?.textContent === 'one, renamed while away');
    await idle();
    assert.deepEqual(await titles(), ['one, renamed while away', 'two', 'three']);
    assert.equal(await env.page.locator('.counts').innerText(), '3 open · 0 done');
  });
});
