// The worker's own policy check (shared/policy/enforce-input.ts) against the real policy and
// routing files: what the API would refuse is refused when it arrives as a raw workflow input,
// what only tightens passes, and the effective settings (not the input's) come back.
import { join } from 'node:path';
import { manualRoute } from '../../../client/service/manual-route';
import { type IncidentInput } from '../../../shared/incident';
import { enforceIncidentInput, enforcePlaybookInput } from '../../../shared/policy/enforce-input';
import { loadPolicy } from '../../../shared/policy/load-policy';
import { PolicyError } from '../../../shared/policy/safety-policy';
import { resourceFromLabel } from '../../../shared/resource';
import { RoutingTable } from '../../../shared/routing/routing-table';

const policy = loadPolicy(join(__dirname, '../../../config/policy.yaml'));
const routing = RoutingTable.load(join(__dirname, '../../../config/routing.yaml'), policy);
const ORG = '7b0c3f7e-2f4e-4a5e-9c1d-0a1b2c3d4e5f';
const floor = { allowedPrincipals: [], allowedRoles: ['approver'], quorum: 1, timeout: '1h', required: true };

function refusal(fn: () => unknown): { type: string; setting: string } {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(PolicyError);
    return { type: (err as PolicyError).type, setting: (err as PolicyError).details.setting };
  }
  throw new Error('accepted');
}

const orgInput = (params: Record<string, unknown>, approvalPolicy?: Record<string, unknown>) => ({
  playbook: 'org-deletion',
  resource: `org:${ORG}`,
  params: { orgId: ORG, ...params },
  approvalPolicy,
});

test.each([
  ['gracePeriod', 'PolicyViolation', orgInput({ gracePeriod: '0s' })],
  ['approvalAboveMembers', 'PolicyViolation', orgInput({ approvalAboveMembers: 2147483647 })],
  ['orgId', 'ResourceMismatch', orgInput({ orgId: '11111111-2222-4333-8444-555555555555' })],
  ['approval.quorum', 'PolicyViolation', orgInput({}, { ...floor, quorum: 0 })],
  ['approval.timeout', 'PolicyViolation', orgInput({}, { ...floor, timeout: '30d' })],
  ['approval.timeout', 'PolicyViolation', orgInput({}, { ...floor, timeout: 42 })],
  ['approval.required', 'PolicyViolation', orgInput({}, { ...floor, required: false })],
  [
    'approval.allowedRoles',
    'PolicyViolation',
    orgInput({}, { ...floor, allowedRoles: ['approver', 'operator'] }),
  ],
  [
    'approval.allowedPrincipals',
    'PolicyViolation',
    orgInput({}, { ...floor, allowedPrincipals: ['mallory'] }),
  ],
  ['resource', 'ResourceMismatch', { ...orgInput({}), resource: 'group:notification-consumer' }],
  ['playbook', 'ResourceMismatch', { ...orgInput({}), playbook: 'drop-database' }],
])('a raw playbook input loosening %s is refused (%s)', (setting, type, input) => {
  expect(refusal(() => enforcePlaybookInput(policy, input))).toEqual({ type, setting });
});

test('an input that only tightens passes as it is; what it leaves out is the policy’s, not a default', () => {
  const tight = enforcePlaybookInput(
    policy,
    orgInput(
      { gracePeriod: '30d' },
      { ...floor, quorum: 3, timeout: '2h', restrictTo: ['alice', 'bob', 'carol'] },
    ),
  );
  expect(tight.params).toMatchObject({
    orgId: ORG,
    gracePeriod: '30d',
    approvalAboveMembers: 0,
    mode: 'delete',
  });
  expect(tight.approvalPolicy).toMatchObject({
    quorum: 3,
    timeout: '2h',
    restrictTo: ['alice', 'bob', 'carol'],
  });
  expect(tight.policyVersion).toBe(policy.version);
  const bare = enforcePlaybookInput(policy, { playbook: 'org-deletion', resource: `org:${ORG}`, params: {} });
  expect(bare.params).toMatchObject({ orgId: ORG, gracePeriod: '7d' });
  expect(bare.approvalPolicy).toEqual(policy.approvalFor('org-deletion'));
});

