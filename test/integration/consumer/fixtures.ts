// Shared fixtures for the consumer tests: unique topic/group names, producing notification events
// (good and poison), counting what reached Postgres, and polling until a condition holds.
import { type Kafka } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import { type Pool } from 'pg';

export { waitFor } from '../../support/wait-for';

export function uniqueNames(label: string): { topic: string; group: string; orgId: string } {
  const id = randomUUID().slice(0, 8);
  return { topic: `t-${label}-${id}.notifications`, group: `t-${label}-${id}`, orgId: randomUUID() };
}

/**
 * Creates the topic and resolves once every partition answers a ListOffsets from its leader, at
 * most 60 s. `waitForLeaders` alone was not enough right after the broker restarted (a chaos
 * outage cell before): the metadata named a leader, and the first produce still failed with
 * "This server does not host this topic-partition".
 */
export async function createTopic(kafka: Kafka, topic: string, partitions = 1): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: true });
    const deadline = Date.now() + 60_000;
    for (;;) {
      const ready = await admin.fetchTopicOffsets(topic).then(
        (offsets) => offsets.length === partitions,
        () => false,
      );
      if (ready) return;
      if (Date.now() > deadline) throw new Error(`topic ${topic}: partitions not served after 60 s`);
      await new Promise((r) => setTimeout(r, 250));
    }
  } finally {
    await admin.disconnect();
  }
}

export async function deleteTopics(kafka: Kafka, topics: string[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const mine = topics.filter((t) => existing.has(t));
    if (mine.length > 0) await admin.deleteTopics({ topics: mine });
  } catch {
    // Cleanup is best effort: a leftover uniquely named test topic harms nobody.
  } finally {
    await admin.disconnect();
  }
}

export interface Produced {
  eventIds: string[];
  poisonOffset?: string;
}

/** Produces `before` good events, one poison message, then `after` good events, all to partition 0. */
export async function producePoisonedStream(
  kafka: Kafka,
  topic: string,
  orgId: string,
  before: number,
  after: number,
  poison = true,
): Promise<{ good: string[]; goodAfter: string[]; poisonOffset: string | undefined }> {
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    const event = (n: number) => {
      const eventId = `${topic}#${n}`;
      return { eventId, value: JSON.stringify({ eventId, orgId, type: 'member.invited', n }) };
    };
    const first = Array.from({ length: before }, (_, i) => event(i));
    const last = Array.from({ length: after }, (_, i) => event(before + i));
    await producer.send({
      topic,
      messages: first.map((e) => ({ partition: 0, key: e.eventId, value: e.value })),
    });
    let poisonOffset: string | undefined;
    if (poison) {
      const [meta] = await producer.send({
        topic,
        messages: [{ partition: 0, key: 'poison', value: '{"eventId": "broken", "orgId": 42' }],
      });
      poisonOffset = meta.baseOffset;
    }
    await producer.send({
      topic,
      messages: last.map((e) => ({ partition: 0, key: e.eventId, value: e.value })),
    });
    return { good: first.map((e) => e.eventId), goodAfter: last.map((e) => e.eventId), poisonOffset };
  } finally {
    await producer.disconnect();
  }
}

/** Rows per event id written for this org: every value must be 1 for exactly-once. */
export async function notificationCounts(pool: Pool, orgId: string): Promise<Map<string, number>> {
  const r = await pool.query<{ event_id: string; n: number }>(
    'SELECT event_id, count(*)::int AS n FROM notifications WHERE org_id = $1 GROUP BY event_id',
    [orgId],
  );
  return new Map(r.rows.map((row) => [row.event_id, row.n]));
}
