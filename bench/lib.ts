/**
 * Small helpers shared by the bench files (see scripts/bench.mjs for how they are run
 * and for the row format).
 *
 * - `interleave`: runs each candidate once per round, in a rotating order, for N rounds,
 *   and keeps the median (and quartiles) of each: baseline and subject see the same
 *   machine noise, so their ratio is meaningful even when the absolute times are not.
 * - `emit` / `info`: hand rows and notes to the runner.
 * - `benchDisk` / `scratchDir`: temporary folders on a real disk (never tmpfs, where
 *   fsync costs nothing and durability figures would be meaningless).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

// ---- rows ------------------------------------------------------------------------------

export interface BenchRow {
  /** What is measured, in words. */
  figure: string;
  /** Unit of `subject` and `baseline`: 'ms', 'MB', ... */
  unit: string;
  /** The median of the thing under test. */
  subject: number;
  /** The median of what it is compared with, measured interleaved with the subject. */
  baseline?: number;
  /** What the baseline is, in words. */
  baselineLabel?: string;
  /** subject / baseline (lower is better for times). */
  ratio?: number;
  /** The goal, in words (e.g. "<= 2x"). */
  goal?: string;
  /** Whether the goal is met; absent when there is no goal (information only). */
  meets?: boolean;
  note?: string;
}

const out = process.env.PIPULATE_BENCH_OUT;

/** Hands one row to the runner (or prints it, when the file is run on its own). */
export function emit(row: BenchRow): void {
  if (row.baseline !== undefined && row.ratio === undefined) row.ratio = row.subject / row.baseline;
  if (out) fs.appendFileSync(out, `${JSON.stringify({ type: 'row', ...row })}\n`);
  else console.log(`ROW ${row.figure}: ${fmt(row.subject, row.unit)}${row.baseline !== undefined ? ` vs ${fmt(row.baseline, row.unit)} = ${fmtRatio(row.ratio!)}` : ''}${row.goal ? ` (goal ${row.goal}: ${row.meets ? 'meets' : 'misses'})` : ''}${row.note ? ` [${row.note}]` : ''}`);
}

/** A line of context printed under the table (the disk used, sizes, how rows were built). */
export function info(text: string): void {
  if (out) fs.appendFileSync(out, `${JSON.stringify({ type: 'info', text })}\n`);
  else console.log(`INFO ${text}`);
}

/** Progress, for the person watching; not part of the results. */
export function progress(text: string): void {
  process.stderr.write(`  ${text}\n`);
}

export function fmt(value: number, unit: string): string {
  const digits = Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : Math.abs(value) >= 1 ? 2 : 3;
  return `${value.toFixed(digits)} ${unit}`;
}

export function fmtRatio(ratio: number): string {
  if (ratio >= 0.1) return `${ratio.toFixed(2)}x`;
  return `${ratio.toPrecision(2)}x (1/${Math.round(1 / ratio)})`;
}

// ---- measuring --------------------------------------------------------------------------

export interface Stats {
  median: number;
  p25: number;
  p75: number;
  samples: number[];
}

export function stats(samples: number[]): Stats {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q: number) => {
    const i = (s.length - 1) * q;
    const lo = Math.floor(i);
    const hi = Math.ceil(i);
    return s[lo]! + (s[hi]! - s[lo]!) * (i - lo);
  };
  return { median: at(0.5), p25: at(0.25), p75: at(0.75), samples };
}

/**
 * One sample: returns its own measurement, so it can leave its setup out: one number, or
 * one per operation (`eachOp`), which all count towards the median.
 */
export type Sample = () => number | number[] | Promise<number | number[]>;

/**
 * Runs every candidate once per round, `rounds` times, rotating which goes first (round
 * r starts at candidate r mod n: baseline, subject / subject, baseline / ...), after
 * `warmup` untimed rounds. Collects garbage between samples when run with --expose-gc.
 */
