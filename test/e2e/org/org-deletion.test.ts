// The org deletion saga end to end: real Temporal dev server, a real worker process (with the
// test-only fault injection enabled), real PostgreSQL, Redis and Kafka.
import { randomUUID } from 'node:crypto';
import { FAULT_INJECTION_ENABLED, FAULT_INJECTION_ENV } from '../../../activities/org/fault-injection';
import { connectClient } from '../../../client/temporal-client';
import { createOrg } from '../../../platform/org/generator';
import { recordNotification, recordWorkflowRun } from '../../../platform/org/org-service';
import { countSnapshot, snapshotOrg } from '../../../platform/org/snapshot';
import { OrgDeletingError } from '../../../platform/org/write-guard';
import { loadConfig } from '../../../shared/config';
import { ORG_DELETION_STEPS as S, cancelDeletionUpdate } from '../../../shared/playbooks/org-deletion';
import {
  approveUpdate,
  rejectUpdate,
  statusQuery,
  type PlaybookResult,
} from '../../../shared/workflow-interface';
import { createKafka, createPool, createRedis } from '../../../workers/clients';
import { gateOf, signDecision } from '../../support/decisions';
import { uniquePrefix } from '../../support/temporal-env';
import { startWorkerProcess, type WorkerProcess } from '../../support/worker-process';
import { removeTestOrgs } from '../../integration/org/org-fixtures';
import {
  auditKinds,
  injectFault,
  isHeld,
  orgEventsOnTopic,
  releaseFault,
  startDeletion,
  stepDone,
  waitForStatus,
  type Deps,
} from './org-e2e-support';

const config = loadConfig();
const prefix = uniquePrefix('e2e-org');
let worker: WorkerProcess;
let deps: Deps;
const created: string[] = [];

const approvers = {
  allowedPrincipals: [],
  allowedRoles: ['approver'],
  quorum: 1,
  timeout: '1h',
  required: true,
};

beforeAll(async () => {
  deps = {
    client: await connectClient(config),
    pool: createPool(config, 'platform', 4),
    statePool: createPool(config, 'state', 2),
    redis: createRedis(config, 'rebound-test-org-e2e'),
    kafka: createKafka(config, 'rebound-test-org-e2e'),
  };
  worker = await startWorkerProcess(prefix, { [FAULT_INJECTION_ENV]: FAULT_INJECTION_ENABLED });
}, 90_000);

afterAll(async () => {
  await worker?.kill();
  await removeTestOrgs(deps, created);
  await deps.client.connection.close();
  await Promise.allSettled([deps.pool.end(), deps.statePool.end(), deps.redis.quit()]);
});

async function newOrg(members = 3) {
  const org = await createOrg(deps, { members, workflows: 2, notifications: 4 });
  created.push(org.orgId);
  return org;
}

test('deletes every row and cache key of the org; each event is on the topic once', async () => {
  const org = await newOrg();
  const handle = await startDeletion(deps, prefix, { orgId: org.orgId }, approvers);
  const waiting = await waitForStatus(handle, (s) => s.pendingApproval !== undefined);
  expect(waiting.phase).toBe('awaiting-approval');
  expect(countSnapshot(await snapshotOrg(deps, org.orgId)).rows.memberships).toBe(0);
  await handle.executeUpdate(approveUpdate, {
    args: [
      signDecision({
        ...(await gateOf(handle)),
        principal: 'alice',
        decision: 'approve',
      }),
    ],
  });
  const result = (await handle.result()) as PlaybookResult;
  expect(result.outcome).toBe('recovered');
  // A cancel after the point of no return is refused.
  await expect(handle.executeUpdate(cancelDeletionUpdate, { args: [{ by: 'bob' }] })).rejects.toThrow();

  expect(countSnapshot(await snapshotOrg(deps, org.orgId)).total).toBe(0);
  expect(await orgEventsOnTopic(deps.kafka, org.orgId)).toEqual(['OrgDeletionRequested', 'OrgDeleted']);
  const status = await handle.query(statusQuery);
  expect(status.steps.every((s) => s.state === 'succeeded' && s.attempts === 1)).toBe(true);
  const audit = await auditKinds(deps.statePool, handle.workflowId);
  expect(audit).toEqual(
    expect.arrayContaining([
      'approval-approved:approval:point-of-no-return#1:approved',
      'point-of-no-return:point-of-no-return',
      'org-deleted:org-deleted',
      'closed-recovered:closed',
    ]),
  );
}, 120_000);

