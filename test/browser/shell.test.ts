/**
 * The webview shell in Chromium: its Content Security Policy holds (no network, no
 * inline code), and the page shown when the store cannot be opened says why, as text.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Harness, harnessHooks } from './harness';
import { crashCopy, flipByte, recordSpans, scratchDir } from '../helpers/store';

const env = harnessHooks();

describe('Webview shell', () => {
  for (const kind of ['tasks', 'chat'] as const) {
    it(`the ${kind} view can reach no network and run no inline code`, async () => {
      const view = await env.h.open(kind);
      await view.page.waitForSelector('.app > :not([hidden])');
      const policy = await view.page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
      assert.match(policy ?? '', /^default-src 'none'; script-src 'nonce-[^']+';/);
      assert.doesNotMatch(policy ?? '', /unsafe|connect-src|\*/);
      // The page's own origin serves it, and still a fetch from the page is refused.
      const fetched = await view.page.evaluate(() => fetch(location.href).then(() => 'fetched', (e: Error) => `refused: ${e.message}`));
      assert.match(fetched, /^refused/);
      const inline = await view.page.evaluate(() => {
        const s = document.createElement('script');
        s.textContent = 'window.__inlineRan = true';
        document.body.append(s);
        return (window as unknown as { __inlineRan?: boolean }).__inlineRan ?? false;
      });
      assert.equal(inline, false, 'an inline script without the nonce does not run');
      // The view's bundle and stylesheet came in the page (src/panel/html.ts), and codicon.css applies once the view runs.
      const page = await view.page.evaluate(() => ({
        fetched: performance.getEntriesByType('resource').map((e) => e.name.replace(/^.*\//, '')),
        styled: getComputedStyle(document.querySelector('.app')!).display,
        codicons: (document.getElementById('vscode-codicon-stylesheet') as HTMLLinkElement | null)?.media,
        unstyled: (() => {
          const s = document.createElement('style');
          s.textContent = '.app { display: none !important }';
          document.head.append(s);
          return getComputedStyle(document.querySelector('.app')!).display;
        })(),
      }));
      assert.deepEqual(page.fetched.filter((f) => /^webview/.test(f)), [], 'no request for the bundle or webview.css');
      assert.equal(page.codicons, 'all');
      assert.equal(page.unstyled, page.styled, 'a <style> without the nonce does not apply');
      // Chromium reports each refusal as a securitypolicyviolation event, a moment later.
      const reported = (directive: RegExp) => view.problems.some((p) => directive.test(p));
      for (let i = 0; i < 100 && !(reported(/CSP violation: connect-src/) && reported(/CSP violation: script-src/) && reported(/CSP violation: style-src/)); i++) await view.page.waitForTimeout(20);
      assert.ok(reported(/CSP violation: connect-src/), view.problems.join('\n'));
      assert.ok(reported(/CSP violation: script-src/), view.problems.join('\n'));
      assert.ok(reported(/CSP violation: style-src/), view.problems.join('\n'));
    });
  }

  it('when the store cannot be opened, both views say why, as text, with no script', async () => {
    env.h.unavailableReason = 'Locked by pid 4242 <img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>';
    const view = await env.h.open('unavailable', { theme: 'light' });
    const alert = view.page.getByRole('alert');
    await alert.waitFor();
    assert.match(await alert.innerText(), /Pipulate is not available\.\s+Locked by pid 4242 <img src=x onerror="window.__pwned=1"><script>window.__pwned=2<\/script>\s+Then run Developer: Reload Window\./);
    assert.equal(await view.page.locator('img, .reason script').count(), 0);
    assert.equal(await view.page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned ?? 0), 0);
    const policy = await view.page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
    assert.doesNotMatch(policy ?? '', /script-src|unsafe/);
    // Our stylesheet applies: the theme's foreground colour, not the browser's black.
    const color = await alert.evaluate((el) => getComputedStyle(el).color);
    assert.notEqual(color, 'rgb(0, 0, 0)');
    assert.deepEqual(view.problems, []);
  });

  it('a journal damaged in the middle: both views say how many changes were lost and where the copy is, though it was found before they opened', async (t) => {
    const dir = scratchDir(t);
    const before = await Harness.start({ dir });
    for (let i = 1; i <= 20; i++) await before.tasks.addTodo(`todo ${i}`);
    // What a crash would leave: the journal holds the changes, not yet folded into the snapshot.
    const copy = crashCopy(t, dir);
    await before.close();
    const journal = `${copy}/pipulate.db.journal`;
    const spans = recordSpans(journal);
    flipByte(journal, spans[Math.floor(spans.length / 2)]![0] + 12);

    const after = await Harness.start({ dir: copy });
    t.after(() => after.close());
    for (const kind of ['tasks', 'chat'] as const) {
      const view = await after.open(kind);
      const banner = view.page.locator('.banner:not([hidden])');
      await banner.waitFor();
      const text = await banner.innerText();
      assert.match(text, /journal is damaged/);
      assert.match(text, /\d+ saved changes could not be restored/);
      assert.match(text, /pipulate\.db\.journal\.corrupt-/, 'says where the copy is');
    }
  });
});
