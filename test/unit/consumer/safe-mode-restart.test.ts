// consumer-safe-mode-restart on the time-skipping server with an in-memory consumer group: the
// full 5-minute / 15-second monitoring window, a consumer failing again in safe mode leading to
// escalation and the human decision (timeout → keep-stopped; quarantine-next → second round), the
// dry run that changes nothing, and health records gone after a Redis outage read again.
import { workflowTaskQueue } from '../../../shared/task-queues';
import { statusQuery, type PendingApproval, type PlaybookResult } from '../../../shared/workflow-interface';
import { gateOf, signDecision } from '../../support/decisions';
import { recordHistoryIfAsked } from '../../support/history-recorder';
import { createFakeWorkers } from '../../support/fake-workers';
import { timeSkippingEnvForFile, uniquePrefix } from '../../support/temporal-env';
import { fakeConsumerGroup } from './fake-consumer-group';
import { testContext } from '../../support/playbook-context';

const env = timeSkippingEnvForFile();

const context = (resource: string, dryRun = false) => testContext(resource, { dryRun });

async function withWorkers<T>(
  group: ReturnType<typeof fakeConsumerGroup>,
  fn: (prefix: string, notified: string[]) => Promise<T>,
): Promise<T> {
  const prefix = uniquePrefix('csm');
  const notified: string[] = [];
  const workers = await createFakeWorkers(env(), prefix, {
    control: {
      recordAudit: () => Promise.resolve({ written: true }),
      notify: (n: { message: string }) => {
        notified.push(n.message);
        return Promise.resolve({ sent: true });
      },
    },
    redis: group.redis,
    kafka: group.kafka,
  });
  return workers.run(() => fn(prefix, notified));
}

const params = (extra: Record<string, string> = {}) => ({
  group: 'g',
  topic: 't',
  monitorFor: '5m',
  checkEvery: '15s',
  emptyTimeout: '2m',
  ...extra,
});

test('monitors the full 5-minute window at 15-second checks, then restores normal mode', async () => {
  const group = fakeConsumerGroup({ group: 'g', topic: 't', poison: ['10'], high: 30 });
  const result = await withWorkers(group, (prefix) =>
    env().client.workflow.execute('consumerSafeModeRestartWorkflow', {
      taskQueue: workflowTaskQueue(prefix),
      workflowId: `${prefix}-ok`,
      args: [{ context: context('group:g'), params: params() }],
    }),
  );
  expect(result).toMatchObject({ outcome: 'recovered' });
  const s = group.state();
  expect(s.quarantined).toEqual(['10']);
  expect(s.moves).toEqual(['11']);
  expect(s.modes).toEqual(['stopped', 'safe', 'normal']);
  // One read before acting, then 20 checks (5 min / 15 s).
  expect(s.healthReads).toBe(21);
  expect(s.control.skip).toEqual(['t:0:10']);
}, 120_000);

test('failing again in safe mode escalates; with no decision the timeout keeps the consumer stopped', async () => {
  const group = fakeConsumerGroup({ group: 'g', topic: 't', poison: ['10', '15'], high: 30 });
  const { result, notified, status } = await withWorkers(group, async (prefix, notified) => {
    const handle = await env().client.workflow.start('consumerSafeModeRestartWorkflow', {
      taskQueue: workflowTaskQueue(prefix),
      workflowId: `${prefix}-timeout`,
      args: [{ context: context('group:g'), params: params() }],
    });
    const result = (await handle.result()) as PlaybookResult;
    await recordHistoryIfAsked(handle, 'consumer-safe-mode-restart-escalation');
    return { result, notified, status: await handle.query(statusQuery) };
  });
  expect(result.outcome).toBe('escalated');
  expect(result.summary).toMatch(/kept stopped \(timed-out\)/);
  expect(group.state().modes).toEqual(['stopped', 'safe', 'stopped']);
  expect(group.state().control.mode).toBe('stopped');
  expect(status.decisions).toMatchObject([{ step: 'decide#1', outcome: 'timed-out' }]);
  expect(notified[0]).toMatch(/safe mode failed \(failed again in safe mode at t:0:15\)/);
  expect(notified[1]).toMatch(/taking the safe default: keep-stopped/);
  // The failure was seen at the first 15-second check, not after the whole window.
  expect(status.steps.find((x) => x.name === 'monitor#1')?.summary).toMatch(/after 1 check/);
}, 120_000);

