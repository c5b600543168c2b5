import { type TestWorkflowEnvironment } from '@temporalio/testing';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import {
  alertFiredSignal,
  alertNoticeSignal,
  incidentDetailsQuery,
  type IncidentInput,
} from '../../../shared/incident';
import {
  approveUpdate,
  resumeSignal,
  statusQuery,
  type PlaybookResult,
  type PlaybookStatus,
} from '../../../shared/workflow-interface';
import { gateOf, signDecision } from '../../support/decisions';
import { recordHistoryIfAsked } from '../../support/history-recorder';
import { createTimeSkippingEnv } from '../../support/temporal-env';
import { incidentInput, newFakes, startIncidentWorkers, type Fakes } from './incident-harness';

jest.setTimeout(120_000);

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await createTimeSkippingEnv();
}, 60_000);
afterAll(async () => {
  await env?.teardown();
});

let seq = 0;
async function withIncident<T>(
  fakes: Fakes,
  overrides: Partial<IncidentInput>,
  body: (h: ReturnType<TestWorkflowEnvironment['client']['workflow']['getHandle']>, id: string) => Promise<T>,
): Promise<T> {
  const w = await startIncidentWorkers(env, fakes);
  seq += 1;
  const incidentId = `incident:health-probe:stack:${w.prefix}-${seq}`;
  try {
    const input = incidentInput({ incidentId, ...overrides });
    // As the service does: the alert rides on signalWithStart's signal.
    const handle = await env.client.workflow.signalWithStart('incidentWorkflow', {
      taskQueue: w.taskQueue,
      workflowId: incidentId,
      args: [input],
      signal: alertFiredSignal,
      signalArgs: [input.alert!],
    });
    return await body(handle, incidentId);
  } finally {
    await w.stop();
  }
}

async function until(
  h: { query: (def: typeof statusQuery) => Promise<PlaybookStatus> },
  pred: (s: PlaybookStatus) => boolean,
): Promise<PlaybookStatus> {
  for (let i = 0; i < 400; i += 1) {
    const s = await h.query(statusQuery);
    if (pred(s)) return s;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('condition not reached');
}
/** The validator's refusal type carried by a rejected update. */
async function refusal(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
    return ((err as WorkflowUpdateFailedError).cause as { type?: string } | undefined)?.type ?? '';
  }
  throw new Error('the update was accepted');
}

test('a routed incident runs the playbook as child <id>/run-1 and closes recovered', async () => {
  const fakes = newFakes();
  await withIncident(fakes, {}, async (h, id) => {
    const result = (await h.result()) as PlaybookResult;
    expect(result.outcome).toBe('recovered');
    const details = await h.query(incidentDetailsQuery);
    // Effect keys are unique per episode: `<incidentId>#<runId>/run-1`.
    const episodeId = `${id}#${(await h.describe()).runId}`;
    expect(details.episodeId).toBe(episodeId);
    expect(details.runs).toEqual([{ workflowId: `${episodeId}/run-1`, outcome: 'recovered' }]);
    expect(fakes.claims).toEqual([`${episodeId}/run-1`]);
    expect(fakes.closedEpisodes).toEqual({ [episodeId]: 'recovered' });
    expect(fakes.probeCalls).toBe(3);
    expect(fakes.audit.map((a) => a.kind)).toEqual(
      expect.arrayContaining(['incident-classified', 'budget-granted', 'step-succeeded', 'closed-recovered']),
    );
  });
});

test('an unroutable alert becomes needs-human with the alert attached, and escalates after the timeout', async () => {
  const fakes = newFakes();
  const route = {
    ...incidentInput({ incidentId: 'x' }).route,
    rule: undefined,
    playbook: undefined,
    workflowType: undefined,
    resource: undefined,
    reason: 'no routing rule matches alertname=Mystery',
  };
  await withIncident(fakes, { route, needsHumanTimeout: '24h' }, async (h) => {
    const s = await until(h, (st) => st.phase === 'needs-human');
    expect(s.steps).toEqual([]);
    const details = await h.query(incidentDetailsQuery);
    expect(details.alerts[0]?.fingerprint).toBe('fp-1');
    const result = (await h.result()) as PlaybookResult;
    expect(result.outcome).toBe('escalated');
    expect(result.summary).toContain('no routing rule matches');
    expect(fakes.notified.join('\n')).toContain('needs a human');
    expect(fakes.probeCalls).toBe(0);
  });
});

