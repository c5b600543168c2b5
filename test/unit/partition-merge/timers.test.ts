// partition-merge's durable timers on the time-skipping server, with faked activities: the
// connectivity loop (every 10 s, at most 30 minutes, then escalate without touching anything),
// regions that come back within the window, and the batched manual decision that nobody takes
// before its deadline (safe default: hold those keys, merge the rest, escalate). Also checks that
// the range loops continue as new with the merge's progress carried over.
import { workflowTaskQueue, type InfraQueue } from '../../../shared/task-queues';
import { statusQuery, type PlaybookResult } from '../../../shared/workflow-interface';
import { recordHistoryIfAsked } from '../../support/history-recorder';
import { createFakeWorkers } from '../../support/fake-workers';
import { timeSkippingEnvForFile, uniquePrefix } from '../../support/temporal-env';
import { testContext } from '../../support/playbook-context';

const env = timeSkippingEnvForFile();

interface Scenario {
  /** Check number from which both regions answer; Infinity: never. */
  reachableFrom: number;
  manual: number;
  /** Key space size in ranges of 100 keys. */
  ranges: number;
  /** Verify calls that still find range [0, 100) different (writes after the last re-merge). */
  mismatches?: number;
}

function fakes(s: Scenario, calls: string[]): Partial<Record<InfraQueue, object>> {
  let checks = 0;
  let verifies = 0;
  const rec =
    <A extends unknown[], T>(name: string, fn: (...a: A) => T) =>
    (...a: A): Promise<T> => {
      calls.push(name);
      return Promise.resolve(fn(...a));
    };
  const end = 100 * s.ranges;
  return {
    control: {
      recordAudit: () => Promise.resolve({ written: true }),
      notify: rec('notify', () => ({ sent: true })),
    },
    postgres: {
      checkRegions: rec('checkRegions', () => {
        checks += 1;
        const up = checks >= s.reachableFrom;
        return [
          { region: 'region-a', reachable: true },
          { region: 'region-b', reachable: up, error: up ? undefined : 'connect ETIMEDOUT' },
        ];
      }),
      enterPartitionRecovery: rec('enterPartitionRecovery', () => ({ watermark: '1000' })),
      readWatermark: rec('readWatermark', () => ({ watermark: '1000' })),
      keySpace: rec('keySpace', () => ({ from: '0', to: String(end) })),
      compareRanges: rec('compareRanges', (req: { from: string; maxRanges: number }) => {
        const next = Number(req.from) + 100 * req.maxRanges;
        return {
          ranges: req.maxRanges,
          differingRanges: 1,
          rowsRead: 10,
          differingKeys: 5,
          conflicts: 2,
          manual: Number(req.from) === 0 ? s.manual : 0,
          differing: [
            {
              from: req.from,
              to: String(Number(req.from) + 100),
              differingBuckets: 1,
              differingKeys: 5,
              conflicts: 2,
            },
          ],
          next: next < end ? String(next) : undefined,
        };
      }),
      listManualConflicts: rec('listManualConflicts', () => ({
        total: s.manual,
        items: [
          {
            key: '42',
            fields: ['owner'],
            values: { 'region-a': { owner: 'ann' }, 'region-b': { owner: 'bob' } },
          },
        ],
      })),
      decideManualConflicts: rec('decideManualConflicts', () => ({ decided: s.manual })),
      applyPlan: rec('applyPlan', () => ({
        batches: 1,
        written: { 'region-a': 3, 'region-b': 2 },
        changedSince: 0,
        done: true,
      })),
      mergeWritesDuringMerge: rec('mergeWritesDuringMerge', () => ({
        rounds: 0,
        keys: 0,
        written: {},
        held: 0,
      })),
      verifyRanges: rec('verifyRanges', () => {
        verifies += 1;
        const mismatched = verifies <= (s.mismatches ?? 0) ? [{ from: '0', to: '100' }] : [];
        return { ranges: s.ranges, mismatched, next: undefined };
      }),
      recordConflicts: rec('recordConflicts', () => ({ recorded: 2 * s.ranges, held: s.manual })),
      resumeNormalMode: rec('resumeNormalMode', () => ({ syncedThrough: '2000' })),
      listPlannedResolutions: rec('listPlannedResolutions', () => []),
    },
  };
}

function start(prefix: string, params: Record<string, unknown>, approvalTimeout = '1h') {
  return env().client.workflow.start('partitionMergeWorkflow', {
    taskQueue: workflowTaskQueue(prefix),
    workflowId: `${prefix}-partition-merge`,
    args: [
      {
        context: testContext('dataset:accounts', { timeout: approvalTimeout }),
        params: { dataset: 'accounts', rangeSize: 100, ...params },
      },
    ],
  });
}

async function run(s: Scenario, params: Record<string, unknown>, calls: string[], approvalTimeout?: string) {
  const prefix = uniquePrefix('partition-merge');
  const workers = await createFakeWorkers(env(), prefix, fakes(s, calls));
  return workers.run(async () => {
    const handle = await start(prefix, params, approvalTimeout);
    const result = (await handle.result()) as PlaybookResult;
    // Workflow time, from its history (the test server's clock may jump after the run closes).
    const events = (await handle.fetchHistory()).events ?? [];
    const ms = (e: (typeof events)[number]) =>
      Number(e.eventTime?.seconds ?? 0) * 1000 + Math.floor((e.eventTime?.nanos ?? 0) / 1e6);
    return { result, elapsedMs: ms(events[events.length - 1]) - ms(events[0]), handle };
  });
}

