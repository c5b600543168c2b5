// partition-merge end to end on the real stack (Temporal, PostgreSQL with the two region
// databases) with a real worker process: after the playbook both regions hold identical rows,
// checked by a full row-by-row comparison against the pure model's expected merge (not by the
// workflow's checksums); the conflict table lists every conflict the generator created; writes
// made during the merge are kept; the manual conflicts wait for one signed decision whose
// question shows the conflicting values; a dry run returns the plan and changes nothing.
import { type Client } from '@temporalio/client';
import { type Pool } from 'pg';
import { connectClient } from '../../../client/temporal-client';
import { diverge } from '../../../platform/regions/generator';
import { loadConfig } from '../../../shared/config';
import { incidentDetailsQuery, incidentIdFor } from '../../../shared/incident';
import { hlcOf } from '../../../shared/partition-merge/hlc';
import { type DatasetConfig } from '../../../shared/partition-merge/policy';
import { rowsEqual } from '../../../shared/partition-merge/rows';
import { approveUpdate, type PlaybookResult } from '../../../shared/workflow-interface';
import { createPool } from '../../../workers/clients';
import { gateOf, signDecision } from '../../support/decisions';
import { uniquePrefix } from '../../support/temporal-env';
import { startWorkerProcess, type WorkerProcess } from '../../support/worker-process';
import {
  dump,
  expectedMerge,
  readRegion,
  isolatedRegions,
  rowLine,
  startMerge,
  waitForStatus,
} from './merge-support';

jest.setTimeout(240_000);

const prefix = uniquePrefix('e2e-partition-merge');
let client: Client;
let statePool: Pool;
let dataset: DatasetConfig;
let pools: [Pool, Pool];
let DATASET: string;
let worker: WorkerProcess;

beforeAll(async () => {
  const config = loadConfig();
  client = await connectClient(config);
  statePool = createPool(config, 'state', 2);
  let datasetsFile: string;
  ({ name: DATASET, dataset, pools, datasetsFile } = await isolatedRegions('pm_e2e_merge'));
  worker = await startWorkerProcess(prefix, { REBOUND_DATASETS_FILE: datasetsFile });
}, 120_000);

afterAll(async () => {
  await worker?.kill('SIGTERM');
  await Promise.all([statePool?.end(), ...(pools ?? []).map((p) => p.end())]);
  await client?.connection.close();
});

const options = { conflictShare: 0.4, deleteShare: 0.2, manualShare: 0.15 };

