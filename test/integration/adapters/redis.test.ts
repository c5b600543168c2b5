// Redis of the local stack through the same client constructor the worker uses.
import { randomUUID } from 'node:crypto';
import { createRedisProbeActivities } from '../../../activities/health/probes';
import { loadConfig } from '../../../shared/config';
import { createRedis } from '../../../workers/clients';

const redis = createRedis(loadConfig(), 'rebound-test');
afterAll(async () => {
  await redis.quit();
});

test('keys with expiry, hashes and pub/sub work', async () => {
  const key = `test:${randomUUID()}`;
  await redis.set(key, 'v', 'PX', 500);
  expect(await redis.get(key)).toBe('v');
  expect(await redis.pttl(key)).toBeGreaterThan(0);
  await redis.hset(`${key}:h`, { mode: 'safe', parallelism: '1' });
  expect(await redis.hgetall(`${key}:h`)).toEqual({ mode: 'safe', parallelism: '1' });
  await redis.del(`${key}:h`);
});

test('the redis probe reports a Redis 7 server', async () => {
  const probe = await createRedisProbeActivities({ redis }).probeRedis();
  expect(probe).toMatchObject({ dependency: 'redis', healthy: true });
  expect(String(probe.detail.version)).toMatch(/^7\./);
});
