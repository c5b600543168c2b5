// The saga's durable timers on the time-skipping server, with faked activities: a 7-day grace
// period that a cancelDeletion ends early, and an approval at the point of no return that nobody
// gives within 2 days (safe default: compensate, never purge).
import { type TestWorkflowEnvironment } from '@temporalio/testing';
import { cancelDeletionUpdate } from '../../../shared/playbooks/org-deletion';
import { workflowTaskQueue, type InfraQueue } from '../../../shared/task-queues';
import { statusQuery, type PlaybookResult } from '../../../shared/workflow-interface';
import { recordHistoryIfAsked } from '../../support/history-recorder';
import { createFakeWorkers } from '../../support/fake-workers';
import { createTimeSkippingEnv, uniquePrefix } from '../../support/temporal-env';

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await createTimeSkippingEnv();
}, 60_000);
afterAll(async () => {
  await env?.teardown();
});

const orgId = '7f6f0a4e-1d8e-4c39-9b1e-2f3c4d5e6f70';

/** In-memory fakes recording which effects ran, in order. */
function fakes(calls: string[]): Record<InfraQueue, object> {
  const rec =
    <T>(name: string, result: T) =>
    (): Promise<T> => {
      calls.push(name);
      return Promise.resolve(result);
    };
  return {
    control: {
      recordAudit: () => Promise.resolve({ written: true }),
      notify: rec('notify', { sent: true }),
    },
    postgres: {
      inspectOrg: rec('inspectOrg', {
        exists: true,
        status: 'active',
        name: 'acme',
        rows: { memberships: 3 },
      }),
      softDeleteOrg: rec('softDeleteOrg', { changed: true }),
      restoreOrg: rec('restoreOrg', { restored: true }),
      freezeWorkflows: rec('freezeWorkflows', { frozen: 2 }),
      unfreezeWorkflows: rec('unfreezeWorkflows', { unfrozen: 2 }),
      cancelSubscription: rec('cancelSubscription', { cancelled: 1 }),
      reactivateSubscription: rec('reactivateSubscription', { reactivated: 1 }),
      revokeMemberships: rec('revokeMemberships', { revoked: 3 }),
      restoreMemberships: rec('restoreMemberships', { restored: 3 }),
      purgeOrgTables: rec('purgeOrgTables', { deleted: {} }),
      hardDeleteOrg: rec('hardDeleteOrg', { deleted: true, enqueued: true }),
      removeOrphanRows: rec('removeOrphanRows', { removed: {}, total: 0 }),
      findOrphanRows: rec('findOrphanRows', { rows: {}, total: 0 }),
    },
    redis: {
      invalidateOrgCaches: rec('invalidateOrgCaches', { deleted: 2 }),
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

async function withWorkers<T>(prefix: string, calls: string[], fn: () => Promise<T>): Promise<T> {
  return (await createFakeWorkers(env, prefix, fakes(calls))).run(fn);
}

function start(prefix: string, gracePeriod: string, approvalTimeout: string) {
  return env.client.workflow.start('orgDeletionWorkflow', {
    taskQueue: workflowTaskQueue(prefix),
    workflowId: `${prefix}-org-deletion`,
    args: [
      {
        context: {
          resource: `org:${orgId}`,
          initiator: 'tester',
          reason: '',
          dryRun: false,
          approvalPolicy: {
            allowedPrincipals: [],
            allowedRoles: ['approver'],
            quorum: 1,
            timeout: approvalTimeout,
            required: true,
          },
        },
        params: { orgId, gracePeriod, mode: 'delete', approvalAboveMembers: 0 },
      },
    ],
  });
}

test('a 7-day grace period is durable and cancelDeletion on day 3 restores everything', async () => {
  const prefix = uniquePrefix('org-grace');
  const calls: string[] = [];
  const result = await withWorkers(prefix, calls, async () => {
    const handle = await start(prefix, '7d', '1h');
    await env.sleep('3d');
    const status = await handle.query(statusQuery);
    expect(status.currentStep).toBe('grace-period');
    expect(calls).not.toContain('freezeWorkflows');
    await handle.executeUpdate(cancelDeletionUpdate, { args: [{ by: 'bob', reason: 'changed mind' }] });
    const r = (await handle.result()) as PlaybookResult;
    await recordHistoryIfAsked(handle, 'org-deletion-cancelled');
    return r;
  });
  expect(result.outcome).toBe('cancelled');
  expect(calls).toEqual([
    'inspectOrg',
    'softDeleteOrg',
    'relayOutboxEvents',
    'restoreOrg',
    'relayOutboxEvents',
  ]);
}, 120_000);

test('the grace period elapses, nobody approves in 2 days: compensated in reverse, nothing purged', async () => {
  const prefix = uniquePrefix('org-approval');
  const calls: string[] = [];
  const result = await withWorkers(prefix, calls, async () => {
    const handle = await start(prefix, '7d', '2d');
    const r = (await handle.result()) as PlaybookResult;
    await recordHistoryIfAsked(handle, 'org-deletion-compensation');
    return r;
  });
  expect(result.outcome).toBe('compensated');
  expect(result.summary).toMatch(/no approval before the deadline/);
  expect(calls).not.toContain('purgeOrgTables');
  expect(calls).not.toContain('hardDeleteOrg');
  expect(calls.slice(calls.indexOf('notify'))).toEqual([
    'notify',
    'restoreMemberships',
    'rebuildOrgCaches',
    'reactivateSubscription',
    'unfreezeWorkflows',
    'restoreOrg',
    'relayOutboxEvents',
  ]);
}, 120_000);