test('what the API routes passes the worker’s check unchanged (the same rules on both sides)', () => {
  const { route } = manualRoute(routing, {
    playbook: 'org-deletion',
    resource: `org:${ORG}`,
    params: { gracePeriod: '8d' },
    approval: { quorum: 2 },
  });
  const checked = enforcePlaybookInput(policy, {
    playbook: 'org-deletion',
    resource: route.resource!,
    params: route.params,
    approvalPolicy: route.approvalPolicy,
  });
  expect(checked.params).toEqual(route.params);
  expect(checked.approvalPolicy).toEqual(route.approvalPolicy);
});

test('a digest-shortened resource is checked against the full id its parameter carries', () => {
  const key = `cache:${'k'.repeat(300)}`;
  const shaped = resourceFromLabel('key', key)!;
  expect(shaped.full).toBeDefined();
  const ok = enforcePlaybookInput(policy, {
    playbook: 'cache-repair',
    resource: shaped.resource,
    params: { key },
  });
  expect(ok.params.key).toBe(key);
  expect(
    refusal(() =>
      enforcePlaybookInput(policy, {
        playbook: 'cache-repair',
        resource: shaped.resource,
        params: { key: `cache:${'x'.repeat(300)}` },
      }),
    ),
  ).toEqual({ type: 'ResourceMismatch', setting: 'key' });
});

describe('incident inputs', () => {
  const base = (): IncidentInput => {
    const { incidentId, route } = manualRoute(routing, {
      playbook: 'org-deletion',
      resource: `org:${ORG}`,
      params: {},
    });
    return {
      incidentId,
      source: 'manual',
      initiator: 'mallory',
      reason: 'raw',
      dryRun: false,
      route,
      budget: routing.budget,
      maxRuns: routing.file.guardrails.maxRunsPerIncident,
      recurrence: routing.recurrence,
    };
  };
  test('as the API builds it: accepted, with its own settings', () => {
    const input = base();
    const eff = enforceIncidentInput(routing, input);
    expect(eff.approvalPolicy).toEqual(input.route.approvalPolicy);
    expect(eff.budget).toEqual(routing.budget);
    expect(eff.playbook?.workflowType).toBe('orgDeletionWorkflow');
    expect(eff.playbook?.params).toEqual(input.route.params);
  });
  test.each<[string, (i: IncidentInput) => void]>([
    ['approval.required', (i) => (i.route.approvalPolicy = { ...i.route.approvalPolicy, required: false })],
    ['budget.max', (i) => (i.budget = { max: routing.budget.max + 1, window: routing.budget.window })],
    ['budget.window', (i) => (i.budget = { max: 1, window: '1s' })],
    ['maxRuns', (i) => (i.maxRuns = 99)],
    ['recurrence.window', (i) => (i.recurrence = { episodes: 1, window: '1s' })],
    ['route.workflowType', (i) => (i.route.workflowType = 'healthProbeWorkflow')],
    ['gracePeriod', (i) => (i.route.params = { ...i.route.params, gracePeriod: '1s' })],
    [
      'route.playbook',
      (i) => (i.route.rule = routing.file.routes.find((r) => r.playbook !== 'org-deletion')!.name),
    ],
  ])('loosening %s is refused', (setting, change) => {
    const input = base();
    change(input);
    expect(refusal(() => enforceIncidentInput(routing, input)).setting).toBe(setting);
  });
  test('left-out recurrence and runs get the routing file’s, and a smaller budget is kept', () => {
    const input = base();
    delete input.recurrence;
    delete input.maxRuns;
    input.budget = { max: 1, window: '1h' };
    const eff = enforceIncidentInput(routing, input);
    expect(eff.recurrence).toEqual(routing.recurrence);
    expect(eff.maxRuns).toBe(routing.file.guardrails.maxRunsPerIncident);
    expect(eff.budget).toEqual({ max: 1, window: '1h' });
  });
});
