// The shared wait of the playbooks that read the billing database behind its breaker
// (workflows/lib/breaker-wait.ts), on the time-skipping server with faked activities: a store that
// stays down past a step's attempts is waited out, one that stays down past maxDegraded escalates,
// and bad input is thrown at once instead of being waited on for maxDegraded.
import { type TestWorkflowEnvironment } from '@temporalio/testing';
import { workflowTaskQueue } from '../../../shared/task-queues';
import { createTimeSkippingEnv } from '../../support/temporal-env';
import { context } from '../../workflows/kit-workflows';
import { harness } from './kit-harness';

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await createTimeSkippingEnv();
}, 60_000);
afterAll(async () => {
  await env?.teardown();
});

type Outcome = {
  results: string[];
  degradedSeen: number;
  status: { steps: { name: string; state: string }[] };
};

async function runSteps(failures: Record<string, number | 'fatal'>, names: string[], maxDegradedMs: number) {
  const h = await harness(env, failures);
  const out: Outcome = await h.run(() =>
    env.client.workflow.execute('kitBreakerWaitWorkflow', {
      taskQueue: workflowTaskQueue(h.prefix),
      workflowId: `${h.prefix}-breaker-wait`,
      args: [context(), names, maxDegradedMs],
    }),
  );
  return { ...out, calls: h.calls };
}

test('failures outlasting a step are waited out: numbered steps until one succeeds', async () => {
  // Each step makes 2 attempts; 5 transient failures take 3 steps.
  const out = await runSteps({ a: 5 }, ['a', 'b'], 30 * 60_000);
  expect(out.results).toEqual(['a-ok', 'b-ok']);
  expect(out.calls).toEqual(['a', 'a', 'a', 'a', 'a', 'a', 'b']);
  expect(out.status.steps.map((s) => [s.name, s.state])).toEqual([
    ['a#1', 'failed'],
    ['a#2', 'failed'],
    ['a#3', 'succeeded'],
    ['b#4', 'succeeded'],
  ]);
  expect(out.degradedSeen).toBe(2);
}, 60_000);

test('a store down for longer than maxDegraded: escalate, and no further attempt', async () => {
  const out = await runSteps({ a: 1_000 }, ['a', 'b'], 60_000);
  expect(out.results).toEqual(['escalate', 'b-ok']);
  const attempts = out.calls.filter((c) => c === 'a').length;
  // Waits of at least 2 s between steps of 2 attempts (1 s back-off): bounded by the 60 s.
  expect(attempts).toBeGreaterThan(4);
  expect(attempts).toBeLessThan(60);
}, 60_000);

test('bad input (a non-retryable failure) is thrown at once, not waited on', async () => {
  const out = await runSteps({ a: 'fatal' }, ['a', 'b'], 30 * 60_000);
  expect(out.results).toEqual(['thrown']);
  expect(out.calls).toEqual(['a']);
  expect(out.degradedSeen).toBe(0);
}, 60_000);
