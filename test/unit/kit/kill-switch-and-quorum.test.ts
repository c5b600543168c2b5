// On the time-skipping server: the kill switch holds a failing, retrying mutating step at its next
// attempt and lets it go on after resume; stale pause signals never undo a newer resume; a resume
// that never reached the run is found by re-reading the stored state. And a 2-of-3 quorum settles
// on two approvals, is vetoed by one rejection, and times out with the votes it had.
import { type ApprovalPolicy } from '../../../shared/playbook';
import { workflowTaskQueue } from '../../../shared/task-queues';
import {
  approveUpdate,
  pauseSignal,
  rejectUpdate,
  resumeSignal,
  statusQuery,
  type PlaybookStatus,
} from '../../../shared/workflow-interface';
import { type ApprovalOutcome } from '../../../workflows/lib/approvals';
import { PAUSED_REREAD_MS } from '../../../workflows/lib/playbook-run';
import { gateOf, signDecision } from '../../support/decisions';
import { timeSkippingEnvForFile } from '../../support/temporal-env';
import { waitFor as pollUntil } from '../../support/wait-for';
import { context } from '../../workflows/kit-workflows';
import { harness, type Harness } from './kit-harness';

const env = timeSkippingEnvForFile();

/**
 * Polls `fn` every 50 ms until `ok` holds (a failing `fn` counts as not yet); throws with the last
 * value seen after 20 s of wall time, well inside each test's timeout, so a condition that is never
 * met fails its test at once instead of polling on after the test timed out (a query in flight
 * keeps the time-skipping server from skipping time for the tests after it).
 */
async function waitFor<T>(fn: () => Promise<T>, ok: (v: T) => boolean): Promise<T> {
  let last: unknown = 'no answer yet';
  const probe = async (): Promise<{ value: T } | undefined> => {
    try {
      const value = await fn();
      if (ok(value)) return { value };
      last = value;
    } catch (err) {
      last = err;
    }
    return undefined;
  };
  try {
    return (await pollUntil('the condition', probe, 20_000, 50)).value;
  } catch (err) {
    throw new Error(`${(err as Error).message}; last seen: ${JSON.stringify(last)}`);
  }
}

/**
 * How long (ms) a paused run is left alone: one re-read of the stored state falls inside it, and it
 * ends half a re-read away from the next one. A sleep ending when a re-read falls due made the
 * time-skipping server hang: that timer fired (in real time, a few ms after the sleep) while the
 * resume's workflow task was cancelling it, and the server, which rejects the cancel of a timer
 * that fired meanwhile instead of handing the task the new event, left the run stuck with time
 * skipping locked, mostly for the file's later time-skipped tests too (4 of 27 runs of this file on
 * a loaded machine).
 */
const HELD_MS = PAUSED_REREAD_MS * 1.5;

const attemptsOf = (h: Harness, name: string) => h.calls.filter((c) => c === name).length;

function startSteps(h: Harness, name: string, failures: string[], maxAttempts = 6) {
  return env().client.workflow.start('kitStepsWorkflow', {
    taskQueue: workflowTaskQueue(h.prefix),
    workflowId: `${h.prefix}-${name}`,
    args: [context(), failures, maxAttempts],
  });
}

