// Kafka activities against the real broker: reading a message at its exact offset, copying it to
// the quarantine exactly once even when the step runs twice, moving a group's offset only while
// it is Empty and only forward, and redriving once per key, even across a crash after producing.
import { MockActivityEnvironment } from '@temporalio/testing';
import { type Kafka } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import { type Pool } from 'pg';
import { createKafkaGroupActivities } from '../../../activities/kafka/group-admin';
import {
  createKafkaQuarantineActivities,
  type QuarantinedMessage,
} from '../../../activities/kafka/quarantine';
import {
  createKafkaRedriveActivities,
  REDRIVE_LOCK_CLASS,
  RedriveBusyError,
} from '../../../activities/kafka/redrive';
import { loadConfig } from '../../../shared/config';
import { QUARANTINE_HEADERS, quarantineTopic } from '../../../shared/consumer-control';
import { createKafka, createPool } from '../../../workers/clients';
import { createTopic, deleteTopics, producePoisonedStream, uniqueNames } from './fixtures';

const config = loadConfig();
let kafka: Kafka;
let pool: Pool;
const topics: string[] = [];
const env = new MockActivityEnvironment();
// Runs an activity inside a mock activity context (heartbeats work) with its types kept.
const inActivity = <A, R>(fn: (arg: A) => Promise<R>, arg: A): Promise<R> =>
  env.run<[A], R, (arg: A) => Promise<R>>(fn, arg);

beforeAll(() => {
  kafka = createKafka(config, 'test-quarantine');
  pool = createPool(config, 'platform', 2);
});
afterAll(async () => {
  await deleteTopics(kafka, topics);
  await pool.end();
});

test('reads the poison message and quarantines it exactly once when the step runs twice', async () => {
  const { topic, orgId } = uniqueNames('q');
  topics.push(topic, quarantineTopic(topic));
  await createTopic(kafka, topic, 2);
  const { poisonOffset } = await producePoisonedStream(kafka, topic, orgId, 2, 2);
  const acts = createKafkaQuarantineActivities({ kafka });

  const [message] = await inActivity(acts.readMessagesAt, {
    topic,
    refs: [{ partition: 0, offset: poisonOffset! }],
  });
  expect(message).toMatchObject({ topic, partition: 0, offset: poisonOffset, key: 'poison' });
  expect(Buffer.from(message.valueBase64!, 'base64').toString()).toContain('"broken"');

  const request = { incidentId: `inc-${randomUUID()}`, message, error: 'MalformedEvent: not JSON' };
  const first = await inActivity(acts.quarantineMessage, request);
  const second = await inActivity(acts.quarantineMessage, request);
  expect(first.produced).toBe(true);
  expect(second.produced).toBe(false);
  expect(second.copy.offset).toBe(first.copy.offset);

  const listed = await inActivity(acts.listQuarantine, { topic });
  expect(listed).toHaveLength(1);
  expect(listed[0]).toMatchObject({
    incidentId: request.incidentId,
    error: 'MalformedEvent: not JSON',
    original: { topic, partition: 0, offset: poisonOffset, key: 'poison' },
  });

  // A different incident quarantining the same offset is a separate copy (a separate decision).
  await inActivity(acts.quarantineMessage, { ...request, incidentId: `inc-${randomUUID()}` });
  expect(await inActivity(acts.listQuarantine, { topic })).toHaveLength(2);

  await expect(
    inActivity(acts.readMessagesAt, { topic, refs: [{ partition: 1, offset: '99' }] }),
  ).rejects.toThrow(/no message at/);
}, 90_000);

