// Ways around the policy, the kill switch and the approval gate that do not go through the API's
// checks, tried on the real stack (Temporal dev server, a real worker process holding the policy
// file, the real API, Rebound's and the platform's databases): a raw Temporal client starting a
// playbook or an incident with loosened settings (issue 9 F1), a forged `resume` signal (F2), a
// `decision` signal sent while the saga compensates after cancellation (F2b), a dry run's budget
// (F10), and the HTTP edge cases of F11. Each is refused with its type, and audited.
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { type Redis } from 'ioredis';
import { type Pool } from 'pg';
import { FAULT_INJECTION_ENABLED, FAULT_INJECTION_ENV } from '../../../activities/org/fault-injection';
import { createOrg } from '../../../platform/org/generator';
import { loadConfig } from '../../../shared/config';
import { INCIDENT_WORKFLOW_TYPE, type IncidentInput } from '../../../shared/incident';
import { REPO_ROOT } from '../../../shared/paths';
import { type PlaybookInput } from '../../../shared/playbook-input';
import { workflowTaskQueue } from '../../../shared/task-queues';
import {
  decisionSignal,
  resumeSignal,
  statusQuery,
  type PlaybookStatus,
} from '../../../shared/workflow-interface';
import { createPool, createRedis } from '../../../workers/clients';
import { removeTestOrgs } from '../org/org-fixtures';
import { injectFault, isHeld, releaseFault } from '../../e2e/org/org-e2e-support';
import { gateOf, signDecision } from '../../support/decisions';
import { pollUntil, startApiHarness, type ApiHarness } from '../api/api-harness';

jest.setTimeout(300_000);

// guarded-probe is `security` (every run stops at a guardrail gate, two approvers by the policy);
// plain-probe runs at once; org-deletion is reachable by hand.
const ROUTING = `
guardrails:
  budget: { max: 20, window: 10m }
  needsHumanTimeout: 1h
  maxRunsPerIncident: 2
routes:
  - name: guarded-probe
    match: { alertname: GuardedProbe }
    playbook: health-probe
    resource: 'stack:{{labels.instance}}'
    classification: { severity: WARNING, category: security, recoverability: approval }
  - name: orphaned-org
    match: { alertname: OrphanedOrgData }
    playbook: org-deletion
    resource: 'org:{{labels.org}}'
    params: { mode: cleanup }
    classification: { severity: WARNING, category: data, recoverability: approval }
`;
// The dev policy (5 s grace period at least), with two approvers for health-probe.
const POLICY = readFileSync(join(REPO_ROOT, 'config/policy.dev.yaml'), 'utf8').replace(
  /^ {2}health-probe: \{\}$/m,
  '  health-probe:\n    approval: { quorum: 2, timeout: 30m }',
);

let h: ApiHarness;
let state: Pool;
let platform: Pool;
let redis: Redis;
const orgs: string[] = [];

beforeAll(async () => {
  h = await startApiHarness('raw-attacks', {
    routing: ROUTING,
    policy: POLICY,
    // The saga's compensations can be held (F2b): a window in which a decision signal arrives.
    workerEnv: { [FAULT_INJECTION_ENV]: FAULT_INJECTION_ENABLED },
  });
  const config = loadConfig();
  state = createPool(config, 'state', 2);
  platform = createPool(config, 'platform', 2);
  redis = createRedis(config, 'rebound-test-raw-attacks');
}, 180_000);
afterAll(async () => {
  await h?.call('admin', 'POST', '/v1/control/resume', {}).catch(() => undefined);
  await removeTestOrgs({ pool: platform, redis }, orgs).catch(() => undefined);
  await h?.close();
  await Promise.all([state?.end(), platform?.end()]);
  redis?.disconnect();
}, 120_000);

