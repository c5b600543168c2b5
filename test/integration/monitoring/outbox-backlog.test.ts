// outboxBacklogNow against the real PostgreSQL, on copies of the outbox and its queue in a schema
// of the test's own (search_path), so that the counts are exact while other tests and the stack's
// relay write the real tables. Covers the bound: queued ids up to the checked number are checked
// against their rows (stale ones, published by another writer or deleted, are not counted), the
// rest are counted from the queue alone, and the age never reads 0 while an unpublished row exists.
import { randomUUID } from 'node:crypto';
import { escapeIdentifier, type Pool } from 'pg';
import { outboxBacklogNow } from '../../../platform/outbox/backlog';
import { loadConfig } from '../../../shared/config';
import { createPool } from '../../../workers/clients';

const config = loadConfig();
const schema = escapeIdentifier(`t_backlog_${randomUUID().replaceAll('-', '').slice(0, 12)}`);
let admin: Pool;
let pool: Pool;
const DAY = 86_400;

beforeAll(async () => {
  admin = createPool(config, 'platform', 1);
  await admin.query(`CREATE SCHEMA ${schema}`);
  await admin.query(
    `CREATE TABLE ${schema}.outbox (LIKE public.outbox INCLUDING DEFAULTS INCLUDING INDEXES)`,
  );
  await admin.query(`CREATE TABLE ${schema}.outbox_pending (id bigint PRIMARY KEY)`);
  pool = createPool(config, 'platform', 1);
  pool.on('connect', (client) => void client.query(`SET search_path = ${schema}`));
  // Ids 1–6, id n created 100 - n days ago; 2 and 5 published by another writer but still queued;
  // 7 queued with its row gone.
  await admin.query(
    `INSERT INTO ${schema}.outbox (id, idempotency_key, topic, message_key, event_type, payload, created_at, published_at)
     SELECT n, 'backlog-' || n, 't-backlog', NULL, 'Test', '{}', now() - make_interval(days => 100 - n),
            CASE WHEN n IN (2, 5) THEN now() END
       FROM generate_series(1, 6) AS n`,
  );
  await admin.query(`INSERT INTO ${schema}.outbox_pending SELECT generate_series(1, 7)`);
});

afterAll(async () => {
  await pool?.end();
  await admin?.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await admin?.end();
});

const days = (seconds: number) => Math.round(seconds / DAY);

test('every queued id checked: only rows still unpublished count, the oldest gives the age', async () => {
  const b = await outboxBacklogNow(pool, 100);
  expect(b.rows).toBe(4); // 1, 3, 4, 6
  expect(days(b.oldestAgeSeconds)).toBe(99);
});

test('past the checked ids the queue is counted without reading the rows', async () => {
  const b = await outboxBacklogNow(pool, 3);
  expect(b.rows).toBe(2 + 4); // 1 and 3 checked; 4, 5, 6 and 7 counted as queued
  expect(days(b.oldestAgeSeconds)).toBe(99);
});

test('checked ids all stale: the age is that of the first unpublished row after them', async () => {
  await admin.query(`UPDATE ${schema}.outbox SET published_at = now() WHERE id = 1`);
  try {
    const b = await outboxBacklogNow(pool, 2);
    expect(b.rows).toBe(5); // 1 and 2 checked, both published; 3–7 counted as queued
    expect(days(b.oldestAgeSeconds)).toBe(97); // id 3
    const exact = await outboxBacklogNow(pool, 100);
    expect(exact.rows).toBe(3); // 3, 4, 6
    expect(days(exact.oldestAgeSeconds)).toBe(97);
  } finally {
    await admin.query(`UPDATE ${schema}.outbox SET published_at = NULL WHERE id = 1`);
  }
});

test('an empty queue is a backlog of 0 rows aged 0 s', async () => {
  await admin.query(`DELETE FROM ${schema}.outbox_pending`);
  try {
    expect(await outboxBacklogNow(pool)).toEqual({ rows: 0, oldestAgeSeconds: 0 });
  } finally {
    await admin.query(`INSERT INTO ${schema}.outbox_pending SELECT generate_series(1, 7)`);
  }
});

test('a checked number that is not a whole number ≥ 1 is refused before any query', async () => {
  for (const bad of [0, -1, 2.5, Number.NaN]) {
    await expect(outboxBacklogNow(pool, bad)).rejects.toThrow(RangeError);
  }
});
