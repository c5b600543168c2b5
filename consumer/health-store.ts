// Health records of consumer instances in Redis: one key per instance with an expiry (a dead
// instance disappears by itself) plus a sorted set of instance ids scored by heartbeat time, so a
// reader lists the live instances of a group without KEYS or SCAN.
import { type Redis } from 'ioredis';
import { healthKey, instancesKey, type HealthRecord } from '../shared/consumer-control';

const FORGET_AFTER_MS = 3_600_000;

export async function writeHealth(redis: Redis, record: HealthRecord, ttlMs: number): Promise<void> {
  const now = Date.now();
  await redis
    .multi()
    .set(healthKey(record.group, record.instanceId), JSON.stringify(record), 'PX', ttlMs)
    .zadd(instancesKey(record.group), now, record.instanceId)
    .zremrangebyscore(instancesKey(record.group), '-inf', now - FORGET_AFTER_MS)
    .exec();
}

export async function removeHealth(redis: Redis, group: string, instanceId: string): Promise<void> {
  await redis.multi().del(healthKey(group, instanceId)).zrem(instancesKey(group), instanceId).exec();
}

/** The health records of the group's instances that are still alive (not expired). */
export async function readHealth(redis: Redis, group: string): Promise<HealthRecord[]> {
  const ids = await redis.zrange(instancesKey(group), 0, -1);
  if (ids.length === 0) return [];
  const raws = await redis.mget(ids.map((id) => healthKey(group, id)));
  return raws.filter((r): r is string => r !== null).map((r) => JSON.parse(r) as HealthRecord);
}
