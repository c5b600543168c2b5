// One row of the benchmark table (scripts/bench.ts): what every benchmark writes with `--out FILE`
// so that one command can collect them, compare the figure against the baseline measured in the
// same run, and keep the table per commit (bench/results/<commit>.md and .json).
import { writeFileSync } from 'node:fs';

export interface BenchRow {
  /** What was measured, with its size (e.g. "alert storm intake, 2000 alerts"). */
  workload: string;
  /** Rebound's figure, in `unit`. */
  rebound: number;
  /** The baseline's figure measured in the same run, in `unit` (null: the workload has none). */
  baseline: number | null;
  /** Unit of both figures (e.g. "alerts/s", "s", "MiB", "ms"). */
  unit: string;
  /** rebound / baseline (null without a baseline). */
  ratio: number | null;
  /** The target in words (e.g. "ratio ≥ 0.8", "≤ 512 MiB"). */
  target: string;
  /** Whether the target is met (and the run's own correctness checks held). */
  pass: boolean;
  /** Anything the reader needs to judge the figure (checks, per-run values). */
  notes?: string;
}

/** Writes `rows` as JSON to `file` when given (the `--out` option of every benchmark). */
export function writeRows(file: string | undefined, rows: BenchRow[]): void {
  if (file) writeFileSync(file, JSON.stringify(rows, null, 2) + '\n');
}

/** rebound / baseline, or null when there is no usable baseline. */
export function ratioOf(rebound: number, baseline: number | null): number | null {
  return baseline === null || baseline === 0 ? null : rebound / baseline;
}
