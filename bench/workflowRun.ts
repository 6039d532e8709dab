/**
 * Opening a workflow run with 50 done steps in the run panel, against opening the Tasks
 * view with 50 todos: the real bundles in headless Chromium, the real router, services
 * and store behind them (test/browser/harness.ts). Each sample is a new page, timed in
 * the page: from its time origin to the 50 cards (or rows) in the DOM and laid out (a
 * MutationObserver set before the page's script runs, then a forced layout). Goal: the
 * run panel at most 2x the Tasks view.
 *
 * Then resuming after a restart: each sample a new core over the same store (closed and
 * opened again, its journal replayed), and from the user's "click" (Start Workflow with
 * the run's key: WorkflowService.start resumes it) to the panel showing the current step
 * after 50 done ones, against opening the Tasks view with 50 todos after the same
 * restart; both timed on the wall clock, from before the host's work to the page laid out.
 */
import type { Page } from 'playwright-core';
import { Harness, closeBrowser } from '../test/browser/harness';
import { emit, info, interleave, removeDir, run, scratchDir } from './lib';

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

/** Page start to `count` elements laid out; `since` (a wall-clock time): from then instead. */
async function timeOpen(h: Harness, view: 'tasks' | 'workflow', query: string, selector: string, count = N, since?: number): Promise<number> {
  const opened = await h.open(view, { width: 700, height: 900, query });
  const page: Page = opened.page;
  // The probe must run before the bundle: reload with it installed.
  await page.addInitScript(probe(selector, count));
  await page.reload();
  await page.waitForFunction(() => (window as unknown as { __ready?: number }).__ready !== undefined, null, { timeout: 30_000 });
  const [ready, origin] = (await page.evaluate(() => [(window as unknown as { __ready: number }).__ready, performance.timeOrigin])) as [number, number];
  await page.context().close();
  return since === undefined ? ready : origin + ready - since;
}

/** A restart: a new core over the same store; the definition read again, as the extension reads the files. */
async function restarted(dir: string, definition: string): Promise<Harness> {
  const h = await Harness.start({ dir });
  h.core.catalog.setFile('resume', '/resume.json', definition);
  return h;
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

  // Resuming after a restart: 50 done steps and the 51st to do, in a store of its own.
  const dir = scratchDir();
  const definition = JSON.stringify({ title: 'Resume', steps: [...steps, { id: `s${N}`, title: 'The last one', type: 'input' }] });
  const first = await restarted(dir, definition);
  const p = first.tasks.activeProfileId;
  await first.core.workflows.start(p, 'resume', 'k');
  for (let i = 0; i < N; i++) await first.core.workflows.submit(p, 'resume', 'k', `s${i}`, `Value ${i}: call the plumber about the kitchen sink`);
  for (let i = 1; i <= N; i++) await first.tasks.addTodo(`Todo ${i}: call the plumber about the kitchen sink`);
  await first.close();
  const resumed = await interleave(
    {
      run: async () => {
        const again = await restarted(dir, definition);
        const since = Date.now();
        await again.core.workflows.start(p, 'resume', 'k');
        const ms = await timeOpen(again, 'workflow', `?profileId=${p}&workflow=resume&key=k`, 'li.wf-current input', 1, since);
        await again.close();
        return ms;
      },
      tasks: async () => {
        const again = await restarted(dir, definition);
        const ms = await timeOpen(again, 'tasks', '', 'li.todo', N, Date.now());
        await again.close();
        return ms;
      },
    },
    { rounds: ROUNDS, warmup: 1 },
  );
  const resumeRatio = resumed.run.median / resumed.tasks.median;
  emit({
    figure: `Run panel: resume a run with ${N} done steps after a restart (its key entered to the current step shown)`,
    unit: 'ms',
    subject: resumed.run.median,
    baseline: resumed.tasks.median,
    baselineLabel: `the Tasks view with ${N} todos after the same restart`,
    ratio: resumeRatio,
    goal: '<= 2x',
    meets: resumeRatio <= 2,
  });
  info(`workflowRun: resume after a restart, ${ROUNDS} rounds, each a new core over the same store; run p25-p75 ${resumed.run.p25.toFixed(0)}-${resumed.run.p75.toFixed(0)} ms, tasks ${resumed.tasks.p25.toFixed(0)}-${resumed.tasks.p75.toFixed(0)} ms`);
  removeDir(dir);
  await closeBrowser();
});
