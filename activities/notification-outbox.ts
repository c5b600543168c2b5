// Pages are never dropped (issue 10 build item 6). A notification is written as an outbox row in
// the same transaction as its audit entry; publishing marks the row published. A publish that
// fails leaves the row pending: the notify activity fails and Temporal retries it (the retry finds
// the row still pending and publishes it), and the worker's relay (publishPending) sweeps rows whose
// activity gave up. At-least-once: a crash between publish and the mark may repeat a page, never
// lose one; subscribers deduplicate by (workflowId, key).
import { type Redis } from 'ioredis';
import { type Pool, type PoolClient } from 'pg';

export const NOTIFY_CHANNEL = 'rebound:notifications';

export interface OutboxNotification {
  workflowId: string;
  key: string;
  severity: 'info' | 'warning' | 'critical';
  message: string;
  detail?: Record<string, unknown>;
}

/** Writes the outbox row (idempotent per workflow id and key) inside the caller's transaction. */
export async function enqueueNotification(db: PoolClient, n: OutboxNotification): Promise<void> {
  await db.query(
    `INSERT INTO notification_outbox (workflow_id, key, payload) VALUES ($1, $2, $3)
     ON CONFLICT (workflow_id, key) DO NOTHING`,
    [n.workflowId, n.key, JSON.stringify(n)],
  );
}

/**
 * Publishes the pending row of (workflowId, key), if any; returns true when this call published.
 * @throws the publish error (the row stays pending, with the error and attempt count recorded)
 */
export async function publishNotification(
  pool: Pool,
  redis: Pick<Redis, 'publish'>,
  workflowId: string,
  key: string,
): Promise<boolean> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    // SKIP LOCKED: a relay publishing the same row at this moment owns it.
    const row = await client.query<{ payload: OutboxNotification }>(
      `SELECT payload FROM notification_outbox WHERE workflow_id = $1 AND key = $2 AND published_at IS NULL
       FOR UPDATE SKIP LOCKED`,
      [workflowId, key],
    );
    if (!row.rows[0]) {
      await client.query('COMMIT');
      return false;
    }
    try {
      await redis.publish(NOTIFY_CHANNEL, JSON.stringify(row.rows[0].payload));
    } catch (err) {
      await client.query(
        `UPDATE notification_outbox SET attempts = attempts + 1, last_error = $3 WHERE workflow_id = $1 AND key = $2`,
        [workflowId, key, String(err)],
      );
      await client.query('COMMIT');
      throw err;
    }
    await client.query(
      `UPDATE notification_outbox SET published_at = now(), attempts = attempts + 1 WHERE workflow_id = $1 AND key = $2`,
      [workflowId, key],
    );
    await client.query('COMMIT');
    return true;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

/** Publishes up to `limit` pending rows older than `minAgeMs` (the relay); returns how many. */
export async function publishPending(
  pool: Pool,
  redis: Pick<Redis, 'publish'>,
  opts: { minAgeMs: number; limit: number },
): Promise<number> {
  const pending = await pool.query<{ workflow_id: string; key: string }>(
    `SELECT workflow_id, key FROM notification_outbox
     WHERE published_at IS NULL AND created_at < now() - make_interval(secs => $1::double precision / 1000)
     ORDER BY created_at LIMIT $2`,
    [opts.minAgeMs, opts.limit],
  );
  let published = 0;
  for (const r of pending.rows) {
    try {
      if (await publishNotification(pool, redis, r.workflow_id, r.key)) published += 1;
    } catch {
      // Still pending; the next sweep tries again.
    }
  }
  return published;
}

/**
 * The worker's relay: every `everyMs`, publishes rows still pending after `minAgeMs` (their
 * activity gave up or its worker died). Returns a stop function.
 */
export function startNotificationRelay(
  pool: Pool,
  redis: Pick<Redis, 'publish'>,
  opts: { everyMs?: number; minAgeMs?: number; onError?: (err: unknown) => void } = {},
): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    publishPending(pool, redis, { minAgeMs: opts.minAgeMs ?? 30_000, limit: 100 })
      .catch((err: unknown) => opts.onError?.(err))
      .finally(() => {
        running = false;
      });
  }, opts.everyMs ?? 5_000);
  timer.unref();
  return () => clearInterval(timer);
}
