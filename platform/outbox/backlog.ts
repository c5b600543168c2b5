// How many outbox rows wait to be published, and since when: read from the queue of unpublished
// ids (migration 026), the oldest of them checked against their rows by primary key, never from
// the outbox table.
// The table keeps every published row, so a scan of it grows without bound: the platform's
// exporter ran one every 2 s (80 ms of the server's CPU each on a 375 MB table holding 31,000
// rows), and the replay's count of rows left took 60–150 ms on the benchmark's table.
import { type Pool, type QueryResult } from 'pg';

/** How many queued ids `outboxBacklogNow` checks against their rows by default. */
export const BACKLOG_CHECKED_IDS = 10_000;

/** The outbox's backlog at one instant. */
export interface OutboxBacklogNow {
  /**
   * Unpublished rows: exact while the queue holds at most the checked number of ids; past that,
   * the ids after the checked ones are counted from the queue without reading their rows (a
   * stale one among them, see migration 026, counts until the relay's claim removes it).
   */
  rows: number;
  /**
   * Age of the oldest unpublished row in seconds, 0 when there is none: the oldest among the
   * checked ids, else (all of them stale) the first unpublished one after them in id order.
   */
  oldestAgeSeconds: number;
}

/**
 * The backlog now, in one read-only statement: the first `checkedIds` queued ids (lowest first,
 * the oldest rows) are checked against their rows by primary key, the rest only counted. Checking
 * every id cost the server 320–430 ms for a backlog of 100,000 rows, and the platform's exporter
 * runs this every 2 s, during a replay too; with 10,000 checked it took 31–59 ms. Planned without
 * JIT: the queue's statistics can lag a drain by minutes, and from their estimate PostgreSQL once
 * JIT-compiled this query of a nearly empty queue, which cost 100 ms. Throws a RangeError for a
 * `checkedIds` that is not a whole number ≥ 1, else what the pool throws (database unreachable).
 */
export async function outboxBacklogNow(
  pool: Pool,
  checkedIds: number = BACKLOG_CHECKED_IDS,
): Promise<OutboxBacklogNow> {
  if (!Number.isInteger(checkedIds) || checkedIds < 1) {
    throw new RangeError(`checkedIds must be a whole number ≥ 1, got ${checkedIds}`);
  }
  const r = await queryReadOnly<{ n: number; age: number }>(
    pool,
    'SET LOCAL jit = off',
    // `unpublished` is read twice, so PostgreSQL computes it once (each row looked up once).
    `WITH head AS MATERIALIZED (SELECT p.id FROM outbox_pending p ORDER BY p.id LIMIT $1),
          unpublished AS (
            SELECT o.created_at FROM head h JOIN outbox o ON o.id = h.id WHERE o.published_at IS NULL)
     SELECT ((SELECT count(*) FROM unpublished)
             + (SELECT count(*) FROM outbox_pending p WHERE p.id > (SELECT max(h.id) FROM head h)))::int AS n,
            coalesce(extract(epoch FROM now() - coalesce(
              (SELECT min(u.created_at) FROM unpublished u),
              -- Only when every checked id is stale (COALESCE stops at its first non-null argument).
              (SELECT o.created_at FROM outbox_pending p JOIN outbox o ON o.id = p.id
                WHERE p.id > (SELECT max(h.id) FROM head h) AND o.published_at IS NULL
                ORDER BY p.id LIMIT 1))), 0)::float8 AS age`,
    [checkedIds],
  );
  return { rows: r.rows[0].n, oldestAgeSeconds: r.rows[0].age };
}

/**
 * Runs one query (with its `params`, $1…) in a read-only transaction of its own, after `settings`
 * (`SET LOCAL` statements that end with it). A client whose transaction failed is destroyed,
 * never handed back. Throws the query's error.
 */
export async function queryReadOnly<R extends object>(
  pool: Pool,
  settings: string,
  sql: string,
  params: unknown[] = [],
): Promise<QueryResult<R>> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN READ ONLY');
    await client.query(settings);
    const r = await client.query<R>(sql, params);
    await client.query('COMMIT');
    client.release();
    return r;
  } catch (err) {
    client.release(true);
    throw err;
  }
}