test('moves committed offsets only while the group is Empty and never backwards', async () => {
  const { topic, group, orgId } = uniqueNames('off');
  topics.push(topic);
  await createTopic(kafka, topic, 1);
  await producePoisonedStream(kafka, topic, orgId, 5, 0, false);
  const admin = createKafkaGroupActivities({ kafka });

  const empty = await admin.snapshotGroup({ group, topic });
  expect(empty).toMatchObject({
    state: 'Dead',
    lagTotal: 5,
    partitions: [{ partition: 0, committed: null, high: '5' }],
  });
  expect(await admin.setGroupOffsets({ group, topic, moves: [{ partition: 0, offset: '3' }] })).toEqual([
    { partition: 0, from: null, to: '3', moved: true },
  ]);
  expect(await admin.setGroupOffsets({ group, topic, moves: [{ partition: 0, offset: '2' }] })).toEqual([
    { partition: 0, from: '3', to: '3', moved: false },
  ]);
  const after = await admin.snapshotGroup({ group, topic });
  expect(after).toMatchObject({ state: 'Empty', lagTotal: 2 });

  // A live member: setOffsets is refused as GroupNotEmpty (not retried blindly: the playbook waits
  // for the group to be Empty again).
  const member = kafka.consumer({ groupId: group, sessionTimeout: 10_000, heartbeatInterval: 1_000 });
  await member.connect();
  await member.subscribe({ topic });
  await member.run({ autoCommit: false, eachMessage: () => Promise.resolve() });
  try {
    await expect(
      admin.setGroupOffsets({ group, topic, moves: [{ partition: 0, offset: '4' }] }),
    ).rejects.toMatchObject({ type: 'GroupNotEmpty' });
  } finally {
    await member.disconnect();
  }
}, 90_000);

test('redrive republishes once per key, with the corrected value, to the original partition', async () => {
  const { topic, orgId, poisonOffset, q, copy } = await quarantinedPoison('rd');

  const r = createKafkaRedriveActivities({ kafka, platformPool: pool });
  const fixed = JSON.stringify({ eventId: `${topic}#fixed`, orgId, type: 'member.invited' });
  const key = `test-${randomUUID()}`;
  const first = await r.redriveMessage({ redriveKey: key, copy, replacementValue: fixed, by: 'tester' });
  const again = await r.redriveMessage({ redriveKey: key, copy, replacementValue: fixed, by: 'tester' });
  expect(first).toMatchObject({ produced: true, partition: 0, offset: String(Number(poisonOffset) + 1) });
  expect(again).toEqual({ ...first, produced: false });

  const [republished] = await inActivity(q.readMessagesAt, {
    topic,
    refs: [{ partition: 0, offset: first.offset }],
  });
  expect(Buffer.from(republished.valueBase64!, 'base64').toString()).toBe(fixed);
  expect(republished.headers[QUARANTINE_HEADERS.redrive]).toBe(key);
  expect(republished.key).toBe('poison');
}, 90_000);

test('a redrive killed between its produce and its ledger row is found on the topic, not produced again', async () => {
  const { topic, poisonOffset, copy } = await quarantinedPoison('rk');
  const key = `test-${randomUUID()}`;
  const request = { redriveKey: key, copy, by: 'tester' };

  // The first attempt dies after the broker acknowledged (the chaos matrix's SIGKILL there).
  const crashing = createKafkaRedriveActivities({
    kafka,
    platformPool: pool,
    afterProduce: () => Promise.reject(new Error('worker killed')),
  });
  await expect(inActivity(crashing.redriveMessage, request)).rejects.toThrow('worker killed');
  const ledger = () =>
    pool.query('SELECT target_offset::text AS o FROM quarantine_redrives WHERE redrive_key = $1', [key]);
  expect((await ledger()).rows).toHaveLength(0);

  const retry = await inActivity(
    createKafkaRedriveActivities({ kafka, platformPool: pool }).redriveMessage,
    request,
  );
  expect(retry).toMatchObject({ produced: false, partition: 0, offset: String(Number(poisonOffset) + 1) });
  expect((await ledger()).rows).toEqual([{ o: retry.offset }]);
  const intents = await pool.query('SELECT 1 FROM quarantine_redrive_intents WHERE redrive_key = $1', [key]);
  expect(intents.rows).toHaveLength(0);
  // One record with the key on the partition: the original stream, then the one redriven copy.
  const admin = kafka.admin();
  await admin.connect();
  const [p0] = (await admin.fetchTopicOffsets(topic)).filter((o) => o.partition === 0);
  await admin.disconnect();
  expect(p0.high).toBe(String(Number(retry.offset) + 1));
}, 90_000);

