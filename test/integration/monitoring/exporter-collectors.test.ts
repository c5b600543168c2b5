// The exporter's collectors against the real PostgreSQL, Redis and Kafka of the stack: each fault
// the demo injects is measured (a corrupt cache key by name, a stale cache, orphaned rows by org,
// an outbox backlog with its age), and the same org without the fault is not reported. Faults are
// removed again at once (the stack's alert rules need seconds of `for:` before they fire).
import { randomUUID } from 'node:crypto';
import { type Redis } from 'ioredis';
import { escapeIdentifier, type Pool } from 'pg';
import { entitlementCacheKey } from '../../../platform/caches/org-caches';
import { cacheCorruptionCollector, entitlementStalenessCollector } from '../../../platform/exporter/caches';
import { deletionRequestCollector, orphanedOrgCollector } from '../../../platform/exporter/orgs';
import { kafkaCollector, outboxCollector } from '../../../platform/exporter/outbox';
import { type Sample } from '../../../platform/exporter/samples';
import { createOrg } from '../../../platform/org/generator';
import { LOCK_CLASS } from '../../../platform/outbox/relay';
import { listOrgOwnedTables } from '../../../platform/org/org-tables';
import { loadConfig } from '../../../shared/config';
import { createKafka, createPool, createRedis } from '../../../workers/clients';

const config = loadConfig();
let pool: Pool;
let redis: Redis;
let orgId: string;

beforeAll(async () => {
  pool = createPool(config, 'platform', 2);
  redis = createRedis(config, 'rebound-test-exporter');
  orgId = (await createOrg({ pool, redis }, { members: 2, workflows: 1, notifications: 2 })).orgId;
});

afterAll(async () => {
  for (const t of await listOrgOwnedTables(pool))
    await pool.query(`DELETE FROM ${escapeIdentifier(t)} WHERE org_id = $1`, [orgId]);
  await pool.query('DELETE FROM orgs WHERE id = $1', [orgId]);
  await redis.del(entitlementCacheKey(orgId), `platform:org:${orgId}:memberships`);
  await pool.end();
  redis.disconnect();
});

const value = (samples: Sample[], metric: string, labels: Record<string, string> = {}) =>
  samples.find((s) => s.metric === metric && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    ?.value;

test('a corrupt cache key is reported by name; the healthy key is not', async () => {
  const key = entitlementCacheKey(orgId);
  const collector = cacheCorruptionCollector(redis, 1_000);
  expect(value(await collector.collect(), 'platform_cache_corrupt_key', { key })).toBeUndefined();
  const before = await redis.hget(key, 'seats');
  await redis.hset(key, 'seats', 'garbage');
  try {
    expect(value(await collector.collect(), 'platform_cache_corrupt_key', { key })).toBe(1);
  } finally {
    await redis.hset(key, 'seats', before!);
  }
});

test('a database change whose cache update was lost counts as stale; a corrupt value does not', async () => {
  const collector = entitlementStalenessCollector(pool, redis, 1_000, {
    recentWindowS: 900,
    recentLimit: 100_000,
    randomSample: 0,
  });
  const base =
    value(await collector.collect(), 'platform_entitlement_cache_stale_orgs', {
      namespace: 'entitlements',
    }) ?? 0;
  await pool.query(
    'UPDATE entitlements SET limit_value = limit_value + 1, updated_at = now() WHERE org_id = $1',
    [orgId],
  );
  try {
    const after = await collector.collect();
    expect(value(after, 'platform_entitlement_cache_stale_orgs', { namespace: 'entitlements' })).toBe(
      base + 1,
    );
  } finally {
    await pool.query('UPDATE entitlements SET limit_value = limit_value - 1 WHERE org_id = $1', [orgId]);
  }
});

test('rows that outlive their org are reported by org; an existing org is not', async () => {
  const collector = orphanedOrgCollector(pool, 1_000);
  expect(value(await collector.collect(), 'platform_org_orphaned_rows', { org: orgId })).toBeUndefined();
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('DELETE FROM orgs WHERE id = $1', [orgId]);
    // Measured inside the transaction's snapshot through a collector on this client: nothing
    // outside sees the org gone, so the stack's real alert can never fire on it.
    const rows = await orphanedOrgCollector(client as unknown as Pool, 1_000).collect();
    expect(value(rows, 'platform_org_orphaned_rows', { org: orgId })).toBeGreaterThanOrEqual(2 + 1 + 2);
  } finally {
    await client.query('ROLLBACK');
    client.release();
  }
});

