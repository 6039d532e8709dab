/**
 * The Chat view: the real webview bundle in Chromium, the real router, ChatService and
 * store behind it, and the fake Ollama server over real HTTP. Streaming, stop, markdown,
 * notes from the Tasks view, errors, and hostile model output rendered inert.
 */
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { describe, it } from 'node:test';
import { harnessHooks } from './harness';

const env = harnessHooks({ ollama: { models: ['llama3.2:latest'] }, view: { kind: 'chat', ready: '.empty-state:not([hidden])' } });

const messages = () => env.h.store.messages.rows({ where: { profile_id: env.h.tasks.activeProfileId }, orderBy: 'id' });
const assistantText = () => env.page.locator('.msg[data-role="assistant"] .msg-body').last().innerText();

/** A port where nothing listens (it was free a moment ago). */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function send(text: string): Promise<void> {
  await env.page.locator('vscode-textarea.composer-input').click();
  await env.page.keyboard.type(text);
  await env.page.keyboard.press('Enter');
}

describe('Chat view', () => {
  it('says whose conversation it is when empty', async () => {
    assert.match(await env.page.locator('.empty-state').innerText(), /conversation of “Default”/);
  });

  it('says "loading the model…" on the model line while a cold model loads, then the reply comes and the line says connected', async () => {
    env.ollama.scriptChat({ tokens: ['Loaded', ' at last'], firstTokenDelayMs: 2500 });
    await send('wake up');
    // After a second without a token, the host asks Ollama's /api/ps (the fake has nothing loaded).
    await env.page.waitForFunction(() => document.querySelector('.conn-state')?.textContent === ' · loading the model…', undefined, { timeout: 5000 });
    assert.ok(env.ollama.requests.some((r) => r.path === '/api/ps'), 'Ollama was asked what is loaded');
    await env.page.waitForFunction(() => document.querySelector('.msg[data-role="assistant"] .msg-body')?.textContent?.includes('Loaded at last'));
    await env.page.waitForFunction(() => document.querySelector('.conn-state')?.textContent === ' · connected');
  });

  it('streams a reply token by token, then shows it whole and stores it', async () => {
    const tokens = ['Hello', ' there', ',', ' how', ' can', ' I', ' help', '?'];
    env.ollama.scriptChat({ tokens, tokenDelayMs: 60 });
    await send('Hi!');
    await env.page.waitForSelector('.msg[data-role="user"]:has-text("Hi!")');
    await env.page.waitForSelector('.msg[data-role="assistant"][data-status="streaming"]');
    assert.equal(await env.page.locator('vscode-button', { hasText: 'Stop' }).isVisible(), true);
    // Part of the reply is shown before all of it has arrived.
    await env.page.waitForFunction(() => (document.querySelector('.msg[data-role="assistant"] .msg-body')?.textContent ?? '').startsWith('Hello'));
    const partial = await assistantText();
    assert.ok(partial.length < tokens.join('').length, `partial: ${partial}`);
    await env.page.waitForSelector('.msg[data-role="assistant"][data-status="done"]');
    assert.equal(await assistantText(), tokens.join(''));
    assert.equal(await env.page.locator('vscode-button', { hasText: 'Send' }).isVisible(), true);
    assert.deepEqual(
      messages().map((m) => [m.role, m.content, m.status]),
      [
        ['user', 'Hi!', 'done'],
        ['assistant', tokens.join(''), 'done'],
      ],
    );
    const exchange = await env.ollama.chatAt(0);
    assert.equal(exchange.body.options.num_ctx, 8192);
  });

  it('follows a reply that streams several lines a delta down to its last line', async () => {
    const tokens = Array.from({ length: 40 }, (_, i) => `Paragraph ${i}, first line.\n\nParagraph ${i}, second line.\n\nParagraph ${i}, third line.\n\n`);
    env.ollama.scriptChat({ tokens, tokenDelayMs: 25 });
    await send('Write a lot');
    const reply = await env.page.waitForSelector('.msg[data-role="assistant"][data-status="streaming"]');
    // After every change of the reply's size (a ResizeObserver made after the view's own,
    // so it runs after the view had its turn, before the frame is painted): how far from the bottom.
    await reply.evaluate((el) => {
      const pane = document.querySelector('.messages')!;
      const w = window as unknown as { gaps: number[] };
      w.gaps = [];
      new ResizeObserver(() => w.gaps.push(pane.scrollHeight - pane.scrollTop - pane.clientHeight)).observe(el);
    });
    await env.page.waitForSelector('.msg[data-role="assistant"][data-status="done"]');
    const gaps = await env.page.evaluate(() => (window as unknown as { gaps: number[] }).gaps);
    const overflow = await env.page.evaluate(() => document.querySelector('.messages')!.scrollHeight - document.querySelector('.messages')!.clientHeight);
    assert.ok(overflow > 2000, `the reply is much taller than the view (${overflow}px more)`);
    assert.ok(gaps.length >= 5, `the reply grew in steps (${gaps.length})`);
    assert.ok(Math.max(...gaps) <= 1, `the view stayed at the bottom after every step: ${gaps.join(' ')}`);
  });

  it('leaves the view where the user scrolled it while a reply streams', async () => {
    const tokens = Array.from({ length: 60 }, (_, i) => `Line ${i}.\n\nMore ${i}.\n\n`);
    env.ollama.scriptChat({ tokens, tokenDelayMs: 25 });
    await send('Write a lot');
    await env.page.waitForFunction(() => {
      const pane = document.querySelector('.messages')!;
      return pane.scrollTop > 400 && document.querySelector('.msg[data-status="streaming"]');
    });
    const top = await env.page.evaluate(() => {
      const pane = document.querySelector('.messages')!;
      pane.scrollTop -= 300;
      return pane.scrollTop;
    });
    await env.page.waitForSelector('.msg[data-role="assistant"][data-status="done"]');
    const [after, gap] = await env.page.evaluate(() => {
      const pane = document.querySelector('.messages')!;
      return [pane.scrollTop, pane.scrollHeight - pane.scrollTop - pane.clientHeight];
    });
    assert.ok(Math.abs(after! - top) <= 2, `stayed at ${top}, is at ${after}`);
    assert.ok(gap! > 300, `the newest text is below (${gap}px)`);
  });

  it('announces a finished reply once, politely, never token by token', async () => {
    const tokens = ['The', ' answer', ' is', ' **42**', '.'];
    env.ollama.scriptChat({ tokens, tokenDelayMs: 40 });
    await env.page.evaluate(() => {
      const w = window as unknown as { spoken: string[] };
      w.spoken = [];
      const live = document.querySelectorAll('[aria-live="polite"], [aria-live="assertive"], [role="log"], [role="status"], [role="alert"]');
      for (const region of live) new MutationObserver(() => w.spoken.push(region.textContent ?? '')).observe(region, { subtree: true, childList: true, characterData: true });
    });
    await send('What is the answer?');
    await env.page.waitForSelector('.msg[data-role="assistant"][data-status="done"]');
    await env.page.waitForFunction(() => (window as unknown as { spoken: string[] }).spoken.length > 0);
    // The streamed text sits in no live region: nothing around it is read out as it grows.
    const streamedInLive = await env.page.locator('.msg[data-role="assistant"]').evaluate((el) => !!el.closest('[aria-live]:not([aria-live="off"]), [role="log"], [role="status"], [role="alert"]'));
    assert.equal(streamedInLive, false);
    const spoken = await env.page.evaluate(() => (window as unknown as { spoken: string[] }).spoken);
    assert.deepEqual(spoken, ['The answer is 42.']);
    assert.equal(await env.page.locator('[role="status"][aria-live="polite"]').innerText(), 'The answer is 42.');
  });

  it('folds the notes since the last message into one line that expands, by keyboard too', async () => {
    for (const title of ['one', 'two', 'three']) await env.h.tasks.addTodo(title);
    const fold = env.page.getByRole('button', { name: '3 actions in Tasks' });
    await fold.waitFor();
    assert.equal(await fold.getAttribute('aria-expanded'), 'false');
    assert.equal(await env.page.locator('.msg-note').first().isVisible(), false, 'the notes are folded');
    await fold.focus();
    await env.page.keyboard.press('Enter');
    assert.equal(await fold.getAttribute('aria-expanded'), 'true');
    assert.deepEqual(await env.page.locator('.msg-note').allInnerTexts(), ['Added todo “one”', 'Added todo “two”', 'Added todo “three”']);
    await env.page.keyboard.press('Space');
    assert.equal(await fold.getAttribute('aria-expanded'), 'false');
    assert.equal(await env.page.locator('.msg-note').first().isVisible(), false);
    // A message ends the group: the next note starts a new one, shown as it is while alone.
    env.ollama.scriptChat({ tokens: ['ok'] });
    await send('Noted?');
    await env.page.waitForSelector('.msg[data-role="assistant"][data-status="done"]');
    await env.h.tasks.addTodo('four');
    await env.page.waitForSelector('.msg-note:visible:has-text("Added todo “four”")');
    assert.equal(await env.page.locator('.note-group').count(), 2);
    // Reloaded, the conversation folds the same way.
    await env.page.reload();
    await env.page.getByRole('button', { name: '3 actions in Tasks' }).waitFor();
    await env.page.waitForSelector('.msg-note:visible:has-text("Added todo “four”")');
  });

  it('makes a new line with Shift+Enter and sends with Enter', async () => {
    env.ollama.scriptChat({ tokens: ['ok'] });
    await env.page.locator('vscode-textarea.composer-input').click();
    await env.page.keyboard.type('line one');
    await env.page.keyboard.press('Shift+Enter');
    await env.page.keyboard.type('line two');
    assert.equal(messages().length, 0);
    await env.page.keyboard.press('Enter');
    await env.page.waitForSelector('.msg[data-role="assistant"][data-status="done"]');
    assert.equal(messages()[0]!.content, 'line one\nline two');
    assert.equal(await env.page.locator('.msg[data-role="user"] .msg-body').innerText(), 'line one\nline two');
  });

  it('stops with Escape: the request is aborted and what arrived is kept, marked stopped', async () => {
    env.ollama.scriptChat({ tokens: Array.from({ length: 200 }, (_, i) => `w${i} `), tokenDelayMs: 40 });
    await send('Write a lot');
    await env.page.waitForFunction(() => (document.querySelector('.msg[data-role="assistant"] .msg-body')?.textContent ?? '').includes('w3'));
    await env.page.locator('vscode-textarea.composer-input').press('Escape');
    await env.page.waitForSelector('.msg[data-role="assistant"][data-status="stopped"]');
    assert.equal(await (await env.ollama.chatAt(0)).closed, 'client-closed', 'the server saw the connection closed');
    assert.equal(await env.page.locator('.msg[data-role="assistant"] .msg-tag').innerText(), 'stopped');
    const stored = messages().at(-1)!;
    assert.equal(stored.status, 'stopped');
    assert.ok(stored.content.startsWith('w0 w1 w2 w3'), stored.content);
    assert.ok(stored.content.length < 200 * 4);
    assert.equal(await assistantText(), stored.content.trim());
  });

  it('stops with the Stop button', async () => {
    env.ollama.scriptChat({ tokens: Array.from({ length: 200 }, (_, i) => `t${i} `), tokenDelayMs: 40 });
    await send('Go');
    await env.page.waitForFunction(() => (document.querySelector('.msg[data-role="assistant"] .msg-body')?.textContent ?? '').includes('t2'));
    await env.page.locator('vscode-button', { hasText: 'Stop' }).click();
    await env.page.waitForSelector('.msg[data-role="assistant"][data-status="stopped"]');
    assert.equal(await (await env.ollama.chatAt(0)).closed, 'client-closed');
  });

  it('renders markdown with highlighted code, and copies or inserts a code block', async () => {
    const reply = 'Here is **bold** and `inline`.\n\n```ts\nconst answer: number = 42;\n```\n\n- one\n- two\n';
    env.ollama.scriptChat({ tokens: reply.match(/.{1,7}/gs)!, tokenDelayMs: 5 });
    await send('Show code');
    await env.page.waitForSelector('.msg[data-role="assistant"][data-status="done"]');
    const md = env.page.locator('.msg[data-role="assistant"] .md');
    assert.equal(await md.locator('strong').innerText(), 'bold');
    assert.equal(await md.locator('li').count(), 2);
    assert.ok((await md.locator('pre code span.hljs-keyword').count()) >= 1, 'keywords highlighted');
    await md.locator('.code-block').hover();
    await md.locator('button.copy-code').click();
    await env.page.waitForFunction(() => document.querySelector('button.copy-code .codicon-check'));
    assert.equal(env.h.ui.clipboard, 'const answer: number = 42;');
    await md.locator('button.insert-code').click();
    await env.view.settle();
    await env.page.waitForFunction(() => document.querySelector('button.insert-code .codicon-check'));
    assert.deepEqual(env.h.ui.inserted, ['const answer: number = 42;']);
    env.h.ui.hasEditor = false;
    await md.locator('button.insert-code').click();
    await env.page.waitForSelector('.banner:has-text("Open a file in the editor")');
    await env.page.locator('.msg[data-role="assistant"]').hover();
    await env.page.locator('.msg[data-role="assistant"] button.copy-message').click();
    await env.page.waitForFunction(() => document.querySelector('.msg[data-role="assistant"] button.copy-message .codicon-check'));
    assert.equal(env.h.ui.clipboard, reply);
  });

  it('shows a code block still being written plain, and highlights it once complete', async () => {
    const lines = Array.from({ length: 30 }, (_, i) => `const v${i}: number = ${i};\n`);
    env.ollama.scriptChat({ tokens: ['Code:\n\n```ts\n', ...lines, '```\n'], tokenDelayMs: 40 });
    await send('Show code');
    await env.page.waitForFunction(() => (document.querySelector('.msg[data-role="assistant"] pre code')?.textContent ?? '').includes('v3:'));
    const code = env.page.locator('.msg[data-role="assistant"] pre code');
    // Highlighting a growing block again every frame would block the page.
    assert.equal(await code.locator('span').count(), 0, 'plain while it grows');
    await env.page.waitForSelector('.msg[data-role="assistant"][data-status="done"]');
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
    env.ollama.scriptChat({ tokens: hostile.match(/.{1,500}/gs)!, tokenDelayMs: 1 });
    await send('Be evil');
    await env.page.waitForSelector('.msg[data-role="assistant"][data-status="done"]', { timeout: 20_000 });
    const body = env.page.locator('.msg[data-role="assistant"] .msg-body');
    assert.equal(await body.locator('script, img, iframe, svg, [onerror], [onmouseover], [style]').count(), 0);
    const hrefs = await body.locator('a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    assert.deepEqual(hrefs.filter((x) => x !== null), ['https://example.com']);
    await body.locator('text=cover').hover().catch(() => undefined);
    await body.locator('a', { hasText: 'click me' }).click().catch(() => undefined);
    assert.equal(await env.page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined);
    // HTML the model writes is shown as text.
    assert.match(await body.innerText(), /<img src=x onerror="window.__pwned=2">/);
    // The huge line wraps inside the view instead of widening it.
    const overflow = await env.page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 0, `page overflows by ${overflow}px`);
  });

  it('shows what the user does in the Tasks view as muted notes, after a streaming reply', async () => {
    await env.h.tasks.addTodo('Write the report');
    await env.page.waitForSelector('.msg-note:has-text("Added todo “Write the report”")');
    env.ollama.scriptChat({ tokens: Array.from({ length: 30 }, (_, i) => `r${i} `), tokenDelayMs: 30 });
    await send('What should I do?');
    await env.page.waitForSelector('.msg[data-role="assistant"][data-status="streaming"]');
    const todo = env.h.store.todos.rows()[0]!;
    await env.h.tasks.toggleTodo(todo.id);
    await env.page.waitForSelector('.msg[data-role="assistant"][data-status="done"]');
    await env.page.waitForSelector('.msg-note:has-text("Completed todo “Write the report”")');
    const order = await env.page.locator('.conversation [data-role]').evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.role));
    assert.deepEqual(order, ['note', 'user', 'assistant', 'note'], 'the note waits for the reply to end');
    // The model was told: the note went out with the request, as a system message.
    const sent = (await env.ollama.chatAt(0)).body.messages as { role: string; content: string }[];
    assert.ok(sent.some((m) => m.role === 'system' && m.content.includes('Added todo “Write the report”')));
    assert.ok(sent.some((m) => m.role === 'system' && m.content.includes('\n- [ ] Write the report')), 'the request describes the work');
  });

  it('offers to pull a missing model, and says so plainly', async () => {
    env.ollama.models = [];
    await send('Hello?');
    await env.page.waitForSelector('.problem:not([hidden])');
    const problem = await env.page.locator('.problem').innerText();
    assert.match(problem, /llama3\.2/);
    env.ollama.scriptPull({ steps: 5, delayMs: 150 });
    await env.page.locator('.problem vscode-button[data-action="pull"]').click();
    // The progress shows in the chat while the fake server streams it...
    await env.page.waitForSelector('.pull:not([hidden]):has-text("Pulling llama3.2: pulling 0123456789ab (")');
    // ...and once the model is there, the problem and the progress are gone.
    await env.page.waitForSelector('.problem[hidden]', { state: 'attached', timeout: 10_000 });
    await env.page.waitForSelector('.pull[hidden]', { state: 'attached' });
    assert.deepEqual(env.h.ui.pulled, ['llama3.2']);
    assert.equal((await env.ollama.pullAt(0)).outcome, 'complete');
    assert.equal(await env.page.locator('.conn').textContent(), 'llama3.2 · connected');
  });

  it('says a pull failed, in the chat, when Ollama answers with an error line', async () => {
    env.ollama.models = [];
    await send('Hello?');
    await env.page.waitForSelector('.problem:not([hidden])');
    env.ollama.scriptPull({ delayMs: 20, errorAfter: { lines: 2, message: 'pull model manifest: file does not exist' } });
    await env.page.locator('.problem vscode-button[data-action="pull"]').click();
    await env.page.waitForSelector('.pull:not([hidden]):has-text("Pulling llama3.2 failed")');
    assert.match(await env.page.locator('.pull').innerText(), /file does not exist/);
    assert.equal((await env.ollama.pullAt(0)).outcome, 'error-line');
  });

  it('says Ollama is not reachable in a narrow side bar: the cause and the buttons in sight, the details a click away', async () => {
    const port = await closedPort();
    await env.restart({ chat: { host: `http://127.0.0.1:${port}`, timeoutMs: 3000 } });
    env.view = await env.h.open('chat', { width: 300, height: 480 });
    await env.page.waitForSelector('.empty-state:not([hidden])');
    await send('Anyone there?');
    const box = env.page.locator('.problem');
    await box.waitFor();
    await env.h.chat.settled();
    assert.equal(await box.locator('strong').innerText(), `Ollama is not reachable at http://127.0.0.1:${port}`);
    // Nothing scrolls inside the box, and the cause and every button are in the view.
    const inner = await box.evaluate((el) => el.scrollHeight - el.clientHeight);
    assert.ok(inner <= 0, `the box scrolls by ${inner}px`);
    const viewport = env.page.viewportSize()!;
    for (const target of [box.locator('strong'), ...(await box.locator('vscode-button').all()), box.getByRole('button', { name: 'Dismiss this problem' })]) {
      const r = (await target.boundingBox())!;
      assert.ok(r.x >= 0 && r.y >= 0 && r.x + r.width <= viewport.width && r.y + r.height <= viewport.height, `${await target.innerText()} is in sight: ${JSON.stringify(r)}`);
    }
    assert.deepEqual(await box.locator('vscode-button').allInnerTexts(), ['Retry', 'Open Settings', 'Show Log']);
    // The line at the top says so in full, not "not reach…".
    const state = env.page.locator('.conn-state');
    assert.equal(await state.innerText(), ' · not reachable');
    assert.ok(await state.evaluate((el) => el.scrollWidth <= el.clientWidth && el.getBoundingClientRect().right <= el.closest('.conn')!.getBoundingClientRect().right));
    // The advice, expanded in place.
    const details = box.getByText(/ollama serve/);
    assert.equal(await details.isVisible(), false);
    await box.locator('summary', { hasText: 'Details' }).click();
    assert.equal(await details.isVisible(), true);
    assert.match(await box.locator('.problem-detail').innerText(), new RegExp(`Nothing answers at http://127\\.0\\.0\\.1:${port}`));
    assert.equal(await env.page.locator('vscode-button', { hasText: 'Send' }).isVisible(), true);
    assert.equal(await env.page.locator('.msg[data-status="streaming"]').count(), 0);
  });

  it('closes a problem with its close button, for good', async () => {
    env.ollama.models = [];
    await send('Hello?');
    await env.page.waitForSelector('.problem:not([hidden])');
    await env.h.chat.settled();
    await env.page.getByRole('button', { name: 'Dismiss this problem' }).click();
    await env.page.waitForSelector('.problem', { state: 'hidden' });
    await env.view.settle();
    await env.page.reload();
    await env.page.waitForSelector('.msg[data-role="user"]');
    assert.equal(await env.page.locator('.problem').isHidden(), true, 'gone on the host too');
  });

  it('keeps a partial reply and says what happened when the stream breaks', async () => {
    env.ollama.scriptChat({ tokens: ['Part', 'ial', ' answer', ' never', ' ends'], tokenDelayMs: 20, errorAfter: { tokens: 3, message: 'model runner crashed' } });
    await send('Break');
    await env.page.waitForSelector('.msg[data-role="assistant"][data-status="error"]');
    assert.equal(await assistantText(), 'Partial answer');
    assert.match(await env.page.locator('.problem-detail').textContent() ?? '', /model runner crashed/);
    assert.equal(messages().at(-1)!.status, 'error');
  });

  it('shows a reply in progress whole after the view reloads, nothing twice', async () => {
    const tokens = Array.from({ length: 60 }, (_, i) => `p${i} `);
    env.ollama.scriptChat({ tokens, tokenDelayMs: 25 });
    await send('Long one');
    await env.page.waitForFunction(() => (document.querySelector('.msg[data-role="assistant"] .msg-body')?.textContent ?? '').includes('p5'));
    await env.page.reload();
    await env.page.waitForSelector('.msg[data-role="assistant"]');
    await env.page.waitForSelector('.msg[data-role="assistant"][data-status="done"]', { timeout: 15_000 });
    assert.equal(await assistantText(), tokens.join('').trim());
    assert.equal(await env.page.locator('.msg[data-role="user"]').count(), 1);
  });

  it('switching profile shows that profile’s own conversation', async () => {
    env.ollama.scriptChat({ tokens: ['first'] });
    await send('In Default');
    await env.page.waitForSelector('.msg[data-role="assistant"][data-status="done"]');
    await env.h.tasks.addProfile('Other');
    await env.page.waitForFunction(() => !document.querySelector('.msg[data-role="user"]'));
    await env.page.waitForSelector('.msg-note:has-text("Switched to profile “Other”")', { state: 'attached' });
    await env.h.tasks.switchProfile(env.h.store.profiles.rows({ where: { name: 'Default' } })[0]!.id);
    await env.page.waitForSelector('.msg[data-role="user"]:has-text("In Default")');
  });

  it('clears the conversation once the user confirms, as the command does', async () => {
    env.ollama.scriptChat({ tokens: ['x'] });
    await send('to be cleared');
    await env.page.waitForSelector('.msg[data-role="assistant"][data-status="done"]');
    const clear = env.page.locator('vscode-toolbar-button[label="Clear conversation"]');
    env.h.ui.confirmAnswer = false;
    const answered = env.view.received.filter((m) => m.type === 'response').length;
    await clear.click();
    while (env.view.received.filter((m) => m.type === 'response').length === answered) await new Promise((r) => setTimeout(r, 20));
    await env.view.settle();
    assert.equal(messages().length, 2, 'kept when the dialog is cancelled');
    assert.equal(await env.page.locator('.msg').count(), 2);
    env.h.ui.confirmAnswer = true;
    await clear.click();
    await env.page.waitForSelector('.empty-state:not([hidden])');
    assert.equal(messages().length, 0);
    assert.deepEqual(env.h.ui.asked, ['Clear the conversation of “Default”?', 'Clear the conversation of “Default”?']);
  });
});
