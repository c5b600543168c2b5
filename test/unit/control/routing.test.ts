import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { alertmanagerAlertSchema, alertmanagerWebhookSchema } from '../../../shared/api/schemas';
import { PLAYBOOKS } from '../../../shared/playbooks';
import { ConfigFileError, parseYamlText } from '../../../shared/routing/load-yaml';
import { RoutingTable } from '../../../shared/routing/routing-table';
import { routingFileSchema } from '../../../shared/routing/schema';
import { schedulesFileSchema } from '../../../shared/schedules/schema';
import { SafetyPolicy } from '../../../shared/policy/safety-policy';
import { policyFileSchema } from '../../../shared/policy/schema';

const table = RoutingTable.load(join(__dirname, '../../../config/routing.yaml'));
const alert = (labels: Record<string, string>, fingerprint = 'abc123') => ({
  labels,
  annotations: {},
  fingerprint,
});

test('the default routing file routes a consumer crash loop to consumer-safe-mode-restart by group', () => {
  const r = table.route(
    alert({
      alertname: 'KafkaConsumerCrashLoop',
      group: 'notification-consumer',
      topic: 'platform.notifications',
    }),
  );
  expect(r.incidentId).toBe('incident:consumer-safe-mode-restart:group:notification-consumer');
  expect(r.route.playbook).toBe('consumer-safe-mode-restart');
  expect(r.route.resource).toBe('group:notification-consumer');
  expect(r.route.classification).toEqual({
    severity: 'CRITICAL',
    category: 'data',
    recoverability: 'approval',
  });
});

test('annotations may tune playbook parameters, with the routing file giving the default', () => {
  const labels = { alertname: 'KafkaConsumerCrashLoop', group: 'g', topic: 't' };
  expect(table.route(alert(labels)).route.params).toMatchObject({ monitorFor: '5m', checkEvery: '15s' });
  const tuned = table.route({
    labels,
    annotations: { monitorFor: '30s', checkEvery: '5s' },
    fingerprint: 'f',
  });
  expect(tuned.route.params).toMatchObject({ group: 'g', topic: 't', monitorFor: '30s', checkEvery: '5s' });
});

test.each([
  ['EntitlementCacheStale', { namespace: 'entitlements' }, 'entitlement-resync', 'namespace:entitlements'],
  ['OutboxBacklog', { outbox: 'billing' }, 'outbox-replay', 'outbox:billing'],
  ['RegionsDiverged', { dataset: 'accounts' }, 'partition-merge', 'dataset:accounts'],
  ['OrphanedOrgData', { org: 'o-1' }, 'org-deletion', 'org:o-1'],
  ['CacheCorruption', { key: 'ent:1' }, 'cache-repair', 'key:ent:1'],
])('%s routes to %s', (alertname, labels, playbook, resource) => {
  const r = table.route(alert({ alertname, ...labels }));
  expect(r.route.playbook).toBe(playbook);
  expect(r.route.resource).toBe(resource);
  expect(r.incidentId).toBe(`incident:${playbook}:${resource}`);
});

test('RegionsDiverged routes to partition-merge on dataset:<name>', () => {
  const r = table.route(alert({ alertname: 'RegionsDiverged', dataset: 'accounts' }));
  expect(r.incidentId).toBe('incident:partition-merge:dataset:accounts');
  expect(r.route).toMatchObject({
    workflowType: 'partitionMergeWorkflow',
    resource: 'dataset:accounts',
    params: { dataset: 'accounts' },
  });
});

test('a routable alert for a playbook not in the catalogue keeps its key but needs a human', () => {
  // Every routable playbook is implemented by now: take one out of the catalogue for this test.
  const removed = PLAYBOOKS['partition-merge'];
  delete PLAYBOOKS['partition-merge'];
  try {
    const r = table.route(alert({ alertname: 'RegionsDiverged', dataset: 'accounts' }));
    expect(r.incidentId).toBe('incident:partition-merge:dataset:accounts');
    expect(r.route.workflowType).toBeUndefined();
    expect(r.route.reason).toMatch(/partition-merge is not implemented/);
  } finally {
    PLAYBOOKS['partition-merge'] = removed;
  }
});

test('unroutable alerts and alerts missing a resource label fall back to the fingerprint', () => {
  const none = table.route(alert({ alertname: 'Mystery' }, 'fp9'));
  expect(none.incidentId).toBe('incident:alert:fp9');
  expect(none.route.reason).toContain('no routing rule matches alertname=Mystery');
  expect(none.route.classification.recoverability).toBe('manual');
  const missing = table.route(alert({ alertname: 'KafkaConsumerCrashLoop', topic: 't' }, 'fp8'));
  expect(missing.incidentId).toBe('incident:alert:fp8');
  expect(missing.route.reason).toContain('labels.group is missing');
});

