// PostgreSQL of the local stack: migrations are recorded and re-running applies nothing, the
// audit trail is idempotent per (workflow, entry) and append-only, and the probe reads facts.
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { runMigrations } from '../../../migrations/runner';
import { createAuditActivities, NOTIFY_CHANNEL } from '../../../activities/audit';
import { createPostgresProbeActivities } from '../../../activities/health/probes';
import { loadConfig } from '../../../shared/config';
import { REPO_ROOT } from '../../../shared/paths';
import { createPool, createRedis } from '../../../workers/clients';

const config = loadConfig();
const platformPool = createPool(config, 'platform', 2);
const statePool = createPool(config, 'state', 2);
const redis = createRedis(config, 'rebound-test');

afterAll(async () => {
  await Promise.all([platformPool.end(), statePool.end(), redis.quit()]);
});

test('re-running the migrations applies nothing', async () => {
  const platform = await runMigrations(platformPool, join(REPO_ROOT, 'migrations/platform'));
  const state = await runMigrations(statePool, join(REPO_ROOT, 'migrations/rebound'));
  expect(platform.applied).toEqual([]);
  expect(state.applied).toEqual([]);
  const recorded = await platformPool.query<{ name: string }>(
    'SELECT name FROM schema_migrations ORDER BY name',
  );
  expect(recorded.rows.map((r) => r.name)).toContain('001_base.sql');
});

test('the reference platform schema has the tables the seeds describe', async () => {
  const tables = await platformPool.query<{ table_name: string }>(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'`,
  );
  const names = tables.rows.map((r) => r.table_name);
  for (const t of [
    'orgs',
    'memberships',
    'subscriptions',
    'entitlements',
    'workflows',
    'workflow_runs',
    'notifications',
    'processed_events',
    'outbox',
    'audit_log',
  ]) {
    expect(names).toContain(t);
  }
  // every table that belongs to an org carries org_id
  const withOrg = await platformPool.query<{ table_name: string }>(
    `SELECT table_name FROM information_schema.columns WHERE table_schema = 'public' AND column_name = 'org_id'`,
  );
  expect(withOrg.rows.map((r) => r.table_name)).toEqual(
    expect.arrayContaining([
      'memberships',
      'subscriptions',
      'entitlements',
      'workflows',
      'workflow_runs',
      'notifications',
    ]),
  );
});

test('notifications deduplicate by event id', async () => {
  const eventId = `evt-${randomUUID()}`;
  const org = randomUUID();
  const insert = () =>
    platformPool.query(
      `INSERT INTO notifications (event_id, org_id, type) VALUES ($1, $2, 'test') ON CONFLICT (event_id) DO NOTHING`,
      [eventId, org],
    );
  expect((await insert()).rowCount).toBe(1);
  expect((await insert()).rowCount).toBe(0);
  await platformPool.query('DELETE FROM notifications WHERE event_id = $1', [eventId]);
});

test('audit entries are written once per (workflow, key) and cannot be changed', async () => {
  const { recordAudit, notify } = createAuditActivities({ statePool, redis });
  const workflowId = `wf-${randomUUID()}`;
  const entry = {
    workflowId,
    entryKey: 'step:x',
    kind: 'step-succeeded',
    actor: 'rebound',
    detail: { n: 1 },
  };
  expect(await recordAudit(entry)).toEqual({ written: true });
  expect(await recordAudit(entry)).toEqual({ written: false });
  await expect(
    statePool.query('UPDATE audit_events SET actor = $1 WHERE workflow_id = $2', ['x', workflowId]),
  ).rejects.toThrow(/append-only/);
  await expect(
    statePool.query('DELETE FROM audit_events WHERE workflow_id = $1', [workflowId]),
  ).rejects.toThrow(/append-only/);

  // notify publishes once, however often it is retried
  const sub = new Redis(config.redis.url);
  const received: string[] = [];
  await sub.subscribe(NOTIFY_CHANNEL);
  sub.on('message', (_c: string, m: string) => received.push(m));
  const n = { workflowId, key: 'escalate', severity: 'critical' as const, message: 'help' };
  expect(await notify(n)).toEqual({ sent: true });
  expect(await notify(n)).toEqual({ sent: false });
  await new Promise((r) => setTimeout(r, 200));
  await sub.quit();
  expect(received.filter((m) => m.includes(workflowId))).toHaveLength(1);
});

test('the postgres probe reports the server version', async () => {
  const probe = await createPostgresProbeActivities({ platformPool }).probePostgres();
  expect(probe).toMatchObject({ dependency: 'postgres', healthy: true });
  expect(String(probe.detail.version)).toMatch(/^15\./);
});
