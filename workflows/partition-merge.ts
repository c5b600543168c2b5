// partition-merge playbook (issue 12): network-partition recovery of a replicated dataset
// (seed 001 scenario 6; seeds 002/003 "network partition"; seed 004 §5.2). Confirm both regions
// answer → partition-recovery mode (writes during the merge are logged) → compare by key range,
// checksums first → resolve by policy, manual conflicts in one human decision → apply to both
// regions in idempotent batches → re-merge writes made meanwhile → verify range checksums →
// conflict table → normal mode. The range loops continue-as-new, so history stays bounded.
import { continueAsNew, workflowInfo } from '@temporalio/workflow';
import { type PlaybookInput } from '../shared/playbook-input';
import {
  PARTITION_MERGE_STEPS as S,
  partitionMergeParamsSchema,
  type PartitionMergeParams,
  type PartitionMergeState,
} from '../shared/playbooks/partition-merge';
import { type PlaybookResult } from '../shared/workflow-interface';
import { PlaybookRun } from './lib/playbook-run';
import { partitionMergeActivities } from './partition-merge/activity-proxies';
import { awaitConnectivity } from './partition-merge/connectivity';
import { decideManual } from './partition-merge/manual-decision';
import { closeReadOnly } from './partition-merge/read-only';
import { drain, reverify } from './partition-merge/write-log';
import { enforcedInput } from './lib/policy-check';

export interface PartitionMergeInput extends PlaybookInput<PartitionMergeParams> {
  /** Progress carried over by continue-as-new. */
  state?: PartitionMergeState;
}

const MAX_LISTED_RANGES = 200;