export async function interleave<K extends string>(
  candidates: Record<K, Sample>,
  options: { rounds: number; warmup?: number },
): Promise<Record<K, Stats>> {
  const names = Object.keys(candidates) as K[];
  const samples = Object.fromEntries(names.map((n) => [n, [] as number[]])) as unknown as Record<K, number[]>;
  const warmup = options.warmup ?? 1;
  for (let round = 0; round < warmup + options.rounds; round++) {
    for (let i = 0; i < names.length; i++) {
      const name = names[(round + i) % names.length]!;
      gc();
      const value = await candidates[name]();
      if (round >= warmup) samples[name].push(...(Array.isArray(value) ? value : [value]));
    }
  }
  return Object.fromEntries(names.map((n) => [n, stats(samples[n])])) as Record<K, Stats>;
}

/**
 * Runs `fn` `ops` times in a row (awaiting each) and returns the milliseconds each took:
 * their median is not thrown off by the odd stall of a busy disk, as a mean would be.
 */
export async function eachOp(ops: number, fn: (i: number) => unknown): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < ops; i++) {
    const start = performance.now();
    await fn(i);
    times.push(performance.now() - start);
  }
  return times;
}

/** Milliseconds taken by `fn`. */
export async function timed(fn: () => unknown): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

export function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

export const MB = 1024 * 1024;

// ---- disk ---------------------------------------------------------------------------------

interface Mount {
  point: string;
  type: string;
  device: string;
}

function mountOf(dir: string): Mount | undefined {
  let lines: string[];
  try {
    lines = fs.readFileSync('/proc/self/mounts', 'utf8').split('\n');
  } catch {
    return undefined; // not Linux
  }
  const real = fs.realpathSync(dir);
  let best: Mount | undefined;
  for (const line of lines) {
    const [device, point, type] = line.split(' ');
    if (!device || !point || !type) continue;
    const p = point.replace(/\\040/g, ' ');
    if ((real === p || real.startsWith(p.endsWith('/') ? p : `${p}/`)) && (!best || p.length >= best.point.length)) {
      best = { point: p, type, device };
    }
  }
  return best;
}

const MEMORY_FS = new Set(['tmpfs', 'ramfs', 'devtmpfs']);
let disk: { base: string; description: string } | undefined;

/**
 * The folder bench files put their stores in: the system temp folder if it is on a real
 * disk, else `.vscode-test/bench-tmp` in the repository.
 */
export function benchDisk(): { base: string; description: string } {
  if (disk) return disk;
  let base = os.tmpdir();
  let mount = mountOf(base);
  if (mount && MEMORY_FS.has(mount.type)) {
    base = path.join(__dirname, '..', '.vscode-test', 'bench-tmp');
    fs.mkdirSync(base, { recursive: true });
    mount = mountOf(base);
  }
  const where = mount ? `${mount.type} on ${mount.device}, mounted at ${mount.point}` : 'file system unknown';
  disk = { base, description: `${base} (${where})` };
  return disk;
}

const scratch: string[] = [];
process.on('exit', () => {
  for (const dir of scratch) fs.rmSync(dir, { recursive: true, force: true });
});

/** A fresh folder on the bench disk, removed when the process exits. */
export function scratchDir(prefix = 'pipulate-bench-'): string {
  const dir = fs.mkdtempSync(path.join(benchDisk().base, prefix));
  scratch.push(dir);
  return dir;
}

export function removeDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

/** process.memoryUsage() in MB, after a garbage collection. */
export function memoryMB(): { rss: number; heapUsed: number; external: number; arrayBuffers: number } {
  gc();
  const m = process.memoryUsage();
  return { rss: m.rss / MB, heapUsed: m.heapUsed / MB, external: m.external / MB, arrayBuffers: m.arrayBuffers / MB };
}

/** Runs `main`, and makes a failure a non-zero exit (the runner reports the bench as crashed). */
export function run(main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
