/**
 * The Tasks view in a real VS Code, driven as a user would, with the installed .vsix:
 * opened from the activity bar and from the command palette; todos added, toggled,
 * edited, reordered and deleted with the mouse and the keyboard; profiles created with
 * VS Code's input box, switched with the command palette's quick pick and the status bar
 * item, one deleted through the modal dialog, one renamed; completed todos cleared and the
 * data exported through the save dialog (the copy read back with sql.js); then the window
 * reloads and everything is found as it was. One window, one journey: each test is a step of it (see journey()).
 * Run by test/vscode/run.mjs (the `vscode` suite of `npm test`), or:
 *   npm run package && node --import tsx --test test/vscode/tasks.test.ts
 */
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { FrameLocator, Page } from 'playwright-core';
import initSqlJs from 'sql.js';
import {
  DARK_THEME, answerDialog, answerInputBox, answerSaveDialog, journey, modalDialog, openPipulateContainer, pickQuickItem, reloadWindow, runCommand,
  screenshot, startUi, statusBarItem, webviewFrame, type UiSession,
} from './ui';

let ui: UiSession;
let page: Page;
let tasks: FrameLocator;
const step = journey(() => ui);

const rows = () => tasks.locator('li.todo');
const row = (title: string) => tasks.locator('li.todo').filter({ has: tasks.locator('.title', { hasText: new RegExp(`^${title}$`) }) });
const profileItem = () => statusBarItem(page, 'pipulate.profile');

/** The list as the user sees it: titles in order, a ✓ before the done ones. */
async function shownList(): Promise<string[]> {
  return rows().evaluateAll((lis) => lis.map((li) => `${li.classList.contains('done') ? '✓ ' : ''}${li.querySelector('.title')?.textContent ?? ''}`));
}

/** Waits until the list shows exactly `expected` (see shownList), with a clear error if not. */
async function expectList(expected: string[], timeout = 10_000): Promise<void> {
  const deadline = Date.now() + timeout;
  let shown: string[];
  for (;;) {
    shown = await shownList().catch(() => []);
    // No row waits for the host any more, so the list is what the host says.
    const pending = await tasks.locator('li.todo.pending').count().catch(() => 0);
    if (pending === 0 && JSON.stringify(shown) === JSON.stringify(expected)) return;
    if (Date.now() > deadline) break;
    await page.waitForTimeout(100);
  }
  assert.deepEqual(shown, expected, 'the todos shown in the Tasks view');
}

/** Types a todo into the view's add field and presses Enter, as a user does. */
async function addByTyping(title: string): Promise<void> {
  const before = await rows().count();
  const field = tasks.locator('vscode-textfield.add-input');
  await field.click();
  await page.keyboard.type(title);
  await page.keyboard.press('Enter');
  await rows().nth(before).waitFor({ state: 'attached' });
  await row(title).waitFor();
}

/** The profile the Tasks view shows as active (its select) and the status bar item's text. */
async function activeProfile(): Promise<{ select: string; statusBar: string }> {
  const select = await tasks.locator('vscode-single-select.profile-select').evaluate((el) => {
    const value = (el as HTMLSelectElement).value;
    return el.querySelector(`vscode-option[value="${value}"]`)?.textContent ?? `(value ${value})`;
  });
  return { select, statusBar: (await profileItem().innerText()).trim() };
}

async function expectActiveProfile(name: string): Promise<void> {
  await tasks.locator('vscode-single-select.profile-select').waitFor();
  await page.waitForFunction(
    (n) => (document.querySelector('.part.statusbar .statusbar-item[id$=".pipulate.profile"]')?.textContent ?? '').trim() === n,
    name,
    { timeout: 10_000 },
  ).catch(() => undefined);
  const deadline = Date.now() + 10_000;
  let seen = await activeProfile();
  while ((seen.select !== name || seen.statusBar !== name) && Date.now() < deadline) {
    await page.waitForTimeout(100);
    seen = await activeProfile();
  }
  assert.deepEqual(seen, { select: name, statusBar: name }, 'the active profile in the view and in the status bar');
}

