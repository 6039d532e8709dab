/**
 * The Chat view: the real webview bundle in Chromium, the real router, ChatService and
 * store behind it, and the fake Ollama server over real HTTP. Streaming, stop, markdown,
 * notes from the Tasks view, errors, and hostile model output rendered inert.
 */
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { startFakeOllama, type FakeOllama } from '../fakes/ollamaServer';
import { Harness, closeBrowser, type OpenedView } from './harness';

let ollama: FakeOllama;
let h: Harness;
let view: OpenedView;
let page: Page;

const messages = () => h.store.messages.rows({ where: { profile_id: h.tasks.activeProfileId }, orderBy: 'id' });
const assistantText = () => page.locator('.msg[data-role="assistant"] .msg-body').last().innerText();

/** A port where nothing listens (it was free a moment ago). */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function send(text: string): Promise<void> {
  await page.locator('vscode-textarea.composer-input').click();
  await page.keyboard.type(text);
  await page.keyboard.press('Enter');
}

before(async () => {
  ollama = await startFakeOllama({ models: ['llama3.2:latest'] });
});
after(async () => {
  await ollama.close();
  await closeBrowser();
});

beforeEach(async () => {
  ollama.reset();
  ollama.models = ['llama3.2:latest'];
  h = await Harness.start({ chat: { host: ollama.url, model: 'llama3.2', timeoutMs: 5000 } });
  view = await h.open('chat');
  page = view.page;
  await page.waitForSelector('.empty-state:not([hidden])');
});

afterEach(async () => {
  await h.chat.settled();
  assert.deepEqual(view.problems, [], 'no console errors or CSP violations');
  await h.close();
});

