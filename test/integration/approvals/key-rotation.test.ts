// Rotating the decision-signing key on the real stack: while an incident waits on approval, the
// workers restart with a keyring holding the old and the new public key and the API signs with
// the new key: the decision settles the gate. Once the old key is retired, a decision signed with
// it is refused and audited. Histories whose decisions were signed with the old key (update and
// signal) still replay with a keyring that no longer has it at all.
import { Worker } from '@temporalio/worker';
import { type Pool } from 'pg';
import { loadConfig } from '../../../shared/config';
import { approveUpdate, decisionSignal } from '../../../shared/workflow-interface';
import { createPool } from '../../../workers/clients';
import { bundleWorkflows } from '../../../workers/workflow-bundle';
import { NEXT_TEST_KEY, TEST_SIGNING_KEY, gateOf, keyringOf, signDecision } from '../../support/decisions';
import { startWorkerProcess, type WorkerProcess } from '../../support/worker-process';
import { pollUntil, startApiHarness, type ApiHarness } from '../api/api-harness';

jest.setTimeout(300_000);

const ROUTING = `
guardrails:
  budget: { max: 50, window: 10m }
routes:
  - name: guarded-probe
    match: { alertname: GuardedProbe }
    playbook: health-probe
    resource: 'stack:{{labels.instance}}'
    classification: { severity: WARNING, category: security, recoverability: approval }
`;
const OLD = TEST_SIGNING_KEY;
const NEW = NEXT_TEST_KEY;
const keyringEnv = (ring: ReturnType<typeof keyringOf>) => ({
  REBOUND_DECISION_KEYRING: JSON.stringify(ring),
});

let h: ApiHarness;
let pool: Pool;
let signer = OLD;
const workers: WorkerProcess[] = [];
beforeAll(async () => {
  h = await startApiHarness('rotation', {
    routing: ROUTING,
    signingKey: () => signer,
    workerEnv: keyringEnv(keyringOf([OLD])),
  });
  pool = createPool(loadConfig(), 'state');
}, 120_000);
afterAll(async () => {
  for (const w of workers) await w.kill();
  await h?.close();
  await pool?.end();
}, 120_000);

const path = (id: string, suffix = '') => `/v1/incidents/${encodeURIComponent(id)}${suffix}`;

async function startAtGate(n: number): Promise<string> {
  const res = await h.call('operator', 'POST', '/v1/incidents', {
    playbook: 'health-probe',
    resource: `stack:${h.prefix}-${n}`,
    params: {},
    reason: 'rotation test',
  });
  expect(res.status).toBe(201);
  const id: string = res.body.incidentId;
  await pollUntil('the gate', async () => {
    const v = (await h.call('alice', 'GET', path(id))).body;
    return v.incident?.pendingApproval ? true : undefined;
  });
  return id;
}

async function approveViaApi(id: string): Promise<void> {
  const v = (await h.call('alice', 'GET', path(id))).body;
  const p = v.incident.pendingApproval;
  const res = await h.call('alice', 'POST', path(id, '/approvals'), {
    decision: 'approve',
    approvalId: p.id,
    digest: p.digest,
  });
  expect([res.status, res.body.settled]).toEqual([200, true]);
}

const closedOutcome = (id: string) =>
  pollUntil('the incident closed', async () => {
    const v = (await h.call('alice', 'GET', path(id))).body;
    return v.running ? undefined : (v.incident.result.outcome as string);
  });

async function restartWorker(ring: ReturnType<typeof keyringOf>): Promise<void> {
  // The harness's first worker, then any replacement: one worker polls the queue at a time.
  await h.worker.kill();
  for (const w of workers.splice(0)) await w.kill();
  workers.push(await startWorkerProcess(h.prefix, { ...h.workerFiles, ...keyringEnv(ring) }));
}

test('rotation while a gate waits: the new key settles it, the retired key is refused, old histories replay', async () => {
  // Before the rotation: one decision by update, one by the signal, both signed with the old key.
  const viaUpdate = await startAtGate(1);
  await approveViaApi(viaUpdate);
  expect(await closedOutcome(viaUpdate)).toBe('recovered');
  const viaSignal = await startAtGate(2);
  const handle2 = h.client.workflow.getHandle(viaSignal);
  await handle2.signal(
    decisionSignal,
    signDecision({ ...(await gateOf(handle2)), principal: 'bob', decision: 'approve' }, OLD),
  );
  expect(await closedOutcome(viaSignal)).toBe('recovered');

  // Rotation, step 1, while incident 3 waits: workers accept both keys, the API signs with the new.
  const waiting = await startAtGate(3);
  await restartWorker(keyringOf([OLD, NEW]));
  signer = NEW;
  await approveViaApi(waiting);
  expect(await closedOutcome(waiting)).toBe('recovered');

  // Step 2: the old key is retired. A decision signed with it is refused (and audited).
  await restartWorker(keyringOf([NEW], [OLD]));
  const later = await startAtGate(4);
  const handle4 = h.client.workflow.getHandle(later);
  const err = await handle4
    .executeUpdate(approveUpdate, {
      args: [signDecision({ ...(await gateOf(handle4)), principal: 'alice', decision: 'approve' }, OLD)],
    })
    .catch((e: unknown) => e);
  expect(err).toMatchObject({
    cause: {
      type: 'DecisionSignatureInvalid',
      details: [expect.objectContaining({ reason: 'retired-key' })],
    },
  });
  await pollUntil('the retired-key refusal audited', async () => {
    const rows = await pool.query<{ detail: { reason: string } }>(
      `SELECT detail FROM audit_events WHERE (workflow_id = $1 OR split_part(workflow_id, '#', 1) = $1) AND kind = 'decision-refused'`,
      [later],
    );
    return rows.rows.some((r) => r.detail.reason === 'retired-key') ? true : undefined;
  });
  await approveViaApi(later);
  expect(await closedOutcome(later)).toBe('recovered');

  // Histories whose decisions were verified with the old key replay with a keyring without it:
  // updates are not validated again on replay, and the signal's verdict is a recorded marker.
  const bundle = await bundleWorkflows(keyringOf([NEW]));
  for (const id of [viaUpdate, viaSignal, waiting]) {
    const history = await h.client.workflow.getHandle(id).fetchHistory();
    await expect(
      Worker.runReplayHistory({ workflowBundle: bundle, replayName: id }, history),
    ).resolves.toBeUndefined();
  }
});
