/**
 * The model's tools in the views, end to end: the fake Ollama server answers with tool
 * calls, the real ChatService runs the loop, and the cards are answered in the real Chat
 * view bundle, by mouse and by keyboard alone; what they change shows in the real Tasks
 * view. Also the Tasks view's own Undo, and the model line's word for the tools mode.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import type { RequestBody } from '../../src/protocol';
import { harnessHooks, type OpenedView } from './harness';

const env = harnessHooks({
  ollama: { models: ['llama3.2:latest', 'tiny:latest'], noTools: ['tiny:latest'] },
  view: { kind: 'chat', ready: '.empty-state:not([hidden])' },
});

const card = () => env.page.locator('.tool-card').last();
const items = () => card().locator('.card-item');
/** The requests this view sent, of one kind. */
const sent = <K extends RequestBody['kind']>(view: OpenedView, kind: K) => view.sentBodies.filter((b): b is Extract<RequestBody, { kind: K }> => b.kind === kind);
const todoTitles = (tasks: Page) => tasks.locator('li.todo .title').allInnerTexts();

async function send(text: string): Promise<void> {
  await env.page.locator('vscode-textarea.composer-input').click();
  await env.page.keyboard.type(text);
  await env.page.keyboard.press('Enter');
}

/** The model answers the next message with these calls, then with `reply`. */
function modelCalls(calls: { name: string; arguments?: unknown }[], reply = 'Done.'): void {
  env.ollama.scriptChat({ tokens: [''], toolCalls: calls }, { tokens: [reply] });
}

/** What the focused element is, in a word: its class, or the name a checkbox or button shows. */
const focused = () =>
  env.page.evaluate(() => {
    const el = document.activeElement as HTMLElement | null;
    if (!el) return '';
    if (el.classList.contains('tool-card')) return 'card';
    return `${el.tagName.toLowerCase()} ${el.textContent?.trim() ?? ''}`;
  });

