// Approvals as a separation-of-duties control, on the real stack (Temporal dev server, a real
// worker process, the real API and Rebound's database). Every way around the gate is tried through
// the API and with a raw Temporal client, and each must be refused with its failure type AND
// leave an audit row: self-approval, a second vote, an outsider, a wrong role, a forged signature,
// a retired key, an expired decision, another gate, a changed digest, a decision copied from an
// earlier run of the same incident, a decision on a closed incident, and each loosening trigger.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { type Pool } from 'pg';
import { decisionRefusal } from '../../../client/decision-refusal';
import { loadConfig } from '../../../shared/config';
import { type SignedDecision } from '../../../shared/decisions/signed-decision';
import { REPO_ROOT } from '../../../shared/paths';
import { approveUpdate, decisionSignal, type PendingApproval } from '../../../shared/workflow-interface';
import { createPool } from '../../../workers/clients';
import { FORGER_KEY, RETIRED_TEST_KEY, gateOf, signDecision } from '../../support/decisions';
import { alertmanagerWebhook, pollUntil, startApiHarness, type ApiHarness } from '../api/api-harness';

jest.setTimeout(240_000);

// health-probe is classified `security` here, so every recovery of it stops at a guardrail gate;
// the policy asks two approvers for it. The consumer rule lets alert annotations tune monitoring.
const ROUTING = `
guardrails:
  budget: { max: 50, window: 10m }
  needsHumanTimeout: 1h
routes:
  - name: guarded-probe
    match: { alertname: GuardedProbe }
    playbook: health-probe
    resource: 'stack:{{labels.instance}}'
    classification: { severity: WARNING, category: security, recoverability: approval }
  - name: crash-loop
    match: { alertname: KafkaConsumerCrashLoop }
    playbook: consumer-safe-mode-restart
    resource: 'group:{{labels.group}}'
    params:
      group: '{{labels.group}}'
      topic: '{{labels.topic}}'
      monitorFor: '{{annotations.monitorFor|5m}}'
      checkEvery: '{{annotations.checkEvery|15s}}'
    classification: { severity: CRITICAL, category: data, recoverability: approval }
`;
const POLICY = readFileSync(join(REPO_ROOT, 'config/policy.yaml'), 'utf8').replace(
  /^ {2}health-probe: \{\}$/m,
  '  health-probe:\n    approval: { quorum: 2, timeout: 30m }',
);

let h: ApiHarness;
let pool: Pool;
beforeAll(async () => {
  h = await startApiHarness('approvals', {
    routing: ROUTING,
    policy: POLICY,
    principals: {
      // Starts recoveries and holds the approver role: the four-eyes rule must still stop her.
      dana: ['incidents:read', 'incidents:write', 'approver'],
      carol: ['approver', 'incidents:read'],
    },
  });
  pool = createPool(loadConfig(), 'state');
}, 120_000);
afterAll(async () => {
  await h?.close();
  await pool?.end();
}, 120_000);

const path = (id: string, suffix = '') => `/v1/incidents/${encodeURIComponent(id)}${suffix}`;

async function refusedType(p: Promise<unknown>): Promise<string | undefined> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
  return decisionRefusal(err)?.type;
}

interface AuditRow {
  actor: string;
  kind: string;
  detail: { type?: string; reason?: string; setting?: string; via?: string };
}
const auditOf = async (workflowId: string, kind: string) =>
  (
    await pool.query<AuditRow>(
      `SELECT actor, kind, detail FROM audit_events
       WHERE (workflow_id = $1 OR split_part(workflow_id, '#', 1) = $1) AND kind = $2`,
      [workflowId, kind],
    )
  ).rows;

async function waitForGate(id: string): Promise<PendingApproval> {
  return pollUntil('a pending approval', async () => {
    const v = (await h.call('alice', 'GET', path(id))).body;
    return v.running && v.incident?.pendingApproval
      ? (v.incident.pendingApproval as PendingApproval)
      : undefined;
  });
}

