/**
 * Opening a workflow run with 50 done steps in the run panel, against opening the Tasks
 * view with 50 todos: the real bundles in headless Chromium, the real router, services
 * and store behind them (test/browser/harness.ts). Each sample is a new page, timed in
 * the page: from its time origin to the 50 cards (or rows) in the DOM and laid out (a
 * MutationObserver set before the page's script runs, then a forced layout). Goal: the
 * run panel at most 2x the Tasks view.
 */
import type { Page } from 'playwright-core';
import { Harness, closeBrowser } from '../test/browser/harness';
import { emit, info, interleave, run } from './lib';

const N = 50;
const ROUNDS = 9;

/** Records in window.__ready the time the page holds `count` elements matching `selector`, laid out. */
const probe = (selector: string, count: number) => `(() => {
  const seen = () => document.querySelectorAll(${JSON.stringify(selector)}).length >= ${count};
  new MutationObserver((_, observer) => {
    if (window.__ready === undefined && seen()) {
      document.body.getBoundingClientRect();
      void document.body.offsetHeight;
      window.__ready = performance.now();
      observer.disconnect();
    }
  }).observe(document, { childList: true, subtree: true });
})();`;

async function timeOpen(h: Harness, view: 'tasks' | 'workflow', query: string, selector: string): Promise<number> {
  const opened = await h.open(view, { width: 700, height: 900, query });
  const page: Page = opened.page;
  // The probe must run before the bundle: reload with it installed.
  await page.addInitScript(probe(selector, N));
  await page.reload();
  await page.waitForFunction(() => (window as unknown as { __ready?: number }).__ready !== undefined, null, { timeout: 30_000 });
  const ms = (await page.evaluate(() => (window as unknown as { __ready: number }).__ready)) as number;
  await page.context().close();
  return ms;
}

run(async () => {
  const h = await Harness.start();
  const profileId = h.tasks.activeProfileId;
  const steps = Array.from({ length: N }, (_, i) => ({ id: `s${i}`, title: `Step ${i + 1}: say what the kitchen needs`, type: 'input', input: i % 2 ? 'multiline' : 'text' }));
  h.core.catalog.setFile('bench', '/bench.json', JSON.stringify({ title: 'Bench', steps }));
  await h.core.workflows.start(profileId, 'bench', 'k');
  for (let i = 0; i < N; i++) await h.core.workflows.submit(profileId, 'bench', 'k', `s${i}`, `Value ${i}: call the plumber about the kitchen sink`);
  for (let i = 1; i <= N; i++) await h.tasks.addTodo(`Todo ${i}: call the plumber about the kitchen sink`);
  const result = await interleave(
    {
      run: () => timeOpen(h, 'workflow', `?profileId=${profileId}&workflow=bench&key=k`, 'li.wf-step.wf-done'),
      tasks: () => timeOpen(h, 'tasks', '', 'li.todo'),
    },
    { rounds: ROUNDS, warmup: 1 },
  );
  const ratio = result.run.median / result.tasks.median;
  emit({
    figure: `Run panel: open a run with ${N} done steps (page start to the cards laid out)`,
    unit: 'ms',
    subject: result.run.median,
    baseline: result.tasks.median,
    baselineLabel: `the Tasks view with ${N} todos, the same way`,
    ratio,
    goal: '<= 2x',
    meets: ratio <= 2,
  });
  info(`workflowRun: ${ROUNDS} rounds interleaved, a new page each sample; run p25-p75 ${result.run.p25.toFixed(0)}-${result.run.p75.toFixed(0)} ms, tasks ${result.tasks.p25.toFixed(0)}-${result.tasks.p75.toFixed(0)} ms`);
  await h.close();
  await closeBrowser();
});
