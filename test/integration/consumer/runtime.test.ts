// The consumer runtime against real Kafka, Redis and PostgreSQL: it halts on a poison message
// without committing past it (reporting the failing offset), leaves the group when stopped, skips
// exactly the listed offset in safe mode, and processes every other event exactly once.
import { type Redis } from 'ioredis';
import { type Kafka } from 'kafkajs';
import { type Pool } from 'pg';
import { writeControl } from '../../../consumer/control-store';
import { readHealth } from '../../../consumer/health-store';
import { ConsumerRuntime } from '../../../consumer/runtime';
import { createKafkaGroupActivities } from '../../../activities/kafka/group-admin';
import { notificationHandler } from '../../../platform/notifications/handler';
import { loadConfig } from '../../../shared/config';
import { messageRef } from '../../../shared/consumer-control';
import { createKafka, createPool, createRedis } from '../../../workers/clients';
import { quietLogger } from '../../support/quiet-logger';
import {
  createTopic,
  deleteTopics,
  notificationCounts,
  producePoisonedStream,
  uniqueNames,
  waitFor,
} from './fixtures';

const config = loadConfig();
let kafka: Kafka;
let redis: Redis;
let subscriber: Redis;
let pool: Pool;
const topics: string[] = [];

beforeAll(() => {
  kafka = createKafka(config, 'test-consumer-runtime');
  redis = createRedis(config, 'test-consumer-runtime');
  subscriber = createRedis(config, 'test-consumer-runtime-sub');
  pool = createPool(config, 'platform', 4);
});

afterAll(async () => {
  await deleteTopics(kafka, topics);
  await Promise.allSettled([pool.end(), redis.quit(), subscriber.quit()]);
});

test('halts on a poison message, stops on command, and resumes in safe mode past exactly that offset', async () => {
  const { topic, group, orgId } = uniqueNames('rt');
  topics.push(topic);
  await createTopic(kafka, topic, 1);
  const { good, goodAfter, poisonOffset } = await producePoisonedStream(kafka, topic, orgId, 4, 5);
  const admin = createKafkaGroupActivities({ kafka });
  const runtime = new ConsumerRuntime({
    kafka,
    redis,
    subscriber,
    pool,
    group,
    topic,
    handler: notificationHandler,
    crashBackoffMs: 1_000,
    healthEveryMs: 500,
    logger: quietLogger,
  });
  await runtime.start();
  try {
    // Normal mode: the four good events land, then the poison message halts the consumer (a crash
    // loop: it restarts after the back-off and halts again on the same offset).
    const crashed = await waitFor('a reported crash', async () => {
      const [h] = await readHealth(redis, group);
      return h && h.crashes >= 2 && h.lastError ? h : undefined;
    });
    expect(crashed.lastError).toMatchObject({ topic, partition: 0, offset: poisonOffset, attempts: 3 });
    expect(crashed.lastError?.error).toMatch(/not JSON/);
    const snap = await admin.snapshotGroup({ group, topic });
    expect(snap.partitions[0].committed).toBe(poisonOffset);
    expect([...(await notificationCounts(pool, orgId)).keys()].sort()).toEqual([...good].sort());

    // Stopped: the member leaves and the group becomes Empty.
    await writeControl(redis, group, { mode: 'stopped', skip: [], maxParallelism: 3, debug: false }, 'test');
    await waitFor(
      'an Empty group',
      async () => (await admin.snapshotGroup({ group, topic })).state === 'Empty',
    );
    await waitFor('state stopped', async () => (await readHealth(redis, group))[0]?.state === 'stopped');

    // Safe mode with the poison offset on the skip list: everything after it is processed once.
    const safe = await writeControl(
      redis,
      group,
      { mode: 'safe', skip: [messageRef(topic, 0, poisonOffset!)], maxParallelism: 1, debug: true },
      'test',
    );
    await waitFor('all events after the poison one', async () => {
      const counts = await notificationCounts(pool, orgId);
      return counts.size === good.length + goodAfter.length ? counts : undefined;
    });
    const counts = await notificationCounts(pool, orgId);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    const healthy = await waitFor('lag 0', async () => {
      const s = await admin.snapshotGroup({ group, topic });
      return s.lagTotal === 0 ? s : undefined;
    });
    expect(healthy.partitions[0].committed).toBe(String(Number(poisonOffset) + 6));
    // The health record is refreshed every healthEveryMs, so it may trail the commit by one tick.
    const h = await waitFor('health reporting the skip', async () => {
      const [r] = await readHealth(redis, group);
      return r?.skipped === 1 ? r : undefined;
    });
    expect(h).toMatchObject({ mode: 'safe', controlVersion: safe.version, state: 'running', skipped: 1 });
  } finally {
    await runtime.close();
  }
}, 120_000);

test('a redelivered event is recognised by its event id and written once', async () => {
  const { topic, group, orgId } = uniqueNames('dup');
  topics.push(topic);
  await createTopic(kafka, topic, 1);
  await producePoisonedStream(kafka, topic, orgId, 3, 0, false);
  // The same three events again: at-least-once delivery upstream.
  await producePoisonedStream(kafka, topic, orgId, 3, 0, false);
  const runtime = new ConsumerRuntime({
    kafka,
    redis,
    subscriber,
    pool,
    group,
    topic,
    handler: notificationHandler,
    healthEveryMs: 500,
    logger: quietLogger,
  });
  await runtime.start();
  try {
    const h = await waitFor('six deliveries handled', () => {
      const s = runtime.snapshot();
      return Promise.resolve(s.processed === 6 ? s : undefined);
    });
    expect(h.duplicates).toBe(3);
    const counts = await notificationCounts(pool, orgId);
    expect([...counts.values()]).toEqual([1, 1, 1]);
  } finally {
    await runtime.close();
  }
}, 90_000);
