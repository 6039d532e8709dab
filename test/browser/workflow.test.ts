/**
 * The run panel: the real webview bundle (dist/webview-workflow.js) in Chromium, the real
 * router, WorkflowService and store behind it, the fake Ollama for generate steps. A run
 * filled by mouse and by keyboard, revert, finalize and unlock, another view kept in
 * step, the model's text streamed, stopped and edited, hostile values shown as text,
 * axe-core clean in light, dark and high contrast.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { beforeEach, describe, it } from 'node:test';
import { harnessHooks, type OpenedView } from './harness';
import type { Theme } from './themes';

const env = harnessHooks({ ollama: { models: ['llama3.2:latest'] } });

const AXE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

const TRIP = `{
  "title": "Trip <b>bold</b>",
  "steps": [
    { "id": "city", "title": "City", "type": "input", "help": "Where to?" },
    { "id": "days", "title": "Days", "type": "input", "input": "choice", "options": ["1", "2", "<img src=x onerror=alert(1)>"] },
    { "id": "notes", "title": "Notes", "type": "input", "input": "multiline", "required": false, "default": "About {{city}}" },
    { "id": "sure", "title": "Sure", "type": "input", "input": "checkbox", "required": true },
    { "id": "plan", "title": "Plan", "type": "generate", "prompt": "Plan a trip to {{city}}" }
  ]
}`;

let profileId: number;

const stepStates = () => env.page.locator('li.wf-step').evaluateAll((els) => els.map((e) => `${(e as HTMLElement).dataset.step}:${e.className.replace(/.*wf-/, '')}`).join(' '));
const storeRun = () => env.h.core.workflows.open(profileId, 'trip', 'k');

async function openRun(key = 'k', theme?: Theme): Promise<OpenedView> {
  const v = await env.h.open('workflow', { width: 700, height: 900, theme, query: `?profileId=${profileId}&workflow=trip&key=${encodeURIComponent(key)}` });
  await v.page.locator('li.wf-current, .wf-footer button').first().waitFor();
  return v;
}

beforeEach(async () => {
  env.h.core.catalog.setFile('trip', '/ws/.pipulate/workflows/trip.json', TRIP);
  profileId = env.h.tasks.activeProfileId;
  await env.h.core.workflows.start(profileId, 'trip', 'k');
  env.view = await openRun();
});

describe('the run panel', () => {
  it('fills the steps by keyboard: the current step has the focus, Enter submits, a choice by arrows, Space checks, Ctrl+Enter submits a multiline text', async () => {
    assert.equal(await env.page.locator('h1').textContent(), 'Trip <b>bold</b>', 'the title is text');
    assert.equal(await stepStates(), 'city:current days:pending notes:pending sure:pending plan:pending');
    assert.equal(await env.page.evaluate(() => document.activeElement?.id), 'step-city-field');
    await env.page.keyboard.type('Lyon');
    await env.page.keyboard.press('Enter');
    await env.page.locator('li.wf-current[data-step="days"]').waitFor();
    assert.equal(await env.page.evaluate(() => document.activeElement?.id), 'step-days-field');
    await env.page.keyboard.press('ArrowDown');
    await env.page.keyboard.press('ArrowDown');
    await env.page.keyboard.press('Enter');
    await env.page.locator('li.wf-current[data-step="notes"]').waitFor();
    assert.equal(await env.page.locator('#step-notes-field').inputValue(), 'About Lyon', 'the default, filled from the first step');
    await env.page.keyboard.press('End');
    await env.page.keyboard.type(' in spring');
    await env.page.keyboard.press('Control+Enter');
    await env.page.locator('li.wf-current[data-step="sure"]').waitFor();
    await env.page.keyboard.press('Space');
    await env.page.keyboard.press('Tab');
    await env.page.keyboard.press('Enter');
    await env.page.locator('li.wf-current[data-step="plan"]').waitFor();
    const run = storeRun();
    assert.deepEqual(run.steps.slice(0, 4).map((s) => s.value), ['Lyon', '2', 'About Lyon in spring', 'true']);
    assert.equal(await env.page.locator('li.wf-done .wf-value').first().textContent(), 'Lyon');
  });

  it('says what is wrong without losing what was typed; by mouse: revert clears the step and those after it', async () => {
    await env.page.locator('button', { hasText: 'Next' }).click();
    await env.page.locator('.banner:not([hidden])').waitFor();
    assert.match((await env.page.locator('.banner-text').textContent()) ?? '', /“City” is required/);
    await env.page.locator('#step-city-field').fill('Oslo');
    await env.page.locator('button', { hasText: 'Next' }).click();
    await env.page.locator('li.wf-current[data-step="days"]').waitFor();
    await env.page.locator('#step-days-field').selectOption('1');
    await env.page.locator('button', { hasText: 'Next' }).click();
    await env.page.locator('li.wf-current[data-step="notes"]').waitFor();
    await env.page.locator('li[data-step="city"] button', { hasText: 'Revert' }).click();
    await env.page.locator('li.wf-current[data-step="city"]').waitFor();
    assert.equal(await stepStates(), 'city:current days:pending notes:pending sure:pending plan:pending');
    assert.equal(storeRun().current, 'city');
    assert.equal(await env.page.locator('li[data-step="city"] button', { hasText: 'Revert' }).count(), 0);
  });

  it('streams the model’s text into the generate step, which is edited and accepted; finalize locks the run, unlock opens it; a second panel follows', async () => {
    for (const [step, value] of [['city', 'Rome'], ['days', '1'], ['notes', ''], ['sure', 'true']] as const) await env.h.core.workflows.submit(profileId, 'trip', 'k', step, value);
    await env.page.locator('li.wf-current[data-step="plan"]').waitFor();
    const other = await openRun();
    env.ollama.scriptChat({ tokens: ['- see', ' the <script>alert(1)</script> forum'], tokenDelayMs: 30 });
    await env.page.locator('button', { hasText: 'Generate' }).click();
    await env.page.waitForFunction(() => (document.querySelector('#step-plan-field') as HTMLTextAreaElement | null)?.value.includes('forum'));
    await env.page.locator('button', { hasText: 'Accept' }).and(env.page.locator(':enabled')).waitFor();
    assert.equal(await env.page.locator('#step-plan-field').inputValue(), '- see the <script>alert(1)</script> forum');
    assert.equal(env.ollama.chats[0]!.body.messages[0].content, 'Plan a trip to Rome');
    await env.page.locator('#step-plan-field').fill('- see the forum, edited');
    await env.page.locator('button', { hasText: 'Accept' }).click();
    await env.page.locator('.wf-footer button', { hasText: 'Finalize' }).click();
    await env.page.locator('.wf-footer button', { hasText: 'Unlock' }).waitFor();
    assert.equal(storeRun().finalized, true);
    assert.equal(storeRun().steps[4]!.value, '- see the forum, edited');
    await other.page.locator('.wf-footer button', { hasText: 'Unlock' }).waitFor();
    assert.equal(await other.page.locator('li.wf-step button', { hasText: 'Revert' }).count(), 0, 'a finalized run offers no revert');
    await other.page.locator('.wf-footer button', { hasText: 'Unlock' }).click();
    await env.page.locator('.wf-footer button', { hasText: 'Finalize' }).waitFor();
    assert.equal(storeRun().finalized, false);
    assert.deepEqual(other.problems, []);
  });

  it('Stop keeps what arrived, to edit or generate again', async () => {
    for (const [step, value] of [['city', 'Rome'], ['days', '1'], ['notes', ''], ['sure', 'true']] as const) await env.h.core.workflows.submit(profileId, 'trip', 'k', step, value);
    await env.page.locator('li.wf-current[data-step="plan"]').waitFor();
    env.ollama.scriptChat({ tokens: ['first', ' second', ' third'], tokenDelayMs: 1500 });
    await env.page.locator('button', { hasText: 'Generate' }).click();
    await env.page.waitForFunction(() => (document.querySelector('#step-plan-field') as HTMLTextAreaElement | null)?.value === 'first');
    await env.page.locator('button', { hasText: 'Stop' }).click();
    await env.page.locator('.wf-gen-status', { hasText: 'Stopped' }).waitFor();
    assert.equal(await env.page.locator('#step-plan-field').inputValue(), 'first');
    assert.equal(await env.page.locator('button', { hasText: 'Regenerate' }).isEnabled(), true);
  });

  it('hostile values are inert: markup in titles, options and values is shown as text', async () => {
    await env.h.core.workflows.submit(profileId, 'trip', 'k', 'city', '<img src=x onerror="window.__pwned=1"><script>window.__pwned=1</script>');
    await env.h.core.workflows.submit(profileId, 'trip', 'k', 'days', '<img src=x onerror=alert(1)>');
    await env.page.locator('li.wf-current[data-step="notes"]').waitFor();
    assert.equal(await env.page.locator('li.wf-step img, li.wf-step script').count(), 0);
    assert.equal(await env.page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined);
    assert.match((await env.page.locator('li[data-step="city"] .wf-value').textContent()) ?? '', /^<img src=x/);
    assert.match(await env.page.locator('#step-notes-field').inputValue(), /^About <img/);
  });

  it('a deleted definition opens the run read-only, its values still shown', async () => {
    await env.h.core.workflows.submit(profileId, 'trip', 'k', 'city', 'Rome');
    env.h.core.catalog.setFile('trip', '/ws/.pipulate/workflows/trip.json', '{ "title": ');
    const ro = await env.h.open('workflow', { width: 700, query: `?profileId=${profileId}&workflow=trip&key=k` });
    await ro.page.locator('.wf-notice', { hasText: 'Problems panel' }).waitFor();
    assert.equal(await ro.page.locator('li[data-step="city"] .wf-value').textContent(), 'Rome');
    assert.deepEqual(await ro.page.locator('li.wf-step button').allTextContents(), ['Copy'], 'nothing to change: a value can only be copied');
    assert.equal(await ro.page.locator('button').count(), 2, 'and the banner’s Dismiss');
    assert.deepEqual(ro.problems, []);
  });

  it('what was typed in the current step survives the page loading again (the panel hidden, the window reloaded)', async () => {
    await env.page.locator('#step-city-field').fill('Half typed');
    await env.page.reload();
    await env.page.locator('li.wf-current[data-step="city"]').waitFor();
    assert.equal(await env.page.locator('#step-city-field').inputValue(), 'Half typed');
    await env.page.keyboard.press('Enter');
    await env.page.locator('li.wf-current[data-step="days"]').waitFor();
    assert.equal(storeRun().steps[0]!.value, 'Half typed');
  });

  it('a todos step shows exactly the todos it adds; Add (Enter, it has the focus) puts them on the chat’s card in the step; Enter on the card applies them; Undo takes them back', async () => {
    env.h.core.catalog.setFile('todo-it', '/ws/todo-it.json', '{ "title": "Todo it", "steps": [ { "id": "plan", "title": "Plan", "type": "input", "input": "multiline" }, { "id": "todos", "title": "To todos", "type": "todos", "from": "{{plan}}" } ] }');
    await env.h.core.workflows.start(profileId, 'todo-it', 't');
    await env.h.core.workflows.submit(profileId, 'todo-it', 't', 'plan', '- one\n- <img src=x onerror="window.__pwned=1">two');
    const v = await env.h.open('workflow', { width: 700, query: `?profileId=${profileId}&workflow=todo-it&key=t` });
    await v.page.locator('.wf-todos li').first().waitFor();
    assert.deepEqual(await v.page.locator('.wf-todos li').allTextContents(), ['one', '<img src=x onerror="window.__pwned=1">two']);
    assert.equal(await v.page.evaluate(() => document.activeElement?.textContent), 'Add 2 todos');
    await v.page.keyboard.press('Enter');

    const card = v.page.locator('li.wf-current[data-step="todos"] .tool-card[data-state="waiting"]');
    await card.waitFor();
    assert.equal(await card.locator('.card-head').textContent(), 'Workflow “Todo it”, run “t”: step “To todos” proposes 2 changes');
    assert.deepEqual(await card.locator('vscode-checkbox.card-pick').allTextContents(), ['Add todo “one”', 'Add todo “<img src=x onerror="window.__pwned=1">two”']);
    assert.deepEqual(env.h.core.tasks.snapshot().todos, [], 'nothing is added before Apply');
    assert.ok(await v.page.evaluate(() => !!document.activeElement?.closest('.tool-card')), 'the card has the focus');
    const inChat = env.h.core.chat.snapshot(env.h.core.tasks.activeProfile()).messages.filter((m) => m.card);
    assert.equal(inChat.length, 1, 'the same card is in the chat');
    // axe in a second panel on the same run (axe's own styles break the page's CSP, which this one checks).
    const other = await env.h.open('workflow', { width: 700, query: `?profileId=${profileId}&workflow=todo-it&key=t` });
    await other.page.locator('.tool-card[data-state="waiting"] vscode-checkbox').first().waitFor();
    await other.page.evaluate(AXE);
    const found = (await other.page.evaluate('axe.run(document, { resultTypes: ["violations"] }).then((r) => r.violations)')) as { id: string }[];
    assert.deepEqual(found.map((f) => f.id), []);

    await v.page.keyboard.press('Enter');
    const done = v.page.locator('li.wf-done[data-step="todos"] .tool-card[data-state="done"]');
    await done.waitFor();
    assert.deepEqual(env.h.core.tasks.snapshot().todos.map((t) => t.title), ['one', '<img src=x onerror="window.__pwned=1">two']);
    await v.page.locator('.wf-footer button', { hasText: 'Finalize' }).waitFor();
    await v.page.waitForFunction(() => document.activeElement?.textContent === 'Finalize', undefined, { timeout: 5000 });
    await done.locator('.card-undo').click();
    await done.locator('.card-item[data-state="undone"]').first().waitFor();
    assert.deepEqual(env.h.core.tasks.snapshot().todos, []);
    assert.equal(await v.page.locator('li.wf-step img').count(), 0);
    assert.equal(await v.page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined);
    assert.deepEqual(v.problems, []);
  });

  it('a todos step’s card rejected by mouse adds nothing and the step offers its todos again', async () => {
    env.h.core.catalog.setFile('todo-it', '/ws/todo-it.json', '{ "title": "Todo it", "steps": [ { "id": "plan", "title": "Plan", "type": "input" }, { "id": "todos", "title": "To todos", "type": "todos", "from": "{{plan}}" } ] }');
    await env.h.core.workflows.start(profileId, 'todo-it', 't');
    await env.h.core.workflows.submit(profileId, 'todo-it', 't', 'plan', 'only one');
    const v = await env.h.open('workflow', { width: 700, query: `?profileId=${profileId}&workflow=todo-it&key=t` });
    await v.page.locator('button', { hasText: 'Add 1 todo' }).click();
    await v.page.locator('.tool-card[data-state="waiting"] .card-reject').click();
    await v.page.locator('button', { hasText: 'Add 1 todo' }).waitFor();
    assert.equal(await v.page.locator('.tool-card').count(), 0);
    assert.deepEqual(env.h.core.tasks.snapshot().todos, []);
    assert.equal(env.h.core.workflows.open(profileId, 'todo-it', 't').current, 'todos');
    assert.deepEqual(v.problems, []);
  });

  it('a generate step the model cannot write says why as the chat does, with the chat’s actions: Pull pulls the model; Generate asks again', async () => {
    await env.restart({ chat: { model: 'missing-model' } });
    env.h.core.catalog.setFile('gen', '/ws/gen.json', '{ "title": "Gen", "steps": [ { "id": "text", "title": "Text", "type": "generate", "prompt": "Say hi" } ] }');
    profileId = env.h.tasks.activeProfileId;
    await env.h.core.workflows.start(profileId, 'gen', 'k');
    const v = await env.h.open('workflow', { width: 700, query: `?profileId=${profileId}&workflow=gen&key=k` });
    env.view = v;
    await v.page.locator('button', { hasText: 'Generate' }).click();
    const box = v.page.locator('li[data-step="text"] .problem');
    await box.waitFor();
    assert.match((await box.locator('.problem-title').textContent()) ?? '', /missing-model/);
    const chats = env.ollama.chats.length;
    await box.locator('vscode-button[data-action="pull"]').click();
    for (let i = 0; i < 50 && env.h.ui.pulled.length === 0; i++) await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(env.h.ui.pulled, [undefined], 'the chosen model is pulled, as from the chat');
    await v.page.locator('button', { hasText: 'Generate' }).click();
    await box.waitFor({ state: 'detached' });
    for (let i = 0; i < 50 && env.ollama.chats.length === chats; i++) await new Promise((r) => setTimeout(r, 100));
    assert.equal(env.ollama.chats.length, chats + 1, 'Generate asks the model again');
  });

  it('a command step shows the exact command; it runs only on Run, in a trusted workspace, its output streamed into the step to accept', async () => {
    const folder = fs.mkdtempSync('/tmp/pipulate-wf-');
    fs.writeFileSync(`${folder}/hello.txt`, '<b>hi</b>');
    const trust = { on: false };
    await env.restart({ workspace: { trusted: () => trust.on, folder: () => folder } });
    env.h.core.catalog.setFile('look', '/ws/look.json', '{ "title": "Look", "steps": [ { "id": "cat", "title": "Contents", "type": "command", "run": "cat hello.txt", "timeoutSeconds": 5 } ] }');
    profileId = env.h.tasks.activeProfileId;
    await env.h.core.workflows.start(profileId, 'look', 'k');
    const open = () => env.h.open('workflow', { width: 700, query: `?profileId=${profileId}&workflow=look&key=k` });
    let v = await open();
    await v.page.locator('.wf-command pre').waitFor();
    assert.equal(await v.page.locator('.wf-command pre').textContent(), 'cat hello.txt');
    assert.match((await v.page.locator('.wf-command .wf-notice').textContent()) ?? '', /trusted workspace/);
    assert.equal(await v.page.locator('button', { hasText: 'Run' }).isDisabled(), true);
    trust.on = true;
    v = await open();
    await v.page.locator('button', { hasText: 'Run' }).click();
    await v.page.waitForFunction(() => (document.querySelector('#step-cat-field') as HTMLTextAreaElement | null)?.value === '<b>hi</b>');
    await v.page.locator('button', { hasText: 'Accept' }).and(v.page.locator(':enabled')).click();
    await v.page.locator('li.wf-done[data-step="cat"]').waitFor();
    assert.equal(env.h.core.workflows.open(profileId, 'look', 'k').steps[0]!.value, '<b>hi</b>');
    assert.equal(await v.page.locator('li.wf-step b').count(), 0);
    assert.deepEqual(v.problems, []);
    fs.rmSync(folder, { recursive: true, force: true });
    env.view = v;
  });

  it('a done step’s value is copied as it is (Copy, by mouse or Enter), also once the run is finalized; a checkbox offers none', async () => {
    const multiline = '<b>fix</b>: parse\n\nBody line';
    await env.h.core.workflows.submit(profileId, 'trip', 'k', 'city', 'Rome');
    await env.h.core.workflows.submit(profileId, 'trip', 'k', 'days', '2');
    await env.h.core.workflows.submit(profileId, 'trip', 'k', 'notes', multiline);
    await env.h.core.workflows.submit(profileId, 'trip', 'k', 'sure', 'true');
    await env.page.locator('li.wf-current[data-step="plan"]').waitFor();
    await env.page.locator('#step-notes-copy').click();
    assert.equal(env.h.ui.clipboard, multiline);
    await env.page.locator('.sr-only[role="status"]', { hasText: 'Copied “Notes” to the clipboard.' }).waitFor();
    assert.equal(await env.page.locator('#step-sure-copy').count(), 0);
    await env.h.core.workflows.submit(profileId, 'trip', 'k', 'plan', 'the plan');
    await env.h.core.workflows.finalize(profileId, 'trip', 'k');
    await env.page.locator('.wf-footer button', { hasText: 'Unlock' }).waitFor();
    await env.page.locator('#step-city-copy').focus();
    await env.page.keyboard.press('Enter');
    await env.page.waitForFunction(() => document.querySelector('.sr-only[role="status"]')?.textContent === 'Copied “City” to the clipboard.');
    assert.equal(env.h.ui.clipboard, 'Rome');
  });

  it('an open run loads again when the store was replaced (restore, import): it shows the run as the store now has it', async () => {
    const stateBefore = env.h.db.all('SELECT state FROM pipeline WHERE key = ?', ['k'])[0]!.state;
    await env.h.core.workflows.submit(profileId, 'trip', 'k', 'city', 'Rome');
    await env.page.locator('li.wf-current[data-step="days"]').waitFor();
    // The store changes under the panel, as a restore replaces it, and says so.
    env.h.db.write('UPDATE pipeline SET state = ? WHERE key = ?', [stateBefore, 'k']);
    env.h.core.events.emit({ kind: 'workflow/reset' });
    await env.page.locator('li.wf-current[data-step="city"]').waitFor();
    assert.equal(await stepStates(), 'city:current days:pending notes:pending sure:pending plan:pending');
  });

  it('an open run follows its file as it is saved (live reload): a removed step shown as removed with its value, a new one to do; a broken file makes it read-only until fixed', async () => {
    await env.h.core.workflows.submit(profileId, 'trip', 'k', 'city', 'Rome');
    await env.h.core.workflows.submit(profileId, 'trip', 'k', 'days', '2');
    await env.page.locator('li.wf-current[data-step="notes"]').waitFor();
    const edited = TRIP.replace(/\{ "id": "days".*\n/, '').replace('{ "id": "sure"', '{ "id": "when", "title": "When", "type": "input" },\n    { "id": "sure"');
    env.h.core.catalog.setFile('trip', '/ws/.pipulate/workflows/trip.json', edited);
    await env.page.locator('li.wf-pending[data-step="when"]').waitFor();
    assert.equal(await stepStates(), 'city:done notes:current when:pending sure:pending plan:pending days:removed');
    assert.equal(await env.page.locator('li[data-step="days"] .wf-value').textContent(), '2');
    env.h.core.catalog.setFile('trip', '/ws/.pipulate/workflows/trip.json', '{ "title": "Trip" }');
    await env.page.locator('.wf-notice', { hasText: 'the run can be read, not changed' }).waitFor();
    assert.equal(await env.page.locator('li.wf-step form').count(), 0, 'no form while read-only');
    env.h.core.catalog.setFile('trip', '/ws/.pipulate/workflows/trip.json', TRIP);
    await env.page.locator('li.wf-done[data-step="days"]').waitFor();
    assert.equal(await stepStates(), 'city:done days:done notes:current sure:pending plan:pending');
  });

  it('has no axe violations in light, dark and high-contrast themes, with done, current and pending steps', async () => {
    await env.h.core.workflows.submit(profileId, 'trip', 'k', 'city', 'Rome');
    for (const theme of ['light', 'dark', 'hc'] as Theme[]) {
      const v = await openRun('k', theme);
      await v.page.locator('li.wf-current[data-step="days"]').waitFor();
      await v.page.evaluate(AXE);
      const found = (await v.page.evaluate('axe.run(document, { resultTypes: ["violations"] }).then((r) => r.violations)')) as { id: string; nodes: { target: unknown[] }[] }[];
      assert.deepEqual(found.map((f) => `${theme} ${f.id} ${JSON.stringify(f.nodes.map((n) => n.target))}`), []);
    }
  });
});