test('a human choosing quarantine-next quarantines the next failing message and recovers', async () => {
  const group = fakeConsumerGroup({ group: 'g', topic: 't', poison: ['10', '15'], high: 30 });
  const result = await withWorkers(group, async (prefix) => {
    const handle = await env().client.workflow.start('consumerSafeModeRestartWorkflow', {
      taskQueue: workflowTaskQueue(prefix),
      workflowId: `${prefix}-next`,
      args: [{ context: context('group:g'), params: params({ monitorFor: '2s', checkEvery: '1s' }) }],
    });
    let pending: PendingApproval | undefined;
    for (let i = 0; i < 200 && !pending; i++) {
      pending = (await handle.query(statusQuery)).pendingApproval;
      if (!pending) await new Promise((r) => setTimeout(r, 100));
    }
    if (!pending) throw new Error('no approval was requested');
    expect(pending.choices).toEqual(['retry-safe-mode', 'quarantine-next', 'keep-stopped']);
    // The initiator may not decide; an approver may.
    await expect(
      handle.executeUpdate('approve', {
        args: [
          signDecision({
            ...(await gateOf(handle)),
            principal: 'tester',
            decision: 'approve',
            choice: 'quarantine-next',
          }),
        ],
      }),
    ).rejects.toMatchObject({ cause: { type: 'SelfApproval' } });
    await handle.executeUpdate('approve', {
      args: [
        signDecision({
          ...(await gateOf(handle)),
          principal: 'alice',
          decision: 'approve',
          choice: 'quarantine-next',
        }),
      ],
    });
    const r = (await handle.result()) as PlaybookResult;
    await recordHistoryIfAsked(handle, 'consumer-safe-mode-restart-approval');
    return r;
  });
  expect(result.outcome).toBe('recovered');
  const s = group.state();
  expect(s.quarantined).toEqual(['10', '15']);
  expect(s.moves).toEqual(['11', '16']);
  expect(s.modes).toEqual(['stopped', 'safe', 'stopped', 'stopped', 'safe', 'normal']);
}, 120_000);

test('a dry run plans the offsets and messages and changes nothing', async () => {
  const group = fakeConsumerGroup({ group: 'g', topic: 't', poison: ['10'], high: 30 });
  const result = await withWorkers(group, (prefix) =>
    env().client.workflow.execute('consumerSafeModeRestartWorkflow', {
      taskQueue: workflowTaskQueue(prefix),
      workflowId: `${prefix}-dry`,
      args: [{ context: context('group:g', true), params: params() }],
    }),
  );
  expect(result.outcome).toBe('recovered');
  expect(result.summary).toMatch(/^dry run/);
  const plan = (result.details as { plan: { step: string; details?: Record<string, unknown> }[] }).plan;
  expect(plan.map((p) => p.step)).toEqual(['stop', 'quarantine', 'move-offsets', 'safe-mode', 'monitor']);
  expect(plan[2].details).toEqual({ offsets: [{ partition: 0, from: '10', to: '11' }] });
  expect(group.state().modes).toEqual([]);
  expect(group.state().quarantined).toEqual([]);
}, 120_000);

