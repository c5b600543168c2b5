// SIGKILL of the worker process in the middle of partition-merge's apply phase, then a new
// worker: the same final state as an uninterrupted merge (the pure model's expected merge), both
// regions identical row by row, nothing lost or doubled. The kill lands while the plan is partly
// applied (checked in the plan table), so the apply activity really was interrupted.
import { type Client } from '@temporalio/client';
import { type Pool } from 'pg';
import { connectClient } from '../../../client/temporal-client';
import { diverge } from '../../../platform/regions/generator';
import { loadConfig } from '../../../shared/config';
import { type DatasetConfig } from '../../../shared/partition-merge/policy';
import { rowsEqual } from '../../../shared/partition-merge/rows';
import { type PlaybookResult } from '../../../shared/workflow-interface';
import { createPool } from '../../../workers/clients';
import { uniquePrefix } from '../../support/temporal-env';
import { startWorkerProcess, type WorkerProcess } from '../../support/worker-process';
import { dump, expectedMerge, isolatedRegions, readRegion, rowLine, startMerge } from './merge-support';

jest.setTimeout(300_000);

const prefix = uniquePrefix('e2e-partition-merge-kill');
let client: Client;
let statePool: Pool;
let dataset: DatasetConfig;
let pools: [Pool, Pool];
let DATASET: string;
let datasetsFile: string;
const workers: WorkerProcess[] = [];

beforeAll(async () => {
  const config = loadConfig();
  client = await connectClient(config);
  statePool = createPool(config, 'state', 2);
  ({ name: DATASET, dataset, pools, datasetsFile } = await isolatedRegions('pm_e2e_crash'));
}, 60_000);

afterAll(async () => {
  for (const w of workers) await w.kill('SIGKILL');
  await Promise.all([statePool?.end(), ...(pools ?? []).map((p) => p.end())]);
  await client?.connection.close();
});

async function planProgress(mergeId: string): Promise<{ applied: number; total: number }> {
  const r = await statePool.query<{ applied: string; total: string }>(
    `SELECT count(*) FILTER (WHERE status = 'applied')::text AS applied, count(*)::text AS total
       FROM partition_merge_plan WHERE merge_id = $1`,
    [mergeId],
  );
  return { applied: Number(r.rows[0].applied), total: Number(r.rows[0].total) };
}

test('a worker SIGKILLed mid-apply: a new worker finishes with the same final state', async () => {
  const report = await diverge(DATASET, dataset, pools, {
    keys: 20_000,
    divergence: 0.2,
    conflictShare: 0.3,
    deleteShare: 0.2,
    manualShare: 0,
    seed: 23,
  });
  const [a0, b0] = await Promise.all([
    readRegion(pools[0], dataset.table),
    readRegion(pools[1], dataset.table),
  ]);
  const expected = expectedMerge(dataset, a0, b0, BigInt(report.partitionStartHlc));

  workers.push(await startWorkerProcess(prefix, { REBOUND_DATASETS_FILE: datasetsFile }));
  // Tiny batches: the apply phase takes many transactions, so the kill lands inside it.
  const handle = await startMerge(client, prefix, DATASET, { batchSize: 10, rangesPerCall: 1000 });
  const described = await handle.describe();
  const mergeId = `${handle.workflowId}@${described.runId}`;
  let progress = { applied: 0, total: 0 };
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    progress = await planProgress(mergeId);
    if (progress.applied > 0) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  await workers[0].kill('SIGKILL');
  const atKill = await planProgress(mergeId);
  expect(atKill.applied).toBeGreaterThan(0);
  expect(atKill.applied).toBeLessThan(atKill.total);

  workers.push(await startWorkerProcess(prefix, { REBOUND_DATASETS_FILE: datasetsFile }));
  const result = (await handle.result()) as PlaybookResult;
  expect(result.outcome).toBe('recovered');
  expect(await planProgress(mergeId)).toEqual({ applied: atKill.total, total: atKill.total });

  const [da, db] = await Promise.all([dump(pools[0], dataset.table), dump(pools[1], dataset.table)]);
  expect(da).toEqual(db);
  const final = await readRegion(pools[0], dataset.table);
  expect(final.size).toBe(expected.size);
  const mismatches = [...expected].filter(([k, r]) => !final.get(k) || !rowsEqual(final.get(k)!, r!));
  expect(mismatches.map(([, r]) => rowLine(r!))).toEqual([]);
  // The interrupted apply activity was attempted again (resumed from its heartbeated cursor).
  const history = await handle.fetchHistory();
  const retried = history.events?.some(
    (e) => e.activityTaskStartedEventAttributes && (e.activityTaskStartedEventAttributes.attempt ?? 1) > 1,
  );
  expect(retried).toBe(true);
});
