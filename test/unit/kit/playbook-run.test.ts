// The playbook kit on the time-skipping server: durable retries with attempts in the status,
// saga compensation order, approvals (signature, initiator, roles, quorum, choices, timeout),
// the kill switch and skipping destructive steps after the alert resolved.
import { type TestWorkflowEnvironment } from '@temporalio/testing';
import { workflowTaskQueue } from '../../../shared/task-queues';
import {
  alertResolvedSignal,
  approveUpdate,
  decisionSignal,
  pauseSignal,
  rejectUpdate,
  resumeSignal,
  statusQuery,
  type PlaybookStatus,
} from '../../../shared/workflow-interface';
import { decisionRefusal } from '../../../client/decision-refusal';
import { FORGER_KEY, gateOf, signDecision } from '../../support/decisions';
import { createTimeSkippingEnv } from '../../support/temporal-env';
import { context, releaseCompensationSignal } from '../../workflows/kit-workflows';
import { type ApprovalOutcome } from '../../../workflows/lib/approvals';
import { DEFAULT_RETRY_WINDOW_MS } from '../../../workflows/lib/playbook-run';
import { harness, type Harness } from './kit-harness';

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await createTimeSkippingEnv();
}, 60_000);
afterAll(async () => {
  await env?.teardown();
});

async function expectRefused(p: Promise<unknown>, type: string): Promise<void> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(decisionRefusal(err)?.type).toBe(type);
}