test('both regions end identical to the policy merge; conflicts logged; writes during the merge kept', async () => {
  const report = await diverge(DATASET, dataset, pools, { keys: 3000, divergence: 0.1, seed: 7, ...options });
  expect(report.manual).toBeGreaterThan(0);
  expect(report.deleteVsUpdate).toBeGreaterThan(0);
  const [a0, b0] = await Promise.all([
    readRegion(pools[0], dataset.table),
    readRegion(pools[1], dataset.table),
  ]);
  expect(await dump(pools[0], dataset.table)).not.toEqual(await dump(pools[1], dataset.table));

  // Small ranges and few calls per run: the merge continues as new several times.
  const handle = await startMerge(client, prefix, DATASET, {
    rangeSize: 500,
    rangesPerCall: 2,
    callsPerRun: 3,
  });
  const waiting = await waitForStatus(handle, (s) => s.pendingApproval !== undefined);
  const question = waiting.pendingApproval!.question;
  expect(question).toContain(`${report.manual} conflicts`);
  expect(question).toMatch(/owner="region-a-owner" in region-a vs owner="region-b-owner" in region-b/);
  expect(waiting.pendingApproval!.choices).toEqual([
    'prefer-region-a',
    'prefer-region-b',
    'last-writer-wins',
  ]);

  // Application writes while the merge is in partition-recovery mode: an update of a key that
  // differs (one-sided change in region-a), an update of an untouched key, a new key in region-b.
  const now = Date.now();
  // (A key only region-a changed during the partition: the write during the merge replaces it
  // whole; merging it with a key both changed would rightly fold in the other side's counters.)
  const watermark = BigInt(report.partitionStartHlc);
  const changedKey = [...a0.keys()].find(
    (k) => a0.get(k)!.hlc > watermark && b0.get(k) && b0.get(k)!.hlc <= watermark,
  )!;
  const untouchedKey = [...a0.keys()].find((k) => b0.get(k) && rowsEqual(a0.get(k)!, b0.get(k)!))!;
  const duringMerge = [
    {
      pool: pools[0],
      key: changedKey,
      value: { name: 'written-during-merge-a' },
      hlc: hlcOf(now, 1),
      origin: 'region-a',
    },
    {
      pool: pools[0],
      key: untouchedKey,
      value: { name: 'written-during-merge-a2' },
      hlc: hlcOf(now, 2),
      origin: 'region-a',
    },
    {
      pool: pools[1],
      key: 9_000_000n,
      value: { name: 'new-during-merge-b' },
      hlc: hlcOf(now, 3),
      origin: 'region-b',
    },
  ];
  for (const w of duringMerge) {
    await w.pool.query(
      `INSERT INTO accounts (key, value, hlc, origin) VALUES ($1, $2, $3, $4)
       ON CONFLICT (key) DO UPDATE SET value = excluded.value, hlc = excluded.hlc, origin = excluded.origin, tombstone = false`,
      [String(w.key), JSON.stringify(w.value), w.hlc.toString(), w.origin],
    );
  }

  await handle.executeUpdate(approveUpdate, {
    args: [
      signDecision({
        ...(await gateOf(handle)),
        principal: 'alice',
        decision: 'approve',
        choice: 'prefer-region-b',
      }),
    ],
  });
  const result = (await handle.result()) as PlaybookResult;
  expect(result.outcome).toBe('recovered');
  const details = result.details as {
    mergeId: string;
    runs: number;
    held: number;
    totals: { conflicts: number };
  };
  expect(details.runs).toBeGreaterThan(1);
  expect(details.held).toBe(0);

  // Full comparison, row by row: both regions identical …
  const [da, db] = await Promise.all([dump(pools[0], dataset.table), dump(pools[1], dataset.table)]);
  expect(da.length).toBe(db.length);
  expect(da).toEqual(db);
  // … and equal to the policy merge of the rows as they were, plus the writes made meanwhile.
  const expected = expectedMerge(dataset, a0, b0, watermark, { prefer: 'region-b' });
  for (const w of duringMerge) {
    expected.set(w.key, { key: w.key, value: w.value, hlc: w.hlc, origin: w.origin, tombstone: false });
  }
  const final = await readRegion(pools[0], dataset.table);
  expect(final.size).toBe(expected.size);
  const mismatches = [...expected].filter(([k, r]) => !final.get(k) || !rowsEqual(final.get(k)!, r!));
  expect(mismatches.map(([, r]) => rowLine(r!))).toEqual([]);

  // The conflict table lists exactly the conflicts the generator created, each with a resolution.
  const logged = await statePool.query<{ key: string; resolution: string; manual_fields: string[] }>(
    'SELECT key::text, resolution, manual_fields FROM partition_merge_conflicts WHERE merge_id = $1 ORDER BY partition_merge_conflicts.key',
    [details.mergeId],
  );
  expect(logged.rows.map((r) => r.key)).toEqual(
    [...report.conflictKeys].sort((x, y) => Number(x) - Number(y)),
  );
  const manual = logged.rows.filter((r) => r.manual_fields.length > 0);
  expect(manual.map((r) => r.key).sort()).toEqual([...report.manualKeys].sort());
  expect(manual.every((r) => r.resolution.startsWith('manual: prefer-region-b'))).toBe(true);
  expect(logged.rows.every((r) => r.resolution.length > 0)).toBe(true);

  // Normal mode again, in sync through the highest HLC.
  for (const pool of pools) {
    const st = await pool.query<{ mode: string }>(
      'SELECT mode FROM replication_state WHERE table_name = $1',
      [dataset.table],
    );
    expect(st.rows[0].mode).toBe('normal');
  }
  const history = await handle.fetchHistory();
  expect(history.events?.length ?? 0).toBeLessThan(10_000);
});