/** Switches the profile through the status bar item's quick pick. */
async function switchByStatusBar(name: string): Promise<void> {
  await profileItem().click();
  await pickQuickItem(page, name);
  await expectActiveProfile(name);
}

async function switchByPalette(name: string): Promise<void> {
  await runCommand(page, 'Pipulate: Switch Profile');
  await pickQuickItem(page, name);
  await expectActiveProfile(name);
}

describe('Tasks in the VS Code UI', { timeout: 10 * 60_000 }, () => {
  before(async () => {
    ui = await startUi({ theme: DARK_THEME, viewport: { width: 1400, height: 900 }, name: 'ui-tasks' });
    page = ui.page;
  });

  after(async () => {
    await ui?.stop();
  });

  test('the activity-bar icon opens the Tasks view; todos are added by typing and Enter', step('open-and-add', async () => {
    await openPipulateContainer(page); // clicks the Pipulate icon in the activity bar
    tasks = await webviewFrame(page, 'Tasks');
    await tasks.locator('.empty-state', { hasText: 'No todos in “Default” yet' }).waitFor();
    for (const title of ['Buy milk', 'Write report', 'Call Alice', 'Book flights']) await addByTyping(title);
    await expectList(['Buy milk', 'Write report', 'Call Alice', 'Book flights']);
    assert.equal(await tasks.locator('.counts').innerText(), '4 open · 0 done');
    assert.equal(await tasks.locator('.empty-state').isHidden(), true);
    await expectActiveProfile('Default');
    assert.match((await profileItem().getAttribute('aria-label')) ?? '', /Pipulate profile Default, 4 open todos/);
  }));

  test('a todo is toggled by clicking its box, and by Space on its row', step('toggle', async () => {
    await row('Buy milk').locator('input.check').click();
    await expectList(['✓ Buy milk', 'Write report', 'Call Alice', 'Book flights']);
    await row('Call Alice').focus();
    await page.keyboard.press('Space');
    await expectList(['✓ Buy milk', 'Write report', '✓ Call Alice', 'Book flights']);
    await page.keyboard.press('Space'); // the row keeps the focus: open again
    await expectList(['✓ Buy milk', 'Write report', 'Call Alice', 'Book flights']);
    assert.equal(await tasks.locator('.counts').innerText(), '3 open · 1 done');
    assert.equal(await row('Buy milk').locator('input.check').isChecked(), true);
  }));

  test('a title is edited by double-click and by F2; Enter saves, Escape cancels', step('edit', async () => {
    await row('Write report').locator('.title').dblclick();
    const field = tasks.locator('input.title-edit');
    await field.waitFor();
    assert.equal(await field.inputValue(), 'Write report');
    await field.fill('Write the report');
    await page.keyboard.press('Enter');
    await expectList(['✓ Buy milk', 'Write the report', 'Call Alice', 'Book flights']);

    await row('Book flights').focus();
    await page.keyboard.press('F2');
    await field.waitFor();
    await field.fill('Book flights to Lisbon');
    await page.keyboard.press('Enter');
    await expectList(['✓ Buy milk', 'Write the report', 'Call Alice', 'Book flights to Lisbon']);

    await page.keyboard.press('F2'); // the row has the focus again
    await field.waitFor();
    await field.fill('not saved');
    await page.keyboard.press('Escape');
    await field.waitFor({ state: 'detached' });
    await expectList(['✓ Buy milk', 'Write the report', 'Call Alice', 'Book flights to Lisbon']);
  }));

  test('rows are reordered with Alt+ArrowUp and Alt+ArrowDown on the focused row', step('reorder', async () => {
    await row('Book flights to Lisbon').focus();
    await page.keyboard.press('Alt+ArrowUp');
    await expectList(['✓ Buy milk', 'Write the report', 'Book flights to Lisbon', 'Call Alice']);
    await page.keyboard.press('Alt+ArrowUp'); // the moved row keeps the focus
    await expectList(['✓ Buy milk', 'Book flights to Lisbon', 'Write the report', 'Call Alice']);
    await row('Buy milk').focus();
    await page.keyboard.press('Alt+ArrowDown');
    await expectList(['Book flights to Lisbon', '✓ Buy milk', 'Write the report', 'Call Alice']);
  }));

  test('a todo is deleted with the Delete key, another with its delete button', step('delete', async () => {
    await addByTyping('Temporary one');
    await addByTyping('Temporary two');
    await row('Temporary one').focus();
    await page.keyboard.press('Delete');
    await expectList(['Book flights to Lisbon', '✓ Buy milk', 'Write the report', 'Call Alice', 'Temporary two']);
    await row('Temporary two').hover(); // its buttons show on hover
    await row('Temporary two').locator('button.delete').click();
    await expectList(['Book flights to Lisbon', '✓ Buy milk', 'Write the report', 'Call Alice']);
  }));

  test('Pipulate: Focus Tasks from the command palette opens the view with the focus in its input', step('focus-tasks', async () => {
    // Another container first: the Explorer.
    await page.locator('.activitybar .action-item:has(a.action-label[aria-label^="Explorer"])').first().click();
    await page.waitForFunction(() => /explorer/i.test(document.querySelector('.part.sidebar .composite.title h2')?.textContent ?? ''), null, { timeout: 10_000 });
    await runCommand(page, 'Pipulate: Focus Tasks');
    await page.waitForFunction(() => /pipulate/i.test(document.querySelector('.part.sidebar .composite.title h2')?.textContent ?? ''), null, { timeout: 10_000 });
    tasks = await webviewFrame(page, 'Tasks');
    await tasks.locator('vscode-textfield.add-input:focus').waitFor({ timeout: 10_000 });
    // Typed straight away, no click.
    await page.keyboard.type('Water the plants');
    await page.keyboard.press('Enter');
    await expectList(['Book flights to Lisbon', '✓ Buy milk', 'Write the report', 'Call Alice', 'Water the plants']);
  }));

  test('New profile in the view asks with VS Code’s input box; Pipulate: Add Todo shows in the view at once', step('new-profile', async () => {
    await tasks.locator('vscode-toolbar-button[label="New profile"]').click();
    await answerInputBox(page, 'Work', /New profile/);
    await tasks.locator('.empty-state', { hasText: 'No todos in “Work” yet' }).waitFor();
    await expectActiveProfile('Work');
    await expectList([]);
    await addByTyping('Plan the sprint');
    await runCommand(page, 'Pipulate: Add Todo');
    await answerInputBox(page, 'Review pull requests', /Add a todo to “Work”/);
    await expectList(['Plan the sprint', 'Review pull requests']);
    await row('Plan the sprint').locator('input.check').click();
    await expectList(['✓ Plan the sprint', 'Review pull requests']);
    assert.deepEqual(await tasks.locator('vscode-single-select.profile-select vscode-option').allTextContents(), ['Default', 'Work']);
  }));

  test('profiles are switched with Pipulate: Switch Profile and with the status bar item', step('switch-profile', async () => {
    await switchByPalette('Default');
    await expectList(['Book flights to Lisbon', '✓ Buy milk', 'Write the report', 'Call Alice', 'Water the plants']);
    await switchByStatusBar('Work');
    await expectList(['✓ Plan the sprint', 'Review pull requests']);
  }));

  test('Pipulate: Delete Profile asks in a modal dialog; confirmed, the profile and its todos are gone', step('delete-profile', async () => {
    await runCommand(page, 'Pipulate: New Profile');
    await answerInputBox(page, 'Scratch', /New profile/);
    await expectActiveProfile('Scratch');
    await runCommand(page, 'Pipulate: Add Todo');
    await answerInputBox(page, 'Scratch note', /Add a todo to “Scratch”/);
    await expectList(['Scratch note']);

    // Cancelled: nothing changes.
    await runCommand(page, 'Pipulate: Delete Profile');
    await pickQuickItem(page, 'Scratch');
    await modalDialog(page).waitFor({ timeout: 10_000 });
    assert.match(await modalDialog(page).innerText(), /Delete the profile “Scratch”\?[\s\S]*Its todos and its conversation are deleted with it/);
    await answerDialog(page, 'Cancel');
    await expectActiveProfile('Scratch');
    await expectList(['Scratch note']);

    // Confirmed.
    await runCommand(page, 'Pipulate: Delete Profile');
    await pickQuickItem(page, 'Scratch');
    await modalDialog(page).waitFor({ timeout: 10_000 });
    await answerDialog(page, 'Delete Profile');
    await page.waitForFunction(
      () => !/Scratch/.test(document.querySelector('.part.statusbar .statusbar-item[id$=".pipulate.profile"]')?.textContent ?? 'Scratch'),
      null,
      { timeout: 10_000 },
    );
    await tasks.locator('vscode-single-select.profile-select vscode-option', { hasText: 'Scratch' }).waitFor({ state: 'detached' });
    assert.deepEqual(await tasks.locator('vscode-single-select.profile-select vscode-option').allTextContents(), ['Default', 'Work']);
    // Its todo is in no profile that is left.
    await switchByStatusBar('Default');
    await expectList(['Book flights to Lisbon', '✓ Buy milk', 'Write the report', 'Call Alice', 'Water the plants']);
    await switchByPalette('Work');
    await expectList(['✓ Plan the sprint', 'Review pull requests']);
    // And the quick pick offers only those.
    await profileItem().click();
    const picks = page.locator('.quick-input-widget .monaco-list-row .label-name');
    await picks.first().waitFor();
    assert.deepEqual(await picks.allTextContents(), ['Default', 'Work']);
    await page.keyboard.press('Escape');
  }));

  test('Pipulate: Rename Profile, Clear Completed Todos and Export Data from the command palette', step('rename-clear-export', async () => {
    await runCommand(page, 'Pipulate: Rename Profile');
    await answerInputBox(page, 'Day job', /Rename profile “Work”/);
    await expectActiveProfile('Day job');
    await runCommand(page, 'Pipulate: Clear Completed Todos');
    await expectList(['Review pull requests']);
    assert.equal(await tasks.locator('.counts').innerText(), '1 open · 0 done');

    // VS Code's save dialog (in code-server, its own file dialog): the path typed, Enter.
    const target = join(ui.workspace, 'exported.db');
    await runCommand(page, 'Pipulate: Export Data');
    await answerSaveDialog(page, target, /Export Pipulate Data/, /pipulate-\d{4}-\d\d-\d\d\.db$/);
    await page.locator('.notifications-toasts', { hasText: 'Pipulate data exported to' }).waitFor({ timeout: 15_000 });
    // Any SQLite reader opens the copy, and it holds what the view shows.
    const SQL = await initSqlJs();
    const copy = new SQL.Database(readFileSync(target));
    try {
      const [profiles] = copy.exec('SELECT name FROM profile ORDER BY id');
      assert.deepEqual(profiles!.values.flat(), ['Default', 'Day job']);
      const [todos] = copy.exec("SELECT t.title, t.done FROM todo t JOIN profile p ON p.id = t.profile_id WHERE p.name = 'Day job'");
      assert.deepEqual(todos!.values, [['Review pull requests', 0]]);
    } finally {
      copy.close();
    }
  }));

  test('after Developer: Reload Window every todo, its state, the order and the active profile are as they were', step('reload', async () => {
    await reloadWindow(page);
    await openPipulateContainer(page);
    tasks = await webviewFrame(page, 'Tasks');
    await rows().first().waitFor({ timeout: 30_000 });
    await expectActiveProfile('Day job');
    await expectList(['Review pull requests']);
    assert.equal(await tasks.locator('.counts').innerText(), '1 open · 0 done');
    await screenshot(page, 'tasks-after-reload-dark.png');
    await switchByPalette('Default');
    await expectList(['Book flights to Lisbon', '✓ Buy milk', 'Write the report', 'Call Alice', 'Water the plants']);
    assert.deepEqual(await tasks.locator('vscode-single-select.profile-select vscode-option').allTextContents(), ['Default', 'Day job']);
  }));
});
