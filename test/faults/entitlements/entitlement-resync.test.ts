// In the faults project: it stops Kafka (or a database) mid-run, so it runs alone, after the others.
// entitlement-resync on the real stack, 10,000 orgs: (1) 2% of the caches drifted, missing, extra
// or holding a removed member: afterwards every cache equals its rows, extras and orphans are
// gone, and exactly the changed orgs got one EntitlementsResynced event; (2) the billing database
// unreachable mid-run: the breaker opens (visible in the status), the cache is not touched while
// it is down, and the run finishes after it returns; (3) the worker SIGKILLed mid-run: the run resumes from
// its cursor and no page is committed twice (the page log counts them). Checked in the stores.
import { type Client, type WorkflowHandle } from '@temporalio/client';
import { type Redis } from 'ioredis';
import { type Pool } from 'pg';
import { pageLogKey } from '../../../activities/entitlements/resync-activities';
import { startPlaybook } from '../../../client/start-playbook';
import { connectClient } from '../../../client/temporal-client';
import { loadConfig } from '../../../shared/config';
import { type ResyncProgress } from '../../../shared/playbooks/entitlement-resync';
import { statusQuery, type PlaybookResult } from '../../../shared/workflow-interface';
import { createPool, createRedis } from '../../../workers/clients';
import {
  cacheDigest,
  createEntitledOrgs,
  introduceDrift,
  mismatches,
  removeFixtureOrgs,
  type FixtureOrg,
} from '../../support/entitlement-fixtures';
import { cleanUp } from '../../support/clean-up';
import { blockDatabase, stackUp, unblockDatabase } from '../../support/stack-parts';
import { uniquePrefix } from '../../support/temporal-env';
import { startWorkerProcess, type WorkerProcess } from '../../support/worker-process';
import { waitFor } from '../../support/wait-for';

const config = loadConfig();
const prefix = uniquePrefix('e2e-resync');
const workers: WorkerProcess[] = [];
let client: Client;
let pool: Pool;
let statePool: Pool;
let redis: Redis;
let orgs: FixtureOrg[] = [];
let ids: string[] = [];
let seq = 0;

beforeAll(async () => {
  client = await connectClient(config);
  pool = createPool(config, 'platform', 4);
  statePool = createPool(config, 'state', 1);
  redis = createRedis(config, 'rebound-test-resync');
  workers.push(await startWorkerProcess(prefix));
  orgs = await createEntitledOrgs(pool, redis, 10_000);
  ids = orgs.map((o) => o.orgId);
}, 300_000);

afterAll(async () => {
  await cleanUp({
    'kill the test workers': () => Promise.all(workers.map((w) => w.kill('SIGKILL'))),
    'allow connections to the billing database again': () =>
      unblockDatabase(statePool, config.postgres.platformDb),
    'stack up': stackUp,
    'remove the fixture orgs': () => removeFixtureOrgs(pool, redis, ids),
    'close the Temporal connection': () => client.connection.close(),
    'end the pools': () => Promise.all([pool.end(), statePool.end()]),
    'disconnect Redis': () => redis.disconnect(),
  });
}, 300_000);

function start(params: Record<string, unknown>): Promise<WorkflowHandle> {
  seq += 1;
  return startPlaybook(client, {
    playbook: 'entitlement-resync',
    params: { namespace: 'entitlements', ...params },
    context: { resource: 'namespace:entitlements', initiator: 'e2e-test' },
    taskQueuePrefix: prefix,
    workflowId: `entitlement-resync/${prefix}/${seq}`,
  });
}

async function progress(h: WorkflowHandle): Promise<(ResyncProgress & { degraded?: unknown }) | undefined> {
  return (await h.query(statusQuery)).progress as (ResyncProgress & { degraded?: unknown }) | undefined;
}

/** Pages committed so far, read from the run's progress record in Redis (not the status). */
async function committedPages(h: WorkflowHandle): Promise<number> {
  return redis.llen(pageLogKey(h.workflowId));
}