test('an exhausted budget waits for a human; the approval times out, escalates and never runs the playbook', async () => {
  const fakes = newFakes();
  fakes.budgetLeft = 0;
  await withIncident(fakes, {}, async (h) => {
    const s = await until(h, (st) => st.phase === 'awaiting-approval');
    expect(s.pendingApproval?.question).toContain('budget');
    // One hour of approval timeout passes in milliseconds on the time-skipping server.
    const result = (await h.result()) as PlaybookResult;
    await recordHistoryIfAsked(h, 'incident-budget-escalation');
    expect(result.outcome).toBe('escalated');
    expect(fakes.probeCalls).toBe(0);
    expect(fakes.notified.some((m) => m.includes('No decision'))).toBe(true);
    expect(fakes.audit.map((a) => a.kind)).toEqual(
      expect.arrayContaining(['budget-exceeded', 'approval-timed-out']),
    );
  });
});

test('security incidents fail closed: approval is required; a forged decision is refused, a signed one runs it', async () => {
  const fakes = newFakes();
  const base = incidentInput({ incidentId: 'x' }).route;
  const route = {
    ...base,
    classification: { ...base.classification, category: 'security' as const },
    approvalPolicy: { ...base.approvalPolicy, required: false },
  };
  await withIncident(fakes, { route }, async (h) => {
    const s = await until(h, (st) => st.pendingApproval !== undefined);
    expect(s.pendingApproval!.id).toBeDefined();
    const gate = await gateOf(h);
    const forged = {
      ...signDecision({ ...gate, principal: 'mallory', decision: 'approve' }),
    };
    forged.signature = '0'.repeat(64);
    expect(await refusal(h.executeUpdate(approveUpdate, { args: [forged] }))).toBe(
      'DecisionSignatureInvalid',
    );
    const byInitiator = signDecision({
      ...gate,
      principal: 'alertmanager',
      decision: 'approve',
    });
    expect(await refusal(h.executeUpdate(approveUpdate, { args: [byInitiator] }))).toBe('SelfApproval');
    const outsider = signDecision({
      ...gate,
      principal: 'eve',
      roles: ['incidents:read'],
      decision: 'approve',
    });
    expect(await refusal(h.executeUpdate(approveUpdate, { args: [outsider] }))).toBe('DecisionForbidden');
    const reply = await h.executeUpdate(approveUpdate, {
      args: [signDecision({ ...gate, principal: 'alice', decision: 'approve' })],
    });
    expect(reply.settled).toBe(true);
    const result = (await h.result()) as PlaybookResult;
    expect(result.outcome).toBe('recovered');
    expect(fakes.probeCalls).toBe(3);
  });
});

test('kill switch on at start: the incident waits paused before starting the playbook; resume finishes it', async () => {
  const fakes = newFakes();
  fakes.paused = true;
  await withIncident(fakes, {}, async (h) => {
    await until(h, (st) => st.phase === 'paused');
    expect(fakes.probeCalls).toBe(0);
    fakes.paused = false; // the stored state the resume signal makes the incident re-read
    await h.signal(resumeSignal, { by: 'admin' });
    const result = (await h.result()) as PlaybookResult;
    expect(result.outcome).toBe('recovered');
    expect(fakes.probeCalls).toBe(3);
  });
});

test('an alert resolved before any action closes resolved-before-action without running the playbook', async () => {
  const fakes = newFakes();
  fakes.paused = true;
  await withIncident(fakes, {}, async (h) => {
    await until(h, (st) => st.phase === 'paused');
    // The intake's per-alert notice: the incident's only alert resolved.
    await h.signal(alertNoticeSignal, {
      ...incidentInput({ incidentId: 'x' }).alert!,
      status: 'resolved',
      endsAt: '2025-01-01T00:05:00Z',
    });
    fakes.paused = false; // the stored state the resume signal makes the incident re-read
    await h.signal(resumeSignal, { by: 'admin' });
    // The run was already past the budget claim; the resolved alert still stops it before the child.
    const result = (await h.result()) as PlaybookResult;
    expect(result.outcome).toBe('resolved-before-action');
    expect(fakes.probeCalls).toBe(0);
  });
});

test('dry run: the child plans, nothing is probed, no budget is claimed, the plan is on the incident', async () => {
  const fakes = newFakes();
  await withIncident(fakes, { dryRun: true }, async (h) => {
    const result = (await h.result()) as PlaybookResult;
    expect(result.outcome).toBe('recovered');
    expect(fakes.probeCalls).toBe(0);
    expect(fakes.claims).toEqual([]);
    const s = await h.query(statusQuery);
    expect(s.plan?.map((p) => p.step)).toEqual(['probe:postgres', 'probe:redis', 'probe:kafka']);
  });
});
