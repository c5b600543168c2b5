// The outbox relay against real PostgreSQL and Kafka: each event reaches its topic exactly once,
// also when the relay crashes between producing and marking the row published.
import { randomUUID } from 'node:crypto';
import { type Kafka } from 'kafkajs';
import { type Pool } from 'pg';
import { enqueueOutboxEvent } from '../../../platform/outbox/enqueue';
import { IDEMPOTENCY_HEADER, relayOutbox } from '../../../platform/outbox/relay';
import { readTopic } from '../../../platform/outbox/topic-scan';
import { loadConfig } from '../../../shared/config';
import { createKafka, createPool } from '../../../workers/clients';
import { removeOutboxTopic } from '../../support/outbox-fixtures';

const config = loadConfig();
let pool: Pool;
let kafka: Kafka;
const topic = `t-org-outbox-${randomUUID()}`;

beforeAll(() => {
  pool = createPool(config, 'platform', 4);
  kafka = createKafka(config, 'rebound-test-outbox');
});
afterAll(async () => {
  await removeOutboxTopic(pool, kafka, topic);
  await pool.end();
});

async function enqueue(key: string, messageKey: string): Promise<boolean> {
  const client = await pool.connect();
  try {
    return await enqueueOutboxEvent(client, {
      idempotencyKey: key,
      topic,
      messageKey,
      eventType: 'TestEvent',
      payload: { eventId: key, orgId: messageKey, type: 'TestEvent' },
    });
  } finally {
    client.release();
  }
}

async function copiesOnTopic(key: string): Promise<number> {
  let n = 0;
  await readTopic(kafka, topic, (m) => {
    if (m.headers?.[IDEMPOTENCY_HEADER]?.toString() === key) n += 1;
  });
  return n;
}

test('an event is enqueued once per idempotency key and relayed once', async () => {
  const key = `k-${randomUUID()}`;
  expect(await enqueue(key, 'org-a')).toBe(true);
  expect(await enqueue(key, 'org-a')).toBe(false);
  const first = await relayOutbox({ pool, kafka }, { idempotencyKeys: [key] });
  expect(first.produced).toEqual([key]);
  const second = await relayOutbox({ pool, kafka }, { idempotencyKeys: [key] });
  expect(second).toEqual({ produced: [], recovered: [], alreadyPublished: [key], busy: [] });
  expect(await copiesOnTopic(key)).toBe(1);
  const row = await pool.query('SELECT attempts, published_at FROM outbox WHERE idempotency_key = $1', [key]);
  expect(row.rows[0].attempts).toBe(1);
  expect(row.rows[0].published_at).not.toBeNull();
}, 60_000);

test('a relay that crashed after producing does not publish the event again', async () => {
  const key = `k-${randomUUID()}`;
  await enqueue(key, 'org-b');
  const crash = new Error('relay process died after producing');
  await expect(
    relayOutbox(
      {
        pool,
        kafka,
        hooks: {
          afterProduce: () => Promise.reject(crash),
        },
      },
      { idempotencyKeys: [key] },
    ),
  ).rejects.toBe(crash);
  // Unpublished, and named by the batch's intent record (committed before producing).
  const pending = await pool.query(
    `SELECT o.published_at, (SELECT count(*)::int FROM outbox_relay_intents b WHERE o.id = ANY(b.row_ids)) AS intents
       FROM outbox o WHERE o.idempotency_key = $1`,
    [key],
  );
  expect(pending.rows[0].published_at).toBeNull();
  expect(pending.rows[0].intents).toBe(1);

  const retry = await relayOutbox({ pool, kafka }, { idempotencyKeys: [key] });
  expect(retry.recovered).toEqual([key]);
  expect(retry.produced).toEqual([]);
  expect(await copiesOnTopic(key)).toBe(1);
  // The recovery settled the row: no record names it any more.
  const left = await pool.query(
    'SELECT count(*)::int AS n FROM outbox_relay_intents b, outbox o WHERE o.idempotency_key = $1 AND o.id = ANY(b.row_ids)',
    [key],
  );
  expect(left.rows[0].n).toBe(0);
}, 90_000);

test('a batch intent recorded by a relay that died before producing: published once', async () => {
  const key = `k-${randomUUID()}`;
  await enqueue(key, 'org-d');
  // The record was committed, nothing produced: the scan finds nothing and the row is sent.
  await pool.query(
    `INSERT INTO outbox_relay_intents (row_ids, topics, partitions, from_offsets)
     SELECT ARRAY[id], ARRAY[topic], ARRAY[0], ARRAY[0::bigint] FROM outbox WHERE idempotency_key = $1`,
    [key],
  );
  const retry = await relayOutbox({ pool, kafka }, { idempotencyKeys: [key] });
  expect(retry).toEqual({ produced: [key], recovered: [], alreadyPublished: [], busy: [] });
  expect(await copiesOnTopic(key)).toBe(1);
  const left = await pool.query(
    'SELECT count(*)::int AS n FROM outbox_relay_intents b, outbox o WHERE o.idempotency_key = $1 AND o.id = ANY(b.row_ids)',
    [key],
  );
  expect(left.rows[0].n).toBe(0);
}, 90_000);

test('a relay that crashed before producing publishes on the next attempt', async () => {
  const key = `k-${randomUUID()}`;
  await enqueue(key, 'org-c');
  // The intent was committed but nothing produced (the crash came before the send).
  await pool.query(
    `UPDATE outbox SET attempts = 1, relay_partition = 0,
       relay_from_offset = 0 WHERE idempotency_key = $1`,
    [key],
  );
  const retry = await relayOutbox({ pool, kafka }, { idempotencyKeys: [key] });
  expect(retry.produced).toEqual([key]);
  expect(await copiesOnTopic(key)).toBe(1);
}, 90_000);
