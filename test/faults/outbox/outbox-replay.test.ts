// In the faults project: it stops Kafka (or a database) mid-run, so it runs alone, after the others.
// outbox-replay on the real stack: Kafka is stopped while 10,000 outbox rows accumulate (200
// aggregates × 50 events, interleaved); the playbook is triggered while Kafka is still down (its
// rounds fail and retry with back-off), Kafka comes back, and the worker is SIGKILLed mid-replay
// and replaced. Checked in the real stores, never in the workflow's status: every row reaches the
// topic exactly once, in order per aggregate, and the reference consumer applies each event once.
import { randomUUID } from 'node:crypto';
import { type Client } from '@temporalio/client';
import { type Kafka } from 'kafkajs';
import { type Pool } from 'pg';
import { connectClient } from '../../../client/temporal-client';
import { startPlaybook } from '../../../client/start-playbook';
import { NOTIFICATIONS_TOPIC } from '../../../platform/notifications/topic';
import { IDEMPOTENCY_HEADER } from '../../../platform/outbox/relay';
import { readTopic } from '../../../platform/outbox/topic-scan';
import { loadConfig } from '../../../shared/config';
import { type PlaybookResult } from '../../../shared/workflow-interface';
import { createKafka, createPool } from '../../../workers/clients';
import { enqueueSequences } from '../../support/outbox-fixtures';
import { stackUp, stopPart } from '../../support/stack-parts';
import { uniquePrefix } from '../../support/temporal-env';
import { startWorkerProcess, type WorkerProcess } from '../../support/worker-process';
import { waitFor } from '../../support/wait-for';

const config = loadConfig();
const prefix = uniquePrefix('e2e-outbox-replay');
const workers: WorkerProcess[] = [];
let client: Client;
let pool: Pool;
let kafka: Kafka;

beforeAll(async () => {
  client = await connectClient(config);
  pool = createPool(config, 'platform', 4);
  kafka = createKafka(config, 'rebound-test-outbox-replay');
});

afterAll(async () => {
  for (const w of workers) await w.kill('SIGKILL');
  await stackUp();
  await client.connection.close();
  await pool.end();
}, 300_000);

async function published(keys: string[]): Promise<number> {
  const r = await pool.query<{ n: string }>(
    'SELECT count(*) AS n FROM outbox WHERE idempotency_key = ANY($1) AND published_at IS NOT NULL',
    [keys],
  );
  return Number(r.rows[0].n);
}

test('10,000 rows written while Kafka is down all reach the topic once, in order, through a SIGKILL', async () => {
  const runId = randomUUID();
  workers.push(await startWorkerProcess(prefix));
  await stopPart('kafka');
  const rows = await enqueueSequences(pool, {
    topic: NOTIFICATIONS_TOPIC,
    aggregates: 200,
    perAggregate: 50,
    prefix: `replay-${runId}`,
  });
  const keys = rows.map((r) => r.key);

  const handle = await startPlaybook(client, {
    playbook: 'outbox-replay',
    params: { outbox: 'platform', batchSize: 10 },
    context: { resource: 'outbox:platform', initiator: 'e2e-test', reason: 'Kafka came back' },
    taskQueuePrefix: prefix,
    workflowId: `outbox-replay/${runId}`,
  });
  await new Promise((r) => setTimeout(r, 3_000));
  expect(await published(keys)).toBe(0);

  // Kafka comes back (stack up also restarts what died with it); kill the worker once the
  // replay is well under way.
  const up = stackUp();
  await waitFor('1,500 rows published', async () => (await published(keys)) >= 1_500, 180_000);
  await workers[0].kill('SIGKILL');
  const atKill = await published(keys);
  expect(atKill).toBeLessThan(keys.length);
  workers.push(await startWorkerProcess(prefix));
  await up;

  const result = (await handle.result()) as PlaybookResult;
  expect(result.outcome).toBe('recovered');
  expect(await published(keys)).toBe(keys.length);

  // The topic: each event exactly once, each aggregate's events in the order they were written.
  const wanted = new Set(keys);
  const copies = new Map<string, number>();
  const order = new Map<string, number[]>();
  await readTopic(kafka, NOTIFICATIONS_TOPIC, (m) => {
    const key = m.headers?.[IDEMPOTENCY_HEADER]?.toString() ?? '';
    if (!wanted.has(key)) return;
    copies.set(key, (copies.get(key) ?? 0) + 1);
    const event = JSON.parse(m.value!.toString()) as { orgId: string; seq: number };
    order.set(event.orgId, [...(order.get(event.orgId) ?? []), event.seq]);
  });
  expect(copies.size).toBe(keys.length);
  expect([...copies.values()].every((n) => n === 1)).toBe(true);
  for (const seqs of order.values()) expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
  expect(order.size).toBe(200);

  // The reference consumer (started by `stack up`) applies each event once.
  await waitFor(
    'the consumer applied every event',
    async () => {
      const r = await pool.query<{ n: string }>(
        'SELECT count(*) AS n FROM notifications WHERE event_id = ANY($1)',
        [keys],
      );
      return Number(r.rows[0].n) === keys.length;
    },
    180_000,
  );
  const applied = await pool.query<{ n: string }>(
    `SELECT count(*) AS n FROM processed_events WHERE consumer_group = 'notification-consumer' AND event_id = ANY($1)`,
    [keys],
  );
  expect(Number(applied.rows[0].n)).toBe(keys.length);
}, 600_000);