function acceptedDecisions(history: Awaited<ReturnType<WorkflowHandle['fetchHistory']>>): SignedDecision[] {
  return (history.events ?? [])
    .map(
      (e) =>
        e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.args?.payloads?.[0]?.data,
    )
    .filter((d): d is Uint8Array => d instanceof Uint8Array)
    .map((d) => JSON.parse(Buffer.from(d).toString('utf8')) as SignedDecision);
}

test('every way around the gate is refused and audited; two approvers settle it; a closed incident takes no decision', async () => {
  const resource = `stack:${h.prefix}`;
  const started = await h.call('dana', 'POST', '/v1/incidents', {
    playbook: 'health-probe',
    resource,
    params: {},
    reason: 'separation of duties test',
    approval: { restrictTo: ['alice', 'bob', 'dana', 'mallory'] },
  });
  expect(started.status).toBe(201);
  const id: string = started.body.incidentId;
  const gate = await waitForGate(id);
  expect(gate).toMatchObject({ quorum: 2, restrictTo: ['alice', 'bob', 'dana', 'mallory'] });
  expect(gate.digest).toMatch(/^[0-9a-f]{64}$/);
  const view = (await h.call('alice', 'GET', path(id))).body;
  expect(view.incident.policyVersion).toMatch(/^1#[0-9a-f]{12}$/);
  const decide = (who: string, body: Record<string, unknown>) =>
    h.call(who, 'POST', path(id, '/approvals'), {
      decision: 'approve',
      approvalId: gate.id,
      digest: gate.digest,
      ...body,
    });

  // Through the API.
  const self = await decide('dana', {});
  expect([self.status, self.body.error]).toEqual([403, 'SelfApproval']);
  const outsider = await decide('carol', {});
  expect([outsider.status, outsider.body.error]).toEqual([403, 'DecisionForbidden']);
  expect((await decide('operator', {})).status).toBe(403); // no approver role: refused by the API itself
  const otherGate = await decide('alice', { approvalId: 'purge#1' });
  expect([otherGate.status, otherGate.body.error]).toEqual([409, 'ApprovalNotPending']);
  expect(otherGate.body.details.currentGate.id).toBe(gate.id);
  const changed = await decide('alice', { digest: 'cd'.repeat(32) });
  expect([changed.status, changed.body.error]).toEqual([409, 'ApprovalDigestMismatch']);
  expect(changed.body.details.currentGate.digest).toBe(gate.digest);
  const first = await decide('alice', { comment: 'checked the probe' });
  expect(first.status).toBe(200);
  expect(first.body).toMatchObject({ approvalId: gate.id, votes: 1, quorum: 2, settled: false });
  const again = await decide('alice', {});
  expect([again.status, again.body.error]).toEqual([409, 'DuplicateVote']);

  // With a raw Temporal client: decisions that never came from the API's current key, or that are
  // signed but not for this gate, run, time, or principal.
  const handle = h.client.workflow.getHandle(id);
  const base = { ...(await gateOf(handle)), decision: 'approve' as const };
  const raw = (d: SignedDecision) => refusedType(handle.executeUpdate(approveUpdate, { args: [d] }));
  expect(await raw(signDecision({ ...base, principal: 'bob' }, FORGER_KEY))).toBe('DecisionSignatureInvalid');
  expect(await raw(signDecision({ ...base, principal: 'bob' }, RETIRED_TEST_KEY))).toBe(
    'DecisionSignatureInvalid',
  );
  const past = Date.now() - 30 * 60_000;
  expect(
    await raw(
      signDecision({
        ...base,
        principal: 'bob',
        issuedAt: new Date(past).toISOString(),
        expiresAt: new Date(past + 5 * 60_000).toISOString(),
      }),
    ),
  ).toBe('DecisionExpired');
  expect(await raw(signDecision({ ...base, principal: 'bob', approvalId: 'purge#1' }))).toBe(
    'ApprovalNotPending',
  );
  expect(await raw(signDecision({ ...base, principal: 'bob', digest: 'ef'.repeat(32) }))).toBe(
    'ApprovalDigestMismatch',
  );
  expect(await raw(signDecision({ ...base, principal: 'mallory', roles: ['incidents:read'] }))).toBe(
    'DecisionForbidden',
  );
  expect(await raw(signDecision({ ...base, principal: 'dana' }))).toBe('SelfApproval');
  expect(await raw(signDecision({ ...base, principal: 'alice' }))).toBe('DuplicateVote');
  // The fire-and-forget signal with a forged signature: ignored (no vote) and audited.
  await handle.signal(decisionSignal, signDecision({ ...base, principal: 'bob' }, FORGER_KEY));

  const refusals = await pollUntil('every refusal audited', async () => {
    const rows = await auditOf(id, 'decision-refused');
    const seen = new Set(rows.map((r) => `${r.actor}:${r.detail.type}:${r.detail.reason}`));
    const want = [
      'dana:SelfApproval:initiator',
      'carol:DecisionForbidden:not-named',
      'alice:ApprovalNotPending:other-gate',
      'alice:ApprovalDigestMismatch:digest-changed',
      'alice:DuplicateVote:duplicate-vote',
      'bob:DecisionSignatureInvalid:bad-signature',
      'bob:DecisionSignatureInvalid:retired-key',
      'bob:DecisionExpired:expired',
      'bob:ApprovalNotPending:other-gate',
      'bob:ApprovalDigestMismatch:digest-changed',
      'mallory:DecisionForbidden:not-an-approver',
      'operator:DecisionForbidden:missing-role',
      'dana:SelfApproval:initiator',
    ];
    const signal = rows.some((r) => r.detail.via === 'signal' && r.actor === 'bob');
    return want.every((w) => seen.has(w)) && signal ? rows : undefined;
  });
  expect(refusals.length).toBeGreaterThanOrEqual(13);
  expect((await h.call('alice', 'GET', path(id))).body.incident.pendingApproval.votes).toHaveLength(1);

  // The second approver settles it; the probe runs and the incident closes.
  const second = await decide('bob', {});
  expect(second.body).toMatchObject({ votes: 2, settled: true });
  const closed = await pollUntil('the incident closed', async () => {
    const v = (await h.call('alice', 'GET', path(id))).body;
    return v.running ? undefined : v;
  });
  expect(closed.incident.result.outcome).toBe('recovered');
  expect(closed.incident.pendingApproval).toBeUndefined();
  const late = await decide('alice', {});
  expect([late.status, late.body.error, late.body.details.reason]).toEqual([
    409,
    'ApprovalNotPending',
    'incident-closed',
  ]);

  // The fault comes back: a new run of the same incident id stops at a gate with the same id. The
  // decision alice signed in the first run's history, replayed with a raw client, is refused.
  const firstRunId = (await handle.describe()).runId;
  const copied = acceptedDecisions(await h.client.workflow.getHandle(id, firstRunId).fetchHistory());
  expect(copied.map((d) => d.principal)).toEqual(['alice', 'bob']);
  const again2 = await h.call('dana', 'POST', '/v1/incidents', {
    playbook: 'health-probe',
    resource,
    params: {},
    reason: 'the fault came back',
  });
  expect(again2.status).toBe(201);
  const gate2 = await pollUntil('the second run at its gate', async () => {
    const g = await waitForGate(id);
    return (await h.client.workflow.getHandle(id).describe()).runId !== firstRunId ? g : undefined;
  });
  expect(gate2.id).toBe(gate.id);
  const replayed = await refusedType(
    h.client.workflow.getHandle(id).executeUpdate(approveUpdate, { args: [copied[0]] }),
  );
  expect(replayed).toBe('DecisionSignatureInvalid');
  await pollUntil('the copied decision audited', async () =>
    (await auditOf(id, 'decision-refused')).some((r) => r.detail.reason === 'other-run') ? true : undefined,
  );
});

describe('a trigger, an annotation or a schedule may not loosen a safety setting', () => {
  const ORG = '3f1d6a2e-8b7c-4d5e-9f0a-1b2c3d4e5f60';
  const cases: [string, string, Record<string, unknown>][] = [
    ['gracePeriod', 'org-deletion', { resource: `org:${ORG}`, params: { gracePeriod: '0s' } }],
    [
      'approvalAboveMembers',
      'org-deletion',
      { resource: `org:${ORG}`, params: { approvalAboveMembers: 2147483647 } },
    ],
    [
      'orgId',
      'org-deletion',
      { resource: `org:${ORG}`, params: { orgId: '00000000-0000-4000-8000-000000000000' } },
    ],
    ['approval.quorum', 'health-probe', { resource: 'stack:loose', approval: { quorum: 1 } }],
    ['approval.timeout', 'health-probe', { resource: 'stack:loose', approval: { timeout: '2h' } }],
    ['approval.required', 'health-probe', { resource: 'stack:loose', approval: { required: false } }],
    [
      'checkEvery',
      'consumer-safe-mode-restart',
      { resource: 'group:g9', params: { topic: 't', checkEvery: '0s' } },
    ],
    [
      'checkEvery',
      'consumer-safe-mode-restart',
      { resource: 'group:g9', params: { topic: 't', monitorFor: '2h', checkEvery: '5s' } },
    ],
    [
      'monitorFor',
      'consumer-safe-mode-restart',
      { resource: 'group:g9', params: { topic: 't', monitorFor: '1s' } },
    ],
    [
      'emptyTimeout',
      'consumer-safe-mode-restart',
      { resource: 'group:g9', params: { topic: 't', emptyTimeout: '0s' } },
    ],
  ];
  test.each(cases)('%s (%s): 400 naming it, audited, nothing started', async (setting, playbook, req) => {
    const res = await h.call('operator', 'POST', '/v1/incidents', {
      playbook,
      reason: 'loosen',
      params: {},
      ...req,
    });
    expect(res.status).toBe(400);
    expect(['PolicyViolation', 'ResourceMismatch']).toContain(res.body.error);
    expect(res.body.details.setting).toBe(setting);
    expect(res.body.message).toContain(setting.replace('approval.', ''));
    const incidentId = `incident:${playbook}:${req.resource as string}`;
    const audited = await auditOf(incidentId, 'policy-refused');
    expect(audited.map((r) => r.detail.setting)).toContain(setting);
    await expect(h.client.workflow.getHandle(incidentId).describe()).rejects.toThrow();
  });

  // Issue 10: nothing Alertmanager can send fails its whole group; the alert is `rejected`, naming
  // the setting, and audited.
  test('an alert annotation asking for checkEvery 0s: rejected naming the setting, audited, nothing started', async () => {
    const res = await h.call(
      'alertmanager',
      'POST',
      '/v1/alerts/alertmanager',
      alertmanagerWebhook([
        {
          status: 'firing',
          alertname: 'KafkaConsumerCrashLoop',
          labels: { group: `${h.prefix}-g`, topic: 't' },
          annotations: { checkEvery: '0s' },
          fingerprint: `${h.prefix}-fp`,
        },
      ]),
    );
    const incidentId = `incident:consumer-safe-mode-restart:group:${h.prefix}-g`;
    expect(res.status).toBe(202);
    expect(res.body.incidents).toEqual([
      expect.objectContaining({
        incidentId,
        action: 'rejected',
        reason: expect.stringMatching(/^PolicyViolation \(checkEvery\)/),
      }),
    ]);
    const audited = await auditOf(incidentId, 'policy-refused');
    expect(audited.map((r) => r.detail.setting)).toContain('checkEvery');
    await expect(h.client.workflow.getHandle(incidentId).describe()).rejects.toThrow();
  });
});
