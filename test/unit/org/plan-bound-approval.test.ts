// Approval bound to a plan, on the time-skipping server with faked activities: the gate at the
// point of no return carries the purge plan (and the preceding dry run's plan) in its digest; when
// the org changed after the approval (a dependent service kept writing notifications), the saga
// does not purge what nobody approved: it asks again, with the new plan under a new gate, and a
// decision for the first gate cannot settle the second.
import { type WorkflowHandle } from '@temporalio/client';
import { type TestWorkflowEnvironment } from '@temporalio/testing';
import { decisionRefusal } from '../../../client/decision-refusal';
import { DECISION_TTL_MS } from '../../../shared/decisions/signed-decision';
import { workflowTaskQueue, type InfraQueue } from '../../../shared/task-queues';
import {
  approveUpdate,
  statusQuery,
  type PendingApproval,
  type PlaybookResult,
  type PlaybookStatus,
} from '../../../shared/workflow-interface';
import { gateOf, signDecision } from '../../support/decisions';
import { createFakeWorkers } from '../../support/fake-workers';
import { createTimeSkippingEnv, uniquePrefix } from '../../support/temporal-env';

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await createTimeSkippingEnv();
}, 60_000);
afterAll(async () => {
  await env?.teardown();
});

const orgId = '5a6b7c8d-1d8e-4c39-9b1e-2f3c4d5e6f70';
const DRY_RUN_PLAN = [{ step: 'purge:notifications', action: 'delete notifications', destructive: true }];

/** inspectOrg answers from `notifications` (the test grows it); the rest record their calls. */
function fakes(calls: string[], org: { notifications: number }): Record<InfraQueue, object> {
  const rec =
    <T>(name: string, result: T) =>
    (): Promise<T> => {
      calls.push(name);
      return Promise.resolve(result);
    };
  return {
    control: { recordAudit: () => Promise.resolve({ written: true }), notify: rec('notify', { sent: true }) },
    postgres: {
      inspectOrg: () => {
        calls.push('inspectOrg');
        return Promise.resolve({
          exists: true,
          status: 'active',
          name: 'acme',
          rows: { memberships: 3, notifications: org.notifications },
        });
      },
      softDeleteOrg: rec('softDeleteOrg', { changed: true }),
      restoreOrg: rec('restoreOrg', { restored: true }),
      freezeWorkflows: rec('freezeWorkflows', { frozen: 0 }),
      unfreezeWorkflows: rec('unfreezeWorkflows', { unfrozen: 0 }),
      cancelSubscription: rec('cancelSubscription', { cancelled: 0 }),
      reactivateSubscription: rec('reactivateSubscription', { reactivated: 0 }),
      revokeMemberships: rec('revokeMemberships', { revoked: 3 }),
      restoreMemberships: rec('restoreMemberships', { restored: 3 }),
      purgeOrgTables: rec('purgeOrgTables', { deleted: {} }),
      hardDeleteOrg: rec('hardDeleteOrg', { deleted: true, enqueued: true }),
      removeOrphanRows: rec('removeOrphanRows', { removed: {}, total: 0 }),
      findOrphanRows: rec('findOrphanRows', { rows: {}, total: 0 }),
    },
    redis: {
      invalidateOrgCaches: rec('invalidateOrgCaches', { deleted: 0 }),
      rebuildOrgCaches: rec('rebuildOrgCaches', { keys: [] }),
      listOrgCacheKeys: rec('listOrgCacheKeys', []),
    },
    kafka: {
      relayOutboxEvents: rec('relayOutboxEvents', {
        produced: ['x'],
        recovered: [],
        alreadyPublished: [],
        busy: [],
      }),
    },
  };
}

/** The pending gate, with a validity window at the test server's (skipped) time. */
async function gateAt(handle: WorkflowHandle) {
  const now = await env.currentTimeMs();
  return {
    ...(await gateOf(handle)),
    issuedAt: new Date(now).toISOString(),
    expiresAt: new Date(now + DECISION_TTL_MS).toISOString(),
  };
}

async function gateWith(handle: WorkflowHandle, id: string) {
  for (let i = 0; i < 400; i++) {
    const p = (await handle.query(statusQuery)).pendingApproval;
    if (p?.id === id) return p;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`gate ${id} never pending`);
}

test('the org grew after approval: the saga asks again with the new plan; the old decision cannot settle it', async () => {
  const prefix = uniquePrefix('org-plan');
  const calls: string[] = [];
  const org = { notifications: 5 };
  const workers = await createFakeWorkers(env, prefix, fakes(calls, org));
  const result = await workers.run(async () => {
    const handle = await env.client.workflow.start('orgDeletionWorkflow', {
      taskQueue: workflowTaskQueue(prefix),
      workflowId: `${prefix}-org-deletion`,
      args: [
        {
          context: {
            resource: `org:${orgId}`,
            initiator: 'tester',
            reason: '',
            dryRun: false,
            dryRunPlan: DRY_RUN_PLAN,
            approvalPolicy: {
              allowedPrincipals: [],
              allowedRoles: ['approver'],
              quorum: 1,
              timeout: '1d',
              required: true,
            },
          },
          params: { orgId, gracePeriod: '1s', mode: 'delete', approvalAboveMembers: 0 },
        },
      ],
    });
    const first: PendingApproval = await gateWith(handle, 'point-of-no-return#1');
    expect(first.plan?.find((a) => a.step === 'purge:notifications')?.details).toEqual({ notifications: 5 });
    expect(first.dryRunPlan).toEqual(DRY_RUN_PLAN);
    expect(first.params).toMatchObject({ orgId, gracePeriod: '1s' });
    const firstDecision = signDecision({
      ...(await gateOf(handle)),
      principal: 'alice',
      decision: 'approve',
    });
    // The consumer keeps writing notifications for the org while the approver reads.
    org.notifications = 7;
    const accepted = await handle
      .executeUpdate(approveUpdate, { args: [firstDecision] })
      .catch((e: unknown) => e);
    expect(decisionRefusal(accepted) ?? accepted).toMatchObject({ settled: true });

    const second = await gateWith(handle, 'point-of-no-return#2');
    expect(second.plan?.find((a) => a.step === 'purge:notifications')?.details).toEqual({ notifications: 7 });
    expect(second.digest).not.toBe(first.digest);
    expect(calls).not.toContain('purgeOrgTables');
    const replayed = await handle
      .executeUpdate(approveUpdate, { args: [firstDecision] })
      .catch((e: unknown) => e);
    expect(decisionRefusal(replayed)?.type).toBe('ApprovalNotPending');
    await handle.executeUpdate(approveUpdate, {
      args: [signDecision({ ...(await gateAt(handle)), principal: 'bob', decision: 'approve' })],
    });
    const status: PlaybookStatus = await handle.query(statusQuery);
    expect(status.decisions.map((d) => [d.approvalId, d.outcome])).toEqual([
      ['point-of-no-return#1', 'approved'],
      ['point-of-no-return#2', 'approved'],
    ]);
    return (await handle.result()) as PlaybookResult;
  });
  expect(result.outcome).toBe('recovered');
  expect(calls).toContain('purgeOrgTables');
}, 120_000);