test('a deletion request is reported by org while its org exists, and not once the org is gone', async () => {
  const metric = 'platform_org_deletion_request_age_seconds';
  expect(
    value(await deletionRequestCollector(pool, 1_000).collect(), metric, { org: orgId }),
  ).toBeUndefined();
  const client = await pool.connect();
  try {
    // Inside a transaction only: the stack's real OrgDeletionRequested alert must never see it.
    await client.query('BEGIN');
    await client.query(
      `INSERT INTO org_deletion_requests (org_id, requested_at, requested_by, reason)
       VALUES ($1, now() - interval '30 seconds', 'test', 'test')`,
      [orgId],
    );
    const asClient = client as unknown as Pool;
    const age = value(await deletionRequestCollector(asClient, 1_000).collect(), metric, { org: orgId });
    expect(age).toBeGreaterThanOrEqual(30);
    // The saga removes the org: a request whose org row is gone is no longer pending.
    await client.query('DELETE FROM orgs WHERE id = $1', [orgId]);
    expect(
      value(await deletionRequestCollector(asClient, 1_000).collect(), metric, { org: orgId }),
    ).toBeUndefined();
  } finally {
    await client.query('ROLLBACK');
    client.release();
  }
});

test('an outbox backlog is counted with the age of its oldest row; Kafka answers', async () => {
  const key = `t-exporter-${randomUUID()}`;
  const collector = outboxCollector(pool, 1_000);
  const holder = await pool.connect();
  try {
    // The row's advisory lock is taken before the row exists, as a relay holds a row it is
    // publishing: no relay (the stack's outbox-replay schedule) publishes it while it is measured.
    const id = (await holder.query<{ id: string }>("SELECT nextval('outbox_id_seq')::text AS id")).rows[0].id;
    await holder.query('SELECT pg_advisory_lock($1, ($2::bigint % 2147483647)::int)', [LOCK_CLASS, id]);
    await holder.query(
      `INSERT INTO outbox (id, idempotency_key, topic, message_key, event_type, payload, created_at)
       VALUES ($1, $2, 't-exporter', NULL, 'Test', '{}', now() - interval '3650 days')`,
      [id, key],
    );
    // Ten years old: no other test writes a row that old, so the age tells this row apart while
    // other tests add and publish rows of their own.
    const tenYears = 3650 * 86_400;
    const s = await collector.collect();
    expect(value(s, 'platform_outbox_backlog_rows', { outbox: 'platform' })).toBeGreaterThanOrEqual(1);
    expect(
      value(s, 'platform_outbox_oldest_unpublished_age_seconds', { outbox: 'platform' }),
    ).toBeGreaterThanOrEqual(tenYears);
    // Published by someone else than a relay: its id is still queued, but it is no longer counted.
    await holder.query('UPDATE outbox SET published_at = now() WHERE id = $1', [id]);
    const queued = await holder.query('SELECT 1 FROM outbox_pending WHERE id = $1', [id]);
    expect(queued.rowCount).toBe(1);
    const after = await collector.collect();
    expect(
      value(after, 'platform_outbox_oldest_unpublished_age_seconds', { outbox: 'platform' }),
    ).toBeLessThan(tenYears);
  } finally {
    await holder.query('DELETE FROM outbox WHERE idempotency_key = $1', [key]);
    await holder.query('SELECT pg_advisory_unlock_all()');
    holder.release();
  }
  expect(await collector.collect()).toHaveLength(2);
  const admin = createKafka(config, 'rebound-test-exporter').admin();
  await admin.connect();
  try {
    expect(value(await kafkaCollector(admin, 1_000).collect(), 'platform_kafka_up')).toBe(1);
  } finally {
    await admin.disconnect();
  }
});