describe('Tool cards', () => {
  it('by mouse: a waiting card says what will change; Apply adds the todo, the Tasks view shows it, the reply goes on', async () => {
    const tasks = await env.h.open('tasks');
    modelCalls([{ name: 'add_todo', arguments: { title: 'Call the bank' } }], 'Added it.');
    await send('add a todo to call the bank');
    await env.page.waitForSelector('.tool-card[data-state="waiting"]');
    assert.equal(await card().locator('.card-head').innerText(), 'The model asks to change your list');
    assert.deepEqual(await items().allInnerTexts(), ['Add todo “Call the bank”']);
    assert.equal(await env.page.locator('vscode-button', { hasText: 'Send' }).isVisible(), false, 'the chat waits for the answer');
    assert.deepEqual(await todoTitles(tasks.page), [], 'nothing before Apply');
    await card().locator('vscode-button', { hasText: 'Apply' }).click();
    await env.page.waitForSelector('.tool-card[data-state="done"] .card-item[data-state="applied"]');
    assert.equal(await items().locator('.card-tag').innerText(), 'applied');
    await tasks.page.waitForSelector('li.todo:has-text("Call the bank")');
    await env.page.waitForSelector('.msg[data-role="assistant"]:has-text("Added it.")');
    assert.equal(await env.page.locator('.msg[data-role="assistant"][data-empty]').isVisible(), false, 'the turn that only called the tool shows as its card');
    assert.deepEqual(sent(env.view, 'tool/decide').map((b) => [b.apply, b.always]), [['all', undefined]]);
    assert.equal(await card().locator('vscode-button', { hasText: 'Undo' }).isVisible(), true);
  });

  it('by mouse: Reject changes nothing, and the model is told', async () => {
    modelCalls([{ name: 'add_todo', arguments: { title: 'Never' } }], 'As you wish.');
    await send('add never');
    await card().locator('vscode-button', { hasText: 'Reject' }).click();
    await env.page.waitForSelector('.tool-card[data-state="done"] .card-item[data-state="rejected"]');
    await env.page.waitForSelector('.msg[data-role="assistant"]:has-text("As you wish.")');
    assert.equal(env.h.store.todos.count({}), 0);
    assert.equal(await card().locator('vscode-button').count(), 0, 'a rejected card offers nothing more');
  });

  it('by keyboard alone: the card takes the focus from the chat input, Tab reaches every control, Enter applies the selected changes', async () => {
    const report = await env.h.tasks.addTodo('Report');
    const lisbon = await env.h.tasks.addTodo('Lisbon');
    modelCalls([
      { name: 'complete_todo', arguments: { id: report.id } },
      { name: 'move_todo', arguments: { id: lisbon.id, position: 1 } },
      { name: 'rename_todo', arguments: { id: report.id, title: 'Annual report' } },
    ]);
    await send('three things');
    await env.page.waitForSelector('.tool-card[data-state="waiting"]');
    assert.equal(await focused(), 'card', 'the input had the focus: the card takes it');
    assert.equal(await card().locator('.card-head').innerText(), 'The model asks to make 3 changes');
    const order: string[] = [];
    for (let i = 0; i < 6; i++) {
      await env.page.keyboard.press('Tab');
      order.push(await focused());
    }
    assert.deepEqual(order, [
      'vscode-checkbox Complete todo “Report”',
      'vscode-checkbox Move todo “Lisbon” to the top',
      'vscode-checkbox Rename todo “Report” to “Annual report”',
      'vscode-checkbox Always allow completing and reopening todos, moving todos and renaming todos in this profile',
      'vscode-button Apply selected',
      'vscode-button Reject all',
    ]);
    // Back to the second change, leave it out, and Enter.
    for (let i = 0; i < 4; i++) await env.page.keyboard.press('Shift+Tab');
    assert.equal(await focused(), 'vscode-checkbox Move todo “Lisbon” to the top');
    await env.page.keyboard.press('Space');
    assert.equal(await card().locator('.card-always').innerText(), 'Always allow completing and reopening todos and renaming todos in this profile', 'names only the kinds chosen');
    await env.page.keyboard.press('Enter');
    await env.page.waitForSelector('.tool-card[data-state="done"]');
    assert.deepEqual(await items().evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.state)), ['applied', 'rejected', 'applied']);
    assert.deepEqual(sent(env.view, 'tool/decide').map((b) => b.apply), [[0, 2]]);
    assert.deepEqual(env.h.tasks.snapshot().todos.map((t) => [t.title, t.done]), [['Annual report', true], ['Lisbon', false]]);
    assert.equal(await focused(), 'card', 'the focus stays on the card');
  });

  it('by keyboard alone: Escape on a waiting card rejects it and does not stop the reply', async () => {
    modelCalls([{ name: 'add_todo', arguments: { title: 'Never' } }], 'Fine, not added.');
    await send('add never');
    await env.page.waitForSelector('.tool-card[data-state="waiting"]');
    assert.equal(await focused(), 'card');
    await env.page.keyboard.press('Escape');
    await env.page.waitForSelector('.tool-card .card-item[data-state="rejected"]');
    await env.page.waitForSelector('.msg[data-role="assistant"][data-status="done"]:has-text("Fine, not added.")');
    assert.equal(env.h.store.todos.count({}), 0);
    assert.deepEqual(sent(env.view, 'tool/decide').map((b) => b.apply), ['none']);
    assert.equal(sent(env.view, 'chat/stop').length, 0);
  });

  it('in a short pane, a card that takes the focus shows its buttons', async () => {
    env.view = await env.h.open('chat', { height: 300 });
    await env.page.waitForSelector('.empty-state:not([hidden])');
    for (let i = 0; i < 3; i++) {
      modelCalls([{ name: 'add_todo', arguments: { title: `Todo ${i}` } }], `Added ${i}.`);
      await send(`add todo ${i}`);
      await env.page.waitForSelector('.tool-card[data-state="waiting"]');
      assert.equal(await focused(), 'card');
      // Apply comes into sight (it may take a frame: the buttons render after the card).
      await env.page.waitForFunction(() => {
        const pane = document.querySelector('.messages')!.getBoundingClientRect();
        const apply = [...document.querySelectorAll('.tool-card[data-state="waiting"] .card-apply')].at(-1)!.getBoundingClientRect();
        return apply.height > 0 && apply.top >= pane.top && apply.bottom <= pane.bottom;
      }, undefined, { timeout: 5000 });
      await env.page.keyboard.press('Enter');
      await env.page.waitForSelector(`.msg[data-role="assistant"]:has-text("Added ${i}.")`);
    }
  });

  it('does not take the focus when the chat input did not have it', async () => {
    modelCalls([{ name: 'add_todo', arguments: { title: 'Quietly' } }]);
    await send('add quietly');
    await env.page.locator('.chat-head .conn').focus(); // elsewhere in the view, not the input
    await env.page.waitForSelector('.tool-card[data-state="waiting"]');
    assert.match(await focused(), /^button /);
    assert.match(await env.page.locator('[role="status"][aria-live="polite"]').innerText(), /^The model asks to make a change: Add todo “Quietly”\./);
    await card().locator('vscode-button', { hasText: 'Apply' }).click();
    await env.page.waitForSelector('.msg[data-role="assistant"][data-status="done"]:has-text("Done.")');
  });

  it('always allow, by keyboard: the kind is applied without asking from then on, in this profile', async () => {
    modelCalls([{ name: 'add_todo', arguments: { title: 'First' } }], 'One.');
    await send('add first');
    await env.page.waitForSelector('.tool-card[data-state="waiting"]');
    await env.page.keyboard.press('Tab');
    assert.equal(await focused(), 'vscode-checkbox Always allow adding todos in this profile');
    await env.page.keyboard.press('Space');
    await env.page.keyboard.press('Enter');
    await env.page.waitForSelector('.msg[data-role="assistant"]:has-text("One.")');
    assert.deepEqual(sent(env.view, 'tool/decide').map((b) => [b.apply, b.always]), [['all', true]]);
    modelCalls([{ name: 'add_todo', arguments: { title: 'Second' } }], 'Two.');
    await send('add second');
    await env.page.waitForSelector('.msg[data-role="assistant"]:has-text("Two.")');
    assert.equal(await env.page.locator('.tool-card[data-state="waiting"]').count(), 0, 'nothing asked');
    assert.equal(await card().locator('.card-tag').innerText(), 'applied, allowed');
    assert.deepEqual(env.h.tasks.snapshot().todos.map((t) => t.title), ['First', 'Second']);
  });

  it('undo: a todo the model deleted comes back in the Tasks view, in its place', async () => {
    const tasks = await env.h.open('tasks');
    await env.h.tasks.addTodo('Keep');
    const lisbon = await env.h.tasks.addTodo('Lisbon');
    await env.h.tasks.addTodo('Last');
    modelCalls([{ name: 'delete_todo', arguments: { id: lisbon.id } }]);
    await send('delete Lisbon');
    const waiting = await env.page.waitForSelector('.tool-card[data-state="waiting"]');
    assert.equal(await waiting.$$eval('.card-always', (els) => els.length), 0, 'deleting is never offered always');
    await card().locator('vscode-button', { hasText: 'Apply' }).click();
    await tasks.page.waitForFunction(() => !document.querySelector('li.todo[data-id] .title')?.textContent?.includes('Lisbon') && document.querySelectorAll('li.todo').length === 2);
    await env.page.waitForSelector('.msg[data-role="assistant"][data-status="done"]:has-text("Done.")');
    // By keyboard: Tab from the card past its line (which expands to what the model was told) to Undo, Enter.
    await card().focus();
    await env.page.keyboard.press('Tab');
    assert.equal(await focused(), 'summary Delete todo “Lisbon”applied');
    await env.page.keyboard.press('Tab');
    assert.equal(await focused(), 'vscode-button Undo');
    await env.page.keyboard.press('Enter');
    await env.page.waitForSelector('.tool-card .card-item[data-state="undone"]');
    await tasks.page.waitForFunction(() => document.querySelectorAll('li.todo').length === 3);
    assert.deepEqual(await todoTitles(tasks.page), ['Keep', 'Lisbon', 'Last']);
    assert.equal(await card().locator('vscode-button', { hasText: 'Undo' }).count(), 0, 'undone once');
    assert.deepEqual(sent(env.view, 'tool/undo'), [{ kind: 'tool/undo', cardId: Number(await card().getAttribute('data-id')) }]);
  });

  it('shows hostile arguments as text: markup inert, a megabyte refused with a short reason', async () => {
    const tasks = await env.h.open('tasks');
    const hostile = '<img src=x onerror="window.__pwned=1"> **bold** <script>window.__pwned=2</script>';
    modelCalls([
      { name: 'add_todo', arguments: { title: hostile } },
      { name: 'add_todo', arguments: { title: 'x'.repeat(1_000_000) } },
    ]);
    await send('be evil');
    await env.page.waitForSelector('.tool-card[data-state="waiting"]', { timeout: 15_000 });
    assert.equal(await card().locator('img, script, strong, [onerror]').count(), 0);
    const [first, second] = await items().allInnerTexts();
    assert.equal(first, `Add todo “${hostile}”`);
    assert.match(second!, /^Use add_todo\s*refused$/);
    await card().locator('.card-item[data-state="refused"] summary').click();
    const why = await card().locator('.card-result', { hasText: /\S/ }).innerText(); // filled as it opens
    assert.match(why, /too long/);
    assert.ok(why.length < 1000, `the reason is short (${why.length})`);
    await card().locator('vscode-button', { hasText: 'Apply' }).click();
    await tasks.page.waitForSelector('li.todo');
    assert.deepEqual(await todoTitles(tasks.page), [hostile]);
    assert.equal(await tasks.page.locator('li.todo img, li.todo script').count(), 0);
    for (const p of [env.page, tasks.page]) assert.equal(await p.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined);
    await env.page.waitForSelector('.msg[data-role="assistant"][data-status="done"]:has-text("Done.")');
  });

  it('Stop while a card waits: the card shows cancelled, nothing is applied', async () => {
    modelCalls([{ name: 'add_todo', arguments: { title: 'Never' } }]);
    await send('add never');
    await env.page.waitForSelector('.tool-card[data-state="waiting"]');
    await env.page.locator('vscode-button', { hasText: 'Stop' }).click();
    await env.page.waitForSelector('.tool-card[data-state="cancelled"]');
    assert.equal(await items().getAttribute('data-state'), 'cancelled');
    assert.equal(await items().locator('.card-tag').innerText(), 'cancelled');
    assert.equal(await card().locator('vscode-button').count(), 0);
    assert.equal(env.h.store.todos.count({}), 0);
    await env.page.waitForSelector('vscode-button:has-text("Send"):visible');
  });

  it('a read is one line that expands to what the model read; a reload shows the cards as they were', async () => {
    await env.h.tasks.addTodo('Water the plants');
    env.ollama.scriptChat({ tokens: [''], toolCalls: [{ name: 'list_todos' }] }, { tokens: ['You have one todo.'] });
    await send('what is open?');
    await env.page.waitForSelector('.msg[data-role="assistant"]:has-text("You have one todo.")');
    const line = card().locator('summary');
    assert.equal(await line.innerText(), 'Read the todo list');
    assert.equal(await card().locator('.card-result').isVisible(), false);
    await line.focus();
    await env.page.keyboard.press('Enter');
    await card().locator('.card-result', { hasText: /"title":\s*"Water the plants"/ }).waitFor();
    await env.page.reload();
    await env.page.waitForSelector('.tool-card summary:has-text("Read the todo list")');
  });
});

