// Outbox rows for tests and benchmarks: `aggregates` sequences of `perAggregate` events each,
// interleaved (row i belongs to aggregate i mod n), written in one statement. Events are
// notification events ({eventId, orgId, type, seq}) so the reference consumer can apply them.
import { randomUUID } from 'node:crypto';
import { type Kafka } from 'kafkajs';
import { type Pool } from 'pg';

export interface EnqueuedRow {
  key: string;
  aggregate: string;
  seq: number;
}

export async function enqueueSequences(
  pool: Pool,
  opts: { topic: string; aggregates: number; perAggregate: number; prefix: string },
): Promise<EnqueuedRow[]> {
  const aggregates = Array.from({ length: opts.aggregates }, () => randomUUID());
  const rows: EnqueuedRow[] = [];
  for (let seq = 0; seq < opts.perAggregate; seq++)
    for (const aggregate of aggregates)
      rows.push({ key: `${opts.prefix}:${aggregate}:${seq}`, aggregate, seq });
  // Bounded statements: parameters are arrays, so one statement per 20,000 rows is plenty.
  for (let i = 0; i < rows.length; i += 20_000) {
    const chunk = rows.slice(i, i + 20_000);
    await pool.query(
      `INSERT INTO outbox (idempotency_key, topic, message_key, event_type, payload)
       SELECT k, $1, a, 'TestSequenced',
              jsonb_build_object('eventId', k, 'orgId', a, 'type', 'TestSequenced', 'seq', s)
         FROM unnest($2::text[], $3::text[], $4::int[]) WITH ORDINALITY AS t(k, a, s, n) ORDER BY n`,
      [opts.topic, chunk.map((r) => r.key), chunk.map((r) => r.aggregate), chunk.map((r) => r.seq)],
    );
  }
  return rows;
}

/**
 * A test's own outbox topic gone: the Kafka topic deleted (if it exists) and its outbox rows
 * removed. Ends nothing: the caller still owns the pool and the Kafka client.
 */
export async function removeOutboxTopic(pool: Pool, kafka: Kafka, topic: string): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
  await admin.disconnect();
  await pool.query('DELETE FROM outbox WHERE topic = $1', [topic]);
}
