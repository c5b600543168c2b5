// org-deletion playbook: the org deletion saga (mode delete) and the orphan cleanup for the
// OrphanedOrgData alert (mode cleanup). Resource: org:<uuid>. See workflows/org-deletion/.
import { type PlaybookInput } from '../shared/playbook-input';
import {
  ORG_DELETION_STEPS as S,
  PURGE_TABLES,
  type OrgDeletionParams,
} from '../shared/playbooks/org-deletion';
import { type PlaybookResult } from '../shared/workflow-interface';
import { PlaybookRun } from './lib/playbook-run';
import { orgDeletionActivities } from './org-deletion/activity-proxies';
import { CancelDeletion } from './org-deletion/cancel-deletion';
import { runOrphanCleanup } from './org-deletion/cleanup';
import { runDeletionSaga } from './org-deletion/delete-saga';
import { enforcedInput } from './lib/policy-check';
import { stepAttempts } from './org-deletion/retry-budget';

export async function orgDeletionWorkflow(input: PlaybookInput<OrgDeletionParams>): Promise<PlaybookResult> {
  const run = new PlaybookRun('org-deletion', input.context);
  // The policy file's settings, not the starter's: a loosened input is refused here.
  input = await enforcedInput(run, 'org-deletion', input);
  // Parameters arrive validated by the catalogue's schema; defaults repeated for direct starts.
  const params: OrgDeletionParams = {
    ...input.params,
    gracePeriod: input.params.gracePeriod ?? '7d',
    mode: input.params.mode ?? 'delete',
    approvalAboveMembers: input.params.approvalAboveMembers ?? 0,
  };
  const cancel = new CancelDeletion(run);
  const acts = orgDeletionActivities();
  const { orgId } = params;

  const org = await run.step(S.inspect, () => acts.pg.inspectOrg({ orgId }), {
    maxAttempts: stepAttempts(3),
    summarize: (o) => (o.exists ? `org ${o.status}` : 'org does not exist'),
  });
  if (params.mode === 'cleanup') return runOrphanCleanup(run, params, acts, org);

  if (!org.exists || org.status !== 'active') {
    return run.close({
      outcome: 'failed',
      summary: `org ${orgId} is ${org.exists ? org.status : 'not found'}; only an active org can be deleted`,
    });
  }
  if (run.dryRun) {
    for (const [step, action, destructive] of [
      [S.softDelete, 'status deleting (writes refused) + OrgDeletionRequested in the outbox', false],
      [S.publishRequested, 'relay OrgDeletionRequested to platform.org-events', false],
      [S.grace, `wait ${params.gracePeriod} (cancelDeletion restores everything)`, false],
      [S.freeze, 'freeze the org’s workflows', false],
      [S.cancelSubscription, 'cancel the billing subscription', false],
      [S.revokeMemberships, 'snapshot and delete memberships', false],
      [S.invalidateCaches, 'delete membership and entitlement cache keys', false],
      [S.pointOfNoReturn, 'approval by policy', false],
      [S.purgeWorkflowService, `delete ${PURGE_TABLES[S.purgeWorkflowService].join(', ')}`, true],
      [S.purgeNotifications, 'delete notifications', true],
      [S.purgeBilling, `delete ${PURGE_TABLES[S.purgeBilling].join(', ')}`, true],
      [S.purgeCaches, 'delete cache keys', true],
      [S.hardDelete, 'delete the org row + OrgDeleted in the outbox', true],
      [S.publishDeleted, 'relay OrgDeleted', false],
      [S.verify, 'orphan check across every org-owned table', true],
    ] as const) {
      run.plan({ step, action, destructive });
    }
    return run.close({
      outcome: 'recovered',
      summary: 'dry run: nothing changed',
      details: { plan: run.status.plan },
    });
  }
  return runDeletionSaga(run, params, acts, cancel, org);
}
