// Consumer health (seed 001 scenario 1, poison message / crash loop): every consumer group that
// runs the consumer runtime writes one health record per instance in Redis (shared/consumer-control.ts).
// Groups are found by their instances sets (SCAN, never KEYS: the Redis is shared). Lag is the
// distance from each partition's committed offset to its log end, from Kafka's admin API.
import { type Redis } from 'ioredis';
import { type Admin } from 'kafkajs';
import { healthKey, type HealthRecord } from '../../shared/consumer-control';
import { sample, type Collector, type Sample } from './samples';

const INSTANCES_PATTERN = 'rebound:consumer:*:instances';

/** The groups that have (or recently had) live instances. */
export async function listConsumerGroups(redis: Redis): Promise<string[]> {
  const groups = new Set<string>();
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', INSTANCES_PATTERN, 'COUNT', 1000);
    for (const k of keys) groups.add(k.slice('rebound:consumer:'.length, -':instances'.length));
    cursor = next;
  } while (cursor !== '0');
  return [...groups].sort();
}

async function healthOf(redis: Redis, group: string): Promise<HealthRecord[]> {
  const ids = await redis.zrange(`rebound:consumer:${group}:instances`, 0, -1);
  if (ids.length === 0) return [];
  const raw = await redis.mget(ids.map((id) => healthKey(group, id)));
  return raw.filter((r): r is string => r !== null).map((r) => JSON.parse(r) as HealthRecord);
}

/** Health samples of one group's instances (pure, for the unit test). */
export function healthSamples(group: string, records: HealthRecord[]): Sample[] {
  const byState = new Map<string, number>();
  const halted = new Map<string, number>();
  for (const r of records) {
    const k = `${r.state}|${r.mode}`;
    byState.set(k, (byState.get(k) ?? 0) + 1);
    if (r.state === 'crashed' && r.lastError)
      halted.set(r.lastError.topic, (halted.get(r.lastError.topic) ?? 0) + 1);
  }
  const out: Sample[] = [];
  for (const [k, n] of byState) {
    const [state, mode] = k.split('|');
    out.push(sample('platform_consumer_instances', { group, state, mode }, n));
  }
  for (const [topic, n] of halted)
    out.push(sample('platform_consumer_halted_instances', { group, topic }, n));
  return out;
}

/** The topics a group's instances committed on (from their health records). */
function topicsOf(records: HealthRecord[]): string[] {
  const topics = new Set<string>();
  for (const r of records)
    for (const tp of Object.keys(r.committed)) topics.add(tp.slice(0, tp.lastIndexOf(':')));
  return [...topics];
}

async function lagSamples(admin: Admin, group: string, topics: string[]): Promise<Sample[]> {
  if (topics.length === 0) return [];
  const out: Sample[] = [];
  const committed = await admin.fetchOffsets({ groupId: group, topics });
  for (const { topic, partitions } of committed) {
    const ends = await admin.fetchTopicOffsets(topic);
    const endOf = new Map(ends.map((e) => [e.partition, BigInt(e.high)]));
    let lag = 0n;
    for (const p of partitions) {
      const end = endOf.get(p.partition) ?? 0n;
      // -1: nothing committed yet on that partition; the whole log is unconsumed.
      const at =
        p.offset === '-1'
          ? BigInt(ends.find((e) => e.partition === p.partition)?.low ?? '0')
          : BigInt(p.offset);
      if (end > at) lag += end - at;
    }
    out.push(sample('platform_consumer_lag_messages', { group, topic }, Number(lag)));
  }
  return out;
}

/** Health from Redis (always) and lag from Kafka (when it answers; its own collector says when not). */
export function consumerHealthCollector(redis: Redis, intervalMs: number): Collector {
  return {
    name: 'consumer-health',
    intervalMs,
    async collect() {
      const out: Sample[] = [];
      for (const group of await listConsumerGroups(redis))
        out.push(...healthSamples(group, await healthOf(redis, group)));
      return out;
    },
  };
}

export function consumerLagCollector(redis: Redis, admin: Admin, intervalMs: number): Collector {
  return {
    name: 'consumer-lag',
    intervalMs,
    async collect() {
      const out: Sample[] = [];
      for (const group of await listConsumerGroups(redis)) {
        const topics = topicsOf(await healthOf(redis, group));
        out.push(...(await lagSamples(admin, group, topics)));
      }
      return out;
    },
  };
}
