// The benchmark command (`npm run bench [-- --full] [--only a,b]`): runs every benchmark of the
// project (bench/*.ts) one after the other against the checkout's own stack, each measuring
// Rebound and its baseline in the same run, and prints one table: workload, Rebound's figure, the
// baseline's figure, the ratio, the target, pass/fail. The table is written to
// bench/results/<commit>.md and .json so that results compare across commits. Default sizes are
// modest (a few minutes on a shared machine); `--full` uses the sizes of the issues that set the
// targets. Holds the test command's maintenance silence while it runs (the stack's own Rebound would
// recover what the benchmarks inject). Exits 1 if a benchmark failed to run or missed its target.
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync, mkdtempSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BenchRow } from '../bench/lib/bench-row';
import { REPO_ROOT } from '../shared/paths';
import { parseCommandLine } from './lib/command-line';
import { commitLabel } from './lib/commit-label';
import { endMaintenanceSilence, startMaintenanceSilence } from './lib/maintenance-silence';

interface Benchmark {
  name: string;
  script: string;
  modest: string[];
  full: string[];
  /** Reads what the benchmark wrote to `out` into table rows. */
  rows: (out: string) => BenchRow[];
}

const asRows = (out: string) => JSON.parse(readFileSync(out, 'utf8')) as BenchRow[];

interface ReconciliationResults {
  resync?: { workload: string; baselineSeconds: number; reboundSeconds: number; ratio: number; met: boolean };
  outbox?: {
    workload: string;
    baselineRowsPerSecond: number;
    reboundRowsPerSecond: number;
    ratio: number;
    met: boolean;
  };
}

/** bench/reconciliation.ts writes its own JSON shape (two pairs); one row each. */
function reconciliationRows(out: string): BenchRow[] {
  const r = JSON.parse(readFileSync(out, 'utf8')) as ReconciliationResults;
  const rows: BenchRow[] = [];
  if (r.resync)
    rows.push({
      workload: r.resync.workload,
      rebound: r.resync.reboundSeconds,
      baseline: r.resync.baselineSeconds,
      unit: 's',
      ratio: r.resync.ratio,
      target: 'ratio ≤ 1.5',
      pass: r.resync.met,
    });
  if (r.outbox)
    rows.push({
      workload: r.outbox.workload,
      rebound: r.outbox.reboundRowsPerSecond,
      baseline: r.outbox.baselineRowsPerSecond,
      unit: 'rows/s',
      ratio: r.outbox.ratio,
      target: 'ratio ≥ 0.7',
      pass: r.outbox.met,
    });
  return rows;
}

const BENCHMARKS: Benchmark[] = [
  {
    name: 'alert-storm',
    script: 'bench/alert-storm.ts',
    modest: ['--alerts', '400', '--fingerprints', '40'],
    full: ['--alerts', '2000', '--fingerprints', '200'],
    rows: asRows,
  },
  {
    name: 'reconciliation',
    script: 'bench/reconciliation.ts',
    modest: ['--orgs', '5000', '--rows', '5000', '--repeat', '1'],
    full: ['--orgs', '100000', '--rows', '100000'],
    rows: reconciliationRows,
  },
  {
    name: 'partition-merge',
    script: 'bench/partition-merge.ts',
    modest: ['--keys', '50000'],
    full: ['--keys', '1000000'],
    rows: asRows,
  },
  {
    name: 'worker-rss',
    script: 'bench/worker-rss.ts',
    modest: ['--incidents', '200'],
    full: ['--incidents', '1000'],
    rows: asRows,
  },
  { name: 'poison-recovery', script: 'bench/poison-recovery.ts', modest: [], full: [], rows: asRows },
];

function run(script: string, args: string[]): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(join(REPO_ROOT, 'node_modules/.bin/tsx'), [join(REPO_ROOT, script), ...args], {
      cwd: REPO_ROOT,
      env: process.env,
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    child.once('exit', (code) => resolve(code ?? 1));
  });
}

