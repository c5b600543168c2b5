// The saga's durable timers on the time-skipping server, with faked activities: a 7-day grace
// period that a cancelDeletion ends early, an approval at the point of no return that nobody
// gives within 2 days (safe default: compensate, never purge), and reads that fail for about a
// minute (a database restarting) waited out instead of failing the run.
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

/** Whether the n-th call (from 1) of an activity fails with a retryable error. */
type FailingCalls = Record<string, (n: number) => boolean>;

/** In-memory fakes recording which effects ran, in order; `failing` calls reject as a refused connection does. */
function fakes(calls: string[], failing: FailingCalls = {}): Record<InfraQueue, object> {
  const rec =
    <T>(name: string, result: T) =>
    (): Promise<T> => {
      calls.push(name);
      if (failing[name]?.(calls.filter((c) => c === name).length))
        return Promise.reject(new Error(`connect ECONNREFUSED (${name})`));
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

async function withWorkers<T>(
  prefix: string,
  calls: string[],
  fn: () => Promise<T>,
  failing: FailingCalls = {},
): Promise<T> {
  return (await createFakeWorkers(env, prefix, fakes(calls, failing))).run(fn);
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

test('reads failing for about a minute are waited out: the saga still reaches the purge', async () => {
  // Six failures of each inspection (calls 1-6 the first, 8-13 the one before the approval): more
  // than the 3 exact attempts the saga's reads had (the chaos matrix's PostgreSQL cell compensated
  // at the second), fewer than the default retry window holds.
  const prefix = uniquePrefix('org-outage');
  const calls: string[] = [];
  const failing: FailingCalls = { inspectOrg: (n) => n !== 7 && n <= 13 };
  const status = await withWorkers(
    prefix,
    calls,
    async () => {
      const handle = await start(prefix, '1s', '1h');
      // Back-offs of 1+2+4+8+16+30 s twice, and the grace second: the run waits at the approval.
      await env.sleep('5m');
      const s = await handle.query(statusQuery);
      await handle.terminate('test over');
      return s;
    },
    failing,
  );
  const attempts = (name: string) => status.steps.find((s) => s.name === name);
  expect(attempts('inspect-org')).toMatchObject({ state: 'succeeded', attempts: 7 });
  expect(attempts('inspect-org:plan')).toMatchObject({ state: 'succeeded', attempts: 7 });
  expect(calls).toContain('softDeleteOrg');
  expect(status.phase).toBe('awaiting-approval');
  expect(status.pendingApproval?.step).toBe('point-of-no-return');
}, 120_000);