export async function partitionMergeWorkflow(input: PartitionMergeInput): Promise<PlaybookResult> {
  const run = new PlaybookRun('partition-merge', input.context);
  // The policy file's settings, not the starter's: a loosened input is refused here.
  input = await enforcedInput(run, 'partition-merge', input);
  // Starts through the API are validated already; a direct start with bad input closes as failed
  // instead of failing its workflow task forever.
  const parsed = partitionMergeParamsSchema.safeParse(input.params);
  if (!parsed.success) {
    return run.close({
      outcome: 'failed',
      summary: `invalid parameters: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    });
  }
  const p = parsed.data;
  if (run.status.resource !== `dataset:${p.dataset}`) {
    return run.close({
      outcome: 'failed',
      summary: `parameter dataset=${p.dataset} contradicts the resource ${run.status.resource}`,
    });
  }
  const acts = partitionMergeActivities();
  const info = workflowInfo();
  const st: PartitionMergeState = input.state ?? {
    mergeId: `${info.workflowId}@${info.firstExecutionRunId}`,
    stage: 'connect',
    totals: { ranges: 0, differingRanges: 0, rowsRead: 0, differingKeys: 0, conflicts: 0, manual: 0 },
    differing: [],
    written: {},
    changedSince: 0,
    mismatched: [],
    runs: 0,
    calls: 0,
  };
  st.runs += 1;
  let callsThisRun = 0;
  const readOnly = run.dryRun || p.mode === 'check';
  const counted = async <T>(fn: () => Promise<T>): Promise<T> => {
    const r = await fn();
    st.calls += 1;
    callsThisRun += 1;
    return r;
  };
  // Between range calls only: nothing is pending, the state says where to go on.
  const continueIfLong = async (): Promise<void> => {
    if (callsThisRun >= p.callsPerRun)
      await continueAsNew<typeof partitionMergeWorkflow>({ ...input, state: st });
  };

  if (st.stage === 'connect') {
    const conn = await awaitConnectivity(run, acts, p.dataset, p.checkEvery, p.connectTimeout);
    if (!conn.regions) {
      await run.notify(
        'connectivity-escalated',
        'critical',
        `${run.status.resource}: regions still unreachable after ${p.connectTimeout} (${conn.checks} checks every ${p.checkEvery}); nothing merged`,
      );
      return run.close({
        outcome: 'escalated',
        summary: `regions unreachable for ${p.connectTimeout} (${conn.checks} checks); nothing changed`,
        details: { checks: conn.checks },
      });
    }
    const mark = readOnly
      ? await run.step('read-watermark', () => acts.quick.readWatermark({ dataset: p.dataset }))
      : await run.step(
          S.enterRecovery,
          () => acts.quick.enterPartitionRecovery({ dataset: p.dataset, mergeId: st.mergeId }),
          {
            mutating: true,
            summarize: (w) => `writes logged from now on; watermark ${w.watermark}`,
          },
        );
    st.watermark = mark.watermark;
    st.keySpace = await run.step(S.bounds, () => acts.quick.keySpace({ dataset: p.dataset }), {
      summarize: (k) => (k ? `keys [${k.from}, ${k.to})` : 'both regions empty'),
    });
    st.cursor = st.keySpace?.from;
    st.stage = 'compare';
  }

  if (st.stage === 'compare') {
    while (st.keySpace && st.cursor !== undefined) {
      const from = st.cursor;
      const r = await counted(() =>
        run.step(
          `${S.compare}@${from}`,
          () =>
            acts.ranges.compareRanges({
              dataset: p.dataset,
              mergeId: st.mergeId,
              watermark: st.watermark!,
              from,
              end: st.keySpace!.to,
              rangeSize: p.rangeSize,
              bucketSize: p.bucketSize,
              maxRanges: p.rangesPerCall,
            }),
          {
            summarize: (c) =>
              `${c.ranges} ranges, ${c.differingRanges} differ, ${c.differingKeys} keys, ${c.conflicts} conflicts`,
          },
        ),
      );
      for (const k of [
        'ranges',
        'differingRanges',
        'rowsRead',
        'differingKeys',
        'conflicts',
        'manual',
      ] as const) {
        st.totals[k] += r[k];
      }
      st.differing = [...st.differing, ...r.differing].slice(0, MAX_LISTED_RANGES);
      st.cursor = r.next;
      if (st.cursor !== undefined) await continueIfLong();
    }
    st.stage = 'decide';
  }

  if (readOnly) return closeReadOnly(run, p, st, acts);

  if (st.stage === 'decide') {
    if (st.totals.manual > 0) await decideManual(run, p, st, acts);
    else st.manualOutcome = 'none';
    st.stage = 'apply';
  }

  if (st.stage === 'apply') {
    for (;;) {
      const r = await counted(() =>
        run.step(
          `${S.apply}#${st.calls}`,
          () =>
            acts.ranges.applyPlan({
              dataset: p.dataset,
              mergeId: st.mergeId,
              batchSize: p.batchSize,
              maxBatches: p.rangesPerCall,
            }),
          {
            mutating: true,
            summarize: (a) =>
              `${a.batches} batches; written ${
                Object.entries(a.written)
                  .map(([k, n]) => `${n} on ${k}`)
                  .join(', ') || 'nothing'
              }`,
          },
        ),
      );
      for (const [region, n] of Object.entries(r.written)) st.written[region] = (st.written[region] ?? 0) + n;
      st.changedSince += r.changedSince;
      if (r.done) break;
      await continueIfLong();
    }
    await drain(run, p, st, acts, `${S.drain}#1`);
    st.cursor = st.keySpace?.from;
    st.stage = 'verify';
  }

  if (st.stage === 'verify') {
    while (st.keySpace && st.cursor !== undefined) {
      const from = st.cursor;
      const r = await counted(() =>
        run.step(
          `${S.verify}@${from}`,
          () =>
            acts.ranges.verifyRanges({
              dataset: p.dataset,
              mergeId: st.mergeId,
              from,
              end: st.keySpace!.to,
              rangeSize: p.rangeSize,
              maxRanges: p.rangesPerCall * 10,
            }),
          { summarize: (v) => `${v.ranges} ranges, ${v.mismatched.length} still differ` },
        ),
      );
      st.mismatched = [...st.mismatched, ...r.mismatched].slice(0, MAX_LISTED_RANGES);
      st.cursor = r.next;
      if (st.cursor !== undefined) await continueIfLong();
    }
    if (st.mismatched.length > 0) await reverify(run, p, st, acts);
    st.stage = 'finish';
  }

  const logged = await run.step(
    S.conflicts,
    () => acts.quick.recordConflicts({ dataset: p.dataset, mergeId: st.mergeId }),
    {
      mutating: true,
      summarize: (c) => `${c.recorded} conflicts recorded, ${c.held} held`,
    },
  );
  await run.step(S.resume, () => acts.quick.resumeNormalMode({ dataset: p.dataset, mergeId: st.mergeId }), {
    mutating: true,
    summarize: (r) => `normal mode; in sync through ${r.syncedThrough}`,
  });
  // Writes logged between the last re-merge and the switch back to normal mode.
  await drain(run, p, st, acts, `${S.drain}#final`);

  const details = {
    mergeId: st.mergeId,
    totals: st.totals,
    written: st.written,
    changedSince: st.changedSince,
    conflictsRecorded: logged.recorded,
    held: logged.held,
    manualDecision: st.manualOutcome,
    manualChoice: st.manualChoice,
    mismatchedRanges: st.mismatched,
    runs: st.runs,
  };
  const merged = `${st.totals.differingKeys} differing keys merged (${st.totals.conflicts} conflicts) over ${st.totals.ranges} ranges`;
  if (st.mismatched.length > 0 || logged.held > 0) {
    const why = [
      st.mismatched.length > 0 ? `${st.mismatched.length} ranges still differ after the merge` : '',
      logged.held > 0
        ? `${logged.held} manual conflicts not decided (${st.manualOutcome}); both regions keep their values`
        : '',
    ]
      .filter(Boolean)
      .join('; ');
    await run.notify('merge-escalated', 'critical', `${run.status.resource}: ${why}`);
    return run.close({ outcome: 'escalated', summary: `${merged}; ${why}`, details });
  }
  return run.close({ outcome: 'recovered', summary: `${merged}; both regions verified equal`, details });
}
