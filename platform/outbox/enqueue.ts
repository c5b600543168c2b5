// Writing an event to the transactional outbox: called inside the transaction that makes the
// change, so the event exists if and only if the change committed. The idempotency key makes a
// retried write a no-op and travels with the event to Kafka (header `idempotency-key`).
import { type Pool, type PoolClient } from 'pg';

export interface OutboxEvent {
  idempotencyKey: string;
  topic: string;
  messageKey: string | null;
  eventType: string;
  payload: Record<string, unknown>;
}

/** Returns true when the event was written now, false when it already existed. */
export async function enqueueOutboxEvent(client: PoolClient, e: OutboxEvent): Promise<boolean> {
  const r = await client.query(
    `INSERT INTO outbox (idempotency_key, topic, message_key, event_type, payload)
     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (idempotency_key) DO NOTHING`,
    [e.idempotencyKey, e.topic, e.messageKey, e.eventType, JSON.stringify(e.payload)],
  );
  return r.rowCount === 1;
}

/**
 * Writes many events in one statement (a batch job's events; no surrounding change to commit
 * with). Returns how many were new; existing idempotency keys are skipped.
 */
export async function enqueueOutboxEvents(pool: Pool | PoolClient, events: OutboxEvent[]): Promise<number> {
  if (events.length === 0) return 0;
  const r = await pool.query(
    `INSERT INTO outbox (idempotency_key, topic, message_key, event_type, payload)
     SELECT k, t, m, e, p::jsonb FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[])
         WITH ORDINALITY AS x(k, t, m, e, p, n) ORDER BY n
     ON CONFLICT (idempotency_key) DO NOTHING`,
    [
      events.map((e) => e.idempotencyKey),
      events.map((e) => e.topic),
      events.map((e) => e.messageKey),
      events.map((e) => e.eventType),
      events.map((e) => JSON.stringify(e.payload)),
    ],
  );
  return r.rowCount ?? 0;
}