describe('The model line', () => {
  it('says how the model uses tools: native, or the text protocol', async () => {
    env.ollama.scriptChat({ tokens: ['hi'] });
    await send('hello');
    const badge = env.page.locator('.tools-badge');
    await env.page.waitForSelector('.tools-badge:not([hidden])');
    assert.equal(await badge.innerText(), 'tools');
    assert.match((await badge.getAttribute('title'))!, /^Tools: native\./);
    await env.restart({ chat: { model: 'tiny' } });
    env.view = await env.h.open('chat');
    env.ollama.scriptChat({ tokens: ['hi'] });
    await send('hello');
    await env.page.waitForSelector('.tools-badge[data-mode="text"]');
    assert.match((await env.page.locator('.tools-badge').getAttribute('title'))!, /^Tools: text protocol\./);
  });
});

describe('The Tasks view’s Undo', () => {
  it('offers Undo after a delete, reachable by keyboard; Ctrl+Z in the list undoes too', async () => {
    for (const title of ['One', 'Two', 'Three']) await env.h.tasks.addTodo(title);
    const tasks = await env.h.open('tasks');
    const tp = tasks.page;
    await tp.waitForSelector('li.todo');
    await tp.locator('li.todo', { hasText: 'Two' }).focus();
    await tp.keyboard.press('Delete');
    const bar = tp.locator('.undo-bar');
    await bar.waitFor();
    assert.equal(await bar.locator('.undo-text').innerText(), 'Deleted todo “Two” —');
    assert.equal(await bar.getAttribute('role'), 'status');
    assert.deepEqual(await todoTitles(tp), ['One', 'Three']);
    // The focus went to the next row; Tab goes on to the bar's Undo.
    const passed: string[] = [];
    while (passed.length < 8 && passed.at(-1) !== 'Undo') {
      await tp.keyboard.press('Tab');
      passed.push(await tp.evaluate(() => document.activeElement?.textContent?.trim() ?? ''));
    }
    assert.equal(passed.at(-1), 'Undo', `Tab reaches Undo: ${passed.join(', ')}`);
    await tp.keyboard.press('Enter');
    await tp.waitForFunction(() => document.querySelectorAll('li.todo').length === 3);
    assert.deepEqual(await todoTitles(tp), ['One', 'Two', 'Three']);
    await bar.waitFor({ state: 'hidden' });
    assert.equal(await tp.evaluate(() => document.activeElement?.closest('li.todo') !== null), true, 'the focus goes back to the list');

    await tp.locator('li.todo', { hasText: 'Three' }).focus();
    await tp.keyboard.press('Delete');
    await bar.waitFor();
    await tp.locator('li.todo', { hasText: 'One' }).focus();
    await tp.keyboard.press('ControlOrMeta+z');
    await tp.waitForFunction(() => document.querySelectorAll('li.todo').length === 3);
    assert.deepEqual(await todoTitles(tp), ['One', 'Two', 'Three']);
    await bar.waitFor({ state: 'hidden' });
    assert.deepEqual(sent(tasks, 'tasks/undo').length, 2);
    assert.deepEqual(tasks.problems, []);
  });
});
