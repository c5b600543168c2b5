// The reference platform around orgs and the saga's activities, on real PostgreSQL and Redis:
// the generator, the write guard (refusal while deleting, the saga's own writes allowed), fail
// closed caches, and each activity's idempotency (a retried step or compensation never doubles
// its effect) and exact restoration.
import { MockActivityEnvironment } from '@temporalio/testing';
import { randomUUID } from 'node:crypto';
import { type Redis } from 'ioredis';
import { type Pool } from 'pg';
import { createOrgCacheActivities } from '../../../activities/org/org-cache-activities';
import { createOrgDeletionPostgresActivities } from '../../../activities/org/org-deletion-postgres';
import { cachedMembershipRole, membershipCacheKey } from '../../../platform/caches/org-caches';
import { orgCreateCommand } from '../../../platform/org/create-command';
import { createOrg } from '../../../platform/org/generator';
import { addMember, recordNotification, renameOrg } from '../../../platform/org/org-service';
import { countSnapshot, snapshotOrg } from '../../../platform/org/snapshot';
import { OrgDeletingError } from '../../../platform/org/write-guard';
import { loadConfig } from '../../../shared/config';
import { createPool, createRedis } from '../../../workers/clients';
import { removeTestOrgs } from './org-fixtures';

const config = loadConfig();
let pool: Pool;
let redis: Redis;
const created: string[] = [];
async function newOrg(opts: Parameters<typeof createOrg>[1]) {
  const org = await createOrg({ pool, redis }, opts);
  created.push(org.orgId);
  return org;
}
const inert = { around: <T>(_s: string, f: () => Promise<T>) => f() };

beforeAll(() => {
  pool = createPool(config, 'platform', 4);
  redis = createRedis(config, 'rebound-test-org');
});
afterAll(async () => {
  await removeTestOrgs({ pool, redis }, created);
  await pool.end();
  await redis.quit();
});

/** Runs activities as one saga execution would (same workflow id and run id). */
function sagaEnv() {
  return new MockActivityEnvironment({
    workflowExecution: { workflowId: `org-test/${randomUUID()}`, runId: randomUUID() },
  });
}

test('the generator creates an org of the requested size with its caches', async () => {
  const org = await newOrg({ members: 4, workflows: 3, notifications: 5 });
  const snap = await snapshotOrg({ pool, redis }, org.orgId);
  const counts = countSnapshot(snap);
  expect(counts.rows).toMatchObject({
    orgs: 1,
    memberships: 4,
    subscriptions: 1,
    entitlements: 3,
    workflows: 3,
    workflow_runs: 6,
    notifications: 5,
  });
  expect(counts.cacheKeys).toBe(2);
  expect(Object.keys(snap.caches[membershipCacheKey(org.orgId)])).toHaveLength(4);
});

test('rebound platform org create prints the id, or JSON with --json', async () => {
  const lines: string[] = [];
  const spy = jest.spyOn(console, 'log').mockImplementation((l: string) => lines.push(l));
  try {
    expect(await orgCreateCommand(['--members', '2', '--workflows', '1', '--notifications', '1'])).toBe(0);
    expect(
      await orgCreateCommand(['--members', '1', '--workflows', '0', '--notifications', '0', '--json']),
    ).toBe(0);
    expect(await orgCreateCommand(['--members', 'lots'])).toBe(2);
  } finally {
    spy.mockRestore();
  }
  created.push(lines[0], (JSON.parse(lines[1]) as { orgId: string }).orgId);
  expect(lines[0]).toMatch(/^[0-9a-f-]{36}$/);
  const json = JSON.parse(lines[1]) as { orgId: string; counts: { memberships: number } };
  expect(json.counts.memberships).toBe(1);
  const found = await pool.query('SELECT count(*)::int AS n FROM orgs WHERE id = ANY($1::uuid[])', [
    [lines[0], json.orgId],
  ]);
  expect(found.rows[0].n).toBe(2);
});

test('writes to an org being deleted are refused; the saga itself may restore', async () => {
  const org = await newOrg({ members: 2, workflows: 1, notifications: 1 });
  const env = sagaEnv();
  const pg = createOrgDeletionPostgresActivities({ platformPool: pool, redis, faults: inert });
  await env.run(pg.softDeleteOrg, { orgId: org.orgId, step: 'soft-delete' });
  await expect(addMember(pool, org.orgId, randomUUID())).rejects.toBeInstanceOf(OrgDeletingError);
  await expect(recordNotification(pool, org.orgId, `e-${randomUUID()}`, 'x')).rejects.toBeInstanceOf(
    OrgDeletingError,
  );
  await expect(renameOrg(pool, org.orgId, 'renamed')).rejects.toBeInstanceOf(OrgDeletingError);
  await expect(
    pool.query(`INSERT INTO workflow_runs (id, workflow_id, org_id, status) VALUES ($1, $1, $2, 'running')`, [
      randomUUID(),
      org.orgId,
    ]),
  ).rejects.toMatchObject({ code: 'RB409' });
  await env.run(pg.restoreOrg, { orgId: org.orgId, step: 'compensate:restore-org', forStep: 'soft-delete' });
  await addMember(pool, org.orgId, randomUUID());
});

test('membership checks fail closed: no cache entry, no access', async () => {
  const org = await newOrg({ members: 1, workflows: 0, notifications: 0 });
  const owner = (await pool.query('SELECT user_id FROM memberships WHERE org_id = $1', [org.orgId])).rows[0]
    .user_id as string;
  expect(await cachedMembershipRole(redis, org.orgId, owner)).toBe('owner');
  const cache = createOrgCacheActivities({ platformPool: pool, redis, faults: inert });
  await sagaEnv().run(cache.invalidateOrgCaches, { orgId: org.orgId, step: 'invalidate-caches' });
  expect(await cachedMembershipRole(redis, org.orgId, owner)).toBeNull();
});

