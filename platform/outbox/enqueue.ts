// Writing an event to the transactional outbox: called inside the transaction that makes the
// change, so the event exists if and only if the change committed. The idempotency key makes a
// retried write a no-op and travels with the event to Kafka (header `idempotency-key`).
import { type PoolClient } from 'pg';

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
