// The one batched human decision for every conflict whose policy is `manual`: the conflicting
// values are listed in the pending approval's question; at the deadline the safe default holds
// those keys (both regions keep their values).
import {
  MANUAL_CHOICES,
  PARTITION_MERGE_STEPS as S,
  type PartitionMergeParams,
  type PartitionMergeState,
} from '../../shared/playbooks/partition-merge';
import { type PlaybookRun } from '../lib/playbook-run';
import { type PartitionMergeProxies } from './activity-proxies';

/** Asks for the decision and, when approved, applies the chosen side to the held conflicts. */
export async function decideManual(
  run: PlaybookRun,
  p: PartitionMergeParams,
  st: PartitionMergeState,
  acts: PartitionMergeProxies,
): Promise<void> {
  const listed = await run.step('list-manual-conflicts', () =>
    acts.quick.listManualConflicts({ dataset: p.dataset, mergeId: st.mergeId, limit: 20 }),
  );
  const lines = listed.items.map(
    (c) =>
      `key ${c.key}: ${c.fields
        .map((f) =>
          Object.entries(c.values)
            .map(([region, v]) => `${f}=${JSON.stringify(v[f])} in ${region}`)
            .join(' vs '),
        )
        .join('; ')}`,
  );
  const more = listed.total > listed.items.length ? `\n… and ${listed.total - listed.items.length} more` : '';
  const outcome = await run.requestApproval({
    step: S.decide,
    question: `${listed.total} conflicts on ${run.status.resource} need a human (fields whose policy is manual). Which values win for all of them?\n${lines.join('\n')}${more}`,
    choices: [...MANUAL_CHOICES],
    policy: run.ctx.approvalPolicy,
    onTimeout: 'hold the manual conflicts (both regions keep their values), merge everything else, escalate',
  });
  st.manualOutcome = outcome.outcome;
  if (outcome.outcome !== 'approved') return;
  st.manualChoice = outcome.choice as PartitionMergeState['manualChoice'];
  await run.step(
    `${S.decide}:apply-choice`,
    () =>
      acts.quick.decideManualConflicts({
        dataset: p.dataset,
        mergeId: st.mergeId,
        watermark: st.watermark!,
        choice: st.manualChoice!,
      }),
    { summarize: (d) => `${d.decided} conflicts decided: ${st.manualChoice}` },
  );
}