const path = (id: string, suffix = '') => `/v1/incidents/${encodeURIComponent(id)}${suffix}`;
const auditOf = async (workflowId: string, kind: string) =>
  (
    await state.query<{ actor: string; detail: Record<string, string | undefined> }>(
      `SELECT actor, detail FROM audit_events
       WHERE (workflow_id = $1 OR split_part(workflow_id, '#', 1) = $1
              OR split_part(workflow_id, '/', 1) = $1) AND kind = $2`,
      [workflowId, kind],
    )
  ).rows;

/** The ApplicationFailure a workflow failed with (type, details[0].setting), or the result. */
async function failureOf(handle: WorkflowHandle): Promise<{ type?: string; setting?: string }> {
  const err = await handle.result().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WorkflowFailedError);
  const cause = (err as WorkflowFailedError).cause;
  expect(cause).toBeInstanceOf(ApplicationFailure);
  const failure = cause as ApplicationFailure;
  expect(failure.nonRetryable).toBe(true);
  return {
    type: failure.type ?? undefined,
    setting: (failure.details?.[0] as { setting?: string })?.setting,
  };
}

const approvalPolicy = {
  allowedPrincipals: [] as string[],
  allowedRoles: ['approver'],
  quorum: 1,
  timeout: '1h',
  required: true,
};

function startPlaybookRaw(workflowType: string, input: PlaybookInput<Record<string, unknown>>, id: string) {
  return h.client.workflow.start(workflowType, {
    taskQueue: workflowTaskQueue(h.prefix),
    workflowId: `${h.prefix}-${id}`,
    args: [input],
  });
}

