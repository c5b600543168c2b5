// Pages are never dropped (issue 10, "What was found": a page was lost for good if its Redis
// publish failed once, because the retry saw the audit row and published nothing). Real
// PostgreSQL and Redis; the publish fails on purpose through a client whose first publish throws.
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { createAuditActivities, NOTIFY_CHANNEL } from '../../../activities/audit';
import { publishPending } from '../../../activities/notification-outbox';
import { loadConfig } from '../../../shared/config';
import { createPool, createRedis } from '../../../workers/clients';

const config = loadConfig();
const statePool = createPool(config, 'state', 4);
const redis = createRedis(config, 'rebound-outbox-test');

afterAll(async () => {
  await Promise.all([statePool.end(), redis.quit()]);
});

/** A Redis whose next `failures` publishes throw, as a dropped connection would. */
function flakyRedis(failures: number): Redis {
  let left = failures;
  return new Proxy(redis, {
    get(target, prop, receiver) {
      if (prop === 'publish') {
        return (channel: string, message: string) => {
          if (left > 0) {
            left -= 1;
            return Promise.reject(new Error('injected: connection reset during publish'));
          }
          return target.publish(channel, message);
        };
      }
      return Reflect.get(target, prop, receiver) as unknown;
    },
  });
}

async function subscribe(workflowId: string) {
  const sub = new Redis(config.redis.url);
  const received: string[] = [];
  await sub.subscribe(NOTIFY_CHANNEL);
  sub.on('message', (_c: string, m: string) => {
    if (m.includes(workflowId)) received.push(m);
  });
  return { received, close: () => sub.quit() };
}

const settle = () => new Promise((r) => setTimeout(r, 300));

test('a failed publish fails the activity; its retry publishes the page exactly once', async () => {
  const workflowId = `outbox-test-${randomUUID()}`;
  const sub = await subscribe(workflowId);
  const { notify } = createAuditActivities({ statePool, redis: flakyRedis(1) });
  const n = { workflowId, key: 'escalate', severity: 'critical' as const, message: 'page me' };
  await expect(notify(n)).rejects.toThrow(/injected/);
  const pending = await statePool.query(
    'SELECT attempts, last_error FROM notification_outbox WHERE workflow_id = $1 AND published_at IS NULL',
    [workflowId],
  );
  expect(pending.rows).toEqual([{ attempts: 1, last_error: expect.stringMatching(/injected/) as string }]);
  // Temporal's retry of the same activity: the audit row exists, the page is still published.
  expect(await notify(n)).toEqual({ sent: true });
  expect(await notify(n)).toEqual({ sent: false });
  await settle();
  await sub.close();
  expect(sub.received).toHaveLength(1);
  const audit = await statePool.query('SELECT count(*)::int AS n FROM audit_events WHERE workflow_id = $1', [
    workflowId,
  ]);
  expect(audit.rows[0].n).toBe(1);
});

test('the relay publishes a page whose activity gave up', async () => {
  const workflowId = `outbox-relay-test-${randomUUID()}`;
  const sub = await subscribe(workflowId);
  const { notify } = createAuditActivities({ statePool, redis: flakyRedis(5) });
  await expect(notify({ workflowId, key: 'k', severity: 'warning', message: 'later' })).rejects.toThrow();
  // The relay's sweep (the worker runs it every few seconds), with a working Redis.
  const published = await publishPending(statePool, redis, { minAgeMs: 0, limit: 1_000 });
  expect(published).toBeGreaterThanOrEqual(1);
  await settle();
  await sub.close();
  expect(sub.received).toHaveLength(1);
  const row = await statePool.query(
    'SELECT published_at IS NOT NULL AS done FROM notification_outbox WHERE workflow_id = $1',
    [workflowId],
  );
  expect(row.rows[0].done).toBe(true);
});
