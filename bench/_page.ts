/**
 * What the browser benches (tasks.ts, chat.ts) run inside the webview page, and how they
 * read it back. The page code is plain JavaScript in strings: functions handed to
 * page.evaluate would be transpiled by tsx, which may add helpers the page lacks.
 *
 * `PROBE` installs `window.__bench`:
 * - `longtasks`: every long task the page had (PerformanceObserver 'longtask': tasks of
 *   50 ms or more, which is all the browser reports);
 * - `startFrames()` / `stopFrames()`: a requestAnimationFrame loop recording the gap
 *   between consecutive frames (16.7 ms at 60 Hz when nothing blocks), for blocking
 *   shorter than a long task;
 * - `during(from, to)`: the longest task and the longest frame gap overlapping that window
 *   (performance.now() times of the page); `within(from, to)`: wholly inside it.
 */
import type { Page } from 'playwright-core';

export const PROBE = `(() => {
  if (window.__bench) return;
  const b = (window.__bench = { longtasks: [], frameGaps: [], framing: false });
  try {
    new PerformanceObserver(function (list) {
      for (const e of list.getEntries()) b.longtasks.push({ start: e.startTime, end: e.startTime + e.duration, duration: e.duration });
    }).observe({ type: 'longtask', buffered: true });
  } catch (e) {
    b.longtaskError = String(e);
  }
  b.startFrames = function () {
    b.framing = true;
    b.frameGaps = [];
    let last = 0;
    // performance.now(), not the frame's timestamp: a frame held up by a long task starts late.
    const tick = function () {
      if (!b.framing) return;
      const t = performance.now();
      if (last) b.frameGaps.push({ at: t, gap: t - last });
      last = t;
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  };
  b.stopFrames = function () {
    b.framing = false;
  };
  b.during = function (from, to) {
    let task = 0;
    for (const e of b.longtasks) if (e.end > from && e.start < to) task = Math.max(task, e.duration);
    let frame = 0;
    for (const f of b.frameGaps) if (f.at > from && f.at - f.gap < to) frame = Math.max(frame, f.gap);
    return { task: task, frame: frame };
  };
  /** The same, counting only tasks and frames wholly inside the window. */
  b.within = function (from, to) {
    let task = 0;
    for (const e of b.longtasks) if (e.start >= from && e.end <= to) task = Math.max(task, e.duration);
    let frame = 0;
    for (const f of b.frameGaps) if (f.at - f.gap >= from && f.at <= to) frame = Math.max(frame, f.gap);
    return { task: task, frame: frame };
  };
})();`;

/** The longest task (0: none of 50 ms or more) and frame gap (0: the frame probe was off) in a window. */
export interface Blocking {
  task: number;
  frame: number;
}

export async function installProbe(page: Page): Promise<void> {
  await page.evaluate(PROBE);
}

export async function during(page: Page, from: number, to: number): Promise<Blocking> {
  return (await page.evaluate(`window.__bench.during(${from}, ${to})`)) as Blocking;
}

/** "none >= 50 ms" or "83 ms". */
export function taskText(ms: number): string {
  return ms > 0 ? `${Math.round(ms)} ms` : 'none of 50 ms or more';
}
