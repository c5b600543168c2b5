// The safety policy (config/policy.yaml): what the resource determines is taken from it, a
// contradiction is refused, and every attempt to loosen a safety setting is refused naming it;
// tightening is accepted. Durations a trigger or annotation sets are bounded (issue 14, fault 4).
import { join } from 'node:path';
import { type Client } from '@temporalio/client';
import { manualRoute } from '../../../client/service/manual-route';
import { applySchedules } from '../../../client/service/schedules';
import { scheduleEntrySchema } from '../../../shared/schedules/schema';
import { playbookDefinition } from '../../../shared/playbooks';
import { loadPolicy } from '../../../shared/policy/load-policy';
import { PolicyError } from '../../../shared/policy/safety-policy';
import { RoutingTable } from '../../../shared/routing/routing-table';

const policy = loadPolicy(join(__dirname, '../../../config/policy.yaml'));
const routing = RoutingTable.load(join(__dirname, '../../../config/routing.yaml'), policy);
const ORG = '7b0c3f7e-2f4e-4a5e-9c1d-0a1b2c3d4e5f';
const OTHER_ORG = '11111111-2222-4333-8444-555555555555';

function refusal(fn: () => unknown): PolicyError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(PolicyError);
    return err as PolicyError;
  }
  throw new Error('accepted');
}

const org = (params: Record<string, unknown>, approval?: Record<string, unknown>) => () =>
  manualRoute(routing, { playbook: 'org-deletion', resource: `org:${ORG}`, params, approval });
const consumer = (params: Record<string, unknown>) => () =>
  manualRoute(routing, {
    playbook: 'consumer-safe-mode-restart',
    resource: 'group:notification-consumer',
    params: { topic: 'platform.notifications', ...params },
  });

test('the policy version (file version + content digest) rides in the route', () => {
  expect(policy.version).toMatch(/^1#[0-9a-f]{12}$/);
  expect(org({})().route.policyVersion).toBe(policy.version);
});

test('parameters the resource determines are taken from it; a contradiction is a ResourceMismatch', () => {
  const { route } = org({})();
  expect(route.params).toMatchObject({
    orgId: ORG,
    gracePeriod: '7d',
    approvalAboveMembers: 0,
    mode: 'delete',
  });
  const e = refusal(org({ orgId: OTHER_ORG }));
  expect(e.type).toBe('ResourceMismatch');
  expect(e.details.setting).toBe('orgId');
  const g = refusal(consumer({ group: 'someone-else' }));
  expect(g).toMatchObject({ type: 'ResourceMismatch', details: { setting: 'group' } });
  const kind = refusal(() =>
    manualRoute(routing, { playbook: 'org-deletion', resource: 'group:x', params: {} }),
  );
  expect(kind).toMatchObject({ type: 'ResourceMismatch', details: { setting: 'resource' } });
  expect(consumer({})().route.params.group).toBe('notification-consumer');
});

// The attack of issue 9 finding 1, and each other loosening attempt, one by one.
test.each([
  ['gracePeriod', org({ gracePeriod: '0s' })],
  ['gracePeriod', org({ gracePeriod: '6d' })],
  ['approvalAboveMembers', org({ approvalAboveMembers: 2147483647 })],
  ['approvalAboveMembers', org({ approvalAboveMembers: 1 })],
  ['approval.quorum', org({}, { quorum: 0 })],
  ['approval.timeout', org({}, { timeout: '30d' })],
  ['approval.required', org({}, { required: false })],
  ['monitorFor', consumer({ monitorFor: '10s' })],
  ['checkEvery', consumer({ checkEvery: '0s' })],
  ['checkEvery', consumer({ monitorFor: '2h', checkEvery: '5s' })],
  ['emptyTimeout', consumer({ emptyTimeout: '0s' })],
  ['gracePeriod', org({ gracePeriod: '365d' })],
])('loosening %s is refused naming it', (setting, attempt) => {
  const e = refusal(attempt);
  expect(e.type).toBe('PolicyViolation');
  expect(e.details.setting).toBe(setting);
  expect(e.message).toContain(setting.replace('approval.', ''));
});

test('tightening is accepted: a longer grace period, a lower threshold, more approvers, a shorter window', () => {
  const { route } = org(
    { gracePeriod: '14d' },
    { quorum: 2, timeout: '30m', restrictTo: ['alice', 'bob'] },
  )();
  expect(route.params.gracePeriod).toBe('14d');
  expect(route.approvalPolicy).toMatchObject({
    quorum: 2,
    timeout: '30m',
    restrictTo: ['alice', 'bob'],
    required: true,
  });
  expect(consumer({ monitorFor: '20m', checkEvery: '10s' })().route.params).toMatchObject({
    monitorFor: '20m',
    checkEvery: '10s',
  });
});

test('alert annotations are held to the same policy: checkEvery 0s is a PolicyViolation', () => {
  const labels = { alertname: 'KafkaConsumerCrashLoop', group: 'g', topic: 't' };
  const route = (annotations: Record<string, string>) => () =>
    routing.route({ labels, annotations, fingerprint: 'fp' });
  expect(refusal(route({ checkEvery: '0s' }))).toMatchObject({
    type: 'PolicyViolation',
    details: { setting: 'checkEvery' },
  });
  expect(refusal(route({ monitorFor: '2h', checkEvery: '1s' })).details.setting).toBe('checkEvery');
  expect(route({ monitorFor: '10m' })().route.params.monitorFor).toBe('10m');
});

test('the playbook catalogue names the parameter each resource determines', () => {
  expect(playbookDefinition('org-deletion')?.resourceParam).toBe('orgId');
  expect(playbookDefinition('consumer-safe-mode-restart')?.resourceParam).toBe('group');
});

test('a schedule is held to the same policy: applying one that loosens a setting is refused before Temporal is asked', async () => {
  const touched: string[] = [];
  const client = new Proxy({}, { get: (_t, p) => (touched.push(String(p)), undefined) }) as unknown as Client;
  const entry = scheduleEntrySchema.parse({
    id: 'nightly-org-purge',
    playbook: 'org-deletion',
    resource: `org:${ORG}`,
    params: { gracePeriod: '0s' },
    every: '24h',
  });
  await expect(applySchedules(client, 'p', routing, [entry])).rejects.toMatchObject({
    type: 'PolicyViolation',
    details: { setting: 'gracePeriod' },
  });
  expect(touched).toEqual([]);
});

test('org:<UUID> in uppercase is the same resource as in lowercase: same incident (one lock), same orgId', () => {
  const lower = org({})();
  const upper = manualRoute(routing, {
    playbook: 'org-deletion',
    resource: `org:${ORG.toUpperCase()}`,
    params: {},
  });
  expect(upper.incidentId).toBe(lower.incidentId);
  expect(upper.route.resource).toBe(`org:${ORG}`);
  expect(upper.route.params.orgId).toBe(ORG);
  // an uppercase orgId agrees with its lowercase resource, and the other way round
  const mixed = manualRoute(routing, {
    playbook: 'org-deletion',
    resource: `org:${ORG}`,
    params: { orgId: ORG.toUpperCase() },
  });
  expect(mixed.incidentId).toBe(lower.incidentId);
  expect(mixed.route.params.orgId).toBe(ORG);
  // other kinds keep their spelling (group and topic names are case-sensitive)
  expect(
    manualRoute(routing, {
      playbook: 'consumer-safe-mode-restart',
      resource: 'group:Notification-Consumer',
      params: { topic: 'platform.notifications' },
    }).route.resource,
  ).toBe('group:Notification-Consumer');
});
