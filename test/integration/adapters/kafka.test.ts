// kafkajs against the real Kafka broker of the local stack: the produce/consume path and the
// admin calls later playbooks rely on (createTopics, describeGroups, fetchOffsets, setOffsets on
// an empty group). This is also the compatibility check that pins the broker version.
import { randomUUID } from 'node:crypto';
import { type Admin, type Kafka } from 'kafkajs';
import { loadConfig } from '../../../shared/config';
import { createKafka } from '../../../workers/clients';

const kafka: Kafka = createKafka(loadConfig(), 'rebound-test');
let admin: Admin;
const topic = `t-${randomUUID()}`;
const group = `g-${randomUUID()}`;

beforeAll(async () => {
  admin = kafka.admin();
  await admin.connect();
});
afterAll(async () => {
  await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
  await admin.disconnect();
});

async function consumeN(
  groupId: string,
  n: number,
): Promise<{ partition: number; offset: string; value: string }[]> {
  const consumer = kafka.consumer({ groupId, sessionTimeout: 10_000, heartbeatInterval: 1_000 });
  const seen: { partition: number; offset: string; value: string }[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`consumed ${seen.length}/${n} in 30s`)), 30_000);
    void consumer
      .run({
        eachMessage: ({ partition, message }) => {
          seen.push({ partition, offset: message.offset, value: message.value?.toString() ?? '' });
          if (seen.length >= n) {
            clearTimeout(timer);
            resolve();
          }
          return Promise.resolve();
        },
      })
      .catch(reject);
  });
  await consumer.disconnect();
  return seen;
}

test('createTopics creates a topic with the requested partitions, once', async () => {
  expect(await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true })).toBe(
    true,
  );
  expect(await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true })).toBe(
    false,
  );
  const meta = await admin.fetchTopicMetadata({ topics: [topic] });
  expect(meta.topics[0].partitions).toHaveLength(2);
});

test('produce and consume through a consumer group; describeGroups and fetchOffsets see it', async () => {
  const producer = kafka.producer({ idempotent: true });
  await producer.connect();
  await producer.send({
    topic,
    messages: Array.from({ length: 10 }, (_, i) => ({ key: `k${i % 2}`, value: `m${i}`, partition: i % 2 })),
  });
  await producer.disconnect();

  const seen = await consumeN(group, 10);
  expect(seen.map((m) => m.value).sort()).toEqual(Array.from({ length: 10 }, (_, i) => `m${i}`).sort());

  const described = await admin.describeGroups([group]);
  expect(described.groups[0].groupId).toBe(group);
  expect(described.groups[0].state).toBe('Empty'); // the consumer left

  const offsets = await admin.fetchOffsets({ groupId: group, topics: [topic] });
  const committed = offsets[0].partitions.map((p) => [p.partition, p.offset]).sort();
  expect(committed).toEqual([
    [0, '5'],
    [1, '5'],
  ]);
}, 60_000);

test('setOffsets moves an empty group past a message, and the group resumes after it', async () => {
  await admin.setOffsets({ groupId: group, topic, partitions: [{ partition: 0, offset: '3' }] });
  const offsets = await admin.fetchOffsets({ groupId: group, topics: [topic] });
  expect(offsets[0].partitions.find((p) => p.partition === 0)?.offset).toBe('3');

  // Re-consuming from the moved offset yields exactly offsets 3 and 4 of partition 0.
  const seen = await consumeN(group, 2);
  expect(seen.map((m) => [m.partition, m.offset]).sort()).toEqual([
    [0, '3'],
    [0, '4'],
  ]);
}, 60_000);

test('setOffsets is refused while the group has members', async () => {
  const consumer = kafka.consumer({ groupId: group, sessionTimeout: 10_000, heartbeatInterval: 1_000 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let joined!: () => void;
  const hasJoined = new Promise<void>((r) => (joined = r));
  consumer.on(consumer.events.GROUP_JOIN, () => joined());
  await consumer.run({ eachMessage: () => Promise.resolve() });
  await hasJoined;
  try {
    const described = await admin.describeGroups([group]);
    expect(described.groups[0].state).toBe('Stable');
    expect(described.groups[0].members).toHaveLength(1);
    await expect(
      admin.setOffsets({ groupId: group, topic, partitions: [{ partition: 0, offset: '0' }] }),
    ).rejects.toThrow();
  } finally {
    await consumer.disconnect();
  }
}, 60_000);