describe('Chat view', () => {
  it('says whose conversation it is when empty', async () => {
    assert.match(await page.locator('.empty-state').innerText(), /conversation of “Default”/);
  });

  it('says "loading the model…" on the model line while a cold model loads, then the reply comes and the line says connected', async () => {
    ollama.scriptChat({ tokens: ['Loaded', ' at last'], firstTokenDelayMs: 2500 });
    await send('wake up');
    // After a second without a token, the host asks Ollama's /api/ps (the fake has nothing loaded).
    await page.waitForFunction(() => document.querySelector('.conn-state')?.textContent === ' · loading the model…', undefined, { timeout: 5000 });
    assert.ok(ollama.requests.some((r) => r.path === '/api/ps'), 'Ollama was asked what is loaded');
    await page.waitForFunction(() => document.querySelector('.msg[data-role="assistant"] .msg-body')?.textContent?.includes('Loaded at last'));
    await page.waitForFunction(() => document.querySelector('.conn-state')?.textContent === ' · connected');
  });

  it('streams a reply token by token, then shows it whole and stores it', async () => {
    const tokens = ['Hello', ' there', ',', ' how', ' can', ' I', ' help', '?'];
    ollama.scriptChat({ tokens, tokenDelayMs: 60 });
    await send('Hi!');
    await page.waitForSelector('.msg[data-role="user"]:has-text("Hi!")');
    await page.waitForSelector('.msg[data-role="assistant"][data-status="streaming"]');
    assert.equal(await page.locator('vscode-button', { hasText: 'Stop' }).isVisible(), true);
    // Part of the reply is shown before all of it has arrived.
    await page.waitForFunction(() => (document.querySelector('.msg[data-role="assistant"] .msg-body')?.textContent ?? '').startsWith('Hello'));
    const partial = await assistantText();
    assert.ok(partial.length < tokens.join('').length, `partial: ${partial}`);
    await page.waitForSelector('.msg[data-role="assistant"][data-status="done"]');
    assert.equal(await assistantText(), tokens.join(''));
    assert.equal(await page.locator('vscode-button', { hasText: 'Send' }).isVisible(), true);
    assert.deepEqual(
      messages().map((m) => [m.role, m.content, m.status]),
      [
        ['user', 'Hi!', 'done'],
        ['assistant', tokens.join(''), 'done'],
      ],
    );
    const exchange = await ollama.chatAt(0);
    assert.equal(exchange.body.options.num_ctx, 8192);
  });

  it('follows a reply that streams several lines a delta down to its last line', async () => {
    const tokens = Array.from({ length: 40 }, (_, i) => `Paragraph ${i}, first line.\n\nParagraph ${i}, second line.\n\nParagraph ${i}, third line.\n\n`);
    ollama.scriptChat({ tokens, tokenDelayMs: 25 });
    await send('Write a lot');
    const reply = await page.waitForSelector('.msg[data-role="assistant"][data-status="streaming"]');
    // After every change of the reply's size (a ResizeObserver made after the view's own,
    // so it runs after the view had its turn, before the frame is painted): how far from the bottom.
    await reply.evaluate((el) => {
      const pane = document.querySelector('.messages')!;
      const w = window as unknown as { gaps: number[] };
      w.gaps = [];
      new ResizeObserver(() => w.gaps.push(pane.scrollHeight - pane.scrollTop - pane.clientHeight)).observe(el);
    });
    await page.waitForSelector('.msg[data-role="assistant"][data-status="done"]');
    const gaps = await page.evaluate(() => (window as unknown as { gaps: number[] }).gaps);
    const overflow = await page.evaluate(() => document.querySelector('.messages')!.scrollHeight - document.querySelector('.messages')!.clientHeight);
    assert.ok(overflow > 2000, `the reply is much taller than the view (${overflow}px more)`);
    assert.ok(gaps.length >= 5, `the reply grew in steps (${gaps.length})`);
    assert.ok(Math.max(...gaps) <= 1, `the view stayed at the bottom after every step: ${gaps.join(' ')}`);
  });

  it('leaves the view where the user scrolled it while a reply streams', async () => {
    const tokens = Array.from({ length: 60 }, (_, i) => `Line ${i}.\n\nMore ${i}.\n\n`);
    ollama.scriptChat({ tokens, tokenDelayMs: 25 });
    await send('Write a lot');
    await page.waitForFunction(() => {
      const pane = document.querySelector('.messages')!;
      return pane.scrollTop > 400 && document.querySelector('.msg[data-status="streaming"]');
    });
    const top = await page.evaluate(() => {
      const pane = document.querySelector('.messages')!;
      pane.scrollTop -= 300;
      return pane.scrollTop;
    });
    await page.waitForSelector('.msg[data-role="assistant"][data-status="done"]');
    const [after, gap] = await page.evaluate(() => {
      const pane = document.querySelector('.messages')!;
      return [pane.scrollTop, pane.scrollHeight - pane.scrollTop - pane.clientHeight];
    });
    assert.ok(Math.abs(after! - top) <= 2, `stayed at ${top}, is at ${after}`);
    assert.ok(gap! > 300, `the newest text is below (${gap}px)`);
  });

  it('announces a finished reply once, politely, never token by token', async () => {
    const tokens = ['The', ' answer', ' is', ' **42**', '.'];
    ollama.scriptChat({ tokens, tokenDelayMs: 40 });
    await page.evaluate(() => {
      const w = window as unknown as { spoken: string[] };
      w.spoken = [];
      const live = document.querySelectorAll('[aria-live="polite"], [aria-live="assertive"], [role="log"], [role="status"], [role="alert"]');
      for (const region of live) new MutationObserver(() => w.spoken.push(region.textContent ?? '')).observe(region, { subtree: true, childList: true, characterData: true });
    });
    await send('What is the answer?');
    await page.waitForSelector('.msg[data-role="assistant"][data-status="done"]');
    await page.waitForFunction(() => (window as unknown as { spoken: string[] }).spoken.length > 0);
    // The streamed text sits in no live region: nothing around it is read out as it grows.
    const streamedInLive = await page.locator('.msg[data-role="assistant"]').evaluate((el) => !!el.closest('[aria-live]:not([aria-live="off"]), [role="log"], [role="status"], [role="alert"]'));
    assert.equal(streamedInLive, false);
    const spoken = await page.evaluate(() => (window as unknown as { spoken: string[] }).spoken);
    assert.deepEqual(spoken, ['The answer is 42.']);
    assert.equal(await page.locator('[role="status"][aria-live="polite"]').innerText(), 'The answer is 42.');
  });

  it('folds the notes since the last message into one line that expands, by keyboard too', async () => {
    for (const title of ['one', 'two', 'three']) await h.tasks.addTodo(title);
    const fold = page.getByRole('button', { name: '3 actions in Tasks' });
    await fold.waitFor();
    assert.equal(await fold.getAttribute('aria-expanded'), 'false');
    assert.equal(await page.locator('.msg-note').first().isVisible(), false, 'the notes are folded');
    await fold.focus();
    await page.keyboard.press('Enter');
    assert.equal(await fold.getAttribute('aria-expanded'), 'true');
    assert.deepEqual(await page.locator('.msg-note').allInnerTexts(), ['Added todo “one”', 'Added todo “two”', 'Added todo “three”']);
    await page.keyboard.press('Space');
    assert.equal(await fold.getAttribute('aria-expanded'), 'false');
    assert.equal(await page.locator('.msg-note').first().isVisible(), false);
    // A message ends the group: the next note starts a new one, shown as it is while alone.
    ollama.scriptChat({ tokens: ['ok'] });
    await send('Noted?');
    await page.waitForSelector('.msg[data-role="assistant"][data-status="done"]');
    await h.tasks.addTodo('four');
    await page.waitForSelector('.msg-note:visible:has-text("Added todo “four”")');
    assert.equal(await page.locator('.note-group').count(), 2);
    // Reloaded, the conversation folds the same way.
    await page.reload();
    await page.getByRole('button', { name: '3 actions in Tasks' }).waitFor();
    await page.waitForSelector('.msg-note:visible:has-text("Added todo “four”")');
  });

  it('makes a new line with Shift+Enter and sends with Enter', async () => {
    ollama.scriptChat({ tokens: ['ok'] });
    await page.locator('vscode-textarea.composer-input').click();
    await page.keyboard.type('line one');
    await page.keyboard.press('Shift+Enter');
    await page.keyboard.type('line two');
    assert.equal(messages().length, 0);
    await page.keyboard.press('Enter');
    await page.waitForSelector('.msg[data-role="assistant"][data-status="done"]');
    assert.equal(messages()[0]!.content, 'line one\nline two');
    assert.equal(await page.locator('.msg[data-role="user"] .msg-body').innerText(), 'line one\nline two');
  });

  it('stops with Escape: the request is aborted and what arrived is kept, marked stopped', async () => {
    ollama.scriptChat({ tokens: Array.from({ length: 200 }, (_, i) => `w${i} `), tokenDelayMs: 40 });
    await send('Write a lot');
    await page.waitForFunction(() => (document.querySelector('.msg[data-role="assistant"] .msg-body')?.textContent ?? '').includes('w3'));
    await page.locator('vscode-textarea.composer-input').press('Escape');
    await page.waitForSelector('.msg[data-role="assistant"][data-status="stopped"]');
    assert.equal(await (await ollama.chatAt(0)).closed, 'client-closed', 'the server saw the connection closed');
    assert.equal(await page.locator('.msg[data-role="assistant"] .msg-tag').innerText(), 'stopped');
    const stored = messages().at(-1)!;
    assert.equal(stored.status, 'stopped');
    assert.ok(stored.content.startsWith('w0 w1 w2 w3'), stored.content);
    assert.ok(stored.content.length < 200 * 4);
    assert.equal(await assistantText(), stored.content.trim());
  });

  it('stops with the Stop button', async () => {
    ollama.scriptChat({ tokens: Array.from({ length: 200 }, (_, i) => `t${i} `), tokenDelayMs: 40 });
    await send('Go');
    await page.waitForFunction(() => (document.querySelector('.msg[data-role="assistant"] .msg-body')?.textContent ?? '').includes('t2'));
    await page.locator('vscode-button', { hasText: 'Stop' }).click();
    await page.waitForSelector('.msg[data-role="assistant"][data-status="stopped"]');
    assert.equal(await (await ollama.chatAt(0)).closed, 'client-closed');
  });

  it('renders markdown with highlighted code, and copies or inserts a code block', async () => {
    const reply = 'Here is **bold** and `inline`.\n\n```ts\nconst answer: number = 42;\n```\n\n- one\n- two\n';
    ollama.scriptChat({ tokens: reply.match(/.{1,7}/gs)!, tokenDelayMs: 5 });
    await send('Show code');
    await page.waitForSelector('.msg[data-role="assistant"][data-status="done"]');
    const md = page.locator('.msg[data-role="assistant"] .md');
    assert.equal(await md.locator('strong').innerText(), 'bold');
    assert.equal(await md.locator('li').count(), 2);
    assert.ok((await md.locator('pre code span.hljs-keyword').count()) >= 1, 'keywords highlighted');
    await md.locator('.code-block').hover();
    await md.locator('button.copy-code').click();
    await page.waitForFunction(() => document.querySelector('button.copy-code .codicon-check'));
    assert.equal(h.ui.clipboard, 'const answer: number = 42;');
    await md.locator('button.insert-code').click();
    await view.settle();
    await page.waitForFunction(() => document.querySelector('button.insert-code .codicon-check'));
    assert.deepEqual(h.ui.inserted, ['const answer: number = 42;']);
    h.ui.hasEditor = false;
    await md.locator('button.insert-code').click();
    await page.waitForSelector('.banner:has-text("Open a file in the editor")');
    await page.locator('.msg[data-role="assistant"]').hover();
    await page.locator('.msg[data-role="assistant"] button.copy-message').click();
    await page.waitForFunction(() => document.querySelector('.msg[data-role="assistant"] button.copy-message .codicon-check'));
    assert.equal(h.ui.clipboard, reply);
  });

  it('shows a code block still being written plain, and highlights it once complete', async () => {
    const lines = Array.from({ length: 30 }, (_, i) => `const v${i}: number = ${i};\n`);
    ollama.scriptChat({ tokens: ['Code:\n\n```ts\n', ...lines, '```\n'], tokenDelayMs: 40 });
    await send('Show code');
    await page.waitForFunction(() => (document.querySelector('.msg[data-role="assistant"] pre code')?.textContent ?? '').includes('v3:'));
    const code = page.locator('.msg[data-role="assistant"] pre code');
    // Highlighting a growing block again every frame would block the page.
    assert.equal(await code.locator('span').count(), 0, 'plain while it grows');
    await page.waitForSelector('.msg[data-role="assistant"][data-status="done"]');
    assert.ok((await code.locator('span.hljs-keyword').count()) >= 30, 'highlighted once complete');
    assert.equal((await code.innerText()).trim(), lines.join('').trim());
  });

  it('renders hostile model output inert', async () => {
    const hostile = [
      '<script>window.__pwned=1</script>',
      '<img src=x onerror="window.__pwned=2">',
      '[click me](javascript:window.__pwned=3)',
      '<a href="javascript:window.__pwned=4">link</a>',
      '<div onmouseover="window.__pwned=5" style="position:fixed;inset:0">cover</div>',
      '<iframe src="http://127.0.0.1:9/"></iframe>',
      '<svg><script>window.__pwned=6</script></svg>',
      '[ok](https://example.com "fine")',
      'x'.repeat(200_000),
    ].join('\n\n');
    ollama.scriptChat({ tokens: hostile.match(/.{1,500}/gs)!, tokenDelayMs: 1 });
    await send('Be evil');
    await page.waitForSelector('.msg[data-role="assistant"][data-status="done"]', { timeout: 20_000 });
    const body = page.locator('.msg[data-role="assistant"] .msg-body');
    assert.equal(await body.locator('script, img, iframe, svg, [onerror], [onmouseover], [style]').count(), 0);
    const hrefs = await body.locator('a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    assert.deepEqual(hrefs.filter((x) => x !== null), ['https://example.com']);
    await body.locator('text=cover').hover().catch(() => undefined);
    await body.locator('a', { hasText: 'click me' }).click().catch(() => undefined);
    assert.equal(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined);
    // HTML the model writes is shown as text.
    assert.match(await body.innerText(), /<img src=x onerror="window.__pwned=2">/);
    // The huge line wraps inside the view instead of widening it.
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 0, `page overflows by ${overflow}px`);
  });

  it('shows what the user does in the Tasks view as muted notes, after a streaming reply', async () => {
    await h.tasks.addTodo('Write the report');
    await page.waitForSelector('.msg-note:has-text("Added todo “Write the report”")');
    ollama.scriptChat({ tokens: Array.from({ length: 30 }, (_, i) => `r${i} `), tokenDelayMs: 30 });
    await send('What should I do?');
    await page.waitForSelector('.msg[data-role="assistant"][data-status="streaming"]');
    const todo = h.store.todos.rows()[0]!;
    await h.tasks.toggleTodo(todo.id);
    await page.waitForSelector('.msg[data-role="assistant"][data-status="done"]');
    await page.waitForSelector('.msg-note:has-text("Completed todo “Write the report”")');
    const order = await page.locator('.conversation [data-role]').evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.role));
    assert.deepEqual(order, ['note', 'user', 'assistant', 'note'], 'the note waits for the reply to end');
    // The model was told: the note went out with the request, as a system message.
    const sent = (await ollama.chatAt(0)).body.messages as { role: string; content: string }[];
    assert.ok(sent.some((m) => m.role === 'system' && m.content.includes('Added todo “Write the report”')));
    assert.ok(sent.some((m) => m.role === 'system' && m.content.includes('\n- [ ] Write the report')), 'the request describes the work');
  });

  it('offers to pull a missing model, and says so plainly', async () => {
    ollama.models = [];
    await send('Hello?');
    await page.waitForSelector('.problem:not([hidden])');
    const problem = await page.locator('.problem').innerText();
    assert.match(problem, /llama3\.2/);
    ollama.scriptPull({ steps: 5, delayMs: 150 });
    await page.locator('.problem vscode-button[data-action="pull"]').click();
    // The progress shows in the chat while the fake server streams it...
    await page.waitForSelector('.pull:not([hidden]):has-text("Pulling llama3.2: pulling 0123456789ab (")');
    // ...and once the model is there, the problem and the progress are gone.
    await page.waitForSelector('.problem[hidden]', { state: 'attached', timeout: 10_000 });
    await page.waitForSelector('.pull[hidden]', { state: 'attached' });
    assert.deepEqual(h.ui.pulled, ['llama3.2']);
    assert.equal((await ollama.pullAt(0)).outcome, 'complete');
    assert.equal(await page.locator('.conn').textContent(), 'llama3.2 · connected');
  });

  it('says a pull failed, in the chat, when Ollama answers with an error line', async () => {
    ollama.models = [];
    await send('Hello?');
    await page.waitForSelector('.problem:not([hidden])');
    ollama.scriptPull({ delayMs: 20, errorAfter: { lines: 2, message: 'pull model manifest: file does not exist' } });
    await page.locator('.problem vscode-button[data-action="pull"]').click();
    await page.waitForSelector('.pull:not([hidden]):has-text("Pulling llama3.2 failed")');
    assert.match(await page.locator('.pull').innerText(), /file does not exist/);
    assert.equal((await ollama.pullAt(0)).outcome, 'error-line');
  });

  it('says Ollama is not reachable in a narrow side bar: the cause and the buttons in sight, the details a click away', async () => {
    await h.close();
    const port = await closedPort();
    h = await Harness.start({ chat: { host: `http://127.0.0.1:${port}`, model: 'llama3.2', timeoutMs: 3000 } });
    view = await h.open('chat', { width: 300, height: 480 });
    page = view.page;
    await page.waitForSelector('.empty-state:not([hidden])');
    await send('Anyone there?');
    const box = page.locator('.problem');
    await box.waitFor();
    await h.chat.settled();
    assert.equal(await box.locator('strong').innerText(), `Ollama is not reachable at http://127.0.0.1:${port}`);
    // Nothing scrolls inside the box, and the cause and every button are in the view.
    const inner = await box.evaluate((el) => el.scrollHeight - el.clientHeight);
    assert.ok(inner <= 0, `the box scrolls by ${inner}px`);
    const viewport = page.viewportSize()!;
    for (const target of [box.locator('strong'), ...(await box.locator('vscode-button').all()), box.getByRole('button', { name: 'Dismiss this problem' })]) {
      const r = (await target.boundingBox())!;
      assert.ok(r.x >= 0 && r.y >= 0 && r.x + r.width <= viewport.width && r.y + r.height <= viewport.height, `${await target.innerText()} is in sight: ${JSON.stringify(r)}`);
    }
    assert.deepEqual(await box.locator('vscode-button').allInnerTexts(), ['Retry', 'Open Settings', 'Show Log']);
    // The line at the top says so in full, not "not reach…".
    const state = page.locator('.conn-state');
    assert.equal(await state.innerText(), ' · not reachable');
    assert.ok(await state.evaluate((el) => el.scrollWidth <= el.clientWidth && el.getBoundingClientRect().right <= el.closest('.conn')!.getBoundingClientRect().right));
    // The advice, expanded in place.
    const details = box.getByText(/ollama serve/);
    assert.equal(await details.isVisible(), false);
    await box.locator('summary', { hasText: 'Details' }).click();
    assert.equal(await details.isVisible(), true);
    assert.match(await box.locator('.problem-detail').innerText(), new RegExp(`Nothing answers at http://127\\.0\\.0\\.1:${port}`));
    assert.equal(await page.locator('vscode-button', { hasText: 'Send' }).isVisible(), true);
    assert.equal(await page.locator('.msg[data-status="streaming"]').count(), 0);
  });

  it('closes a problem with its close button, for good', async () => {
    ollama.models = [];
    await send('Hello?');
    await page.waitForSelector('.problem:not([hidden])');
    await h.chat.settled();
    await page.getByRole('button', { name: 'Dismiss this problem' }).click();
    await page.waitForSelector('.problem', { state: 'hidden' });
    await view.settle();
    await page.reload();
    await page.waitForSelector('.msg[data-role="user"]');
    assert.equal(await page.locator('.problem').isHidden(), true, 'gone on the host too');
  });

  it('keeps a partial reply and says what happened when the stream breaks', async () => {
    ollama.scriptChat({ tokens: ['Part', 'ial', ' answer', ' never', ' ends'], tokenDelayMs: 20, errorAfter: { tokens: 3, message: 'model runner crashed' } });
    await send('Break');
    await page.waitForSelector('.msg[data-role="assistant"][data-status="error"]');
    assert.equal(await assistantText(), 'Partial answer');
    assert.match(await page.locator('.problem-detail').textContent() ?? '', /model runner crashed/);
    assert.equal(messages().at(-1)!.status, 'error');
  });

  it('shows a reply in progress whole after the view reloads, nothing twice', async () => {
    const tokens = Array.from({ length: 60 }, (_, i) => `p${i} `);
    ollama.scriptChat({ tokens, tokenDelayMs: 25 });
    await send('Long one');
    await page.waitForFunction(() => (document.querySelector('.msg[data-role="assistant"] .msg-body')?.textContent ?? '').includes('p5'));
    await page.reload();
    await page.waitForSelector('.msg[data-role="assistant"]');
    await page.waitForSelector('.msg[data-role="assistant"][data-status="done"]', { timeout: 15_000 });
    assert.equal(await assistantText(), tokens.join('').trim());
    assert.equal(await page.locator('.msg[data-role="user"]').count(), 1);
  });

  it('switching profile shows that profile’s own conversation', async () => {
    ollama.scriptChat({ tokens: ['first'] });
    await send('In Default');
    await page.waitForSelector('.msg[data-role="assistant"][data-status="done"]');
    await h.tasks.addProfile('Other');
    await page.waitForFunction(() => !document.querySelector('.msg[data-role="user"]'));
    await page.waitForSelector('.msg-note:has-text("Switched to profile “Other”")', { state: 'attached' });
    await h.tasks.switchProfile(h.store.profiles.rows({ where: { name: 'Default' } })[0]!.id);
    await page.waitForSelector('.msg[data-role="user"]:has-text("In Default")');
  });

  it('clears the conversation once the user confirms, as the command does', async () => {
    ollama.scriptChat({ tokens: ['x'] });
    await send('to be cleared');
    await page.waitForSelector('.msg[data-role="assistant"][data-status="done"]');
    const clear = page.locator('vscode-toolbar-button[label="Clear conversation"]');
    h.ui.confirmAnswer = false;
    const answered = view.received.filter((m) => m.type === 'response').length;
    await clear.click();
    while (view.received.filter((m) => m.type === 'response').length === answered) await new Promise((r) => setTimeout(r, 20));
    await view.settle();
    assert.equal(messages().length, 2, 'kept when the dialog is cancelled');
    assert.equal(await page.locator('.msg').count(), 2);
    h.ui.confirmAnswer = true;
    await clear.click();
    await page.waitForSelector('.empty-state:not([hidden])');
    assert.equal(messages().length, 0);
    assert.deepEqual(h.ui.asked, ['Clear the conversation of “Default”?', 'Clear the conversation of “Default”?']);
  });
});
