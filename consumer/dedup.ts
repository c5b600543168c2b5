// Idempotent processing by event id: the processed_events row and the handler's writes commit in
// one transaction, so a redelivered event (after a crash, a rebalance or a redrive) is recognised
// and its effects never happen twice.
import { type Pool, type PoolClient } from 'pg';

export type ProcessOutcome = 'processed' | 'duplicate';

export async function processOnce(
  pool: Pool,
  group: string,
  eventId: string,
  handle: (tx: PoolClient) => Promise<void>,
): Promise<ProcessOutcome> {
  const tx = await pool.connect();
  try {
    await tx.query('BEGIN');
    const claimed = await tx.query(
      `INSERT INTO processed_events (consumer_group, event_id) VALUES ($1, $2)
       ON CONFLICT DO NOTHING`,
      [group, eventId],
    );
    if (claimed.rowCount === 0) {
      await tx.query('ROLLBACK');
      return 'duplicate';
    }
    await handle(tx);
    await tx.query('COMMIT');
    return 'processed';
  } catch (err) {
    await tx.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    tx.release();
  }
}
