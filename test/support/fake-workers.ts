// Workers for workflow tests on the time-skipping server: the workflow worker plus one worker
// per infrastructure queue that has faked activities, all on a fresh task-queue prefix.
import { type TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { activityTaskQueue, workflowTaskQueue, type InfraQueue } from '../../shared/task-queues';
import { type RefusedDecisionEntry } from '../../shared/decisions/audit-sink';
import { type IncidentInput } from '../../shared/incident';
import { testBundle } from './temporal-env';

/** Update refusals the workflows reported through the decision-audit sink, in order. */
export const refusedDecisions: RefusedDecisionEntry[] = [];

export type FakeActivities = Partial<Record<InfraQueue, object>>;

export interface FakeWorkers {
  /** Runs `fn` while every worker polls; shuts them all down afterwards, whatever fn did. */
  run<T>(fn: () => Promise<T>): Promise<T>;
  /** Starts polling in the background; `stop` drains and shuts down (for harnesses spanning tests). */
  start(): { stop: () => Promise<void> };
}

/**
 * The worker's policy check (activities/control/policy-check.ts) as these workflow tests need it:
 * every input accepted as it is. Tests of the check itself give their own `control` activities
 * with the real check (test/integration/approvals/worker-policy.test.ts runs it on the real stack).
 */
const acceptInputAsGiven = {
  checkPlaybookInput: (i: { params: Record<string, unknown>; approvalPolicy?: unknown }) =>
    Promise.resolve({ params: i.params, approvalPolicy: i.approvalPolicy, policyVersion: 'test' }),
  checkIncidentInput: (i: IncidentInput) =>
    Promise.resolve({
      approvalPolicy: i.route.approvalPolicy,
      category: i.route.classification.category,
      budget: i.budget,
      maxRuns: i.maxRuns ?? 3,
      recurrence: i.recurrence,
      playbook: i.route.workflowType
        ? {
            params: i.route.params,
            approvalPolicy: i.route.approvalPolicy,
            policyVersion: i.route.policyVersion ?? 'test',
            workflowType: i.route.workflowType,
          }
        : undefined,
    }),
};

export async function createFakeWorkers(
  env: TestWorkflowEnvironment,
  prefix: string,
  activities: FakeActivities,
  bundle?: WorkflowBundleWithSourceMap,
): Promise<FakeWorkers> {
  const workers = await Promise.all([
    Worker.create({
      connection: env.nativeConnection,
      taskQueue: workflowTaskQueue(prefix),
      workflowBundle: bundle ?? (await testBundle()),
      // A sink collecting refused updates.
      sinks: {
        decisionAudit: {
          refused: {
            fn: (_info: unknown, e: RefusedDecisionEntry) => void refusedDecisions.push(e),
            callDuringReplay: false,
          },
        },
      },
    }),
    ...Object.entries({
      ...activities,
      ...(activities.control ? { control: { ...acceptInputAsGiven, ...activities.control } } : {}),
    }).map(([queue, acts]) =>
      Worker.create({
        connection: env.nativeConnection,
        taskQueue: activityTaskQueue(prefix, queue as InfraQueue),
        activities: acts,
      }),
    ),
  ]);
  return {
    run: async (fn) => {
      const [first, ...rest] = workers;
      return first.runUntil(async () => {
        const running = rest.map((w) => w.run());
        try {
          return await fn();
        } finally {
          rest.forEach((w) => w.shutdown());
          await Promise.all(running);
        }
      });
    },
    start: () => {
      const running = workers.map((w) => w.run());
      return {
        stop: async () => {
          workers.forEach((w) => w.shutdown());
          await Promise.all(running);
        },
      };
    },
  };
}