test('2% drift: every cache equals its rows afterwards, extras gone, events for changed orgs only', async () => {
  const drift = await introduceDrift(pool, redis, orgs, 0.02);
  expect((await mismatches(pool, redis, ids)).length).toBeGreaterThanOrEqual(190);
  const h = await start({ pageSize: 500 });
  const result = (await h.result()) as PlaybookResult;
  expect(result.outcome).toBe('recovered');
  expect(await mismatches(pool, redis, ids)).toEqual([]);
  for (const k of drift.orphanKeys) expect(await redis.exists(k)).toBe(0);

  const counts = (result.details as { counts: ResyncProgress['counts'] }).counts;
  expect(counts.drifted).toBeGreaterThanOrEqual(drift.drifted.length);
  expect(counts.missing).toBeGreaterThanOrEqual(drift.missing.length);
  expect(counts.extra).toBeGreaterThanOrEqual(drift.extra.length + drift.orphanKeys.length);
  expect(counts.removedMembers).toBeGreaterThanOrEqual(drift.removedMember.length);
  expect((await progress(h))?.counts.orgs).toBe(counts.orgs);

  const events = await pool.query<{ message_key: string }>(
    `SELECT message_key FROM outbox WHERE event_type = 'EntitlementsResynced' AND idempotency_key LIKE $1`,
    [`${h.workflowId}:%`],
  );
  const evented = new Set(events.rows.map((r) => r.message_key));
  expect(events.rows.length).toBe(evented.size);
  const changed = [...drift.drifted, ...drift.missing, ...drift.extra];
  for (const id of changed) expect(evented.has(id)).toBe(true);
  const mine = new Set(ids);
  const unchangedWithEvent = [...evented].filter((id) => mine.has(id) && !changed.includes(id));
  expect(unchangedWithEvent).toEqual([]);
}, 300_000);

test('billing database unreachable mid-run: breaker opens, cache untouched, run finishes after it returns', async () => {
  await introduceDrift(pool, redis, orgs, 0.02);
  const h = await start({ pageSize: 100, pagePauseMs: 40 });
  await waitFor('ten pages', async () => (await committedPages(h)) >= 10, 120_000);
  await blockDatabase(statePool, config.postgres.platformDb);
  const atStop = await cacheDigest(redis, ids);
  await waitFor(
    'the breaker open in the status',
    async () => (await progress(h).catch(() => undefined))?.breaker?.state === 'open',
    120_000,
  );
  expect((await progress(h))?.degraded).toBeDefined();
  await new Promise((r) => setTimeout(r, 5_000));
  expect(await cacheDigest(redis, ids)).toBe(atStop);
  await unblockDatabase(statePool, config.postgres.platformDb);
  const result = (await h.result()) as PlaybookResult;
  expect(result.outcome).toBe('recovered');
  expect(await mismatches(pool, redis, ids)).toEqual([]);
}, 600_000);

test('worker SIGKILLed mid-run: resumes from the cursor, no page committed twice', async () => {
  await introduceDrift(pool, redis, orgs, 0.02);
  const h = await start({ pageSize: 100, pagePauseMs: 30 });
  await waitFor('twenty pages', async () => (await committedPages(h)) >= 20, 120_000);
  await workers[workers.length - 1].kill('SIGKILL');
  const pagesAtKill = await redis.llen(pageLogKey(h.workflowId));
  workers.push(await startWorkerProcess(prefix));
  const result = (await h.result()) as PlaybookResult;
  expect(result.outcome).toBe('recovered');
  const log = await redis.lrange(pageLogKey(h.workflowId), 0, -1);
  const total = Number((await pool.query<{ n: string }>('SELECT count(*) AS n FROM orgs')).rows[0].n);
  expect(pagesAtKill).toBeLessThan(log.length);
  expect(new Set(log).size).toBe(log.length);
  expect(log.length).toBe(Math.ceil(total / 100));
  expect(await mismatches(pool, redis, ids)).toEqual([]);
}, 600_000);
