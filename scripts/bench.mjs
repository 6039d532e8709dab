// `npm run bench`: installs and builds what is needed, runs every bench file under
// bench/, and prints one table of figures, each a RATIO of a subject against a baseline
// measured side by side in the same process (interleaved rounds, medians: this machine
// is noisy, so only ratios mean much). `npm run bench -- store tasks` runs only those.
//
// Informational only: a missed goal is reported, never an exit code. The run fails only
// if a bench file crashes (exit code 1, and the table says which).
//
// ---- What a bench file is ---------------------------------------------------------------
//
// Every bench/*.ts except lib.ts and names starting with `_` (helpers, child processes).
// Each runs in its own process: `node --expose-gc --import tsx bench/<name>.ts`, cwd at
// the repository root. Progress may go to stderr or stdout freely; results go through
// bench/lib.ts (`emit`, `info`), which appends them as JSON lines to the file named by
// the environment variable PIPULATE_BENCH_OUT:
//
//   {"type":"row", "figure": "durable one-row change, 1,000 rows",   what is measured
//                  "unit": "ms",                                      unit of subject/baseline
//                  "subject": 0.5,                                    median of the thing tested
//                  "baseline": 0.3,                                   median of its baseline (optional)
//                  "baselineLabel": "bare append + fdatasync ...",    what the baseline is (optional)
//                  "ratio": 1.67,                                     subject / baseline (optional)
//                  "goal": "<= 2x",                                   the goal in words (optional)
//                  "meets": true,                                     verdict, only with a goal
//                  "note": "..."}                                     anything else (optional)
//   {"type":"info", "text": "Disk: /tmp (ext4 on /dev/vda)."}         context, printed under the table
//
// Without PIPULATE_BENCH_OUT (a bench file run by hand) lib.ts prints the rows instead.
//
// bench/lib.ts also has what a bench needs to measure honestly: `interleave` (baseline
// and subject in turns, medians), `eachOp`, `timed`, `scratchDir` (on a real disk, never
// tmpfs) and `memoryMB`. A whole `npm run bench` should stay under ~8 minutes on a
// 2-core machine (store takes ~20 s; vscode, which packages the .vsix and drives a real
// VS Code in code-server, ~4 minutes, and installs code-server first if it is missing:
// `npm run bench -- store chat tasks` leaves it out).
//
// The results of the whole run are also written to .vscode-test/results/bench.json:
// { "started", "node", "platform", "cpus", "benches": [{ "name", "ok", "seconds", "rows", "info" }] }
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { build, ensureDependencies, root } from './setup.mjs';

const benchDir = join(root, 'bench');
const resultsDir = join(root, '.vscode-test', 'results');

const available = readdirSync(benchDir)
  .filter((f) => f.endsWith('.ts') && f !== 'lib.ts' && !f.startsWith('_'))
  .map((f) => f.slice(0, -3))
  .sort();
const asked = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const unknown = asked.filter((a) => !available.includes(a));
if (unknown.length) {
  console.error(`No bench named ${unknown.join(', ')}. There are: ${available.join(', ')}.`);
  process.exit(2);
}
const selected = asked.length ? asked : available;

ensureDependencies();
build();

// Rows are collected outside .vscode-test/results, which `npm test` empties when it starts.
const scratch = mkdtempSync(join(tmpdir(), 'pipulate-bench-rows-'));
process.on('exit', () => rmSync(scratch, { recursive: true, force: true }));

const started = new Date();
const benches = [];
for (const name of selected) {
  console.log(`\n=== bench: ${name} ===`);
  const out = join(scratch, `${name}.jsonl`);
  rmSync(out, { force: true });
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', join(benchDir, `${name}.ts`)], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, PIPULATE_BENCH_OUT: out },
  });
  const seconds = (performance.now() - t0) / 1000;
  const rows = [];
  const info = [];
  let text = '';
  try {
    text = readFileSync(out, 'utf8');
  } catch {
    // It wrote nothing.
  }
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const item = JSON.parse(line);
      if (item.type === 'row') rows.push(item);
      else if (item.type === 'info') info.push(item.text);
    } catch {
      info.push(`(unreadable line: ${line.slice(0, 80)})`);
    }
  }
  rmSync(out, { force: true });
  const ok = r.status === 0;
  if (!ok) info.push(`CRASHED: exit ${r.status ?? r.signal}; its rows above, if any, are from before the crash.`);
  benches.push({ name, ok, seconds, rows, info });
}

// ---- the table ----------------------------------------------------------------------------

function num(value, unit) {
  if (value === undefined || value === null) return '';
  const a = Math.abs(value);
  const digits = a >= 100 ? 0 : a >= 10 ? 1 : a >= 1 ? 2 : 3;
  return `${value.toFixed(digits)} ${unit}`;
}

function ratioText(ratio) {
  if (ratio === undefined || ratio === null) return '';
  if (ratio >= 0.1) return `${ratio.toFixed(2)}x`;
  return `${ratio.toPrecision(2)}x (1/${Math.round(1 / ratio)})`;
}

const header = ['figure', 'subject', 'baseline', 'ratio', 'goal', 'verdict'];
const lines = [];
for (const b of benches) {
  for (const row of b.rows) {
    lines.push({
      cells: [
        `${b.name}: ${row.figure}`,
        num(row.subject, row.unit),
        num(row.baseline, row.unit),
        ratioText(row.ratio),
        row.goal ?? '',
        row.goal ? (row.meets ? 'meets' : 'MISSES') : 'info',
      ],
      sub: [row.baselineLabel ? `baseline: ${row.baselineLabel}` : '', row.note ?? ''].filter(Boolean).join('; '),
    });
  }
}
const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l.cells[i].length)));
const pad = (cells) => cells.map((c, i) => (i === 0 || i >= 4 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd();
const rule = widths.map((w) => '-'.repeat(w)).join('  ');

console.log('\n' + pad(header));
console.log(rule);
for (const l of lines) {
  console.log(pad(l.cells));
  if (l.sub) console.log(`    ${l.sub}`);
}
console.log(rule);
console.log('ratio = subject / baseline, medians of interleaved runs in the same process; verdicts are informational.');
for (const b of benches) {
  console.log(`\n${b.name} (${b.seconds.toFixed(0)} s${b.ok ? '' : ', CRASHED'}):`);
  for (const text of b.info) console.log(`  - ${text}`);
}

const summary = {
  started: started.toISOString(),
  node: process.version,
  platform: `${process.platform} ${process.arch}`,
  cpus: cpus().length,
  benches,
};
mkdirSync(resultsDir, { recursive: true });
writeFileSync(join(resultsDir, 'bench.json'), JSON.stringify(summary, null, 2) + '\n');
const met = lines.filter((l) => l.cells[5] === 'meets').length;
const missed = lines.filter((l) => l.cells[5] === 'MISSES').length;
const crashed = benches.filter((b) => !b.ok).map((b) => b.name);
console.log(
  `\n${lines.length} figures: ${met} meet their goal, ${missed} miss it${crashed.length ? `; crashed: ${crashed.join(', ')}` : ''}. ` +
    `Written to ${join('.vscode-test', 'results', 'bench.json')}.`,
);
process.exit(crashed.length ? 1 : 0);
