// Through the real API, real Temporal server and a real worker process: the kill switch pauses a
// recovery before its mutating step and resume finishes it; a forged approval is refused while
// one signed by the API is accepted.
import { createPool } from '../../../workers/clients';
import { loadConfig } from '../../../shared/config';
import { approveUpdate, decisionSignal } from '../../../shared/workflow-interface';
import { FORGER_KEY, gateOf, signDecision } from '../../support/decisions';
import { alertmanagerWebhook, pollUntil, startApiHarness, type ApiHarness } from './api-harness';

let h: ApiHarness;
beforeAll(async () => {
  h = await startApiHarness('api-ctl');
}, 120_000);
afterAll(() => h?.close(), 120_000);

const path = (id: string, suffix = '') => `/v1/incidents/${encodeURIComponent(id)}${suffix}`;

test('kill switch: a recovery started while paused waits before its mutating step; resume finishes it', async () => {
  const paused = await h.call('operator', 'POST', '/v1/control/pause', { reason: 'api test' });
  expect(paused.status).toBe(200);
  expect(paused.body).toMatchObject({ paused: true, by: 'operator', reason: 'api test' });

  const trigger = await h.call('operator', 'POST', '/v1/incidents', {
    playbook: 'health-probe',
    resource: `stack:${h.prefix}-ks`,
    params: {},
    reason: 'kill switch test',
  });
  expect(trigger.status).toBe(201);
  const id: string = trigger.body.incidentId;

  const waiting = await pollUntil('the incident to wait on the kill switch', async () => {
    const v = (await h.call('operator', 'GET', path(id))).body;
    return v.incident?.phase === 'paused' ? v : undefined;
  });
  expect(waiting.incident.paused).toBe(true);
  expect(waiting.runs).toEqual([]);
  // Still waiting a moment later: nothing mutating ran while paused.
  await new Promise((r) => setTimeout(r, 1_500));
  const still = (await h.call('operator', 'GET', path(id))).body;
  expect(still.running).toBe(true);
  expect(still.runs).toEqual([]);

  const resumed = await h.call('operator', 'POST', '/v1/control/resume');
  expect(resumed.status).toBe(200);
  expect(resumed.body.paused).toBe(false);
  expect(resumed.body.signalled).toBeGreaterThanOrEqual(1);

  const done = await pollUntil('the incident to finish after resume', async () => {
    const v = (await h.call('operator', 'GET', path(id))).body;
    return v.running === false ? v : undefined;
  });
  expect(done.incident.result.outcome).toBe('recovered');
  expect(done.runs).toHaveLength(1);
  expect(done.playbook.steps.map((s: { state: string }) => s.state)).toEqual([
    'succeeded',
    'succeeded',
    'succeeded',
  ]);
}, 120_000);

test('a forged approval is refused; an API-signed one by an allowed approver is accepted', async () => {
  // A security-category alert always needs approval before its playbook runs.
  const webhook = alertmanagerWebhook([
    {
      fingerprint: `${h.prefix}-sec`,
      alertname: 'ReboundApiTestProbe',
      status: 'firing',
      labels: { instance: `${h.prefix}-sec`, category: 'security' },
    },
  ]);
  const intake = await h.call('alertmanager', 'POST', '/v1/alerts/alertmanager', webhook);
  expect(intake.status).toBe(202);
  const id: string = intake.body.incidents[0].incidentId;
  const pending = await pollUntil('a pending approval', async () => {
    const v = (await h.call('operator', 'GET', path(id))).body;
    return v.incident?.pendingApproval ? v.incident.pendingApproval : undefined;
  });

  const handle = h.client.workflow.getHandle(id);
  expect(pending.id).toBeDefined();
  const fields = { ...(await gateOf(handle)), principal: 'alice', decision: 'approve' as const };
  // A raw Temporal client with a key that is not the workers' key: the update validator refuses it.
  await expect(
    handle.executeUpdate(approveUpdate, {
      args: [signDecision(fields, FORGER_KEY)],
    }),
  ).rejects.toThrow();
  // Unsigned, and as the fire-and-forget signal: ignored and audited.
  await expect(
    handle.executeUpdate(approveUpdate, { args: [{ ...signDecision(fields), signature: '' }] }),
  ).rejects.toThrow();
  await handle.signal(decisionSignal, signDecision({ ...fields, principal: 'bob' }, FORGER_KEY));
  // Through the API, a principal without the approver role is refused before any signing.
  expect(
    (await h.call('operator', 'POST', path(id, '/approvals'), { decision: 'approve', comment: 'x' })).status,
  ).toBe(403);

  const pool = createPool(loadConfig(), 'state', 1);
  try {
    await pollUntil('the forged signal to be audited', async () => {
      const rows = await pool.query(
        // An incident's entries are keyed by its episode, `<incidentId>#<runId>` (issue 10).
        `SELECT actor FROM audit_events WHERE split_part(workflow_id, '#', 1) = $1 AND kind = 'decision-refused'`,
        [id],
      );
      return rows.rows.some((r: { actor: string }) => r.actor === 'bob') ? true : undefined;
    });
  } finally {
    await pool.end();
  }
  const still = (await h.call('operator', 'GET', path(id))).body;
  expect(still.incident.pendingApproval.votes).toEqual([]);
  expect(still.runs).toEqual([]);

  const approved = await h.call('alice', 'POST', path(id, '/approvals'), {
    decision: 'approve',
    comment: 'checked',
  });
  expect(approved.status).toBe(200);
  expect(approved.body).toMatchObject({ accepted: true, settled: true });
  const again = await h.call('bob', 'POST', path(id, '/approvals'), { decision: 'approve', comment: 'late' });
  expect(again.status).toBe(409);

  const done = await pollUntil('the approved incident to finish', async () => {
    const v = (await h.call('operator', 'GET', path(id))).body;
    return v.running === false ? v : undefined;
  });
  expect(done.incident.result.outcome).toBe('recovered');
  expect(done.incident.decisions[0]).toMatchObject({
    outcome: 'approved',
    votes: [expect.objectContaining({ principal: 'alice' })],
  });
}, 120_000);
