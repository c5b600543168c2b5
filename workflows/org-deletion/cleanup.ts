// Cleanup mode (the OrphanedOrgData alert): the org is already gone but rows or cache keys still
// reference it. Find them, remove them (a destructive step, skipped if the alert resolves first),
// verify with the same orphan check the saga ends with, audit.
import {
  ORG_DELETION_STEPS as S,
  type OrgDeletionParams,
  type OrgInspection,
} from '../../shared/playbooks/org-deletion';
import { type PlaybookResult } from '../../shared/workflow-interface';
import { StepSkipped, type PlaybookRun } from '../lib/playbook-run';
import { type OrgDeletionActivities } from './activity-proxies';
import { describeRemoval, removeOrphansUntilClean } from './remove-orphans';
import { stepAttempts } from './retry-budget';

export async function runOrphanCleanup(
  run: PlaybookRun,
  params: OrgDeletionParams,
  acts: OrgDeletionActivities,
  org: OrgInspection,
): Promise<PlaybookResult> {
  const { orgId } = params;
  if (org.exists) {
    return run.close({
      outcome: 'failed',
      summary: `org ${orgId} exists (status ${org.status}): its rows are not orphans; use mode delete`,
    });
  }
  const found = await run.step(
    S.findOrphans,
    async () => {
      const keys = await acts.cache.listOrgCacheKeys({ orgId });
      const rows = await acts.pg.findOrphanRows({ orgId });
      return { rows: rows.rows, cacheKeys: keys.length, total: rows.total + keys.length };
    },
    { maxAttempts: stepAttempts(3), summarize: (r) => `${r.total} orphan(s)` },
  );
  if (found.total === 0) {
    return run.close({ outcome: 'resolved-before-action', summary: `nothing references org ${orgId}` });
  }
  if (run.dryRun) {
    run.plan({
      step: S.removeOrphans,
      action: `delete ${found.total} orphan row(s)/key(s) of org ${orgId}`,
      destructive: true,
      details: { ...found },
    });
    run.plan({ step: S.verify, action: 'look again until a pass finds nothing', destructive: false });
    return run.close({
      outcome: 'recovered',
      summary: 'dry run: nothing removed',
      details: { plan: run.status.plan },
    });
  }
  try {
    const removal = await run.step(
      S.removeOrphans,
      () => removeOrphansUntilClean(acts, orgId, S.removeOrphans),
      {
        destructive: true,
        maxAttempts: stepAttempts(5),
        summarize: describeRemoval,
      },
    );
    const verify = await run.step(S.verify, () => removeOrphansUntilClean(acts, orgId, S.verify), {
      mutating: true,
      maxAttempts: stepAttempts(5),
      summarize: describeRemoval,
    });
    const details = { orgId, found, removed: removal.removed, verifyPasses: verify.passes };
    await run.record('orphans-removed', 'orphans-removed', 'rebound', details);
    return run.close({
      outcome: 'recovered',
      summary: `removed ${removal.total} orphan(s) of org ${orgId}`,
      details,
    });
  } catch (err) {
    if (err instanceof StepSkipped) {
      return run.close({
        outcome: 'resolved-before-action',
        summary: 'the alert resolved before the orphans were removed',
      });
    }
    throw err;
  }
}