const fmt = (n: number | null, digits = 2): string =>
  n === null ? '—' : Math.abs(n) >= 100 ? n.toFixed(0) : n.toFixed(digits);

/** The table as Markdown: one row per measured workload. */
export function markdownTable(rows: BenchRow[]): string {
  const lines = [
    '| workload | Rebound | baseline | unit | ratio | target | result |',
    '| --- | ---: | ---: | --- | ---: | --- | --- |',
    ...rows.map(
      (r) =>
        `| ${r.workload} | ${fmt(r.rebound)} | ${fmt(r.baseline)} | ${r.unit} | ${fmt(r.ratio)} | ${r.target} | ${r.pass ? 'pass' : 'FAIL'} |`,
    ),
  ];
  return lines.join('\n');
}

async function main(): Promise<number> {
  const values = parseCommandLine(__filename, {
    full: { type: 'boolean', default: false },
    only: { type: 'string' },
  });
  const only = values.only?.split(',');
  const unknown = only?.filter((n) => !BENCHMARKS.some((b) => b.name === n)) ?? [];
  if (unknown.length > 0) {
    console.error(
      `unknown benchmark(s): ${unknown.join(', ')}; known: ${BENCHMARKS.map((b) => b.name).join(', ')}`,
    );
    return 2;
  }
  const selected = BENCHMARKS.filter((b) => !only || only.includes(b.name));
  // The benchmarks inject what the stack's alert rules detect (a crash-looping group, notification
  // rows of orgs that do not exist, an outbox backlog): without the test command's maintenance
  // silence the stack's own Rebound recovers them under the measurement (its org-deletion removed
  // the poison-recovery benchmark's 25 events as orphans, and the benchmark timed out).
  const silence = startMaintenanceSilence('npm run bench');
  try {
    return await runSelected(selected, values.full);
  } finally {
    endMaintenanceSilence(silence);
  }
}

/** Runs the benchmarks one after the other, prints and writes the table; the exit code. */
async function runSelected(selected: Benchmark[], full: boolean): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'rebound-bench-'));
  const rows: BenchRow[] = [];
  const failed: string[] = [];
  const started = new Date();
  for (const b of selected) {
    const out = join(dir, `${b.name}.json`);
    const args = [...(full ? b.full : b.modest), '--out', out];
    console.log(`\n== ${b.name}: tsx ${b.script} ${args.slice(0, -2).join(' ')}`);
    const t0 = Date.now();
    const code = await run(b.script, args);
    console.log(`== ${b.name}: exit ${code} after ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    try {
      if (code !== 0) throw new Error(`exit ${code}`);
      rows.push(...b.rows(out));
    } catch (err) {
      failed.push(b.name);
      rows.push({
        workload: `${b.name} (did not run to the end: ${(err as Error).message})`,
        rebound: NaN,
        baseline: null,
        unit: '',
        ratio: null,
        target: '',
        pass: false,
      });
    }
  }
  rmSync(dir, { recursive: true, force: true });
  const commit = commitLabel({ untracked: false });
  const header =
    `Benchmarks of ${commit}, ${full ? 'full' : 'modest'} sizes, started ${started.toISOString()}, ` +
    `${cpus().length} CPUs, load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')} at the end`;
  const table = markdownTable(rows);
  console.log(`\n${header}\n\n${table}`);
  const results = join(REPO_ROOT, 'bench', 'results');
  mkdirSync(results, { recursive: true });
  const name = `${commit}${full ? '' : '-modest'}`;
  writeFileSync(join(results, `${name}.md`), `# ${header}\n\n${table}\n`);
  writeFileSync(
    join(results, `${name}.json`),
    JSON.stringify({ commit, full, started: started.toISOString(), rows }, null, 2) + '\n',
  );
  console.log(`\nwritten to bench/results/${name}.md and .json`);
  return failed.length > 0 || rows.some((r) => !r.pass) ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
