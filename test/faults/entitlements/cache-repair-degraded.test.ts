// In the faults project: it opens the stack's shared billing-database breaker and makes the billing
// database unreachable, which every other playbook reading it would meet. cache-repair while the
// billing database is unavailable (seed 002, "billing service unavailable"; issue 14, the chaos
// matrix's PostgreSQL outage cell, which failed the run once the breaker opened): (1) the breaker
// open: the run waits with the cache left as it was, says so in its status, and repairs the key
// once the breaker lets a probe through; (2) the database unreachable for longer than maxDegraded:
// the run escalates and the cache is untouched. Checked in the stores.
import { type Client, type WorkflowHandle } from '@temporalio/client';
import { type Redis } from 'ioredis';
import { type Pool } from 'pg';
import { BILLING_DB_BREAKER } from '../../../activities/entitlements/circuit-breaker';
import { entitlementCacheKey, orgCachePattern } from '../../../platform/caches/org-caches';
import { startPlaybook } from '../../../client/start-playbook';
import { connectClient } from '../../../client/temporal-client';
import { loadConfig } from '../../../shared/config';
import { statusQuery, type PlaybookResult } from '../../../shared/workflow-interface';
import { createPool, createRedis } from '../../../workers/clients';
import { cleanUp } from '../../support/clean-up';
import { createEntitledOrgs, mismatches, removeFixtureOrgs } from '../../support/entitlement-fixtures';
import { blockDatabase, unblockDatabase } from '../../support/stack-parts';
import { uniquePrefix } from '../../support/temporal-env';
import { startWorkerProcess, type WorkerProcess } from '../../support/worker-process';
import { waitFor } from '../../support/wait-for';

const config = loadConfig();
const prefix = uniquePrefix('e2e-cache-degraded');
const breakerKey = `rebound:breaker:${BILLING_DB_BREAKER}`;
let worker: WorkerProcess;
let client: Client;
let pool: Pool;
let statePool: Pool;
let redis: Redis;
const orgIds: string[] = [];

beforeAll(async () => {
  client = await connectClient(config);
  pool = createPool(config, 'platform', 2);
  statePool = createPool(config, 'state', 1);
  redis = createRedis(config, 'rebound-test-cache-degraded');
  worker = await startWorkerProcess(prefix);
}, 120_000);

afterAll(async () => {
  await cleanUp({
    'kill the test worker': () => worker?.kill('SIGKILL'),
    'allow connections to the billing database again': () =>
      unblockDatabase(statePool, config.postgres.platformDb),
    'close the breaker': () => redis.del(breakerKey),
    'remove the fixture orgs': () => removeFixtureOrgs(pool, redis, orgIds),
    'close the Temporal connection': () => client.connection.close(),
    'end the pools': () => Promise.all([pool.end(), statePool.end()]),
    'disconnect Redis': () => redis.disconnect(),
  });
}, 120_000);

/** One org of its own with a corrupted entitlement cache; returns its id. */
async function corruptedOrg(): Promise<string> {
  const [org] = await createEntitledOrgs(pool, redis, 1);
  orgIds.push(org.orgId);
  await redis.hset(entitlementCacheKey(org.orgId), 'seats', '999999');
  expect(await mismatches(pool, redis, [org.orgId])).toEqual([org.orgId]);
  return org.orgId;
}

function repair(orgId: string, maxDegraded: string): Promise<WorkflowHandle> {
  const key = orgCachePattern(orgId);
  return startPlaybook(client, {
    playbook: 'cache-repair',
    params: { key, verifySample: 10, maxDegraded },
    context: { resource: `key:${key}`, initiator: 'e2e-test' },
    taskQueuePrefix: prefix,
    workflowId: `cache-repair/${prefix}/${orgId}`,
  });
}

type DegradedProgress = { breaker?: { state: string }; degraded?: { reason: string; cache: string } };

async function progress(h: WorkflowHandle): Promise<DegradedProgress | undefined> {
  return (await h.query(statusQuery)).progress;
}

test('breaker open: the run waits with the cache as it was, then repairs once a probe is let through', async () => {
  const orgId = await corruptedOrg();
  const before = await redis.hgetall(entitlementCacheKey(orgId));
  // Opened by "another worker" for 8 s: this run must not call the database before then.
  await redis.hset(breakerKey, {
    state: 'open',
    failures: '3',
    openedAt: String(Date.now()),
    retryAt: String(Date.now() + 8_000),
  });
  const h = await repair(orgId, '10m');
  await waitFor(
    'the open breaker in the status',
    async () => (await progress(h))?.breaker?.state === 'open',
    30_000,
  );
  expect((await progress(h))?.degraded?.cache).toBe('left as it was');
  expect(await redis.hgetall(entitlementCacheKey(orgId))).toEqual(before);
  const result = (await h.result()) as PlaybookResult;
  expect(result.outcome).toBe('recovered');
  expect(await mismatches(pool, redis, [orgId])).toEqual([]);
  expect((await redis.hgetall(breakerKey)).state ?? 'closed').not.toBe('open');
}, 120_000);

test('billing database unreachable past maxDegraded: escalated, cache untouched', async () => {
  const orgId = await corruptedOrg();
  const before = await redis.hgetall(entitlementCacheKey(orgId));
  await blockDatabase(statePool, config.postgres.platformDb);
  try {
    const h = await repair(orgId, '15s');
    const result = (await h.result()) as PlaybookResult;
    expect(result.outcome).toBe('escalated');
    expect(result.summary).toMatch(/billing database unavailable/);
    expect(await redis.hgetall(entitlementCacheKey(orgId))).toEqual(before);
  } finally {
    await unblockDatabase(statePool, config.postgres.platformDb);
    await redis.del(breakerKey);
  }
}, 300_000);
