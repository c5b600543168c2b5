// partition-merge benchmark (a command, not a test):
//   npx tsx bench/partition-merge.ts [--keys 1000000] [--divergence 0.01] [--seed 1] [--out FILE]
// 1. Diverges the two regions of `accounts` (N keys per side, the given share changed during the
//    partition, 30% of those true conflicts, no manual fields) and runs the baseline
//    (bench/partition-merge-baseline.ts: both tables read in key order, merge-joined in one Node
//    process, differences written back with COPY).
// 2. Diverges them again identically and runs the partition-merge playbook through a real
//    worker process on its own task queue (real Temporal server, real PostgreSQL).
// Reports both wall times, the ratio (target ≤ 2), the events of every run of the workflow's
// continue-as-new chain (target < 10,000 per run), and checks both runs reach the same rows.
// Leaves the regions with 1,000 converged keys each.
import { createHash } from 'node:crypto';
import { escapeIdentifier, type Pool } from 'pg';
import { startPlaybook } from '../client/start-playbook';
import { connectClient } from '../client/temporal-client';
import { diverge, type DivergeOptions } from '../platform/regions/generator';
import { loadConfig } from '../shared/config';
import { loadDatasets } from '../shared/partition-merge/load-datasets';
import { type temporal } from '@temporalio/proto';
import { type PlaybookResult } from '../shared/workflow-interface';
import { startWorkerProcess } from '../test/support/worker-process';
import { createDatabasePool } from '../workers/clients';
import { ratioOf, writeRows } from './lib/bench-row';
import { baselineMerge } from './partition-merge-baseline';
import { numberOption, parseCommandLine } from '../scripts/lib/command-line';

const values = parseCommandLine(__filename, {
  keys: { type: 'string', default: '1000000' },
  divergence: { type: 'string', default: '0.01' },
  seed: { type: 'string', default: '1' },
  out: { type: 'string' },
});

/** Keys per region the benchmark leaves behind (converged), whatever it measured with. */
const LEFT_KEYS = 1_000;

async function digest(pool: Pool, table: string): Promise<string> {
  const r = await pool.query<{ line: string }>(
    `SELECT key || ' ' || value::text || ' ' || hlc || ' ' || origin || ' ' || tombstone AS line FROM ${escapeIdentifier(table)} ORDER BY key`,
  );
  const h = createHash('sha256');
  for (const x of r.rows) h.update(x.line).update('\n');
  return h.digest('hex');
}

async function main(): Promise<void> {
  const config = loadConfig();
  const dataset = loadDatasets().accounts;
  const pools = dataset.regions.map((r) => createDatabasePool(config, r.database, 4)) as [Pool, Pool];
  const opts: DivergeOptions = {
    keys: numberOption(values.keys, 'keys'),
    divergence: numberOption(values.divergence, 'divergence', { min: 0, integer: false }),
    conflictShare: 0.3,
    deleteShare: 0.2,
    manualShare: 0,
    seed: numberOption(values.seed, 'seed', { min: 0 }),
  };
  const now = Date.now();
  const prefix = `bench-merge-${Date.now().toString(36)}`;
  const worker = await startWorkerProcess(prefix);
  const client = await connectClient(config);
  try {
    let t = Date.now();
    const report = await diverge('accounts', dataset, pools, opts, now);
    console.log(
      `diverged ${opts.keys} keys per region in ${((Date.now() - t) / 1000).toFixed(1)} s: ${report.conflicts} conflicts`,
    );
    await Promise.all(pools.map((p) => p.query('VACUUM ANALYZE accounts')));
    t = Date.now();
    const base = await baselineMerge(config, dataset, pools, BigInt(report.partitionStartHlc));
    const baselineS = (Date.now() - t) / 1000;
    const baselineDigest = await digest(pools[0], dataset.table);
    if (baselineDigest !== (await digest(pools[1], dataset.table)))
      throw new Error('baseline left the regions different');
    console.log(
      `baseline: ${baselineS.toFixed(2)} s (${base.differing} differing keys, wrote ${base.written.join(' + ')} rows)`,
    );

    await diverge('accounts', dataset, pools, opts, now);
    await Promise.all(pools.map((p) => p.query('VACUUM ANALYZE accounts')));
    t = Date.now();
    const handle = await startPlaybook(client, {
      playbook: 'partition-merge',
      params: { dataset: 'accounts' },
      context: { resource: 'dataset:accounts', initiator: 'bench' },
      taskQueuePrefix: prefix,
      workflowId: `${prefix}-partition-merge`,
    });
    const result = (await handle.result()) as PlaybookResult;
    const mergeS = (Date.now() - t) / 1000;
    if (result.outcome !== 'recovered') throw new Error(`merge ended ${result.outcome}: ${result.summary}`);
    const [da, db] = [await digest(pools[0], dataset.table), await digest(pools[1], dataset.table)];
    if (da !== db) throw new Error('partition-merge left the regions different');
    // Walk the continue-as-new chain from its first run, counting each run's events.
    const events: number[] = [];
    // The merge id is `<workflow id>@<first run id>`.
    let runId: string | undefined = (result.details as { mergeId: string }).mergeId.split('@')[1];
    while (runId) {
      const history: temporal.api.history.v1.IHistory = await client.workflow
        .getHandle(handle.workflowId, runId)
        .fetchHistory();
      events.push(history.events?.length ?? 0);
      const last: temporal.api.history.v1.IHistoryEvent | undefined =
        history.events?.[history.events.length - 1];
      runId = last?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
    }
    console.log(`partition-merge: ${mergeS.toFixed(2)} s — ${result.summary}`);
    console.log(`ratio merge/baseline: ${(mergeS / baselineS).toFixed(2)} (target <= 2)`);
    console.log(`history: ${events.length} run(s), events per run ${events.join(', ')} (target < 10000)`);
    console.log(`same final rows as the baseline: ${da === baselineDigest}`);
    writeRows(values.out, [
      {
        workload: `partition merge, ${opts.keys} keys per region, ${opts.divergence * 100}% diverged`,
        rebound: mergeS,
        baseline: baselineS,
        unit: 's',
        ratio: ratioOf(mergeS, baselineS),
        target: 'ratio ≤ 2, < 10,000 events per run, same rows as the baseline',
        pass: mergeS / baselineS <= 2 && events.every((n) => n < 10_000) && da === baselineDigest,
        notes: `${events.length} run(s), events per run ${events.join(', ')}`,
      },
    ]);
  } finally {
    // Leave a small converged dataset, not 1,000,000 rows per region: the stack's exporter digests
    // the regions on a timer, and a table this size would load PostgreSQL under later benchmarks.
    await diverge('accounts', dataset, pools, { ...opts, keys: LEFT_KEYS, divergence: 0 }).catch(
      (err: unknown) =>
        console.error(`could not shrink the regions back to ${LEFT_KEYS} keys: ${String(err)}`),
    );
    await worker.kill('SIGTERM');
    await client.connection.close();
    await Promise.all(pools.map((p) => p.end()));
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
