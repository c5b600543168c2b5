// The queue of unpublished outbox ids (migration 026) against real PostgreSQL and Kafka: every
// unpublished row is queued, whoever wrote it; the relay's mark dequeues; and the people who go
// around the relay (deleting unpublished rows, publishing or un-publishing a row by hand) neither
// stop the relay nor make it send a row twice.
// In the faults project: its relay drains every queued row of the platform outbox, so a test
// running beside it would see its own rows published by this one (org/outbox-relay.test.ts did).
import { randomUUID } from 'node:crypto';
import { type Kafka } from 'kafkajs';
import { type Pool } from 'pg';
import { IDEMPOTENCY_HEADER, openRelaySession, type RelayResult } from '../../../platform/outbox/relay';
import { readTopic } from '../../../platform/outbox/topic-scan';
import { loadConfig } from '../../../shared/config';
import { createKafka, createPool } from '../../../workers/clients';
import { enqueueSequences, removeOutboxTopic } from '../../support/outbox-fixtures';

const config = loadConfig();
let pool: Pool;
let kafka: Kafka;
const topic = `t-outbox-queue-${randomUUID()}`;

beforeAll(() => {
  pool = createPool(config, 'platform', 4);
  kafka = createKafka(config, 'rebound-test-outbox-queue');
});
afterAll(async () => {
  await removeOutboxTopic(pool, kafka, topic);
  await pool.end();
});

async function idsOf(keys: string[]): Promise<string[]> {
  const r = await pool.query<{ id: string }>(
    'SELECT o.id::text FROM outbox o WHERE o.idempotency_key = ANY($1) ORDER BY o.id',
    [keys],
  );
  return r.rows.map((x) => x.id);
}

async function queued(ids: string[]): Promise<string[]> {
  const r = await pool.query<{ id: string }>(
    'SELECT p.id::text FROM outbox_pending p WHERE p.id = ANY($1::bigint[]) ORDER BY p.id',
    [ids],
  );
  return r.rows.map((x) => x.id);
}

/** How many times each idempotency key is on the topic. */
async function copiesOnTopic(keys: string[]): Promise<Map<string, number>> {
  const wanted = new Set(keys);
  const copies = new Map<string, number>();
  await readTopic(kafka, topic, (m) => {
    const key = m.headers?.[IDEMPOTENCY_HEADER]?.toString() ?? '';
    if (wanted.has(key)) copies.set(key, (copies.get(key) ?? 0) + 1);
  });
  return copies;
}

async function relayEverything(limit: number): Promise<RelayResult> {
  const session = await openRelaySession({ pool, kafka });
  try {
    return await session.relayAll({ limit });
  } finally {
    await session.close();
  }
}

/**
 * Moves the outbox's id sequence (forward only) so the next rows' ids cross a power of ten (997 →
 * 1002): ids ordered as text instead of numbers ('1000' before '999') then show up at once.
 */
async function straddlePowerOfTen(): Promise<void> {
  await pool.query(
    `SELECT setval('outbox_id_seq', GREATEST(last_value, (10::numeric ^ ceil(log(last_value + 4)))::bigint - 3))
       FROM outbox_id_seq`,
  );
}

test('every row written unpublished is queued, the mark dequeues it, and a row set back to unpublished is queued and sent again', async () => {
  await straddlePowerOfTen();
  const rows = await enqueueSequences(pool, { topic, aggregates: 2, perAggregate: 3, prefix: randomUUID() });
  const keys = rows.map((r) => r.key);
  const ids = await idsOf(keys);
  expect(await queued(ids)).toEqual(ids);

  const first = await relayEverything(4);
  expect(first.produced.filter((k) => keys.includes(k)).sort()).toEqual([...keys].sort());
  expect(await queued(ids)).toEqual([]);

  // An operator un-publishes one row to have it sent again.
  await pool.query('UPDATE outbox SET published_at = NULL WHERE id = $1', [ids[0]]);
  expect(await queued(ids)).toEqual([ids[0]]);
  const again = await relayEverything(4);
  expect(again.produced.filter((k) => keys.includes(k))).toEqual([keys[0]]);
  const copies = await copiesOnTopic(keys);
  expect(copies.get(keys[0])).toBe(2);
  for (const k of keys.slice(1)) expect(copies.get(k)).toBe(1);
}, 90_000);

test('queued ids of rows deleted unpublished do not stop the relay: it moves past them and dequeues them', async () => {
  const rows = await enqueueSequences(pool, { topic, aggregates: 1, perAggregate: 14, prefix: randomUUID() });
  const keys = rows.map((r) => r.key);
  const ids = await idsOf(keys);
  // Someone deletes the first ten rows before they were published: their ids stay queued, a run
  // of more than two whole batches of ids with no row behind them.
  await pool.query('DELETE FROM outbox WHERE id = ANY($1::bigint[])', [ids.slice(0, 10)]);
  expect(await queued(ids)).toEqual(ids);

  const total = await relayEverything(4);
  expect(total.produced.filter((k) => keys.includes(k))).toEqual(keys.slice(10));
  expect(await queued(ids)).toEqual([]);
  const copies = await copiesOnTopic(keys);
  expect([...copies.keys()].sort()).toEqual(keys.slice(10).sort());
}, 90_000);

test('a queued row published by another writer is not sent again and leaves the queue', async () => {
  const rows = await enqueueSequences(pool, { topic, aggregates: 3, perAggregate: 1, prefix: randomUUID() });
  const keys = rows.map((r) => r.key);
  const ids = await idsOf(keys);
  await pool.query('UPDATE outbox SET published_at = now() WHERE id = $1', [ids[1]]);
  expect(await queued(ids)).toEqual(ids);

  const total = await relayEverything(10);
  expect(total.alreadyPublished).toContain(keys[1]);
  expect(total.produced.filter((k) => keys.includes(k)).sort()).toEqual([keys[0], keys[2]].sort());
  expect(await queued(ids)).toEqual([]);
  const copies = await copiesOnTopic(keys);
  expect(copies.has(keys[1])).toBe(false);
}, 90_000);
