// consumer-safe-mode-restart triggered through the control plane: the real API in-process (its
// own task-queue prefix, a real worker process) starts the incident (approved over HTTP if the
// policy asks for it), and the crash-looping reference consumer ends up past the poison message with one
// quarantined copy and every later event in Postgres exactly once.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Redis } from 'ioredis';
import { type Kafka } from 'kafkajs';
import { type Pool } from 'pg';
import { readControl } from '../../../consumer/control-store';
import { readHealth } from '../../../consumer/health-store';
import { readWholeTopic } from '../../../activities/kafka/topic-reader';
import { loadConfig } from '../../../shared/config';
import { REPO_ROOT } from '../../../shared/paths';
import { QUARANTINE_HEADERS, quarantineTopic } from '../../../shared/consumer-control';
import { createKafka, createPool, createRedis } from '../../../workers/clients';
import { pollUntil, startApiHarness, type ApiHarness } from '../../integration/api/api-harness';
import {
  createTopic,
  deleteTopics,
  notificationCounts,
  producePoisonedStream,
  uniqueNames,
  waitFor,
} from '../../integration/consumer/fixtures';
import {
  startNotificationConsumer,
  type ConsumerProcess,
} from '../../../platform/notifications/consumer-process';

const config = loadConfig();
let h: ApiHarness;
let kafka: Kafka;
let redis: Redis;
let pool: Pool;
let consumer: ConsumerProcess | undefined;
const names = uniqueNames('api');

beforeAll(async () => {
  // An admin's test policy: monitoring windows short enough for a test (6s at 2s).
  h = await startApiHarness('e2e-csm-api', {
    policy: readFileSync(join(REPO_ROOT, 'config/policy.yaml'), 'utf8')
      .replace('value: 5m, tighten: longer, min: 30s', 'value: 5s, tighten: longer, min: 5s')
      .replace('tighten: bounded, min: 5s, max: 5m', 'tighten: bounded, min: 1s, max: 5m'),
  });
  kafka = createKafka(config, 'e2e-csm-api');
  redis = createRedis(config, 'e2e-csm-api');
  pool = createPool(config, 'platform', 2);
}, 90_000);

afterAll(async () => {
  await consumer?.stop();
  await h?.close();
  await deleteTopics(kafka, [names.topic, quarantineTopic(names.topic)]);
  await Promise.allSettled([pool.end(), redis.quit()]);
});

test('POST /v1/incidents recovers a crash-looping consumer through the control plane', async () => {
  const { topic, group, orgId } = names;
  await createTopic(kafka, topic, 1);
  const { good, goodAfter, poisonOffset } = await producePoisonedStream(kafka, topic, orgId, 3, 10);
  consumer = await startNotificationConsumer(topic, group);
  await waitFor('the crash loop', async () => (await readHealth(redis, group))[0]?.state === 'crashed');

  const trigger = await h.call('operator', 'POST', '/v1/incidents', {
    playbook: 'consumer-safe-mode-restart',
    resource: `group:${group}`,
    params: { group, topic, monitorFor: '6s', checkEvery: '2s' },
    reason: 'notification consumer crash loop',
  });
  expect(trigger.status).toBe(201);
  const id = trigger.body.incidentId as string;
  const path = `/v1/incidents/${encodeURIComponent(id)}`;

  // Whether a manual trigger needs an approver first depends on the routing policy: approve if asked.
  const first = await pollUntil('the incident to be approved or closed', async () => {
    const v = (await h.call('operator', 'GET', path)).body;
    return v.incident?.pendingApproval || v.running === false ? v : undefined;
  });
  if (first.incident.pendingApproval) {
    const approved = await h.call('alice', 'POST', `${path}/approvals`, {
      decision: 'approve',
      comment: 'go',
    });
    expect(approved.status).toBe(200);
  }

  const done = await pollUntil(
    'the incident to close',
    async () => {
      const v = (await h.call('operator', 'GET', path)).body;
      return v.running === false ? v : undefined;
    },
    180_000,
  );
  // The summary is compared too, so a run that did not recover says why in the test's output.
  const { outcome, summary } = done.incident.result as { outcome: string; summary: string };
  expect({ outcome, summary }).toEqual({
    outcome: 'recovered',
    summary: expect.stringContaining('processing again') as unknown,
  });

  const copies = await readWholeTopic(kafka, quarantineTopic(topic));
  expect(copies.map((c) => c.headers[QUARANTINE_HEADERS.offset])).toEqual([poisonOffset]);
  const counts = await waitFor('all good events', async () => {
    const c = await notificationCounts(pool, orgId);
    return c.size === good.length + goodAfter.length ? c : undefined;
  });
  expect([...counts.values()].every((n) => n === 1)).toBe(true);
  expect((await readControl(redis, group)).mode).toBe('normal');
}, 240_000);
