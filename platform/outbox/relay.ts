// The outbox relay: publishes unpublished outbox rows to Kafka, at most once per idempotency key.
// Per row it (1) takes a session advisory lock (one relay per row; a crash releases it), (2)
// commits its intent (partition, and that partition's end offset) before producing, (3) produces
// with the idempotency key as a header, (4) marks the row published. A relay that finds a row
// with an intent from an earlier attempt scans the partition from the recorded offset for the key
// first, so a crash between (3) and (4) never publishes the event twice.
import { type Admin, type Kafka, type Producer } from 'kafkajs';
import { type Pool, type PoolClient } from 'pg';
import { scanTopic } from './topic-scan';
import { ensureTopic, partitionCount, partitionEnd, partitionForKey } from './topics';

export const IDEMPOTENCY_HEADER = 'idempotency-key';
const LOCK_CLASS = 0x6f627278; // 'obrx'

interface OutboxRow {
  id: string;
  idempotency_key: string;
  topic: string;
  message_key: string | null;
  event_type: string;
  payload: Record<string, unknown>;
  published_at: Date | null;
  relay_partition: number | null;
  relay_from_offset: string | null;
}

export interface RelayFilter {
  /** Relay only these rows (the saga publishing its own events); default: every unpublished row. */
  idempotencyKeys?: string[];
  limit?: number;
}

export interface RelayResult {
  /** Produced by this call. */
  produced: string[];
  /** Found already on the topic (an earlier attempt produced them) and marked published. */
  recovered: string[];
  /** Published before this call. */
  alreadyPublished: string[];
  /** Locked by another relay right now. */
  busy: string[];
}

export interface RelayHooks {
  /** Test hook: runs after producing and before marking published (to simulate a crash there). */
  afterProduce?: (idempotencyKey: string) => Promise<void>;
}

export interface RelayDeps {
  pool: Pool;
  kafka: Kafka;
  hooks?: RelayHooks;
}

export async function relayOutbox(deps: RelayDeps, filter: RelayFilter = {}): Promise<RelayResult> {
  const result: RelayResult = { produced: [], recovered: [], alreadyPublished: [], busy: [] };
  const rows = await selectRows(deps.pool, filter);
  if (rows.length === 0) return result;
  const admin = deps.kafka.admin();
  const producer = deps.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  const lockClient = await deps.pool.connect();
  await Promise.all([admin.connect(), producer.connect()]);
  try {
    for (const row of rows) {
      if (row.published_at) {
        result.alreadyPublished.push(row.idempotency_key);
        continue;
      }
      const locked = await lockClient.query<{ ok: boolean }>(
        'SELECT pg_try_advisory_lock($1, ($2::bigint % 2147483647)::int) AS ok',
        [LOCK_CLASS, row.id],
      );
      if (!locked.rows[0].ok) {
        result.busy.push(row.idempotency_key);
        continue;
      }
      try {
        const outcome = await relayRow(deps, admin, producer, row.id);
        result[outcome].push(row.idempotency_key);
      } finally {
        await lockClient.query('SELECT pg_advisory_unlock($1, ($2::bigint % 2147483647)::int)', [
          LOCK_CLASS,
          row.id,
        ]);
      }
    }
    return result;
  } finally {
    lockClient.release();
    await Promise.allSettled([admin.disconnect(), producer.disconnect()]);
  }
}

async function selectRows(pool: Pool, filter: RelayFilter): Promise<OutboxRow[]> {
  const cols = `id, idempotency_key, topic, message_key, event_type, payload, published_at,
                relay_partition, relay_from_offset`;
  if (filter.idempotencyKeys) {
    const r = await pool.query<OutboxRow>(
      `SELECT ${cols} FROM outbox WHERE idempotency_key = ANY($1) ORDER BY id`,
      [filter.idempotencyKeys],
    );
    return r.rows;
  }
  const r = await pool.query<OutboxRow>(
    `SELECT ${cols} FROM outbox WHERE published_at IS NULL ORDER BY id LIMIT $1`,
    [filter.limit ?? 100],
  );
  return r.rows;
}

async function relayRow(
  deps: RelayDeps,
  admin: Admin,
  producer: Producer,
  id: string,
): Promise<'produced' | 'recovered' | 'alreadyPublished'> {
  // Re-read under the lock: another relay may have finished it since the selection.
  const row = (await deps.pool.query<OutboxRow>('SELECT * FROM outbox WHERE id = $1', [id])).rows[0];
  if (row.published_at) return 'alreadyPublished';
  await ensureTopic(admin, row.topic);

  if (row.relay_partition !== null && row.relay_from_offset !== null) {
    const end = await partitionEnd(admin, row.topic, row.relay_partition);
    let found = false;
    await scanTopic(
      deps.kafka,
      row.topic,
      [{ partition: row.relay_partition, from: Number(row.relay_from_offset), to: end }],
      (m) => (found = m.headers?.[IDEMPOTENCY_HEADER]?.toString() === row.idempotency_key),
    );
    if (found) {
      await markPublished(deps.pool, row.id);
      return 'recovered';
    }
  }

  const partition =
    row.relay_partition ?? partitionForKey(row.message_key, await partitionCount(admin, row.topic));
  const from = row.relay_from_offset ?? String(await partitionEnd(admin, row.topic, partition));
  // The intent is committed before producing: it is what a later attempt scans from. The earliest
  // offset is kept so a scan covers every earlier attempt.
  await deps.pool.query(
    `UPDATE outbox SET attempts = attempts + 1, relay_partition = $2, relay_from_offset = $3 WHERE id = $1`,
    [row.id, partition, from],
  );
  try {
    await producer.send({
      topic: row.topic,
      acks: -1,
      messages: [
        {
          partition,
          key: row.message_key,
          value: JSON.stringify(row.payload),
          headers: { [IDEMPOTENCY_HEADER]: row.idempotency_key, 'event-type': row.event_type },
        },
      ],
    });
  } catch (err) {
    await recordError(deps.pool, row.id, err);
    throw err;
  }
  await deps.hooks?.afterProduce?.(row.idempotency_key);
  await markPublished(deps.pool, row.id);
  return 'produced';
}

async function markPublished(pool: Pool | PoolClient, id: string): Promise<void> {
  await pool.query('UPDATE outbox SET published_at = now(), last_error = NULL WHERE id = $1', [id]);
}

async function recordError(pool: Pool, id: string, err: unknown): Promise<void> {
  await pool
    .query('UPDATE outbox SET last_error = $2 WHERE id = $1', [id, (err as Error).message])
    .catch(() => undefined);
}