test('rows a dependent service writes during the saga are refused, then caught as orphans', async () => {
  const org = await newOrg();
  const workflowId = `org-deletion/org:${org.orgId}`;
  await injectFault(deps.redis, workflowId, S.verify, 'hold-before');
  const handle = await startDeletion(deps, prefix, { orgId: org.orgId });
  // A dependent service keeps writing for the org the whole time.
  let refused = 0;
  let written = 0;
  let writing = true;
  const workflowRowId = randomUUID();
  const writer = (async () => {
    for (let i = 0; writing; i++) {
      try {
        await recordNotification(deps.pool, org.orgId, `dep-${org.orgId}-${i}`, 'late.event');
        await recordWorkflowRun(deps.pool, org.orgId, workflowRowId);
        written += 1;
      } catch (err) {
        if (!(err instanceof OrgDeletingError)) throw err;
        refused += 1;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  await waitForStatus(handle, stepDone(S.hardDelete));
  const writtenBeforeDelete = written;
  while (!(await isHeld(deps.redis, workflowId, S.verify)) || written < writtenBeforeDelete + 2) {
    await new Promise((r) => setTimeout(r, 100));
  }
  writing = false;
  await writer;
  expect(refused).toBeGreaterThan(0);
  expect(countSnapshot(await snapshotOrg(deps, org.orgId)).total).toBeGreaterThan(0);
  await releaseFault(deps.redis, workflowId, S.verify);

  const result = (await handle.result()) as PlaybookResult;
  expect(result.outcome).toBe('recovered');
  const removed = (result.details as { orphansRemoved: Record<string, number> }).orphansRemoved;
  expect(removed.notifications).toBeGreaterThanOrEqual(2);
  expect(removed.workflow_runs).toBeGreaterThanOrEqual(2);
  expect(countSnapshot(await snapshotOrg(deps, org.orgId)).total).toBe(0);
}, 120_000);

test('cancelDeletion during the grace period restores the org exactly, visibly', async () => {
  const org = await newOrg();
  const before = await snapshotOrg(deps, org.orgId);
  const handle = await startDeletion(deps, prefix, { orgId: org.orgId, gracePeriod: '7d' });
  await waitForStatus(handle, (s) => s.currentStep === S.grace);
  const reply = await handle.executeUpdate(cancelDeletionUpdate, {
    args: [{ by: 'bob', reason: 'customer changed their mind' }],
  });
  expect(reply).toEqual({ accepted: true, during: S.grace });
  const result = (await handle.result()) as PlaybookResult;
  expect(result.outcome).toBe('cancelled');
  expect(await snapshotOrg(deps, org.orgId)).toEqual(before);
  const status = await handle.query(statusQuery);
  expect(status.compensations.map((c) => [c.name, c.state])).toEqual([['restore-org', 'succeeded']]);
  const audit = await auditKinds(deps.statePool, handle.workflowId);
  expect(audit).toEqual(
    expect.arrayContaining([
      'cancel-deletion-requested:cancel-deletion',
      'compensation-succeeded:compensation:restore-org',
      'closed-cancelled:closed',
    ]),
  );
  expect(await orgEventsOnTopic(deps.kafka, org.orgId)).toEqual([
    'OrgDeletionRequested',
    'OrgDeletionCancelled',
  ]);
}, 120_000);

const failingSteps: [string, string[]][] = [
  [S.softDelete, []],
  [S.publishRequested, ['restore-org']],
  [S.freeze, ['restore-org']],
  [S.cancelSubscription, ['unfreeze-workflows', 'restore-org']],
  [S.revokeMemberships, ['reactivate-subscription', 'unfreeze-workflows', 'restore-org']],
  [
    S.invalidateCaches,
    ['restore-memberships', 'reactivate-subscription', 'unfreeze-workflows', 'restore-org'],
  ],
];

test('a forced failure at each step before the point of no return restores the org exactly', async () => {
  const runs = await Promise.all(
    failingSteps.map(async ([step, compensations]) => {
      const org = await newOrg();
      const before = await snapshotOrg(deps, org.orgId);
      await injectFault(deps.redis, `org-deletion/org:${org.orgId}`, step, 'fail');
      const handle = await startDeletion(deps, prefix, { orgId: org.orgId });
      return { step, compensations, org, before, handle };
    }),
  );
  for (const r of runs) {
    const result = (await r.handle.result()) as PlaybookResult;
    expect([r.step, result.outcome]).toEqual([
      r.step,
      r.compensations.length === 0 ? 'failed' : 'compensated',
    ]);
    expect(await snapshotOrg(deps, r.org.orgId)).toEqual(r.before);
    const status = await r.handle.query(statusQuery);
    expect(status.steps.find((s) => s.name === r.step)?.lastError).toMatch(/^InjectedFailure/);
    expect(status.compensations.map((c) => [c.name, c.state])).toEqual(
      r.compensations.map((c) => [c, 'succeeded']),
    );
    const audit = await auditKinds(deps.statePool, r.handle.workflowId);
    for (const c of r.compensations) expect(audit).toContain(`compensation-succeeded:compensation:${c}`);
  }
}, 180_000);

test('a rejection at the point of no return restores the org exactly', async () => {
  const org = await newOrg();
  const before = await snapshotOrg(deps, org.orgId);
  const handle = await startDeletion(deps, prefix, { orgId: org.orgId }, approvers);
  await waitForStatus(handle, (s) => s.pendingApproval !== undefined);
  await handle.executeUpdate(rejectUpdate, {
    args: [
      signDecision({
        ...(await gateOf(handle)),
        principal: 'bob',
        decision: 'reject',
        comment: 'not this one',
      }),
    ],
  });
  const result = (await handle.result()) as PlaybookResult;
  expect(result.outcome).toBe('compensated');
  expect(result.summary).toMatch(/rejected at the point of no return by bob/);
  expect(await snapshotOrg(deps, org.orgId)).toEqual(before);
  const status = await handle.query(statusQuery);
  expect(status.compensations.map((c) => c.name)).toEqual([
    'restore-memberships',
    'reactivate-subscription',
    'unfreeze-workflows',
    'restore-org',
  ]);
}, 120_000);

test('cleanup mode removes what still references a deleted org and refuses a live one', async () => {
  const org = await newOrg();
  const live = await startDeletion(deps, prefix, { orgId: org.orgId, mode: 'cleanup' });
  expect(((await live.result()) as PlaybookResult).outcome).toBe('failed');
  expect(countSnapshot(await snapshotOrg(deps, org.orgId)).rows.memberships).toBe(3);

  await deps.pool.query('DELETE FROM orgs WHERE id = $1', [org.orgId]);
  const handle = await startDeletion(deps, prefix, { orgId: org.orgId, mode: 'cleanup' });
  const result = (await handle.result()) as PlaybookResult;
  expect(result.outcome).toBe('recovered');
  expect(countSnapshot(await snapshotOrg(deps, org.orgId)).total).toBe(0);
  const again = await startDeletion(deps, prefix, { orgId: org.orgId, mode: 'cleanup' });
  expect(((await again.result()) as PlaybookResult).outcome).toBe('resolved-before-action');
}, 120_000);
