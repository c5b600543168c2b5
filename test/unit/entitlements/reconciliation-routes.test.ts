// The three reconciliation playbooks are runnable from their alerts and their schedules: the
// routing file's rules and the schedules file's entries resolve to a workflow with valid
// parameters (no longer a needs-human incident), and parameters the resource contradicts are refused.
import { join } from 'node:path';
import { MAX_RELAY_BATCH } from '../../../platform/outbox/limits';
import { PLAYBOOKS } from '../../../shared/playbooks';
import { loadYamlFile } from '../../../shared/routing/load-yaml';
import { RoutingTable } from '../../../shared/routing/routing-table';
import { schedulesFileSchema } from '../../../shared/schedules/schema';

const config = join(__dirname, '../../../config');
const table = RoutingTable.load(join(config, 'routing.yaml'));
const alert = (labels: Record<string, string>) => ({ labels, annotations: {}, fingerprint: 'fp' });

test.each([
  ['EntitlementCacheStale', { namespace: 'entitlements' }, 'entitlementResyncWorkflow'],
  ['OutboxBacklog', { outbox: 'platform' }, 'outboxReplayWorkflow'],
  [
    'CacheCorruption',
    { key: 'platform:org:0b6c2a36-55b5-4a5e-9a0e-0a8c5f8e1f11:entitlements' },
    'cacheRepairWorkflow',
  ],
])('%s starts %s', (alertname, labels, workflowType) => {
  const r = table.route(alert({ alertname, ...labels }));
  expect(r.route.reason).toBeUndefined();
  expect(r.route.workflowType).toBe(workflowType);
});

test('an alert for an outbox or namespace Rebound does not know needs a human instead of guessing', () => {
  expect(table.route(alert({ alertname: 'OutboxBacklog', outbox: 'billing' })).route.reason).toMatch(
    /invalid parameters/,
  );
  expect(table.route(alert({ alertname: 'EntitlementCacheStale', namespace: 'x' })).route.reason).toMatch(
    /invalid parameters/,
  );
});

test('the hourly resync and the every-minute replay are declared, and their parameters are valid', () => {
  const file = loadYamlFile(join(config, 'schedules.yaml'), schedulesFileSchema);
  const byId = new Map(file.schedules.map((s) => [s.id, s]));
  const resync = byId.get('entitlement-resync-hourly')!;
  expect(resync.every).toBe('1h');
  const replay = byId.get('outbox-replay-every-minute')!;
  expect(replay.every).toBe('1m');
  expect(replay.overlap).toBe('skip');
  for (const s of [resync, replay])
    expect(PLAYBOOKS[s.playbook]!.paramsSchema.safeParse(s.params).success).toBe(true);
});

test('the playbook parameters bound what a trigger may set', () => {
  const resync = PLAYBOOKS['entitlement-resync']!.paramsSchema;
  expect(resync.safeParse({ namespace: 'entitlements', pageSize: 0 }).success).toBe(false);
  expect(resync.safeParse({ namespace: 'entitlements', pagePauseMs: 60_000 }).success).toBe(false);
  expect(resync.safeParse({ namespace: 'entitlements', surprise: 1 }).success).toBe(false);
  const replay = PLAYBOOKS['outbox-replay']!.paramsSchema;
  expect(replay.safeParse({ outbox: 'platform', batchSize: 1_000_000 }).success).toBe(false);
  // The relay's row locks bound the batch (platform/outbox/limits.ts).
  expect(replay.safeParse({ outbox: 'platform', batchSize: MAX_RELAY_BATCH }).success).toBe(true);
  expect(replay.safeParse({ outbox: 'platform', batchSize: MAX_RELAY_BATCH + 1 }).success).toBe(false);
  expect(PLAYBOOKS['cache-repair']!.paramsSchema.safeParse({ key: '' }).success).toBe(false);
});
