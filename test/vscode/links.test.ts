/**
 * Todos that point at code, in a real VS Code with the installed .vsix, driven as a user
 * would: a line selected in the editor is added as a todo from the editor's context menu;
 * the row opens the file at the line; lines inserted above are followed; the gutter shows
 * the mark with the title on hover; a rename in the explorer takes the link along; the
 * deleted text makes the row say it is gone. Then Import TODO Comments over a fixture of a
 * few hundred files, some left out by .gitignore and by files.exclude: progress shown in a
 * notification, the right ones found, none twice on a second import. Last, the chat: a selection and a file attached
 * as chips, one chip removed, the message sent; the fake Ollama server's request holds
 * what was attached as fenced blocks with their paths, and nothing of the removed one.
 * That message edited and sent again: the server gets the new text with its attachments
 * and nothing of the replaced turn; Apply to file on the reply's code opens a diff editor
 * and writes nothing, until the user takes the proposal from the diff's title bar and saves.
 * Run by test/vscode/run.mjs (the `vscode` suite of `npm test`), or:
 *   npm run package && node --import tsx --test test/vscode/links.test.ts
 */
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startFakeOllama, type FakeOllama } from '../fakes/ollamaServer';
import type { FrameLocator, Page } from 'playwright-core';
import {
  DARK_THEME, answerInputBox, journey, modelServerSettings, notificationsText, openFile, openPipulateContainer, pickQuickItem, quickInputBox, runCommand, screenshot, startUi,
  waitUntil, webviewFrame, type UiSession,
} from './ui';

let ui: UiSession;
let ollama: FakeOllama;
let page: Page;
let tasks: FrameLocator;
const step = journey(() => ui);

const PARSE = ['export function parse(input: string) {', '  const tokens = [];', '  return lex(input, tokens); // the lexer', '}', ''].join('\n');

/** The fixture: 300 files under pkg/ (every tenth with a TODO), 20 under a .gitignored folder and 20 under a files.exclude'd one (each with a TODO). */
function fixture(): Record<string, string> {
  const files: Record<string, string> = {
    'src/parse.ts': PARSE,
    'src/util.ts': 'export const add = (a: number, b: number) => a + b;\nexport const secretValue = 42;\n',
    'docs/notes.md': '# Notes\nThe parser is slow.\n',
    '.gitignore': 'ignored/\n',
  };
  for (let i = 0; i < 300; i++) files[`pkg/m${i % 7}/a${i}.ts`] = `export const a${i} = ${i};\n${i % 10 === 0 ? `// TODO: task ${i}\n` : ''}`;
  for (let i = 0; i < 20; i++) files[`ignored/b${i}.ts`] = `// TODO: ignored ${i}\n`;
  for (let i = 0; i < 20; i++) files[`hidden/c${i}.py`] = `# FIXME: hidden ${i}\n`;
  return files;
}

const linkButton = () => tasks.locator('li.todo .code-link').first();
const selectionStatus = () => page.locator('.statusbar-item[id="status.editor.selection"]').first();

/** Puts the cursor on line `n` of the active editor (Go to Line), with nothing selected. */
async function goToLine(n: number): Promise<void> {
  await page.locator('.editor-instance .view-lines').first().click();
  await page.keyboard.press('Control+G');
  await quickInputBox(page).waitFor({ state: 'visible' });
  await quickInputBox(page).fill(`:${n}`);
  await quickInputBox(page).press('Enter');
  await waitUntil(`the cursor on line ${n}`, () => selectionStatus().innerText(), (t) => t.startsWith(`Ln ${n},`));
}

/** Clicks the linked row's place and waits until the editor has lines from `line` selected in `file`. */
async function openLinkAndExpect(file: string, line: number): Promise<void> {
  await goToLine(1);
  await openPipulateContainer(page);
  tasks = await webviewFrame(page, 'Tasks');
  await linkButton().click();
  await page.locator(`.tabs-container .tab.active[data-resource-name="${file}"]`).waitFor({ timeout: 10_000 });
  const status = await waitUntil(`line ${line} selected`, () => selectionStatus().innerText(), (t) => /selected/.test(t) && t.startsWith(`Ln ${line},`));
  assert.match(status, new RegExp(`^Ln ${line},`));
}

async function save(): Promise<void> {
  await page.keyboard.press('Control+S');
  await page.locator('.tabs-container .tab.active.dirty').waitFor({ state: 'detached', timeout: 10_000 });
}

