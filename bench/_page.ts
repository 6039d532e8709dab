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
 * - `during(from, to)`: the longest task and frame gap overlapping that window
 *   (performance.now() times of the page); `within(from, to)`: wholly inside it.
 *
 * `traceTasks` gives the page's longest tasks in CPU time, from a Chromium trace.
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

/**
 * Page code for a probe added before the page loads, to go inside its function: records in
 * `into` (an object of the page, e.g. `b.render`) when the view asks for its snapshot
 * (`requested`: the request `kind`) and when the answer with the array `list` comes
 * (`arrived`), marking bench:requested and bench:arrived; then runs `onArrived` (page
 * code, `m` the answer).
 */
export function snapshotTiming(into: string, kind: string, list: string, onArrived = ''): string {
  return `const wrap = function (make) {
    return function () {
      const api = make();
      const post = api.postMessage;
      api.postMessage = function (m) {
        if (m && m.type === 'request' && m.body && m.body.kind === '${kind}' && !${into}.requested) {
          ${into}.requested = performance.now();
          performance.mark('bench:requested');
        }
        return post(m);
      };
      return api;
    };
  };
  // The harness defines acquireVsCodeApi in its own init script, before or after this one.
  if (typeof window.acquireVsCodeApi === 'function') window.acquireVsCodeApi = wrap(window.acquireVsCodeApi);
  else {
    let value;
    Object.defineProperty(window, 'acquireVsCodeApi', { configurable: true, get: function () { return value; }, set: function (f) { value = wrap(f); } });
  }
  window.addEventListener('message', function (e) {
    const m = e.data;
    if (${into}.requested && !${into}.arrived && m && m.type === 'response' && m.ok && m.data && Array.isArray(m.data.${list})) {
      ${into}.arrived = performance.now();
      performance.mark('bench:arrived');
      ${onArrived}
    }
  });`;
}

/** In a window: the longest task (0: none of 50 ms or more) and frame gap (0: the frame probe was off). */
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

// ---- tracing: the page's tasks in CPU time -------------------------------------------------

/** The longest task in a window: wall-clock and CPU (thread) time, in ms. */
export interface TaskTimes {
  wall: number;
  cpu: number;
}

interface TraceEvent {
  name: string;
  ph: string;
  ts: number;
  dur?: number;
  tdur?: number;
  pid: number;
  tid: number;
}

/**
 * Runs `fn` while Chromium traces the page (its tasks and performance.mark()s), then
 * gives, for each window from a mark named `from` to the next named `to`, the page's
 * longest task (on its main thread) in wall-clock time and in CPU time: tasks that
 * overlap the window, or with `inside` only those wholly inside it. CPU time is what the
 * page's own work cost: on a busy machine a task also lasts while another process holds
 * the CPU, which is not the page's doing. Tracing slows the page a little: nothing else
 * is timed meanwhile.
 */
export async function traceTasks<T>(
  page: Page,
  fn: () => Promise<T>,
  windows: { from: string; to: string; inside?: boolean }[],
): Promise<{ result: T; tasks: TaskTimes[][] }> {
  const browser = page.context().browser()!;
  await browser.startTracing(page, { categories: ['disabled-by-default-devtools.timeline', 'blink.user_timing'] });
  let result: T;
  let buffer: Buffer;
  try {
    result = await fn();
  } finally {
    buffer = await browser.stopTracing();
  }
  const events = (JSON.parse(buffer.toString('utf8')) as { traceEvents: TraceEvent[] }).traceEvents;
  const names = new Set(windows.flatMap((w) => [w.from, w.to]));
  const marks = events.filter((e) => names.has(e.name) && e.ph !== 'M').sort((a, b) => a.ts - b.ts);
  const main = marks[0];
  const runs = main ? events.filter((e) => e.name === 'RunTask' && e.ph === 'X' && e.pid === main.pid && e.tid === main.tid) : [];
  const tasks = windows.map((w) => {
    const out: TaskTimes[] = [];
    for (let i = 0; i < marks.length; i++) {
      if (marks[i]!.name !== w.from) continue;
      const end = marks.slice(i + 1).find((m) => m.name === w.to);
      if (!end) break;
      const a = marks[i]!.ts;
      const b = end.ts;
      let wall = 0;
      let cpu = 0;
      for (const r of runs) {
        const rEnd = r.ts + (r.dur ?? 0);
        if (w.inside ? r.ts < a || rEnd > b : rEnd <= a || r.ts >= b) continue;
        wall = Math.max(wall, (r.dur ?? 0) / 1000);
        cpu = Math.max(cpu, (r.tdur ?? r.dur ?? 0) / 1000);
      }
      out.push({ wall, cpu });
    }
    return out;
  });
  return { result: result!, tasks };
}