describe('kill switch', () => {
  test('a failing, retrying step is held at its next attempt while paused and continues after resume', async () => {
    const h = await harness(env(), { b: 3 });
    await h.run(async () => {
      const handle = await startSteps(h, 'retrying', ['a', 'b']);
      // b failed and waits to retry (its three failures and back-offs take 7 s: a loaded machine
      // may answer the query after the first one); the kill switch goes on (version 1).
      await waitFor(
        () => handle.query(statusQuery),
        (s: PlaybookStatus) => (s.steps[1]?.attempts ?? 0) >= 1 && s.steps[1].lastError !== undefined,
      );
      h.control.paused = true;
      h.control.version = 1;
      await handle.signal(pauseSignal, { by: 'admin', reason: 'storm', version: 1 });
      const held = await waitFor(
        () => handle.query(statusQuery),
        (s: PlaybookStatus) => s.phase === 'paused',
      );
      const attemptsWhenHeld = attemptsOf(h, 'b');
      expect(held.steps[1]).toMatchObject({ name: 'b', state: 'running' });
      // Time passes (the client waits on nothing): no further attempt is made while paused.
      await env().sleep(HELD_MS);
      expect(attemptsOf(h, 'b')).toBe(attemptsWhenHeld);
      expect((await handle.query(statusQuery)).phase).toBe('paused');
      h.control.paused = false;
      h.control.version = 2;
      await handle.signal(resumeSignal, { by: 'admin', version: 2 });
      const status = (await handle.result()) as PlaybookStatus;
      expect(status.steps.map((s) => [s.name, s.state, s.attempts])).toEqual([
        ['a', 'succeeded', 1],
        ['b', 'succeeded', 4],
      ]);
      expect(status.paused).toBe(false);
      expect(h.audits).toEqual(expect.arrayContaining(['pause:1', 'resume:2']));
    });
  }, 60_000);

  test('a stale pause (older version) after a resume is ignored; a lost resume is found by re-reading', async () => {
    // b fails three times: the run stays in its retries for 7 s while the signals below arrive.
    const h = await harness(env(), { b: 3 });
    await h.run(async () => {
      const handle = await startSteps(h, 'versions', ['a', 'b']);
      await waitFor(
        () => handle.query(statusQuery),
        (s: PlaybookStatus) => (s.steps[1]?.attempts ?? 0) >= 1,
      );
      // Resume v4 arrives before the pause v3 it supersedes: the run is not paused.
      h.control.version = 4;
      await handle.signal(resumeSignal, { by: 'admin', version: 4 });
      await handle.signal(pauseSignal, { by: 'admin', version: 3 });
      // Each signal makes the run re-read the stored state (v4, not paused).
      const s1 = await waitFor(
        () => handle.query(statusQuery),
        (s: PlaybookStatus) => s.controlVersion === 4,
      );
      expect([s1.paused, s1.controlVersion]).toEqual([false, 4]);
      // Paused at v5; the resume (v6) is stored but its broadcast never reaches the run.
      h.control.paused = true;
      h.control.version = 5;
      await handle.signal(pauseSignal, { by: 'admin', version: 5 });
      await waitFor(
        () => handle.query(statusQuery),
        (s: PlaybookStatus) => s.phase === 'paused',
      );
      h.control.paused = false;
      h.control.version = 6;
      // Waiting on the result lets the server skip to the run's next re-read of the stored state.
      const status = (await handle.result()) as PlaybookStatus;
      expect(status.steps.map((s) => [s.name, s.state])).toEqual([
        ['a', 'succeeded'],
        ['b', 'succeeded'],
      ]);
      expect(status.controlVersion).toBe(6);
    });
  }, 60_000);

  test('a forged resume (any version) does not release a paused run: only the stored state does', async () => {
    const h = await harness(env(), { a: 4 });
    await h.run(async () => {
      const handle = await startSteps(h, 'forged', ['a', 'b']);
      // a failed and waits to retry (four failures: 15 s of retries); the kill switch goes on
      // (stored v7, signalled).
      await waitFor(
        () => handle.query(statusQuery),
        (s: PlaybookStatus) => (s.steps[0]?.attempts ?? 0) >= 1 && s.steps[0].lastError !== undefined,
      );
      h.control.paused = true;
      h.control.version = 7;
      await handle.signal(pauseSignal, { by: 'admin', version: 7 });
      await waitFor(
        () => handle.query(statusQuery),
        (s: PlaybookStatus) => s.phase === 'paused',
      );
      const attemptsWhenHeld = attemptsOf(h, 'a');
      // Sent with a raw client: resumes and a pause with versions far above the stored one.
      await handle.signal(resumeSignal, { by: 'mallory', version: 1_000_000 });
      await handle.signal(pauseSignal, { by: 'mallory', version: 999_999 });
      await handle.signal(resumeSignal, { by: 'mallory', version: 2_000_000 });
      await env().sleep(HELD_MS);
      const held = await handle.query(statusQuery);
      expect([held.phase, held.paused, held.controlVersion]).toEqual(['paused', true, 7]);
      expect(attemptsOf(h, 'a')).toBe(attemptsWhenHeld);
      // The real resume is stored (v8); its signal makes the run re-read and go on.
      h.control.paused = false;
      h.control.version = 8;
      await handle.signal(resumeSignal, { by: 'admin', version: 8 });
      const status = (await handle.result()) as PlaybookStatus;
      expect(status.steps.map((s) => [s.name, s.state])).toEqual([
        ['a', 'succeeded'],
        ['b', 'succeeded'],
      ]);
      expect(status.controlVersion).toBe(8);
      expect(h.audits).toEqual(expect.arrayContaining(['pause:7', 'resume:8']));
      expect(h.audits.filter((a) => /^(pause|resume):(999999|1000000|2000000)$/.test(a))).toEqual([]);
    });
  }, 120_000);
});

