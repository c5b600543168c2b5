// How many outbox rows wait to be published, and since when: read from the queue of unpublished
// ids (migration 026), each checked against its row by primary key, never from the outbox table.
// The table keeps every published row, so a scan of it grows without bound: the platform's
// exporter ran one every 2 s (80 ms of the server's CPU each on a 375 MB table holding 31,000
// rows), and the replay's count of rows left took 60–150 ms on the benchmark's table.
import { type Pool, type QueryResult } from 'pg';

/** The outbox's backlog at one instant. */
export interface OutboxBacklogNow {
  /** Unpublished rows. */
  rows: number;
  /** Age of the oldest unpublished row, in seconds (0 when there is none). */
  oldestAgeSeconds: number;
}

/**
 * The backlog now, in one read-only statement. Planned without JIT: the queue's statistics can
 * lag a drain by minutes, and from their estimate PostgreSQL once JIT-compiled this query of a
 * nearly empty queue, which cost 100 ms. Throws what the pool throws (database unreachable).
 */
export async function outboxBacklogNow(pool: Pool): Promise<OutboxBacklogNow> {
  const r = await queryReadOnly<{ n: number; age: number }>(
    pool,
    'SET LOCAL jit = off',
    `SELECT count(*)::int AS n, coalesce(extract(epoch FROM now() - min(q.created_at)), 0)::float8 AS age
       FROM (SELECT (SELECT o.created_at FROM outbox o WHERE o.id = p.id AND o.published_at IS NULL) AS created_at
               FROM outbox_pending p) q
      WHERE q.created_at IS NOT NULL`,
  );
  return { rows: r.rows[0].n, oldestAgeSeconds: r.rows[0].age };
}

/**
 * Runs one query in a read-only transaction of its own, after `settings` (`SET LOCAL` statements
 * that end with it). A client whose transaction failed is destroyed, never handed back. Throws
 * the query's error.
 */
export async function queryReadOnly<R extends object>(
  pool: Pool,
  settings: string,
  sql: string,
): Promise<QueryResult<R>> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN READ ONLY');
    await client.query(settings);
    const r = await client.query<R>(sql);
    await client.query('COMMIT');
    client.release();
    return r;
  } catch (err) {
    client.release(true);
    throw err;
  }
}
