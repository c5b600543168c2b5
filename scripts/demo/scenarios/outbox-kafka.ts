// Scenario: the Kafka broker stops while the outbox fills (seed 002 "event publishing failure",
// seed 003 "Kafka unavailable"). The demo stops the stack's broker by its pid, as a crash would;
// the platform keeps committing changes with their events in the outbox (60 events of this run,
// on a topic of this run); nothing drains it; OutboxBacklog fires; outbox-replay starts and waits
// for the broker; the demo starts the broker again (`rebound stack up`, which starts only what is
// down); the replay publishes the backlog in order, each event once. Checked: every event of
// this run is marked published and is on its topic exactly once.
import { join } from 'node:path';
import { enqueueOutboxEvents } from '../../../platform/outbox/enqueue';
import { REPO_ROOT, STATE_DIR } from '../../../shared/paths';
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { DemoFailure, sleep, waitFor, type Demo } from '../harness';
import { type Scenario } from '../scenario';

const EVENTS = 60;

function kafkaPid(): number | undefined {
  try {
    const pid = Number(readFileSync(join(STATE_DIR, 'run', 'kafka.pid'), 'utf8').trim());
    process.kill(pid, 0);
    return pid;
  } catch {
    return undefined;
  }
}

/** Stops the broker's whole process group (SIGTERM, SIGKILL after 20 s); resolves once it is gone. */
async function stopKafka(): Promise<void> {
  const pid = kafkaPid();
  if (!pid) throw new DemoFailure('Kafka is not running (no live .rebound/run/kafka.pid)');
  process.kill(-pid, 'SIGTERM');
  const deadline = Date.now() + 20_000;
  while (kafkaPid() && Date.now() < deadline) await sleep(200);
  if (kafkaPid()) process.kill(-pid, 'SIGKILL');
  while (kafkaPid()) await sleep(200);
}

function startStack(demo: Demo): void {
  demo.step('$ rebound stack up   (starts only what is down: the broker)');
  const r = spawnSync('bash', [join(REPO_ROOT, 'scripts/stack/stack.sh'), 'up'], {
    encoding: 'utf8',
    env: process.env,
  });
  if (r.status !== 0)
    throw new DemoFailure(`rebound stack up failed: ${r.stderr.split('\n').slice(-4).join(' ')}`);
}

export function outboxKafkaScenario(): Scenario {
  let topic = '';
  let prefix = '';
  let stopped = false;
  return {
    name: 'outbox-kafka',
    title: 'The Kafka broker stops while the outbox fills → outbox-replay',
    playbook: 'outbox-replay',
    async inject(demo: Demo) {
      topic = `demo-${demo.run}.billing-events`;
      prefix = `demo-${demo.run}-`;
      await stopKafka();
      stopped = true;
      demo.step('stopped the Kafka broker (SIGTERM to its process group)');
      const aggregates = ['acct-1', 'acct-2', 'acct-3'];
      const n = await enqueueOutboxEvents(
        demo.pool,
        Array.from({ length: EVENTS }, (_, i) => ({
          idempotencyKey: `${prefix}${i}`,
          topic,
          messageKey: `${prefix}${aggregates[i % 3]}`,
          eventType: 'InvoicePaid',
          payload: { seq: i, aggregate: aggregates[i % 3] },
        })),
      );
      demo.step(`the platform committed ${n} changes with their events in the outbox (topic ${topic})`);
      return { labels: { alertname: 'OutboxBacklog', outbox: 'platform' }, resource: 'outbox:platform' };
    },
    async onIncidentOpened(demo: Demo) {
      await sleep(3_000);
      startStack(demo);
      stopped = false;
      demo.step('the broker is back');
    },
    async verify(demo: Demo) {
      const r = await demo.pool.query<{ n: number; published: number }>(
        `SELECT count(*)::int AS n, count(published_at)::int AS published FROM outbox WHERE idempotency_key LIKE $1`,
        [`${prefix}%`],
      );
      if (r.rows[0].published !== EVENTS)
        throw new DemoFailure(`${r.rows[0].published} of ${EVENTS} outbox rows published`);
      const admin = demo.kafka.admin();
      await admin.connect();
      try {
        const on = await waitFor(
          `all ${EVENTS} events on ${topic}`,
          async () => {
            const offsets = await admin.fetchTopicOffsets(topic);
            const n = offsets.reduce((s, p) => s + Number(p.high) - Number(p.low), 0);
            return n >= EVENTS ? n : undefined;
          },
          30_000,
        );
        if (on !== EVENTS)
          throw new DemoFailure(`${on} messages on ${topic} for ${EVENTS} events: some were published twice`);
      } finally {
        await admin.disconnect();
      }
      return `all ${EVENTS} events published, each exactly once, to ${topic}`;
    },
    async cleanup(demo: Demo) {
      if (stopped) startStack(demo);
      if (!prefix || process.env.REBOUND_DEMO_KEEP === '1') return;
      await demo.pool.query('DELETE FROM outbox WHERE idempotency_key LIKE $1', [`${prefix}%`]);
      const admin = demo.kafka.admin();
      await admin.connect();
      try {
        await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
      } finally {
        await admin.disconnect();
      }
    },
  };
}