test('every step before the point of no return runs once and its compensation restores exactly', async () => {
  const org = await newOrg({ members: 3, workflows: 2, notifications: 2 });
  const before = await snapshotOrg({ pool, redis }, org.orgId);
  const env = sagaEnv();
  const pg = createOrgDeletionPostgresActivities({ platformPool: pool, redis, faults: inert });
  const cache = createOrgCacheActivities({ platformPool: pool, redis, faults: inert });
  const orgId = org.orgId;

  // Each forward step twice: the retry finds its snapshot and changes nothing.
  expect(await env.run(pg.softDeleteOrg, { orgId, step: 'soft-delete' })).toEqual({ changed: true });
  expect(await env.run(pg.softDeleteOrg, { orgId, step: 'soft-delete' })).toEqual({ changed: false });
  expect(await env.run(pg.freezeWorkflows, { orgId, step: 'freeze' })).toEqual({ frozen: 2 });
  expect(await env.run(pg.freezeWorkflows, { orgId, step: 'freeze' })).toEqual({ frozen: 2 });
  expect(await env.run(pg.cancelSubscription, { orgId, step: 'cancel' })).toEqual({ cancelled: 1 });
  expect(await env.run(pg.cancelSubscription, { orgId, step: 'cancel' })).toEqual({ cancelled: 1 });
  expect(await env.run(pg.revokeMemberships, { orgId, step: 'revoke' })).toEqual({ revoked: 3 });
  expect(await env.run(pg.revokeMemberships, { orgId, step: 'revoke' })).toEqual({ revoked: 3 });
  await env.run(cache.invalidateOrgCaches, { orgId, step: 'invalidate' });

  const during = countSnapshot(await snapshotOrg({ pool, redis }, orgId));
  expect(during.rows.memberships).toBe(0);
  expect(during.cacheKeys).toBe(0);
  const outbox = await pool.query(`SELECT event_type FROM outbox WHERE message_key = $1`, [orgId]);
  expect(outbox.rows.map((r) => r.event_type)).toEqual(['OrgDeletionRequested']);

  // Compensations in reverse, each twice: the second finds its snapshot consumed.
  for (let i = 0; i < 2; i++) {
    await env.run(pg.restoreMemberships, { orgId, step: 'c:memberships', forStep: 'revoke' });
    await env.run(cache.rebuildOrgCaches, { orgId, step: 'c:caches' });
    await env.run(pg.reactivateSubscription, { orgId, step: 'c:subscription', forStep: 'cancel' });
    await env.run(pg.unfreezeWorkflows, { orgId, step: 'c:unfreeze', forStep: 'freeze' });
    await env.run(pg.restoreOrg, { orgId, step: 'c:org', forStep: 'soft-delete' });
  }
  expect(await snapshotOrg({ pool, redis }, orgId)).toEqual(before);
  const events = await pool.query(`SELECT event_type FROM outbox WHERE message_key = $1 ORDER BY id`, [
    orgId,
  ]);
  expect(events.rows.map((r) => r.event_type)).toEqual(['OrgDeletionRequested', 'OrgDeletionCancelled']);
});

test('orphan removal refuses an existing org and removes every row of a deleted one', async () => {
  const org = await newOrg({ members: 2, workflows: 1, notifications: 3 });
  const pg = createOrgDeletionPostgresActivities({ platformPool: pool, redis, faults: inert });
  const env = sagaEnv();
  await expect(env.run(pg.removeOrphanRows, { orgId: org.orgId, step: 'remove' })).rejects.toMatchObject({
    type: 'PreconditionFailed',
  });
  await pool.query('DELETE FROM orgs WHERE id = $1', [org.orgId]);
  const findOrphans = (id: string) =>
    env.run<[{ orgId: string }], { total: number }, typeof pg.findOrphanRows>(pg.findOrphanRows, {
      orgId: id,
    });
  const found = await findOrphans(org.orgId);
  expect(found.total).toBe(2 + 1 + 3 + 1 + 2 + 3);
  const removed = await env.run<
    [{ orgId: string; step: string }],
    { total: number },
    typeof pg.removeOrphanRows
  >(pg.removeOrphanRows, { orgId: org.orgId, step: 'remove' });
  expect(removed.total).toBe(found.total);
  expect((await findOrphans(org.orgId)).total).toBe(0);
  await redis.del(`platform:org:${org.orgId}:memberships`, `platform:org:${org.orgId}:entitlements`);
});

test('a compensation removes only its own snapshot: a membership restore that failed can still be finished', async () => {
  const org = await newOrg({ members: 3, workflows: 0, notifications: 0 });
  const env = sagaEnv();
  const pg = createOrgDeletionPostgresActivities({ platformPool: pool, redis, faults: inert });
  const orgId = org.orgId;
  await env.run(pg.softDeleteOrg, { orgId, step: 'soft-delete' });
  await env.run(pg.revokeMemberships, { orgId, step: 'revoke' });
  // restore-memberships failed (say, a column added during the grace period); restore-org ran.
  await env.run(pg.restoreOrg, { orgId, step: 'c:org', forStep: 'soft-delete' });
  const left = await pool.query<{ step: string }>(
    'SELECT step FROM org_deletion_snapshots WHERE org_id = $1 ORDER BY step',
    [orgId],
  );
  expect(left.rows.map((r) => r.step)).toEqual(['revoke']);
  // A person (or a retried compensation) can still bring the members back from it.
  await env.run(pg.restoreMemberships, { orgId, step: 'c:memberships', forStep: 'revoke' });
  const members = await pool.query('SELECT 1 FROM memberships WHERE org_id = $1', [orgId]);
  expect(members.rowCount).toBe(3);
});