test('regions unreachable: a check every 10 s for 30 minutes, then escalate without touching anything', async () => {
  const calls: string[] = [];
  const { result, elapsedMs } = await run({ reachableFrom: Infinity, manual: 0, ranges: 1 }, {}, calls);
  expect(result.outcome).toBe('escalated');
  expect(result.summary).toMatch(/unreachable for 30m \(181 checks\)/);
  // 181 checks: at 0 s, 10 s, …, 1800 s.
  expect(calls.filter((c) => c === 'checkRegions')).toHaveLength(181);
  expect(elapsedMs).toBeGreaterThanOrEqual(30 * 60_000);
  expect(elapsedMs).toBeLessThan(31 * 60_000);
  expect(calls).not.toContain('enterPartitionRecovery');
  expect(calls).not.toContain('applyPlan');
  expect(calls.at(-1)).toBe('notify');
}, 120_000);

test('a region that answers again within the window: the merge goes on from the 7th check', async () => {
  const calls: string[] = [];
  const { result, elapsedMs } = await run({ reachableFrom: 7, manual: 0, ranges: 1 }, {}, calls);
  expect(result.outcome).toBe('recovered');
  expect(calls.filter((c) => c === 'checkRegions')).toHaveLength(7);
  expect(elapsedMs).toBeGreaterThanOrEqual(60_000);
  expect(calls.indexOf('enterPartitionRecovery')).toBeGreaterThan(calls.lastIndexOf('checkRegions'));
  expect(calls.indexOf('resumeNormalMode')).toBeGreaterThan(calls.indexOf('recordConflicts'));
}, 60_000);

test('nobody takes the manual decision before its deadline: those keys are held, the rest merged, escalated', async () => {
  const calls: string[] = [];
  const prefix = uniquePrefix('partition-merge-manual');
  const workers = await createFakeWorkers(
    env(),
    prefix,
    fakes({ reachableFrom: 1, manual: 3, ranges: 1 }, calls),
  );
  const { result, waiting } = await workers.run(async () => {
    const handle = await start(prefix, {}, '2h');
    // Wait (in skipped time) until the decision is pending, then let the 2 hours pass.
    let status = await handle.query(statusQuery);
    while (!status.pendingApproval) {
      await env().sleep('1s');
      status = await handle.query(statusQuery);
    }
    const result = (await handle.result()) as PlaybookResult;
    await recordHistoryIfAsked(handle, 'partition-merge-escalation');
    return { result, waiting: status };
  });
  expect(waiting.pendingApproval!.question).toContain('owner="ann" in region-a vs owner="bob" in region-b');
  expect(waiting.pendingApproval!.choices).toEqual([
    'prefer-region-a',
    'prefer-region-b',
    'last-writer-wins',
  ]);
  expect(result.outcome).toBe('escalated');
  expect(result.summary).toMatch(/3 manual conflicts not decided \(timed-out\)/);
  expect(calls).not.toContain('decideManualConflicts');
  expect(calls).toContain('applyPlan');
  expect(calls).toContain('resumeNormalMode');
}, 60_000);

test('long key spaces continue as new, carrying the merge progress', async () => {
  const calls: string[] = [];
  const { result } = await run(
    { reachableFrom: 1, manual: 0, ranges: 40 },
    { rangesPerCall: 1, callsPerRun: 5 },
    calls,
  );
  expect(result.outcome).toBe('recovered');
  const details = result.details as { runs: number; totals: { ranges: number; differingKeys: number } };
  // 40 compare calls + 1 apply + 1 verify call, 5 per run.
  expect(details.runs).toBeGreaterThanOrEqual(8);
  expect(details.totals.ranges).toBe(40);
  expect(details.totals.differingKeys).toBe(200);
  expect(calls.filter((c) => c === 'enterPartitionRecovery')).toHaveLength(1);
  expect(calls.filter((c) => c === 'compareRanges')).toHaveLength(40);
}, 60_000);

test('a start whose dataset contradicts its resource, or with unbounded parameters, touches nothing', async () => {
  for (const [params, why] of [
    [{ dataset: 'payments' }, /dataset=payments contradicts the resource dataset:accounts/],
    [{ checkEvery: '0s' }, /invalid parameters: checkEvery/],
  ] as const) {
    const calls: string[] = [];
    const { result } = await run({ reachableFrom: 1, manual: 0, ranges: 1 }, params, calls);
    expect(result.outcome).toBe('failed');
    expect(result.summary).toMatch(why);
    expect(calls).toEqual([]);
  }
}, 60_000);

test('a range that differs at verification is re-merged from the write logs and checked again', async () => {
  const calls: string[] = [];
  const once = await run({ reachableFrom: 1, manual: 0, ranges: 1, mismatches: 1 }, {}, calls);
  expect(once.result.outcome).toBe('recovered');
  expect(calls.filter((c) => c === 'verifyRanges')).toHaveLength(2);
  expect(calls.filter((c) => c === 'mergeWritesDuringMerge')).toHaveLength(3);
  const always = await run({ reachableFrom: 1, manual: 0, ranges: 1, mismatches: 2 }, {}, []);
  expect(always.result.outcome).toBe('escalated');
  expect(always.result.summary).toMatch(/1 ranges still differ after the merge/);
}, 60_000);
