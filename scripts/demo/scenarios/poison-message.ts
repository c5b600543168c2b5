// Scenario: a poison message crash-loops a consumer (seed 001 scenario 1). The demo starts a
// notification consumer of its own (group and topic of this run, so no earlier run's episodes or
// leftovers matter), produces 10 good events, one malformed one and 10 more; the consumer stops
// on it after every restart; the exporter reports it halted; KafkaConsumerCrashLoop fires;
// consumer-safe-mode-restart quarantines the message, moves the group past it and restarts it.
// Checked: all 20 good events are in Postgres exactly once; the malformed one is on the quarantine topic.
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync } from 'node:fs';
import { join } from 'node:path';
import {
  controlKey,
  healthKey,
  instancesKey,
  quarantineTopic,
  type HealthRecord,
} from '../../../shared/consumer-control';
import { REPO_ROOT, STATE_DIR } from '../../../shared/paths';
import { DemoFailure, waitFor, type Demo } from '../harness';
import { createDemoOrg, removeDemoOrg } from '../orgs';
import { type Scenario } from '../scenario';

export function poisonMessageScenario(): Scenario {
  let consumer: ChildProcess | undefined;
  let group = '';
  let topic = '';
  let orgId = '';
  return {
    name: 'poison-message',
    title: 'A poison message crash-loops a consumer → consumer-safe-mode-restart',
    playbook: 'consumer-safe-mode-restart',
    async inject(demo: Demo) {
      group = `demo-${demo.run}-notifications`;
      topic = `demo-${demo.run}.notifications`;
      // Events of a real org: notifications of an org that does not exist are orphaned data.
      orgId = (await createDemoOrg(demo, 'notifications', { members: 1, workflows: 0, notifications: 0 }))
        .orgId;
      // The topic exists (all partitions) before the consumer subscribes: a consumer that
      // subscribes while the topic is being created can start past the first messages.
      const admin = demo.kafka.admin();
      await admin.connect();
      try {
        await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
      } finally {
        await admin.disconnect();
      }
      const log = join(STATE_DIR, 'run', `demo-consumer-${demo.run}.log`);
      consumer = spawn(
        join(REPO_ROOT, 'node_modules/.bin/tsx'),
        [
          join(REPO_ROOT, 'platform/notifications/main.ts'),
          '--group',
          group,
          '--topic',
          topic,
          '--crash-backoff',
          '2000',
        ],
        {
          cwd: REPO_ROOT,
          env: process.env,
          stdio: ['ignore', openSync(log, 'a'), openSync(log, 'a')],
          detached: true,
        },
      );
      if (consumer.pid) demo.children.add(consumer.pid);
      demo.step(
        `started a notification consumer of this run: group ${group} on ${topic} (pid ${consumer.pid})`,
      );
      await waitFor(
        'the consumer to join its group and fetch',
        async () => {
          const ids = await demo.redis.zrange(instancesKey(group), 0, -1);
          const raw = ids.length ? await demo.redis.mget(ids.map((id) => healthKey(group, id))) : [];
          return raw.some((r) => r && (JSON.parse(r) as HealthRecord).state === 'running') ? true : undefined;
        },
        90_000,
      );
      const producer = demo.kafka.producer({ idempotent: true });
      await producer.connect();
      try {
        const event = (i: number) => ({
          key: orgId,
          value: JSON.stringify({ eventId: `demo-${demo.run}-${i}`, orgId, type: 'invoice.paid', amount: i }),
        });
        await producer.send({ topic, messages: Array.from({ length: 10 }, (_, i) => event(i)) });
        await producer.send({
          topic,
          messages: [{ key: orgId, value: `{"eventId":"demo-${demo.run}-poison","type":"broken"` }],
        });
        await producer.send({ topic, messages: Array.from({ length: 10 }, (_, i) => event(10 + i)) });
      } finally {
        await producer.disconnect();
      }
      demo.step(`produced 10 events, 1 malformed event, 10 more events to ${topic}`);
      return { labels: { alertname: 'KafkaConsumerCrashLoop', group, topic }, resource: `group:${group}` };
    },
    async verify(demo: Demo) {
      let last = 0;
      const n = await waitFor(
        'all 20 good events in Postgres',
        async () => {
          const r = await demo.pool.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM notifications WHERE event_id LIKE $1`,
            [`demo-${demo.run}-%`],
          );
          last = r.rows[0].n;
          return last === 20 ? 20 : undefined;
        },
        60_000,
      ).catch((err: unknown) => {
        throw new DemoFailure(`${(err as Error).message}: ${last} of 20 rows`);
      });
      const admin = demo.kafka.admin();
      await admin.connect();
      try {
        const offsets = await admin.fetchTopicOffsets(quarantineTopic(topic));
        const quarantined = offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
        if (quarantined !== 1)
          throw new DemoFailure(`expected 1 message on ${quarantineTopic(topic)}, found ${quarantined}`);
      } finally {
        await admin.disconnect();
      }
      return `all ${n} good events are in Postgres exactly once; the malformed one is on ${quarantineTopic(topic)}`;
    },
    async cleanup(demo: Demo) {
      if (process.env.REBOUND_DEMO_KEEP === '1') return;
      if (consumer?.pid) {
        demo.children.delete(consumer.pid);
        try {
          process.kill(-consumer.pid, 'SIGTERM');
        } catch {
          // already gone
        }
        await waitFor(
          'the demo consumer to stop',
          () =>
            Promise.resolve(consumer!.exitCode !== null || consumer!.signalCode !== null ? true : undefined),
          20_000,
        ).catch(() => {
          if (consumer?.pid) process.kill(-consumer.pid, 'SIGKILL');
        });
      }
      if (!group) return;
      await removeDemoOrg(demo, orgId);
      await demo.pool.query('DELETE FROM processed_events WHERE consumer_group = $1', [group]);
      await demo.redis.del(controlKey(group), instancesKey(group));
      const admin = demo.kafka.admin();
      await admin.connect();
      try {
        await admin.deleteGroups([group]).catch(() => undefined);
        await admin.deleteTopics({ topics: [topic, quarantineTopic(topic)] }).catch(() => undefined);
      } finally {
        await admin.disconnect();
      }
    },
  };
}