test('an operator cancelling the recovery during monitoring never leaves the group in safe mode', async () => {
  const group = fakeConsumerGroup({ group: 'g', topic: 't', poison: ['10'], high: 30 });
  const result = await withWorkers(group, async (prefix) => {
    const handle = await env().client.workflow.start('consumerSafeModeRestartWorkflow', {
      taskQueue: workflowTaskQueue(prefix),
      workflowId: `${prefix}-cancel`,
      args: [{ context: context('group:g'), params: params() }],
    });
    // Wait (in real time; the test server skips time only while the test awaits a result) until
    // the run is monitoring, then cancel as an operator would. Not as soon as the group's mode
    // reads `safe`: the activity that set it may not have reported yet, and the time-skipping
    // server then never completed the workflow task that cancels it (the test hung for 300 s in
    // one run of three on a loaded machine; its history ends at that task, started).
    const monitoring = async () =>
      (await handle.query(statusQuery)).currentStep?.startsWith('monitor#') === true;
    for (let i = 0; i < 200 && !(await monitoring()); i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(group.state().control.mode).toBe('safe');
    await handle.cancel();
    return (await handle.result()) as PlaybookResult;
  });
  expect(result).toMatchObject({ outcome: 'cancelled' });
  const s = group.state();
  expect(s.control.mode).toBe('normal');
  // The quarantined message stays skipped: cancelling does not bring the crash loop back.
  expect(s.control.skip).toEqual(['t:0:10']);
  expect(s.modes.at(-1)).toBe('normal');
}, 300_000);

/** A run over a group whose health records are missing for the first `expiredHealthReads` reads. */
async function runWithExpiredHealth(expiredHealthReads: number, extra: Record<string, string> = {}) {
  const group = fakeConsumerGroup({ group: 'g', topic: 't', poison: ['10'], high: 30, expiredHealthReads });
  const result = (await withWorkers(group, (prefix) =>
    env().client.workflow.execute('consumerSafeModeRestartWorkflow', {
      taskQueue: workflowTaskQueue(prefix),
      workflowId: `${prefix}-expired-health-${expiredHealthReads}`,
      args: [{ context: context('group:g'), params: params(extra) }],
    }),
  )) as PlaybookResult;
  return { result, state: group.state() };
}

test('health records expired in a Redis outage are read again: the crash loop is still quarantined', async () => {
  // Redis back after more than the records' 10 s: no live instance until the consumer writes
  // again. Read at once, that was "no failing message" and an escalation (chaos, Redis cell).
  const { result, state } = await runWithExpiredHealth(3, { monitorFor: '30s' });
  expect(result).toMatchObject({ outcome: 'recovered' });
  expect(state.quarantined).toEqual(['10']);
}, 60_000);

test('a group with no live instance for the whole re-read still escalates, after 6 reads', async () => {
  const { result, state } = await runWithExpiredHealth(1_000);
  expect(result).toMatchObject({ outcome: 'escalated' });
  expect(result.summary).toMatch(/no failing message/);
  expect(state).toMatchObject({ healthReads: 6, quarantined: [] });
}, 60_000);

/** A run over a group where the first `membersAtMove` offset moves find a rejoined member. */
async function runWithMembersAtMove(membersAtMove: number) {
  const group = fakeConsumerGroup({ group: 'g', topic: 't', poison: ['10'], high: 30, membersAtMove });
  return withWorkers(group, async (prefix) => {
    const handle = await env().client.workflow.start('consumerSafeModeRestartWorkflow', {
      taskQueue: workflowTaskQueue(prefix),
      workflowId: `${prefix}-members-at-move-${membersAtMove}`,
      args: [{ context: context('group:g'), params: params({ monitorFor: '30s' }) }],
    });
    const result = (await handle.result()) as PlaybookResult;
    if (membersAtMove === 1) await recordHistoryIfAsked(handle, 'consumer-safe-mode-restart-move-rewait');
    const steps = (await handle.query(statusQuery)).steps.map((s) => `${s.name}:${s.state}`);
    return { result, steps, state: group.state() };
  });
}

test('a member that rejoins before the offset move is waited out: the move is made once the group is Empty again', async () => {
  const { result, steps, state } = await runWithMembersAtMove(1);
  expect(result).toMatchObject({ outcome: 'recovered' });
  expect(steps.filter((s) => /^(wait-empty|move-offsets)/.test(s))).toEqual([
    'wait-empty#1:succeeded',
    'move-offsets#1:failed',
    'wait-empty#1.2:succeeded',
    'move-offsets#1.2:succeeded',
  ]);
  expect(state).toMatchObject({ refusedMoves: 1, moves: ['11'], quarantined: ['10'] });
}, 60_000);

test('a group that keeps getting members is left to a human after 3 waits, its offsets unmoved', async () => {
  const { result, steps, state } = await runWithMembersAtMove(1_000);
  expect(result.outcome).toBe('escalated');
  expect(result.summary).toMatch(/got members again 4 times/);
  expect(steps.filter((s) => s.startsWith('move-offsets'))).toEqual([
    'move-offsets#1:failed',
    'move-offsets#1.2:failed',
    'move-offsets#1.3:failed',
    'move-offsets#1.4:failed',
  ]);
  expect(state).toMatchObject({ refusedMoves: 4, moves: [] });
}, 60_000);