test('a redrive attempt is refused while another attempt of the same key still runs', async () => {
  const key = `test-${randomUUID()}`;
  const holder = await pool.connect();
  try {
    await holder.query('SELECT pg_advisory_lock($1, hashtext($2))', [REDRIVE_LOCK_CLASS, key]);
    const r = createKafkaRedriveActivities({ kafka, platformPool: pool });
    const copy = {
      original: { topic: 'unused', partition: 0, offset: '0', key: null },
    } as QuarantinedMessage;
    await expect(r.redriveMessage({ redriveKey: key, copy, by: 'tester' })).rejects.toBeInstanceOf(
      RedriveBusyError,
    );
  } finally {
    await holder.query('SELECT pg_advisory_unlock_all()');
    holder.release();
  }
});

test('a binary key, a binary schema-registry header and a repeated header come back byte for byte', async () => {
  const { topic } = uniqueNames('bytes');
  topics.push(topic, quarantineTopic(topic));
  await createTopic(kafka, topic, 1);
  // Not valid UTF-8: decoding and re-encoding as text would change these bytes.
  const key = Buffer.from([0xff, 0xfe, 0x00, 0x80, 0x41]);
  const schemaId = Buffer.from([0x00, 0x00, 0x00, 0x01, 0xc3]);
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const [meta] = await producer.send({
    topic,
    acks: -1,
    messages: [
      {
        partition: 0,
        key,
        value: Buffer.from([0x00, 0x00, 0x00, 0x00, 0x01, 0xde, 0xad]),
        headers: { 'schema-id': schemaId, trace: ['first', 'second'], empty: Buffer.alloc(0) },
      },
    ],
  });
  await producer.disconnect();
  const q = createKafkaQuarantineActivities({ kafka });
  const [message] = await inActivity(q.readMessagesAt, {
    topic,
    refs: [{ partition: 0, offset: meta.baseOffset! }],
  });
  const { copy } = await inActivity(q.quarantineMessage, { incidentId: 'inc-bytes', message, error: 'bad' });

  // What a person inspecting the quarantine topic with any Kafka client sees.
  const raw = await readRaw(quarantineTopic(topic), copy.partition, copy.offset);
  expect(Buffer.compare(raw.key!, key)).toBe(0);
  expect(Buffer.compare(raw.headers['schema-id'] as Buffer, schemaId)).toBe(0);
  expect((raw.headers.trace as Buffer[]).map((b) => b.toString())).toEqual(['first', 'second']);
  expect((raw.headers.empty as Buffer).length).toBe(0);
  expect(copy.originalHeaders.map((h) => h.name)).toEqual(['schema-id', 'trace', 'trace', 'empty']);

  // Redrive without a replacement: the original record again, plus the redrive's own headers.
  const r = createKafkaRedriveActivities({ kafka, platformPool: pool });
  const redriven = await r.redriveMessage({ redriveKey: `test-${randomUUID()}`, copy, by: 'tester' });
  const back = await readRaw(topic, redriven.partition, redriven.offset);
  expect(Buffer.compare(back.key!, key)).toBe(0);
  expect(Buffer.compare(back.value!, Buffer.from([0x00, 0x00, 0x00, 0x00, 0x01, 0xde, 0xad]))).toBe(0);
  expect(Buffer.compare(back.headers['schema-id'] as Buffer, schemaId)).toBe(0);
  expect((back.headers.trace as Buffer[]).map((b) => b.toString())).toEqual(['first', 'second']);
  expect(back.headers[QUARANTINE_HEADERS.redrive]).toBeDefined();
}, 90_000);

