// Re-merging the writes the application made during the merge (the regions' write logs), and the
// second look at ranges that still differ at verification.
import {
  PARTITION_MERGE_STEPS as S,
  type PartitionMergeParams,
  type PartitionMergeState,
} from '../../shared/playbooks/partition-merge';
import { type PlaybookRun } from '../lib/playbook-run';
import { type PartitionMergeProxies } from './activity-proxies';

/**
 * Ranges that differ at verification may hold application writes made after the last re-merge:
 * re-merge the write logs once more, then check just those ranges again.
 */
export async function reverify(
  run: PlaybookRun,
  p: PartitionMergeParams,
  st: PartitionMergeState,
  acts: PartitionMergeProxies,
): Promise<void> {
  await drain(run, p, st, acts, `${S.drain}#before-reverify`);
  const still = [];
  for (const range of st.mismatched) {
    const r = await run.step(`${S.verify}:again@${range.from}`, () =>
      acts.ranges.verifyRanges({
        dataset: p.dataset,
        mergeId: st.mergeId,
        from: range.from,
        end: range.to,
        rangeSize: p.rangeSize,
        maxRanges: 1,
      }),
    );
    still.push(...r.mismatched);
  }
  st.mismatched = still;
}

export async function drain(
  run: PlaybookRun,
  p: PartitionMergeParams,
  st: PartitionMergeState,
  acts: PartitionMergeProxies,
  step: string,
): Promise<void> {
  const r = await run.step(
    step,
    () =>
      acts.ranges.mergeWritesDuringMerge({
        dataset: p.dataset,
        mergeId: st.mergeId,
        watermark: st.watermark!,
        choice: st.manualChoice,
      }),
    {
      mutating: true,
      summarize: (d) => `${d.keys} keys written during the merge re-merged in ${d.rounds} rounds`,
    },
  );
  for (const [region, n] of Object.entries(r.written)) st.written[region] = (st.written[region] ?? 0) + n;
}