test('classification: the alert severity label overrides the rule; security fails closed whatever the policy says', () => {
  // A policy that waives approval for the probe; the routing rule tightens the quorum.
  const policy = new SafetyPolicy(
    policyFileSchema.parse({
      version: 't',
      playbooks: { 'health-probe': { approval: { required: false } } },
    }),
    't',
  );
  const rule = {
    name: 'r',
    match: { alertname: 'A' },
    playbook: 'health-probe',
    resource: 'stack:{{labels.s}}',
    classification: { category: 'transient' },
    approvalPolicy: { quorum: 2 },
  };
  const t = new RoutingTable(routingFileSchema.parse({ routes: [rule] }), policy);
  const plain = t.route(alert({ alertname: 'A', s: 'x', severity: 'page' }));
  expect(plain.route.classification.severity).toBe('CRITICAL');
  expect(plain.route.approvalPolicy).toMatchObject({ required: false, quorum: 2 });
  expect(plain.route.policyVersion).toBe('t');
  const security = t.route(alert({ alertname: 'A', s: 'x', category: 'security' }));
  expect(security.route.classification.category).toBe('security');
  expect(security.route.approvalPolicy).toMatchObject({ required: true, quorum: 2 });
  // A routing rule may not waive what the policy requires: the table refuses to load.
  expect(
    () =>
      new RoutingTable(
        routingFileSchema.parse({ routes: [{ ...rule, approvalPolicy: { required: false } }] }),
      ),
  ).toThrow(
    expect.objectContaining({
      type: 'PolicyViolation',
      details: expect.objectContaining({ setting: 'approval.required' }),
    }),
  );
});

test('an invalid routing file fails naming the file and the line', () => {
  const text =
    'routes:\n  - name: ok\n    match: { alertname: A }\n    playbook: not-a-playbook\n    resource: x:y\n    classification: { category: transient }\n';
  expect(() => parseYamlText(text, 'routing.yaml', routingFileSchema)).toThrow(
    /routing\.yaml:4 routes\.0\.playbook/,
  );
  expect(() => parseYamlText('routes: [\n', 'routing.yaml', routingFileSchema)).toThrow(ConfigFileError);
  const dir = mkdtempSync(join(tmpdir(), 'routing-'));
  writeFileSync(join(dir, 'r.yaml'), 'guardrails: { budget: { max: -1, window: 10m } }\nroutes: []\n');
  expect(() => RoutingTable.load(join(dir, 'r.yaml'))).toThrow(/r\.yaml:1 guardrails\.budget\.max/);
});

test('schedules file: exactly one of every/cron, unique ids, skip by default', () => {
  const ok = schedulesFileSchema.parse({
    schedules: [{ id: 'a', playbook: 'health-probe', resource: 'stack:x', every: '1h' }],
  });
  expect(ok.schedules[0]).toMatchObject({ overlap: 'skip', paused: false, dryRun: false });
  const both =
    'schedules:\n  - id: a\n    playbook: health-probe\n    resource: stack:x\n    every: 1h\n    cron: ["* * * * *"]\n';
  expect(() => parseYamlText(both, 'schedules.yaml', schedulesFileSchema)).toThrow(
    /exactly one of every \/ cron/,
  );
  const dup = {
    schedules: [1, 2].map(() => ({ id: 'a', playbook: 'health-probe', resource: 'stack:x', every: '1h' })),
  };
  expect(schedulesFileSchema.safeParse(dup).success).toBe(false);
});

test('the Alertmanager v4 webhook schema tolerates unknown fields and refuses wrong versions and missing fields', () => {
  const body = {
    version: '4',
    groupKey: '{}:{alertname="A"}',
    status: 'firing',
    receiver: 'rebound',
    notification_reason: 'new',
    routeLabels: { team: 'x' },
    alerts: [
      {
        status: 'firing',
        labels: { alertname: 'A' },
        startsAt: '2025-01-01T00:00:00Z',
        fingerprint: 'f',
        extra: 1,
      },
    ],
  };
  expect(alertmanagerWebhookSchema.safeParse(body).success).toBe(true);
  expect(alertmanagerWebhookSchema.safeParse({ ...body, version: '3' }).success).toBe(false);
  // Alerts are validated one by one (issue 10): a bad alert never fails its notification.
  expect(
    alertmanagerWebhookSchema.safeParse({ ...body, alerts: [{ ...body.alerts[0], fingerprint: undefined }] })
      .success,
  ).toBe(true);
  expect(alertmanagerAlertSchema.safeParse({ ...body.alerts[0], fingerprint: undefined }).success).toBe(
    false,
  );
  expect(alertmanagerAlertSchema.safeParse({ ...body.alerts[0], startsAt: 'yesterday' }).success).toBe(false);
  // Alertmanager does not require alertname.
  expect(alertmanagerAlertSchema.safeParse({ ...body.alerts[0], labels: {} }).success).toBe(true);
});