/** One record read with a plain kafkajs consumer, headers and key as the broker returns them. */
async function readRaw(
  topic: string,
  partition: number,
  offset: string,
): Promise<{ key: Buffer | null; value: Buffer | null; headers: Record<string, unknown> }> {
  const consumer = kafka.consumer({ groupId: `test-raw-${randomUUID()}`, maxWaitTimeInMs: 250 });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    const found = new Promise<{ key: Buffer | null; value: Buffer | null; headers: Record<string, unknown> }>(
      (resolve) => {
        void consumer.run({
          autoCommit: false,
          eachMessage: ({ partition: p, message }) => {
            if (p === partition && message.offset === offset) {
              resolve({ key: message.key, value: message.value, headers: { ...message.headers } });
            }
            return Promise.resolve();
          },
        });
      },
    );
    return await found;
  } finally {
    await consumer.disconnect();
  }
}

test('the exactly-once look-up reads only what was quarantined since the watermark, heartbeating', async () => {
  const { topic, orgId } = uniqueNames('qscan');
  topics.push(topic, quarantineTopic(topic));
  await createTopic(kafka, topic, 1);
  const { poisonOffset } = await producePoisonedStream(kafka, topic, orgId, 1, 0);
  const q = createKafkaQuarantineActivities({ kafka });
  // A quarantine topic that already holds many copies from earlier incidents.
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const filler = Array.from({ length: 2_000 }, (_, i) => ({
    value: `old-${i}`,
    headers: {
      [QUARANTINE_HEADERS.topic]: topic,
      [QUARANTINE_HEADERS.partition]: '0',
      [QUARANTINE_HEADERS.offset]: String(10_000 + i),
      [QUARANTINE_HEADERS.incident]: 'inc-old',
    },
  }));
  await producer.send({ topic: quarantineTopic(topic), acks: -1, messages: filler });
  await producer.disconnect();

  const beats: { read?: number }[] = [];
  const watched = new MockActivityEnvironment();
  watched.on('heartbeat', (d: unknown) => beats.push(d as { read?: number }));
  const run = <A, R>(fn: (arg: A) => Promise<R>, arg: A) =>
    watched.run<[A], R, (arg: A) => Promise<R>>(fn, arg);

  const [message] = await run(q.readMessagesAt, { topic, refs: [{ partition: 0, offset: poisonOffset! }] });
  const scanFrom = await run(q.quarantineWatermark, { topic });
  // The filler created the topic with the broker's default partition count: 2,000 copies in all.
  expect(scanFrom.reduce((n, p) => n + Number(p.offset), 0)).toBe(2_000);
  const request = { incidentId: `inc-${randomUUID()}`, message, error: 'bad', scanFrom };
  beats.length = 0;
  const first = await run(q.quarantineMessage, request);
  const second = await run(q.quarantineMessage, request);
  expect([first.produced, second.produced]).toEqual([true, false]);
  expect(second.copy).toMatchObject({ partition: first.copy.partition, offset: first.copy.offset });
  // The retry read the one copy produced since the watermark, not the 2,000 before it.
  expect(Math.max(...beats.map((b) => b.read ?? 0))).toBeLessThanOrEqual(1);

  // The full listing (used by quarantine-redrive) reads everything and heartbeats its progress.
  beats.length = 0;
  const all = await run(q.listQuarantine, { topic });
  expect(all).toHaveLength(2_001);
  expect(beats.length).toBeGreaterThanOrEqual(1);
}, 120_000);

/** A topic of its own with one poison message, read at its offset and quarantined once. */
async function quarantinedPoison(prefix: string) {
  const { topic, orgId } = uniqueNames(prefix);
  topics.push(topic, quarantineTopic(topic));
  await createTopic(kafka, topic, 2);
  const { poisonOffset } = await producePoisonedStream(kafka, topic, orgId, 1, 0);
  const q = createKafkaQuarantineActivities({ kafka });
  const [message] = await inActivity(q.readMessagesAt, {
    topic,
    refs: [{ partition: 0, offset: poisonOffset! }],
  });
  const { copy } = await inActivity(q.quarantineMessage, {
    incidentId: `inc-${prefix}`,
    message,
    error: 'bad',
  });
  return { topic, orgId, poisonOffset: poisonOffset!, q, copy };
}