test('a dry run returns the plan (differing ranges, conflicts and their resolution) and changes nothing', async () => {
  const report = await diverge(DATASET, dataset, pools, {
    keys: 2000,
    divergence: 0.05,
    seed: 11,
    ...options,
  });
  const before = await Promise.all([dump(pools[0], dataset.table), dump(pools[1], dataset.table)]);
  const handle = await startMerge(
    client,
    prefix,
    DATASET,
    { rangeSize: 500 },
    { dryRun: true, workflowId: `${prefix}-dry` },
  );
  const result = (await handle.result()) as PlaybookResult;
  expect(result.outcome).toBe('recovered');
  expect(result.summary).toContain('dry run');
  const plan = (result.details as { plan: { step: string; action: string }[] }).plan;
  expect(plan.filter((p) => p.step === 'apply').length).toBeGreaterThan(0);
  const conflicts = plan.filter((p) => p.step === 'manual-decision');
  expect(conflicts.length).toBe(Math.min(report.conflicts, 100));
  expect(conflicts.some((c) => c.action.includes('held: waiting for a manual decision'))).toBe(true);
  expect(conflicts.some((c) => /auto: (update-wins|field-merge)/.test(c.action))).toBe(true);
  const after = await Promise.all([dump(pools[0], dataset.table), dump(pools[1], dataset.table)]);
  expect(after).toEqual(before);
  const st = await pools[0].query<{ mode: string }>(
    'SELECT mode FROM replication_state WHERE table_name = $1',
    [dataset.table],
  );
  expect(st.rows[0].mode).toBe('normal');
});

test('the read-only consistency check opens the RegionsDiverged incident, whose merge makes the next check pass', async () => {
  await diverge(DATASET, dataset, pools, {
    keys: 2000,
    divergence: 0.02,
    seed: 5,
    ...options,
    manualShare: 0,
  });
  const before = await Promise.all([dump(pools[0], dataset.table), dump(pools[1], dataset.table)]);
  const incidentId = incidentIdFor(`partition-merge:dataset:${DATASET}`);
  // An incident left running by an earlier test run (on another task queue) would swallow the alert.
  await client.workflow
    .getHandle(incidentId)
    .terminate('test cleanup')
    .catch(() => undefined);

  const check = await startMerge(
    client,
    prefix,
    DATASET,
    { mode: 'check' },
    { workflowId: `${prefix}-check-1` },
  );
  const result = (await check.result()) as PlaybookResult;
  expect(result.outcome).toBe('escalated');
  expect(result.summary).toMatch(/regions diverged: .* 40 keys/);
  expect((result.details as { incident: { incidentId: string; started: boolean } }).incident).toEqual({
    incidentId,
    started: true,
  });
  // Read-only: the check changed neither region nor the replication mode.
  expect(await Promise.all([dump(pools[0], dataset.table), dump(pools[1], dataset.table)])).toEqual(before);

  // The incident it opened is the one RegionsDiverged routes to: it runs partition-merge.
  const incident = (await client.workflow.getHandle(incidentId).result()) as PlaybookResult;
  expect(incident.outcome).toBe('recovered');
  const details = await client.workflow.getHandle(incidentId).query(incidentDetailsQuery);
  expect(details.route.rule).toBe('regions-diverged');
  expect(details.alerts[0].alertname).toBe('RegionsDiverged');
  expect(await dump(pools[0], dataset.table)).toEqual(await dump(pools[1], dataset.table));

  const again = (await (
    await startMerge(client, prefix, DATASET, { mode: 'check' }, { workflowId: `${prefix}-check-2` })
  ).result()) as PlaybookResult;
  expect(again.outcome).toBe('recovered');
  expect(again.summary).toMatch(/regions consistent/);
});
