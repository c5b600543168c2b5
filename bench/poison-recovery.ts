// Poison-message recovery benchmark (a command, not a test):
//   npx tsx bench/poison-recovery.ts [--before 5] [--after 20] [--out FILE]
// A real poison message crash-loops the real reference consumer process (own topic and group);
// as soon as its crash shows in the consumer's health record (what the KafkaConsumerCrashLoop
// alert reads), the consumer-safe-mode-restart playbook runs on a real worker process. Measured:
// the time from the poison message being produced to the first event after it being processed
// (its row in Postgres), and, in the same run, the group's plain rebalance time (the reference
// consumer's own join time once normal mode is back), the floor any restart of a consumer pays.
// Checks every good event is in Postgres exactly once. Removes its topics afterwards.
import { startPlaybook } from '../client/start-playbook';
import { connectClient } from '../client/temporal-client';
import { readControl } from '../consumer/control-store';
import { readHealth } from '../consumer/health-store';
import { loadConfig } from '../shared/config';
import { quarantineTopic } from '../shared/consumer-control';
import { type PlaybookResult } from '../shared/workflow-interface';
import { startNotificationConsumer } from '../platform/notifications/consumer-process';
import {
  createTopic,
  deleteTopics,
  notificationCounts,
  producePoisonedStream,
  uniqueNames,
  waitFor,
} from '../test/integration/consumer/fixtures';
import { startWorkerProcess } from '../test/support/worker-process';
import { createKafka, createPool, createRedis } from '../workers/clients';
import { ratioOf, writeRows } from './lib/bench-row';
import { numberOption, parseCommandLine } from '../scripts/lib/command-line';

const values = parseCommandLine(__filename, {
  before: { type: 'string', default: '5' },
  after: { type: 'string', default: '20' },
  out: { type: 'string' },
});
const BEFORE = numberOption(values.before, 'before', { min: 0 });
const AFTER = numberOption(values.after, 'after', { min: 0 });

async function main(): Promise<void> {
  const config = loadConfig();
  const kafka = createKafka(config, 'bench-poison');
  const redis = createRedis(config, 'bench-poison');
  const pool = createPool(config, 'platform', 2);
  const client = await connectClient(config);
  const prefix = `bench-poison-${Date.now().toString(36)}`;
  const worker = await startWorkerProcess(prefix);
  const names = uniqueNames('bench-poison');
  await createTopic(kafka, names.topic, 1);
  const consumer = await startNotificationConsumer(names.topic, names.group);
  try {
    const producedAt = Date.now();
    const stream = await producePoisonedStream(kafka, names.topic, names.orgId, BEFORE, AFTER);
    await waitFor(
      'the consumer to crash on the poison message',
      async () => {
        const [h] = await readHealth(redis, names.group);
        return h?.state === 'crashed' && h.lastError ? h : undefined;
      },
      120_000,
      50,
    );
    const detectedAt = Date.now();
    const handle = await startPlaybook(client, {
      playbook: 'consumer-safe-mode-restart',
      params: {
        group: names.group,
        topic: names.topic,
        monitorFor: '6s',
        checkEvery: '2s',
        emptyTimeout: '60s',
      },
      context: { resource: `group:${names.group}`, initiator: 'bench' },
      taskQueuePrefix: prefix,
    });
    const firstAfter = stream.goodAfter[0];
    const resumedAt = await waitFor(
      'processing past the poison message',
      async () => ((await notificationCounts(pool, names.orgId)).has(firstAfter) ? Date.now() : undefined),
      180_000,
      50,
    );
    const result = (await handle.result()) as PlaybookResult;
    const counts = await waitFor('every good event', async () => {
      const c = await notificationCounts(pool, names.orgId);
      return c.size === BEFORE + AFTER ? c : undefined;
    });
    const once = [...counts.values()].every((n) => n === 1);
    const control = await readControl(redis, names.group);
    const join = await waitFor('a join in normal mode', async () => {
      const [h] = await readHealth(redis, names.group);
      return h && h.mode === 'normal' && h.controlVersion >= control.version && h.state === 'running'
        ? (h.lastJoinMs ?? undefined)
        : undefined;
    });
    const poisonToNext = resumedAt - producedAt;
    console.log(
      `poison → first event after it processed: ${poisonToNext} ms (crash seen after ${detectedAt - producedAt} ms, ` +
        `playbook to resume ${resumedAt - detectedAt} ms, outcome ${result.outcome}); plain rebalance (join): ${join} ms; ` +
        `every event once: ${once}`,
    );
    writeRows(values.out, [
      {
        workload: `poison message → first event after it processed (${BEFORE}+1+${AFTER} events)`,
        rebound: poisonToNext,
        baseline: join,
        unit: 'ms',
        ratio: ratioOf(poisonToNext, join),
        target:
          'recovered, every event exactly once (no time target in the issue: compared with a plain rebalance)',
        pass: result.outcome === 'recovered' && once,
        notes: `crash seen ${detectedAt - producedAt} ms; trigger → resume ${resumedAt - detectedAt} ms`,
      },
    ]);
  } finally {
    await consumer.stop();
    await worker.kill('SIGTERM');
    await deleteTopics(kafka, [names.topic, quarantineTopic(names.topic)]);
    await pool.query('DELETE FROM notifications WHERE org_id = $1', [names.orgId]);
    await Promise.allSettled([pool.end(), redis.quit(), client.connection.close()]);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