describe('F1: a raw Temporal client starting a playbook with loosened settings is refused by the worker', () => {
  const ORG = randomUUID();
  const org = (params: Record<string, unknown>, policy: Record<string, unknown> = {}) =>
    ({
      context: {
        resource: `org:${ORG}`,
        initiator: 'mallory',
        reason: 'raw start',
        dryRun: false,
        approvalPolicy: { ...approvalPolicy, ...policy },
      },
      params: { orgId: ORG, gracePeriod: '5s', mode: 'delete', approvalAboveMembers: 0, ...params },
    }) as PlaybookInput<Record<string, unknown>>;
  const probe = (policy: Record<string, unknown>) =>
    ({
      context: {
        resource: `stack:${ORG.slice(0, 8)}`,
        initiator: 'mallory',
        reason: 'raw start',
        dryRun: false,
        approvalPolicy: { ...approvalPolicy, quorum: 2, timeout: '30m', ...policy },
      },
      params: { dependencies: ['postgres'] },
    }) as PlaybookInput<Record<string, unknown>>;
  const cases: [string, string, string, PlaybookInput<Record<string, unknown>>][] = [
    ['gracePeriod', 'PolicyViolation', 'orgDeletionWorkflow', org({ gracePeriod: '0s' })],
    [
      'approvalAboveMembers',
      'PolicyViolation',
      'orgDeletionWorkflow',
      org({ approvalAboveMembers: 2147483647 }),
    ],
    ['orgId', 'ResourceMismatch', 'orgDeletionWorkflow', org({ orgId: randomUUID() })],
    ['approval.required', 'PolicyViolation', 'orgDeletionWorkflow', org({}, { required: false })],
    ['approval.timeout', 'PolicyViolation', 'orgDeletionWorkflow', org({}, { timeout: '7d' })],
    [
      'approval.allowedRoles',
      'PolicyViolation',
      'orgDeletionWorkflow',
      org({}, { allowedRoles: ['operator'] }),
    ],
    [
      'approval.allowedPrincipals',
      'PolicyViolation',
      'orgDeletionWorkflow',
      org({}, { allowedPrincipals: ['mallory'] }),
    ],
    ['approval.quorum', 'PolicyViolation', 'healthProbeWorkflow', probe({ quorum: 1 })],
    [
      'checkEvery',
      'PolicyViolation',
      'consumerSafeModeRestartWorkflow',
      {
        context: {
          resource: 'group:g-raw',
          initiator: 'mallory',
          reason: 'raw',
          dryRun: false,
          approvalPolicy,
        },
        params: { group: 'g-raw', topic: 't', monitorFor: '20s', checkEvery: '0s', emptyTimeout: '2m' },
      },
    ],
  ];
  test.each(cases)(
    '%s: the workflow fails %s naming it, audited, no step ran',
    async (setting, type, wf, input) => {
      const handle = await startPlaybookRaw(wf, input, `raw-${setting}-${randomUUID().slice(0, 6)}`);
      expect(await failureOf(handle)).toEqual({ type, setting });
      const status = await handle.query(statusQuery);
      expect(status.steps).toEqual([]);
      expect(status.result).toMatchObject({ outcome: 'failed', details: { refusal: { type, setting } } });
      const audited = await auditOf(handle.workflowId, 'policy-refused');
      expect(audited).toEqual([
        expect.objectContaining({
          actor: 'mallory',
          detail: expect.objectContaining({ type, setting, via: 'worker' }),
        }),
      ]);
    },
  );

  test('an input that only tightens runs with it; one that leaves settings out gets the policy’s, not defaults', async () => {
    const created = await createOrg(
      { pool: platform, redis },
      { members: 2, workflows: 1, notifications: 1 },
    );
    orgs.push(created.orgId);
    // No approvalPolicy and no gracePeriod: the policy's (5 s grace, 24h approval window) apply.
    const handle = await startPlaybookRaw(
      'orgDeletionWorkflow',
      {
        context: { resource: `org:${created.orgId}`, initiator: 'mallory', reason: 'raw', dryRun: true },
        params: { orgId: created.orgId },
      } as unknown as PlaybookInput<Record<string, unknown>>,
      `raw-defaults-${created.orgId.slice(0, 6)}`,
    );
    await handle.result();
    const status = await handle.query(statusQuery);
    expect(status.policyVersion).toMatch(/^dev-1#[0-9a-f]{12}$/);
    expect(status.plan?.find((p) => p.step === 'grace-period')?.action).toContain('wait 5s');
  });
});

describe('F1: a raw Temporal client starting the incident workflow is held to the routing file and the policy', () => {
  const resource = () => `stack:raw-${randomUUID().slice(0, 8)}`;
  function incidentInput(res: string, change: (i: IncidentInput) => void): IncidentInput {
    const input: IncidentInput = {
      incidentId: `incident:health-probe:${res}`,
      source: 'manual',
      initiator: 'mallory',
      reason: 'raw incident',
      dryRun: false,
      route: {
        rule: 'guarded-probe',
        playbook: 'health-probe',
        workflowType: 'healthProbeWorkflow',
        resource: res,
        params: {},
        classification: { severity: 'WARNING', category: 'security', recoverability: 'approval' },
        approvalPolicy: { ...approvalPolicy, quorum: 2, timeout: '30m' },
      },
      budget: { max: 20, window: '10m' },
      maxRuns: 2,
      recurrence: { episodes: 3, window: '1h' },
    };
    change(input);
    return input;
  }
  const startIncident = (input: IncidentInput) =>
    h.client.workflow.start(INCIDENT_WORKFLOW_TYPE, {
      taskQueue: workflowTaskQueue(h.prefix),
      workflowId: input.incidentId,
      args: [input],
    });

  const cases: [string, (i: IncidentInput) => void][] = [
    ['approval.quorum', (i) => (i.route.approvalPolicy.quorum = 1)],
    ['approval.required', (i) => (i.route.approvalPolicy.required = false)],
    ['budget.max', (i) => (i.budget = { max: 1_000_000, window: '10m' })],
    ['maxRuns', (i) => (i.maxRuns = 20)],
    ['route.workflowType', (i) => (i.route.workflowType = 'orgDeletionWorkflow')],
    ['recurrence.episodes', (i) => (i.recurrence = { episodes: 1000, window: '1h' })],
  ];
  test.each(cases)(
    '%s loosened: the incident closes failed, audited, and fails PolicyViolation',
    async (setting, change) => {
      const handle = await startIncident(incidentInput(resource(), change));
      expect(await failureOf(handle)).toEqual({ type: 'PolicyViolation', setting });
      const status = await handle.query(statusQuery);
      expect(status.result?.outcome).toBe('failed');
      expect(status.steps).toEqual([]);
      const audited = await auditOf(handle.workflowId, 'policy-refused');
      expect(audited.map((r) => r.detail.setting)).toEqual([setting]);
    },
  );

  test('a security incident passed off as transient still stops at the policy’s two-approver gate; an approval without ids binds to it', async () => {
    const res = resource();
    const handle = await startIncident(
      incidentInput(res, (i) => {
        i.route.classification.category = 'transient';
      }),
    );
    const gate = await pollUntil(
      'the guardrail gate',
      async () => (await handle.query(statusQuery)).pendingApproval,
    );
    expect(gate).toMatchObject({ quorum: 2, step: 'guardrail:run-1' });
    // DESIGN.md: approvalId and digest are optional; without them the API binds to the gate pending now.
    const bound = await h.call('alice', 'POST', path(handle.workflowId, '/approvals'), {
      decision: 'approve',
    });
    expect(bound.status).toBe(200);
    expect(bound.body).toMatchObject({ approvalId: gate.id, votes: 1, quorum: 2, settled: false });
    await h.call('admin', 'POST', path(handle.workflowId, '/cancel'), {});
    await handle.result().catch(() => undefined);
    const closed = await h.call('alice', 'POST', path(handle.workflowId, '/approvals'), {
      decision: 'approve',
    });
    expect([closed.status, closed.body.error]).toEqual([409, 'ApprovalNotPending']);
  });
});

describe('F2: a forged resume signal does not release the kill switch', () => {
  test('a raw resume with a huge version leaves the incident paused; the stored resume releases it', async () => {
    const paused = await h.call('admin', 'POST', '/v1/control/pause', { reason: 'forged-resume test' });
    expect(paused.status).toBe(200);
    // org-deletion is classified `data` here: no guardrail gate, the run holds before it starts.
    const started = await h.call('operator', 'POST', '/v1/incidents', {
      playbook: 'org-deletion',
      resource: `org:${randomUUID()}`,
      params: {},
      reason: 'paused run',
    });
    expect(started.status).toBe(201);
    const id: string = started.body.incidentId;
    const handle = h.client.workflow.getHandle(id);
    await pollUntil('the incident held by the kill switch', async () =>
      (await handle.query(statusQuery)).phase === 'paused' ? true : undefined,
    );
    const before = await handle.query(statusQuery);
    await handle.signal(resumeSignal, { by: 'mallory', version: 1_000_000_000 });
    await handle.signal(resumeSignal, { by: 'mallory' });
    await new Promise((r) => setTimeout(r, 5_000));
    const after = await handle.query(statusQuery);
    expect([after.phase, after.paused, after.controlVersion]).toEqual([
      'paused',
      true,
      before.controlVersion,
    ]);
    expect(after.steps.map((s) => s.name)).toEqual(before.steps.map((s) => s.name));
    expect((await auditOf(id, 'resumed')).filter((r) => r.actor === 'mallory')).toEqual([]);

    const resumed = await h.call('admin', 'POST', '/v1/control/resume', {});
    expect(resumed.status).toBe(200);
    const running = await pollUntil('the incident released', async () => {
      const s = await handle.query(statusQuery);
      return !s.paused ? s : undefined;
    });
    expect(running.controlVersion).toBeGreaterThan(before.controlVersion ?? 0);
    await h.call('admin', 'POST', path(id, '/cancel'), {});
  });
});

describe('F2b and F11: cancellation by run id, then a decision signal during the compensations', () => {
  test('the saga compensates fully; the late decision is refused and audited; the incident is consistent', async () => {
    const created = await createOrg(
      { pool: platform, redis },
      { members: 3, workflows: 1, notifications: 2 },
    );
    orgs.push(created.orgId);
    const started = await h.call('operator', 'POST', '/v1/incidents', {
      playbook: 'org-deletion',
      resource: `org:${created.orgId}`,
      params: {},
      reason: 'F2b',
    });
    expect(started.status).toBe(201);
    const id: string = started.body.incidentId;
    const child = await pollUntil(
      'the point-of-no-return gate',
      async () => {
        const v = (await h.call('alice', 'GET', path(id))).body;
        return v.playbook?.pendingApproval ? (v.playbook as PlaybookStatus) : undefined;
      },
      120_000,
    );
    const childHandle = h.client.workflow.getHandle(child.workflowId);
    const gate = await gateOf(childHandle);
    // The first compensation will hold until released: the saga is then mid-compensation.
    const held = 'compensate:restore-memberships';
    await injectFault(redis, child.workflowId, held, 'hold-before');
    // Cancel by the playbook run's id (F11): the API maps it to the incident it belongs to.
    const cancel = await h.call('operator', 'POST', path(child.workflowId, '/cancel'), {});
    expect(cancel.status).toBe(202);
    expect(cancel.body.incidentId).toBe(id);
    await pollUntil('the compensation held', async () =>
      (await isHeld(redis, child.workflowId, held)) ? true : undefined,
    );
    // A valid, signed decision for the gate, sent as a signal while the saga compensates.
    await childHandle.signal(
      decisionSignal,
      signDecision({ ...gate, principal: 'alice', decision: 'approve' }),
    );
    await new Promise((r) => setTimeout(r, 3_000));
    const compensating = await childHandle.query(statusQuery);
    expect([compensating.phase, compensating.result, compensating.pendingApproval]).toEqual([
      'compensating',
      undefined,
      undefined,
    ]);
    expect((await childHandle.describe()).status.name).toBe('RUNNING');
    await releaseFault(redis, child.workflowId, held);
    const closed = await pollUntil(
      'the incident closed',
      async () => {
        const v = (await h.call('alice', 'GET', path(id))).body;
        return v.running ? undefined : v;
      },
      120_000,
    );
    expect(closed.incident.result.outcome).toBe('cancelled');
    expect(closed.incident.pendingApproval).toBeUndefined();
    const finished = await childHandle.query(statusQuery);
    expect(finished.result?.outcome).toBe('cancelled');
    expect(finished.compensations.length).toBeGreaterThan(0);
    expect(finished.compensations.every((c) => c.state === 'succeeded')).toBe(true);
    expect(finished.decisions).toEqual([]);
    const org = await platform.query<{ status: string }>('SELECT status FROM orgs WHERE id = $1', [
      created.orgId,
    ]);
    expect(org.rows[0]?.status).toBe('active');
    const refused = await pollUntil('the late decision audited', async () => {
      const rows = await auditOf(id, 'decision-refused');
      return rows.length > 0 ? rows : undefined;
    });
    expect(refused[0]).toMatchObject({
      actor: 'alice',
      detail: expect.objectContaining({ type: 'ApprovalNotPending', via: 'signal' }),
    });
    expect(['cancellation-requested', 'compensating', 'closed']).toContain(refused[0].detail.reason);
  });
});

describe('F10: a dry run does not consume the recovery budget', () => {
  test('a dry run claims nothing; the real run after it claims one', async () => {
    const claims = async () =>
      Number(
        (
          await state.query<{ n: string }>('SELECT count(*) AS n FROM recovery_budget WHERE scope = $1', [
            h.prefix,
          ])
        ).rows[0].n,
      );
    const before = await claims();
    const created = await createOrg(
      { pool: platform, redis },
      { members: 1, workflows: 1, notifications: 1 },
    );
    orgs.push(created.orgId);
    const dry = await h.call('operator', 'POST', '/v1/incidents', {
      playbook: 'org-deletion',
      resource: `org:${created.orgId}`,
      params: {},
      reason: 'plan it',
      dryRun: true,
    });
    expect(dry.status).toBe(201);
    const v = await pollUntil('the dry run closed', async () => {
      const b = (await h.call('alice', 'GET', path(dry.body.incidentId))).body;
      return b.running ? undefined : b;
    });
    expect(v.incident.result.outcome).toBe('recovered');
    expect(v.incident.plan.length).toBeGreaterThan(0);
    expect(await claims()).toBe(before);
    // The recovery itself claims its one unit of budget before it starts.
    const real = await h.call('operator', 'POST', '/v1/incidents', {
      playbook: 'org-deletion',
      resource: `org:${created.orgId}`,
      params: {},
      reason: 'now for real',
    });
    expect(real.status).toBe(201);
    await pollUntil('the real run’s budget claim', async () =>
      (await claims()) === before + 1 ? true : undefined,
    );
    await h.call('admin', 'POST', path(real.body.incidentId, '/cancel'), {});
  });
});

describe('F11: HTTP edge cases', () => {
  test('JSON in another charset than UTF-8 is a 415; nothing starts', async () => {
    const res = await fetch(`${h.url}/v1/incidents`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${h.tokens.operator}`,
        'content-type': 'application/json; charset=utf-16',
      },
      body: JSON.stringify({ playbook: 'health-probe', resource: 'stack:utf16', params: {}, reason: 'r' }),
    });
    expect(res.status).toBe(415);
    expect(((await res.json()) as { error: string }).error).toBe('unsupported-media-type');
    await expect(
      h.client.workflow.getHandle('incident:health-probe:stack:utf16').describe(),
    ).rejects.toThrow();
    const ok = await fetch(`${h.url}/v1/incidents?status=running`, {
      headers: {
        authorization: `Bearer ${h.tokens.operator}`,
        'content-type': 'application/json; charset=UTF-8',
      },
    });
    expect(ok.status).toBe(200);
  });

  test('Expect: 100-continue with a body over the limit gets a 413 at once, before any body is sent', async () => {
    const { hostname: host, port } = new URL(h.url);
    const reply = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), host, () =>
        socket.write(
          `POST /v1/incidents HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Bearer ${h.tokens.operator}\r\n` +
            `Content-Type: application/json\r\nContent-Length: ${64 * 1024 * 1024}\r\nExpect: 100-continue\r\n\r\n`,
        ),
      );
      let data = '';
      socket.setTimeout(10_000, () => reject(new Error(`no answer: ${JSON.stringify(data)}`)));
      socket.on('data', (b) => {
        data += b.toString();
        if (data.includes('\r\n\r\n')) {
          socket.destroy();
          resolve(data);
        }
      });
      socket.on('error', reject);
    });
    expect(reply).toMatch(/^HTTP\/1\.1 413 /);
    expect(reply).not.toContain('100 Continue');
  });

  test('a 400 echoes a bounded part of a huge invalid input', async () => {
    const huge = 'x'.repeat(1_000_000);
    const res = await h.call('operator', 'POST', '/v1/incidents', {
      playbook: 'org-deletion',
      resource: `org:${randomUUID()}`,
      params: { orgId: huge },
      reason: 'echo',
    });
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body).length).toBeLessThan(5_000);
  });

  test('a trigger that attaches to the incident in flight says which of its settings do not apply', async () => {
    const res = `stack:${h.prefix}-attach`;
    const first = await h.call('operator', 'POST', '/v1/incidents', {
      playbook: 'health-probe',
      resource: res,
      params: {},
      reason: 'first',
    });
    expect(first.status).toBe(201);
    const second = await h.call('operator', 'POST', '/v1/incidents', {
      playbook: 'health-probe',
      resource: res,
      params: {},
      reason: 'second, stricter',
      approval: { quorum: 3 },
    });
    expect(second.status).toBe(200);
    expect(second.body).toMatchObject({ action: 'attached', ignored: ['approval.quorum'] });
    expect(second.body.notice).toContain('approval.quorum');
    await h.call('admin', 'POST', path(first.body.incidentId, '/cancel'), {});
  });
});
