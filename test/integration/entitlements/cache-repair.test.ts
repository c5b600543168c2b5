// cache-repair's activities and the shared breaker against real PostgreSQL and Redis: a dry run
// changes nothing; a corrupted key is rebuilt; a key a rogue writer keeps corrupting ends on the
// do-not-cache list and readers fall back to the database; the breaker opens after three failures,
// fails fast while open, lets one probe through after its cooldown and closes on success.
import { randomUUID } from 'node:crypto';
import { type Redis } from 'ioredis';
import { type Pool } from 'pg';
import { createCacheRepairActivities } from '../../../activities/entitlements/cache-repair-activities';
import { CircuitOpenError, RedisCircuitBreaker } from '../../../activities/entitlements/circuit-breaker';
import { doNotCacheKey, readEntitlements } from '../../../platform/caches/do-not-cache';
import { entitlementCacheKey } from '../../../platform/caches/org-caches';
import { loadConfig } from '../../../shared/config';
import { createPool, createRedis } from '../../../workers/clients';
import { createEntitledOrgs, removeFixtureOrgs, type FixtureOrg } from '../../support/entitlement-fixtures';

const config = loadConfig();
let pool: Pool;
let redis: Redis;
let orgs: FixtureOrg[];

beforeAll(async () => {
  pool = createPool(config, 'platform', 2);
  redis = createRedis(config, 'rebound-test-cache-repair');
  orgs = await createEntitledOrgs(pool, redis, 3);
});
afterAll(async () => {
  await removeFixtureOrgs(
    pool,
    redis,
    orgs.map((o) => o.orgId),
  );
  await pool.end();
  redis.disconnect();
});

test('dry run changes nothing; the repair rebuilds a corrupted key from the database', async () => {
  const acts = createCacheRepairActivities({ platformPool: pool, redis });
  const key = entitlementCacheKey(orgs[0].orgId);
  await redis.hset(key, 'seats', 'garbage');
  const plan = await acts.planCacheRepair({ key, maxKeys: 10 });
  expect(plan.repaired).toEqual([key]);
  expect(await redis.hget(key, 'seats')).toBe('garbage');
  const done = await acts.repairCacheKeys({ runKey: `t-${randomUUID()}`, key, maxKeys: 10 });
  expect(done.counts.drifted).toBe(1);
  expect(await redis.hgetall(key)).toEqual(orgs[0].entitlements);
  expect(await redis.ttl(key)).toBeGreaterThan(0);
});

test('a key that stays wrong goes on the do-not-cache list; readers use the database', async () => {
  const acts = createCacheRepairActivities({ platformPool: pool, redis });
  const org = orgs[1];
  const key = entitlementCacheKey(org.orgId);
  await redis.hset(key, 'seats', 'corrupt');
  const rogue = setInterval(() => void redis.hset(key, 'seats', 'corrupt'), 20);
  try {
    const runKey = `t-${randomUUID()}`;
    const done = await acts.repairCacheKeys({ runKey, key, maxKeys: 10 });
    const verify = await acts.verifyCacheKeys({
      runKey,
      keys: done.repaired,
      sample: 10,
      doNotCacheForMs: 60_000,
    });
    expect(verify.stillWrong).toEqual([key]);
  } finally {
    clearInterval(rogue);
  }
  expect(await redis.pttl(doNotCacheKey(key))).toBeGreaterThan(0);
  await redis.hset(key, 'seats', 'corrupt');
  const read = await readEntitlements(pool, redis, org.orgId);
  expect(read).toEqual({ source: 'database', entitlements: org.entitlements });
  // A later repair keeps the listed key out of the cache instead of refilling it.
  await acts.repairCacheKeys({ runKey: `t-${randomUUID()}`, key, maxKeys: 10 });
  expect(await redis.exists(key)).toBe(0);
});

test('a pattern matching more keys than maxKeys is refused before anything changes', async () => {
  const acts = createCacheRepairActivities({ platformPool: pool, redis });
  await expect(
    acts.repairCacheKeys({ runKey: 'x', key: 'platform:org:*', maxKeys: 1 }),
  ).rejects.toMatchObject({
    type: 'InvalidInput',
  });
});

test('the shared breaker opens after three failures, fails fast, probes once after the cooldown, closes', async () => {
  const name = `test-${randomUUID()}`;
  const a = new RedisCircuitBreaker(redis, name, { threshold: 3, cooldownMs: 300 });
  const b = new RedisCircuitBreaker(redis, name, { threshold: 3, cooldownMs: 300 });
  const fail = () => Promise.reject(new Error('db down'));
  for (let i = 0; i < 3; i++) await expect(a.call(fail)).rejects.toThrow('db down');
  // Another worker sees it open and does not call the database at all.
  let called = false;
  await expect(
    b.call(() => {
      called = true;
      return Promise.resolve(1);
    }),
  ).rejects.toBeInstanceOf(CircuitOpenError);
  expect(called).toBe(false);
  expect((await b.view()).state).toBe('open');
  await new Promise((r) => setTimeout(r, 350));
  expect((await a.view()).state).toBe('half-open');
  await expect(a.call(() => Promise.resolve('ok'))).resolves.toBe('ok');
  expect((await b.view()).state).toBe('closed');
  await redis.del(`rebound:breaker:${name}`);
});
