// How a read-only run closes: the dry run returns its plan; the scheduled consistency check
// closes consistent, or raises RegionsDiverged (opening the incident) and escalates.
import {
  PARTITION_MERGE_STEPS as S,
  type PartitionMergeParams,
  type PartitionMergeState,
} from '../../shared/playbooks/partition-merge';
import { type PlaybookResult } from '../../shared/workflow-interface';
import { type PlaybookRun } from '../lib/playbook-run';
import { type PartitionMergeProxies } from './activity-proxies';

/** Dry run (the plan) and the scheduled consistency check (escalates when the regions diverge). */
export async function closeReadOnly(
  run: PlaybookRun,
  p: PartitionMergeParams,
  st: PartitionMergeState,
  acts: PartitionMergeProxies,
): Promise<PlaybookResult> {
  const t = st.totals;
  const summary = `${t.differingRanges} of ${t.ranges} ranges differ: ${t.differingKeys} keys, ${t.conflicts} conflicts (${t.manual} need a human)`;
  if (p.mode === 'check' && !run.dryRun) {
    const details = { totals: t, differingRanges: st.differing.slice(0, 50) };
    if (t.differingKeys === 0)
      return run.close({
        outcome: 'recovered',
        summary: `regions consistent over ${t.ranges} ranges`,
        details,
      });
    const opened = await run.step(
      'open-incident',
      () =>
        acts.incident.openDivergenceIncident({
          dataset: p.dataset,
          summary: `regions diverged: ${summary}`,
          checkWorkflowId: run.status.workflowId,
        }),
      { summarize: (o) => `${o.started ? 'opened' : 'attached to'} ${o.incidentId}` },
    );
    await run.notify(
      'regions-diverged',
      'critical',
      `${run.status.resource}: regions diverged: ${summary}; incident ${opened.incidentId}`,
    );
    return run.close({
      outcome: 'escalated',
      summary: `regions diverged: ${summary}; ${opened.started ? 'opened' : 'attached to'} incident ${opened.incidentId}`,
      details: { ...details, incident: opened },
    });
  }
  const conflicts = await run.step('plan-conflicts', () =>
    acts.quick.listPlannedResolutions({ dataset: p.dataset, mergeId: st.mergeId, limit: 100 }),
  );
  for (const r of st.differing.slice(0, 50)) {
    run.plan({
      step: S.apply,
      action: `range [${r.from}, ${r.to}): ${r.differingKeys} keys differ in ${r.differingBuckets} buckets, ${r.conflicts} conflicts`,
      destructive: true,
      details: { ...r },
    });
  }
  for (const c of conflicts) {
    run.plan({
      step: S.decide,
      action: `key ${c.key}: ${c.resolution}`,
      destructive: false,
      details: { ...c },
    });
  }
  return run.close({
    outcome: 'recovered',
    summary: `dry run: nothing changed; ${summary}`,
    details: { plan: run.status.plan, totals: t },
  });
}