describe('Todos that point at code, in VS Code', () => {
  before(async () => {
    ollama = await startFakeOllama({ models: ['llama3.2:latest'] });
    ui = await startUi({
      theme: DARK_THEME,
      name: 'ui-links',
      files: fixture(),
      settings: {
        'files.exclude': { '**/hidden': true },
        'workbench.startupEditor': 'none',
        ...modelServerSettings({ url: ollama.url, model: 'llama3.2' }),
      },
    });
    page = ui.page;
    // Pipulate's first activation may open its walkthrough over the editor (seen here despite
    // openOnInstall false); this journey is about the editor: activate it now, close the walkthrough if it came.
    await openPipulateContainer(page);
    const welcome = page.locator('.tabs-container .tab', { hasText: 'Welcome' });
    if (await welcome.waitFor({ timeout: 5000 }).then(() => true, () => false)) await runCommand(page, 'View: Close All Editors');
  });
  after(async () => {
    await ui?.stop();
    await ollama?.close();
  });

  test('a selected line becomes a todo from the editor context menu, its title edited in the input box', step('add-selection', async () => {
    await openFile(page, 'parse.ts');
    await goToLine(3);
    await page.keyboard.press('Home');
    await page.keyboard.press('Shift+End');
    await page.keyboard.press('Shift+F10');
    const item = page.locator('.monaco-menu .action-item', { hasText: 'Add Selection as Todo' }).first();
    await item.waitFor({ state: 'visible', timeout: 10_000 });
    await item.click();
    // The title is the selection's first line, to be edited.
    await page.waitForFunction(() => document.querySelector<HTMLInputElement>('.quick-input-widget .quick-input-box input')?.value === 'return lex(input, tokens); // the lexer');
    await answerInputBox(page, 'Fix the parser', /pointing at src\/parse\.ts:3/);
    await openPipulateContainer(page);
    tasks = await webviewFrame(page, 'Tasks');
    await tasks.locator('li.todo .title', { hasText: /^Fix the parser$/ }).waitFor();
    assert.equal((await linkButton().innerText()).trim(), 'parse.ts:3');
  }));

  test('a click on the row opens the file at the line', step('open', async () => {
    await openLinkAndExpect('parse.ts', 3);
  }));

  test('the gutter marks the line, the title on hover over the line', step('gutter', async () => {
    const mark = page.locator('.editor-instance .glyph-margin-widgets .cgmr, .editor-instance .margin-view-overlays .cgmr').first();
    await mark.waitFor({ timeout: 10_000 });
    const image = await mark.evaluate((el) => getComputedStyle(el).backgroundImage);
    assert.match(image, /todo-gutter\.svg/);
    await page.locator('.editor-instance .view-line', { hasText: 'return lex' }).locator('span span').first().hover();
    await page.locator('.monaco-hover', { hasText: 'Pipulate todo: Fix the parser' }).first().waitFor({ timeout: 10_000 });
    await screenshot(page, 'links-gutter.png');
    await page.mouse.move(1, 1);
  }));

  test('lines inserted above: the link follows (row and editor)', step('follow', async () => {
    await goToLine(1);
    await page.keyboard.press('Home');
    await page.keyboard.type('// one\n// two\n');
    await save();
    await tasks.locator('li.todo .code-link', { hasText: 'parse.ts:5' }).waitFor({ timeout: 10_000 });
    await openLinkAndExpect('parse.ts', 5);
  }));

  test('a rename in the explorer takes the link along', step('rename', async () => {
    await page.keyboard.press('Control+Shift+E');
    const file = page.locator('.explorer-folders-view .monaco-list-row[aria-label^="parse.ts"]').first();
    await file.waitFor({ timeout: 10_000 });
    await file.click();
    await page.keyboard.press('F2');
    const box = page.locator('.explorer-folders-view .monaco-inputbox input').first();
    await box.waitFor();
    await box.fill('parser.ts');
    await box.press('Enter');
    await page.locator('.explorer-folders-view .monaco-list-row[aria-label^="parser.ts"]').first().waitFor({ timeout: 10_000 });
    await openPipulateContainer(page);
    tasks = await webviewFrame(page, 'Tasks');
    await tasks.locator('li.todo .code-link[aria-label="Open src/parser.ts:5"]').waitFor({ timeout: 10_000 });
    await openLinkAndExpect('parser.ts', 5);
  }));

  test('the linked text deleted: the row says it is gone and offers relink and unlink', step('gone', async () => {
    await goToLine(5);
    await page.keyboard.press('Home');
    await page.keyboard.press('Shift+End');
    await page.keyboard.press('Delete');
    await save();
    await openPipulateContainer(page);
    tasks = await webviewFrame(page, 'Tasks');
    await tasks.locator('li.todo .code-link.gone').waitFor({ timeout: 10_000 });
    assert.match(await linkButton().innerText(), /parser\.ts:5\s*gone/);
    assert.equal(await tasks.locator('li.todo button.relink').count(), 1);
    assert.equal(await tasks.locator('li.todo button.unlink').count(), 1);
  }));

  test('Import TODO Comments shows its progress, finds the 30 comments outside .gitignore and files.exclude; a second import adds none', step('import', async () => {
    // The progress may be brief: a watcher in the workbench notes every notification toast with a progress bar, and its text.
    await page.evaluate(() => {
      const seen: string[] = [];
      (window as unknown as { progressSeen: string[] }).progressSeen = seen;
      new MutationObserver(() => {
        for (const toast of document.querySelectorAll('.notification-toast')) {
          // A progress bar at work: running with no end known (infinite) or with one (discrete), not done.
          const working = toast.querySelector('.monaco-progress-container.infinite, .monaco-progress-container.discrete');
          if (working && !seen.includes(toast.textContent ?? '')) seen.push(toast.textContent ?? '');
        }
      }).observe(document.body, { subtree: true, childList: true, attributes: true });
    });
    await runCommand(page, 'Pipulate: Import TODO Comments');
    const input = quickInputBox(page);
    await input.waitFor({ state: 'visible', timeout: 30_000 });
    const progress = await page.evaluate(() => (window as unknown as { progressSeen: string[] }).progressSeen);
    assert.ok(progress.some((t) => t.includes('Pipulate: looking for TODO comments')), `a notification showed the progress: ${JSON.stringify(progress)}`);
    await page.waitForFunction(() => /30 found \(0 already todos\)/.test(document.querySelector('.quick-input-widget .quick-input-box input')?.getAttribute('placeholder') ?? ''), null, { timeout: 30_000 });
    await input.press('Enter'); // all are picked
    await openPipulateContainer(page);
    tasks = await webviewFrame(page, 'Tasks');
    await waitUntil('31 todos', () => tasks.locator('li.todo').count(), (n) => n === 31, { timeout: 20_000 });
    const titles = await tasks.locator('li.todo .title').allInnerTexts();
    assert.ok(titles.includes('TODO: task 0') && titles.includes('TODO: task 290'), titles.join(' | '));
    assert.equal(titles.filter((t) => /ignored|hidden/.test(t)).length, 0, 'nothing from .gitignore or files.exclude');
    assert.equal(await tasks.locator('li.todo .code-link', { hasText: /^a\d+\.ts:2$/ }).count(), 30);

    await runCommand(page, 'Pipulate: Import TODO Comments');
    await waitUntil('the second import says there is nothing new', () => notificationsText(page), (t) => /Every TODO comment found \(30\) is a todo already/.test(t), { timeout: 30_000 });
    assert.equal(await tasks.locator('li.todo').count(), 31);
  }, { timeoutMs: 120_000 }));

  test('a selection and a file attached as chips, one removed: the model gets the others as fenced blocks with paths, nothing of the removed', step('attach', async () => {
    const pending = (chat: FrameLocator) => chat.locator('.pending-chips .chip');
    await openFile(page, 'util.ts');
    await goToLine(1);
    await page.keyboard.press('Home');
    await page.keyboard.press('Shift+End');
    await runCommand(page, 'Pipulate: Add Selection to Chat');
    const chat = await webviewFrame(page, 'Chat');
    await pending(chat).filter({ hasText: 'util.ts:1' }).waitFor({ timeout: 10_000 });
    await goToLine(2);
    await page.keyboard.press('Home');
    await page.keyboard.press('Shift+End');
    await runCommand(page, 'Pipulate: Add Selection to Chat');
    await pending(chat).filter({ hasText: 'util.ts:2' }).waitFor({ timeout: 10_000 });
    await openFile(page, 'notes.md');
    await runCommand(page, 'Pipulate: Add File to Chat');
    await pending(chat).filter({ hasText: /^notes\.md$/ }).waitFor({ timeout: 10_000 });
    await pending(chat).filter({ hasText: 'util.ts:2' }).locator('.chip-remove').click();
    await waitUntil('two chips left', () => pending(chat).count(), (n) => n === 2);

    ollama.scriptChat({ tokens: ['Both ', 'are ', 'fine.'] });
    await chat.locator('vscode-textarea.composer-input').click();
    await page.keyboard.type('What do these do?');
    await page.keyboard.press('Enter');
    const exchange = await ollama.chatAt(0);
    const sent = (exchange.body.messages as { role: string; content: string }[]).at(-1)!;
    assert.equal(sent.role, 'user');
    assert.match(sent.content, /^What do these do\?\n\nsrc\/util\.ts \(line 1\):\n```typescript\nexport const add = \(a: number, b: number\) => a \+ b;\n```/);
    assert.match(sent.content, /docs\/notes\.md:\n```markdown\n# Notes\nThe parser is slow\.\n```$/);
    assert.doesNotMatch(JSON.stringify(exchange.body), /secretValue/);
    // The chips moved to the sent message; none wait for the next one.
    await chat.locator('.msg[data-role="user"] .chips .chip').nth(1).waitFor({ timeout: 10_000 });
    assert.equal(await pending(chat).count(), 0);
    await screenshot(page, 'chat-attachments.png');
  }, { timeoutMs: 120_000 }));

  test('the message edited and sent again: the model gets the new text with its attachments, without the replaced turn; Apply to file opens a diff and writes nothing until the user takes it and saves', step('edit', async () => {
    const chat = await webviewFrame(page, 'Chat');
    await chat.locator('.msg[data-role="assistant"][data-status="done"]', { hasText: 'Both are fine.' }).waitFor({ timeout: 10_000 });
    ollama.scriptChat({ tokens: ['With a comment:\n\n', '```ts\n// Adds two numbers.\nexport const add = (a: number, b: number) => a + b;\n```\n'] });
    await chat.locator('.msg[data-role="user"]').hover();
    await chat.locator('.msg[data-role="user"] button.edit-message').click();
    const box = chat.locator('.msg-editor vscode-textarea');
    await box.waitFor({ timeout: 10_000 });
    // The box takes the focus itself, once it has rendered.
    await waitUntil('the edit box has the focus', () => box.evaluate((el) => document.activeElement === el), (focused) => focused);
    // Not Ctrl+A: VS Code runs it for the webview a moment later, and would select what was typed by then.
    await page.keyboard.press('End');
    for (let i = 0; i < 'What do these do?'.length; i++) await page.keyboard.press('Backspace');
    await page.keyboard.type('What does add do?');
    await page.keyboard.press('Enter');
    const exchange = await ollama.chatAt(1);
    const sent = exchange.body.messages as { role: string; content: string }[];
    assert.match(sent.at(-1)!.content, /^What does add do\?\n\nsrc\/util\.ts \(line 1\):\n```typescript\n/, 'the edited text, its attachments with it');
    assert.doesNotMatch(JSON.stringify(sent), /What do these do|Both are fine/, 'nothing of the replaced turn');
    await chat.locator('.msg[data-role="assistant"][data-status="done"] button.apply-code').waitFor({ state: 'attached', timeout: 15_000 });
    assert.equal(await chat.locator('.msg[data-role="user"]').count(), 1, 'the replaced message left the view');

    // Two attachments: VS Code asks which; the diff opens, the file on the left, the proposal on the right; nothing written.
    await chat.locator('.msg[data-role="assistant"] .code-block').hover();
    await chat.locator('.msg[data-role="assistant"] button.apply-code').click();
    await pickQuickItem(page, 'src/util.ts (line 1)');
    await page.locator('.tabs-container .tab', { hasText: 'util.ts ↔ the proposed code' }).waitFor({ timeout: 15_000 });
    await page.locator('.monaco-diff-editor .line-insert, .monaco-diff-editor .char-insert').first().waitFor({ timeout: 10_000 });
    assert.equal(await page.locator('.tabs-container .tab.dirty').count(), 0, 'no editor holds a change');
    assert.equal(readFileSync(join(ui.workspace, 'src', 'util.ts'), 'utf8'), fixture()['src/util.ts'], 'nothing written to disk');
    await screenshot(page, 'chat-apply-diff.png');
    // The user takes it from the diff's title bar, then saves: now the file has it.
    await page.locator('.editor-actions .action-label[aria-label="Apply the Proposed Code to the File"]').first().click();
    await page.locator('.tabs-container .tab.active', { hasText: /^util\.ts/ }).waitFor({ timeout: 10_000 });
    await save();
    await waitUntil('the file saved with the code', async () => readFileSync(join(ui.workspace, 'src', 'util.ts'), 'utf8'), (text) => text === `// Adds two numbers.\n${fixture()['src/util.ts']}`);
  }, { timeoutMs: 120_000 }));
});