describe('quorum 2 of 3 (alice, bob, dave)', () => {
  const policy: ApprovalPolicy = {
    allowedPrincipals: ['alice', 'bob', 'dave'],
    allowedRoles: [],
    quorum: 2,
    timeout: '2h',
    required: true,
  };
  async function atGate(h: Harness, name: string) {
    const handle = await env().client.workflow.start('kitApprovalWorkflow', {
      taskQueue: workflowTaskQueue(h.prefix),
      workflowId: `${h.prefix}-${name}`,
      args: [context({ approvalPolicy: policy }), []],
    });
    await waitFor(
      () => handle.query(statusQuery),
      (s: PlaybookStatus) => !!s.pendingApproval,
    );
    const gate = await gateOf(handle);
    const vote = (principal: string, decision: 'approve' | 'reject') =>
      handle.executeUpdate(decision === 'approve' ? approveUpdate : rejectUpdate, {
        args: [signDecision({ ...gate, principal, roles: [], decision })],
      });
    return { handle, vote };
  }
  type Result = { outcome: ApprovalOutcome; status: PlaybookStatus };

  test('two approvals settle it; the third approver is not needed', async () => {
    const h = await harness(env());
    await h.run(async () => {
      const { handle, vote } = await atGate(h, 'q-approve');
      expect(await vote('alice', 'approve')).toMatchObject({ votes: 1, quorum: 2, settled: false });
      expect(await vote('dave', 'approve')).toMatchObject({ votes: 2, settled: true });
      const { outcome } = (await handle.result()) as Result;
      expect(outcome.outcome).toBe('approved');
      expect(outcome.votes.map((v) => v.principal)).toEqual(['alice', 'dave']);
    });
  }, 60_000);

  test('one rejection after an approval vetoes it', async () => {
    const h = await harness(env());
    await h.run(async () => {
      const { handle, vote } = await atGate(h, 'q-reject');
      await vote('alice', 'approve');
      expect(await vote('bob', 'reject')).toMatchObject({ settled: true });
      const { outcome, status } = (await handle.result()) as Result;
      expect(outcome.outcome).toBe('rejected');
      expect(status.decisions[0]).toMatchObject({ outcome: 'rejected' });
      expect(status.decisions[0].votes.map((v) => [v.principal, v.decision])).toEqual([
        ['alice', 'approve'],
        ['bob', 'reject'],
      ]);
    });
  }, 60_000);

  test('one approval and then silence: it times out at the deadline with the vote it had', async () => {
    const h = await harness(env());
    await h.run(async () => {
      const { handle, vote } = await atGate(h, 'q-timeout');
      await vote('bob', 'approve');
      const { outcome, status } = (await handle.result()) as Result;
      expect(outcome.outcome).toBe('timed-out');
      expect(outcome.votes.map((v) => v.principal)).toEqual(['bob']);
      expect(status.pendingApproval).toBeUndefined();
      expect(h.notifications[0]).toMatch(/No decision on .*safe default/);
    });
  }, 60_000);
});
