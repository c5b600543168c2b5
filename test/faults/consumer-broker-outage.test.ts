// The consumer runtime survives its broker (issue: "a consumer runtime that survives its broker"):
// the real Kafka broker is killed for 20 s and started again with `stack up`. While it is down the
// health record says `restarting`/`crashed` with the error and since when, never `running`; after
// it is back the consumer resumes by itself, and every event produced before, during (a producer
// send that retries through the outage) and after is stored exactly once. The stack's own
// reference consumer must store an event produced afterwards within a minute, with no restart by
// hand. Runs in the `faults` project: one file at a time, since it takes the broker away.
import { type Redis } from 'ioredis';
import { type Kafka } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import { type Pool } from 'pg';
import { readHealth } from '../../consumer/health-store';
import { ConsumerRuntime } from '../../consumer/runtime';
import { notificationHandler } from '../../platform/notifications/handler';
import { NOTIFICATIONS_TOPIC } from '../../platform/notifications/topic';
import { loadConfig } from '../../shared/config';
import { type HealthRecord } from '../../shared/consumer-control';
import { createKafka, createPool, createRedis } from '../../workers/clients';
import {
  createTopic,
  deleteTopics,
  notificationCounts,
  uniqueNames,
  waitFor,
} from '../integration/consumer/fixtures';
import { quietLogger } from '../support/quiet-logger';
import { killPart, stackUp } from '../support/stack-parts';

const config = loadConfig();
const OUTAGE_MS = 20_000;
let kafka: Kafka;
let redis: Redis;
let subscriber: Redis;
let pool: Pool;

beforeAll(() => {
  kafka = createKafka(config, 'test-broker-outage');
  redis = createRedis(config, 'test-broker-outage');
  subscriber = createRedis(config, 'test-broker-outage-sub');
  pool = createPool(config, 'platform', 4);
});

afterAll(async () => {
  await stackUp(); // whatever happened, leave the broker running for the next file
  await Promise.allSettled([pool.end(), redis.quit(), subscriber.quit()]);
}, 180_000);

/**
 * What an application does with an event it must publish while the broker is down: keep trying
 * (kafkajs gives up on a refused connection after its own retries) until the broker takes it.
 */
async function sendUntilAccepted(send: () => Promise<unknown>, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 1; ; attempt++) {
    try {
      await send();
      return attempt;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 1_000));
    }
  }
}

function events(orgId: string, label: string, n: number): { key: string; value: string }[] {
  return Array.from({ length: n }, (_, i) => {
    const eventId = `${label}-${orgId}-${i}`;
    return { key: eventId, value: JSON.stringify({ eventId, orgId, type: 'member.invited', n: i }) };
  });
}

test('the runtime restarts itself after the broker was down for 20 s; nothing lost or doubled', async () => {
  const { topic, group, orgId } = uniqueNames('outage');
  await createTopic(kafka, topic, 3);
  const runtime = new ConsumerRuntime({
    kafka,
    redis,
    subscriber,
    pool,
    group,
    topic,
    handler: notificationHandler,
    healthEveryMs: 500,
    restartBackoffMs: 500,
    maxRestartBackoffMs: 4_000,
    logger: quietLogger,
  });
  const producer = createKafka(config, 'test-broker-outage-producer').producer({
    idempotent: true,
    maxInFlightRequests: 1,
    retry: { retries: 30, initialRetryTime: 300, maxRetryTime: 5_000 },
  });
  await producer.connect();
  await runtime.start();
  const before = events(orgId, 'before', 10);
  const during = events(orgId, 'during', 10);
  const after = events(orgId, 'after', 10);
  try {
    await producer.send({ topic, acks: -1, messages: before });
    await waitFor(
      'the events sent before the outage',
      async () => (await notificationCounts(pool, orgId)).size === 10,
    );

    await killPart('kafka');
    const downAt = Date.now();
    const duringSend = sendUntilAccepted(() => producer.send({ topic, acks: -1, messages: during }), 120_000);
    duringSend.catch(() => undefined); // awaited below; keep an early rejection from being unhandled
    const down: HealthRecord = await waitFor(
      'the health record to say the consumer is not consuming',
      async () => {
        const [h] = await readHealth(redis, group);
        return h && (h.state === 'restarting' || h.state === 'crashed') ? h : undefined;
      },
      OUTAGE_MS,
    );
    expect(down.lastCrash).toMatchObject({ retriable: true });
    expect(down.lastCrash?.error).toBeTruthy();
    expect(Date.parse(down.lastCrash!.since)).toBeGreaterThanOrEqual(downAt - 1_000);
    // For the rest of the outage it must never claim to be running.
    while (Date.now() - downAt < OUTAGE_MS) {
      const [h] = await readHealth(redis, group);
      if (h) expect(h.state).not.toBe('running');
      await new Promise((r) => setTimeout(r, 500));
    }

    await stackUp();
    const attempts = await duringSend;
    expect(attempts).toBeGreaterThan(1); // it really was sent during the outage
    await producer.send({ topic, acks: -1, messages: after });
    const counts = await waitFor(
      'every event stored after the broker came back',
      async () => {
        const c = await notificationCounts(pool, orgId);
        return c.size === 30 ? c : undefined;
      },
      90_000,
    );
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    const [h] = await readHealth(redis, group);
    expect(h).toMatchObject({ state: 'running', lastCrash: null });
    expect(h.clientCrashes).toBeGreaterThanOrEqual(1);

    // The stack's reference consumer came back by itself too.
    const ref = randomUUID();
    const eventId = `outage-reference-${ref}`;
    const producedAt = Date.now();
    await producer.send({
      topic: NOTIFICATIONS_TOPIC,
      acks: -1,
      messages: [{ key: eventId, value: JSON.stringify({ eventId, orgId: ref, type: 'member.invited' }) }],
    });
    await waitFor(
      'the reference consumer to store an event produced after the outage',
      async () => {
        const r = await pool.query('SELECT 1 FROM notifications WHERE event_id = $1', [eventId]);
        return r.rowCount === 1;
      },
      60_000,
    );
    console.log(
      `[figure] reference consumer stored a post-outage event ${Date.now() - producedAt} ms after it was produced`,
    );
  } finally {
    await runtime.close();
    await producer.disconnect().catch(() => undefined);
    await deleteTopics(kafka, [topic]);
  }
}, 240_000);