async function waitFor<T>(fn: () => Promise<T>, ok: (v: T) => boolean): Promise<T> {
  for (let i = 0; i < 200; i++) {
    try {
      const v = await fn();
      if (ok(v)) return v;
    } catch {
      // not ready yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('condition not reached');
}

test('a step retries transient failures durably and records every attempt', async () => {
  const h = await harness(env, { b: 2 });
  const status: PlaybookStatus = await h.run(() =>
    env.client.workflow.execute('kitStepsWorkflow', {
      taskQueue: workflowTaskQueue(h.prefix),
      workflowId: `${h.prefix}-steps`,
      args: [context(), ['a', 'b'], 5],
    }),
  );
  expect(status.steps.map((s) => [s.name, s.state, s.attempts])).toEqual([
    ['a', 'succeeded', 1],
    ['b', 'succeeded', 3],
  ]);
  expect(status.steps[1].lastError).toMatch(/b transient failure 2/);
  expect(h.calls).toEqual(['a', 'b', 'b', 'b']);
  expect(h.audits).toEqual(['step:a', 'step:b']);
}, 60_000);

test('a step gives up after maxAttempts and on a non-retryable failure at once', async () => {
  const h = await harness(env, { a: 10, b: 'fatal' });
  const tooMany: PlaybookStatus = await h.run(() =>
    env.client.workflow.execute('kitStepsWorkflow', {
      taskQueue: workflowTaskQueue(h.prefix),
      workflowId: `${h.prefix}-limit`,
      args: [context(), ['a'], 3],
    }),
  );
  expect(tooMany.steps[0]).toMatchObject({ name: 'a', state: 'failed', attempts: 3 });
  const h2 = await harness(env, { b: 'fatal' });
  const fatal: PlaybookStatus = await h2.run(() =>
    env.client.workflow.execute('kitStepsWorkflow', {
      taskQueue: workflowTaskQueue(h2.prefix),
      workflowId: `${h2.prefix}-fatal`,
      args: [context(), ['b', 'c'], 5],
    }),
  );
  expect(fatal.steps).toHaveLength(1);
  expect(fatal.steps[0]).toMatchObject({ name: 'b', state: 'failed', attempts: 1 });
  expect(fatal.steps[0].lastError).toMatch(/^PreconditionFailed: b cannot succeed/);
}, 60_000);

test('with the default budget a step outlasts a 90 s outage of its dependency, then gives up after 2 min', async () => {
  // 7 failures: backoffs 1+2+4+8+16+30+30 s = 91 s of failing, past the 5 attempts (about 15 s)
  // that used to end the step while a database or broker was still restarting.
  const h = await harness(env, { a: 7, b: 1_000 });
  const status: PlaybookStatus = await h.run(() =>
    env.client.workflow.execute('kitStepsWorkflow', {
      taskQueue: workflowTaskQueue(h.prefix),
      workflowId: `${h.prefix}-window`,
      args: [context(), ['a', 'b'], null],
    }),
  );
  expect(status.steps[0]).toMatchObject({ name: 'a', state: 'succeeded', attempts: 8 });
  // A failure that outlasts the window still ends the step, after more than 5 attempts.
  expect(status.steps[1]).toMatchObject({ name: 'b', state: 'failed' });
  const b = status.steps[1];
  expect(b.attempts).toBeGreaterThan(5);
  expect(Date.parse(b.finishedAt!) - Date.parse(b.startedAt)).toBeGreaterThanOrEqual(DEFAULT_RETRY_WINDOW_MS);
}, 60_000);

test('saga: compensations run in reverse order after a failure and are recorded', async () => {
  const h = await harness(env, { c: 'fatal' });
  const status: PlaybookStatus = await h.run(() =>
    env.client.workflow.execute('kitSagaWorkflow', {
      taskQueue: workflowTaskQueue(h.prefix),
      workflowId: `${h.prefix}-saga`,
      args: [context(), ['a', 'b', 'c']],
    }),
  );
  expect(h.calls).toEqual(['a', 'b', 'c', 'undo-b', 'undo-a']);
  expect(status.compensations.map((c) => [c.name, c.state])).toEqual([
    ['b', 'succeeded'],
    ['a', 'succeeded'],
  ]);
  expect(status.result?.outcome).toBe('compensated');
  expect(h.audits).toEqual(
    expect.arrayContaining(['compensation:start', 'compensation:b', 'compensation:a', 'closed']),
  );
}, 60_000);

test('saga: a failed compensation stops the rollback; the earlier steps stay as they are, recorded', async () => {
  const h = await harness(env, { c: 'fatal', 'undo-b': 'fatal' });
  const status: PlaybookStatus = await h.run(() =>
    env.client.workflow.execute('kitSagaWorkflow', {
      taskQueue: workflowTaskQueue(h.prefix),
      workflowId: `${h.prefix}-saga-halt`,
      args: [context(), ['a', 'b', 'c']],
    }),
  );
  // undo-a never runs on top of a b that could not be undone.
  expect(h.calls).toEqual(['a', 'b', 'c', 'undo-b']);
  expect(status.compensations.map((c) => [c.name, c.state])).toEqual([
    ['b', 'failed'],
    ['a', 'not-run'],
  ]);
  expect(status.result?.outcome).toBe('escalated');
  expect(h.audits).toEqual(expect.arrayContaining(['compensation:b:failed', 'compensation:halted']));
  expect(h.audits).not.toContain('compensation:a');
}, 60_000);

describe('approvals', () => {
  async function startApproval(ctxOverrides = {}, choices: string[] = []) {
    const h = await harness(env);
    const workflowId = `${h.prefix}-approval`;
    return {
      h,
      workflowId,
      start: () =>
        env.client.workflow.start('kitApprovalWorkflow', {
          taskQueue: workflowTaskQueue(h.prefix),
          workflowId,
          args: [context(ctxOverrides), choices],
        }),
    };
  }

  test('validator refuses forged, initiator, role-less and duplicate decisions; quorum of two settles', async () => {
    const policy = {
      allowedPrincipals: [],
      allowedRoles: ['approver'],
      quorum: 2,
      timeout: '1h',
      required: true,
    };
    const { h, start } = await startApproval({ approvalPolicy: policy });
    await h.run(async () => {
      const handle = await start();
      const pending = await waitFor(
        () => handle.query(statusQuery),
        (s: PlaybookStatus) => !!s.pendingApproval,
      );
      const approvalId = pending.pendingApproval!.id;
      const base = { ...(await gateOf(handle)), decision: 'approve' as const };

      const forged = { ...signDecision({ ...base, principal: 'alice' }), signature: '0'.repeat(64) };
      await expectRefused(
        handle.executeUpdate(approveUpdate, { args: [forged] }),
        'DecisionSignatureInvalid',
      );
      const otherKey = signDecision({ ...base, principal: 'alice' }, FORGER_KEY);
      await expectRefused(
        handle.executeUpdate(approveUpdate, { args: [otherKey] }),
        'DecisionSignatureInvalid',
      );
      const wrongKind = signDecision({ ...base, principal: 'alice', decision: 'reject' });
      await expectRefused(
        handle.executeUpdate(approveUpdate, { args: [wrongKind] }),
        'DecisionSignatureInvalid',
      );
      await expectRefused(
        handle.executeUpdate(approveUpdate, { args: [signDecision({ ...base, principal: 'carol' })] }),
        'SelfApproval',
      );
      await expectRefused(
        handle.executeUpdate(approveUpdate, {
          args: [signDecision({ ...base, principal: 'mallory', roles: ['incidents:read'] })],
        }),
        'DecisionForbidden',
      );

      const first = await handle.executeUpdate(approveUpdate, {
        args: [signDecision({ ...base, principal: 'alice' })],
      });
      expect(first).toMatchObject({ votes: 1, quorum: 2, settled: false });
      await expectRefused(
        handle.executeUpdate(approveUpdate, { args: [signDecision({ ...base, principal: 'alice' })] }),
        'DuplicateVote',
      );
      const second = await handle.executeUpdate(approveUpdate, {
        args: [signDecision({ ...base, principal: 'bob' })],
      });
      expect(second).toMatchObject({ votes: 2, settled: true });

      const { outcome, status } = (await handle.result()) as {
        outcome: ApprovalOutcome;
        status: PlaybookStatus;
      };
      expect(outcome.outcome).toBe('approved');
      expect(outcome.votes.map((v) => v.principal)).toEqual(['alice', 'bob']);
      expect(status.decisions[0]).toMatchObject({ approvalId, outcome: 'approved' });
      expect(status.pendingApproval).toBeUndefined();
      // nothing pending any more
      await expect(
        handle.executeUpdate(rejectUpdate, {
          args: [signDecision({ ...base, principal: 'dave', decision: 'reject' })],
        }),
      ).rejects.toThrow();
    });
  }, 60_000);

  test('a rejection is a veto; an invalid choice is refused', async () => {
    const { h, start } = await startApproval({}, ['retry', 'keep-stopped']);
    await h.run(async () => {
      const handle = await start();
      const s = await waitFor(
        () => handle.query(statusQuery),
        (x: PlaybookStatus) => !!x.pendingApproval,
      );
      expect(s.pendingApproval).toBeDefined();
      const base = await gateOf(handle);
      await expectRefused(
        handle.executeUpdate(approveUpdate, {
          args: [signDecision({ ...base, principal: 'alice', decision: 'approve', choice: 'nuke' })],
        }),
        'InvalidChoice',
      );
      await handle.executeUpdate(rejectUpdate, {
        args: [signDecision({ ...base, principal: 'bob', decision: 'reject', comment: 'not now' })],
      });
      const { outcome } = (await handle.result()) as { outcome: ApprovalOutcome };
      expect(outcome).toMatchObject({ outcome: 'rejected' });
      expect(outcome.votes[0]).toMatchObject({ principal: 'bob', comment: 'not now' });
    });
  }, 60_000);

  test('a choice the gate does not offer is refused, by update and by signal (none offered: any choice)', async () => {
    const { h, start } = await startApproval();
    await h.run(async () => {
      const handle = await start();
      await waitFor(
        () => handle.query(statusQuery),
        (x: PlaybookStatus) => !!x.pendingApproval,
      );
      const base = { ...(await gateOf(handle)), decision: 'approve' as const };
      await expectRefused(
        handle.executeUpdate(approveUpdate, {
          args: [signDecision({ ...base, principal: 'alice', choice: 'zzz' })],
        }),
        'InvalidChoice',
      );
      await expectRefused(
        handle.executeUpdate(rejectUpdate, {
          args: [signDecision({ ...base, principal: 'alice', decision: 'reject', choice: 'zzz' })],
        }),
        'InvalidChoice',
      );
      await handle.signal(decisionSignal, signDecision({ ...base, principal: 'alice', choice: 'zzz' }));
      await waitFor(
        () => Promise.resolve(h.audits),
        (a) => a.some((k) => k.startsWith('decision-refused:')),
      );
      expect((await handle.query(statusQuery)).pendingApproval?.votes).toEqual([]);
      await handle.executeUpdate(approveUpdate, {
        args: [signDecision({ ...base, principal: 'alice', choice: undefined })],
      });
      const { outcome } = (await handle.result()) as { outcome: ApprovalOutcome };
      expect(outcome.outcome).toBe('approved');
      expect(outcome.choice).toBeUndefined();
    });
  }, 60_000);

  test('with choices offered, a signal with another choice or none is refused', async () => {
    const { h, start } = await startApproval({}, ['retry', 'keep-stopped']);
    await h.run(async () => {
      const handle = await start();
      await waitFor(
        () => handle.query(statusQuery),
        (x: PlaybookStatus) => !!x.pendingApproval,
      );
      const base = { ...(await gateOf(handle)), decision: 'approve' as const };
      await handle.signal(decisionSignal, signDecision({ ...base, principal: 'alice', choice: 'nuke' }));
      await handle.signal(decisionSignal, signDecision({ ...base, principal: 'bob', choice: undefined }));
      await waitFor(
        () => Promise.resolve(h.audits),
        (a) => a.filter((k) => k.startsWith('decision-refused:')).length >= 2,
      );
      expect((await handle.query(statusQuery)).pendingApproval?.votes).toEqual([]);
      await handle.executeUpdate(approveUpdate, {
        args: [signDecision({ ...base, principal: 'alice', choice: 'retry' })],
      });
      const { outcome } = (await handle.result()) as { outcome: ApprovalOutcome };
      expect(outcome).toMatchObject({ outcome: 'approved', choice: 'retry' });
    });
  }, 60_000);

  test('once cancellation is requested, nothing shows as pending and a decision is a typed 409 refusal', async () => {
    const h = await harness(env);
    await h.run(async () => {
      const handle = await env.client.workflow.start('kitCancelDuringApprovalWorkflow', {
        taskQueue: workflowTaskQueue(h.prefix),
        workflowId: `${h.prefix}-cancel-approval`,
        args: [context()],
      });
      await waitFor(
        () => handle.query(statusQuery),
        (x: PlaybookStatus) => !!x.pendingApproval,
      );
      const base = { ...(await gateOf(handle)), decision: 'approve' as const };
      await handle.cancel();
      const compensating = await waitFor(
        () => handle.query(statusQuery),
        (x: PlaybookStatus) => x.phase === 'compensating',
      );
      expect(compensating.pendingApproval).toBeUndefined();
      await expectRefused(
        handle.executeUpdate(approveUpdate, { args: [signDecision({ ...base, principal: 'alice' })] }),
        'ApprovalNotPending',
      );
      expect((await handle.query(statusQuery)).pendingApproval).toBeUndefined();
      await handle.signal(releaseCompensationSignal);
      const status = (await handle.result()) as PlaybookStatus;
      expect(status.result?.outcome).toBe('cancelled');
      expect(status.decisions).toEqual([]);
      expect(h.audits).toContain('compensation:slow-undo');
    });
  }, 60_000);

  test('the decision signal is verified the same way; refusals are audited, not applied', async () => {
    const { h, start } = await startApproval();
    await h.run(async () => {
      const handle = await start();
      const s = await waitFor(
        () => handle.query(statusQuery),
        (x: PlaybookStatus) => !!x.pendingApproval,
      );
      expect(s.pendingApproval).toBeDefined();
      const base = { ...(await gateOf(handle)), decision: 'approve' as const };
      await handle.signal(decisionSignal, {
        ...signDecision({ ...base, principal: 'alice' }),
        signature: 'f'.repeat(64),
      });
      await waitFor(
        () => Promise.resolve(h.audits),
        (a) => a.some((k) => k.startsWith('decision-refused:')),
      );
      expect((await handle.query(statusQuery)).pendingApproval?.votes).toEqual([]);
      await handle.signal(decisionSignal, signDecision({ ...base, principal: 'alice', choice: undefined }));
      const { outcome } = (await handle.result()) as { outcome: ApprovalOutcome };
      expect(outcome.outcome).toBe('approved');
    });
  }, 60_000);

  test('without a decision the gate times out, notifies, and reports timed-out (time skipped)', async () => {
    const { h, start } = await startApproval({
      approvalPolicy: {
        allowedPrincipals: [],
        allowedRoles: ['approver'],
        quorum: 1,
        timeout: '6h',
        required: true,
      },
    });
    await h.run(async () => {
      const handle = await start();
      const { outcome, status } = (await handle.result()) as {
        outcome: ApprovalOutcome;
        status: PlaybookStatus;
      };
      expect(outcome.outcome).toBe('timed-out');
      expect(status.decisions[0].outcome).toBe('timed-out');
      expect(h.notifications[0]).toMatch(
        /No decision on "Proceed with the dangerous step\?".*safe default: keep everything as it is/,
      );
    });
  }, 60_000);
});

/** Starts kitDestructiveWorkflow and waits at its gate; `approve` lets it go on. */
async function startAtGate(h: Harness, name: string) {
  const workflowId = `${h.prefix}-${name}`;
  const handle = await env.client.workflow.start('kitDestructiveWorkflow', {
    taskQueue: workflowTaskQueue(h.prefix),
    workflowId,
    args: [context()],
  });
  const s = await waitFor(
    () => handle.query(statusQuery),
    (x: PlaybookStatus) => !!x.pendingApproval,
  );
  expect(s.pendingApproval).toBeDefined();
  const gate = await gateOf(handle);
  const approve = () =>
    handle.executeUpdate(approveUpdate, {
      args: [signDecision({ ...gate, principal: 'alice', decision: 'approve' })],
    });
  return { handle, approve };
}

test('kill switch: a paused run waits before its next mutating step; resume continues it', async () => {
  const h = await harness(env);
  await h.run(async () => {
    const { handle, approve } = await startAtGate(h, 'pause');
    // Signals are hints: the run applies the stored kill-switch state they make it re-read.
    h.control.paused = true;
    h.control.version = 1;
    await handle.signal(pauseSignal, { by: 'admin', reason: 'storm' });
    await waitFor(
      () => handle.query(statusQuery),
      (x: PlaybookStatus) => x.paused,
    );
    await approve();
    const paused = await waitFor(
      () => handle.query(statusQuery),
      (x: PlaybookStatus) => x.phase === 'paused',
    );
    expect(paused.steps.map((x) => x.name)).toEqual(['prepare']);
    expect(h.calls).toEqual(['prepare']);
    h.control.paused = false;
    h.control.version = 2;
    await handle.signal(resumeSignal, { by: 'admin' });
    const status = (await handle.result()) as PlaybookStatus;
    expect(status.steps.map((x) => [x.name, x.state])).toEqual([
      ['prepare', 'succeeded'],
      ['purge', 'succeeded'],
    ]);
    expect(h.calls).toEqual(['prepare', 'purge']);
  });
}, 60_000);

test('a destructive step not yet started is skipped once the alert resolved', async () => {
  const h = await harness(env);
  await h.run(async () => {
    const { handle, approve } = await startAtGate(h, 'resolved');
    await handle.signal(alertResolvedSignal, { at: new Date().toISOString() });
    await approve();
    const status = (await handle.result()) as PlaybookStatus;
    expect(status.alertResolved).toBe(true);
    expect(status.steps.map((x) => [x.name, x.state])).toEqual([
      ['prepare', 'succeeded'],
      ['purge', 'skipped'],
    ]);
    expect(h.calls).toEqual(['prepare']);
  });
}, 60_000);
