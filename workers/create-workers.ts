// Creates Rebound's workers on one connection: one for workflows, one per infrastructure queue
// (bulkheads: each has its own activity slots). Used by workers/main.ts and by tests.
import {
  type ActivityInterceptorsFactory,
  type NativeConnection,
  Worker,
  type WorkflowBundleWithSourceMap,
} from '@temporalio/worker';
import { INFRA_QUEUES, activityTaskQueue, workflowTaskQueue } from '../shared/task-queues';
import { activitiesByQueue, type WorkerDeps } from './activities';
import { decisionAuditSinks } from './decision-audit-sink';

export interface CreateWorkersOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueuePrefix: string;
  bundle: WorkflowBundleWithSourceMap;
  deps: WorkerDeps;
  /** Activity slots per infrastructure queue. */
  maxConcurrentActivities?: number;
  /** Workflows kept in the sticky cache (default DEFAULT_MAX_CACHED_WORKFLOWS). */
  maxCachedWorkflows?: number;
  /** Interceptors of every activity (the chaos kill cases' test-only delay). */
  activityInterceptors?: ActivityInterceptorsFactory[];
}

/**
 * Sticky-cache bound. Each cached workflow costs about 1.5 MiB (bench/worker-rss.ts); the SDK's
 * default sizes the cache from the heap limit (thousands), so 1,000 incidents waiting for
 * approval held 1.8 GiB. An evicted workflow is replayed from its history on its next task
 * (a decision, a timer, a query), which for a waiting incident is rare. Issue 14: ≤ 512 MiB.
 */
export const DEFAULT_MAX_CACHED_WORKFLOWS = 100;

export async function createWorkers(opts: CreateWorkersOptions): Promise<Worker[]> {
  const activities = activitiesByQueue(opts.deps);
  const workflowWorker = await Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: workflowTaskQueue(opts.taskQueuePrefix),
    workflowBundle: opts.bundle,
    maxCachedWorkflows: opts.maxCachedWorkflows ?? DEFAULT_MAX_CACHED_WORKFLOWS,
    // The sink that audits refused approve/reject updates.
    sinks: decisionAuditSinks(opts.deps.statePool),
  });
  const activityWorkers = await Promise.all(
    INFRA_QUEUES.map((infra) =>
      Worker.create({
        connection: opts.connection,
        namespace: opts.namespace,
        taskQueue: activityTaskQueue(opts.taskQueuePrefix, infra),
        activities: activities[infra],
        maxConcurrentActivityTaskExecutions: opts.maxConcurrentActivities ?? 20,
        interceptors: { activity: opts.activityInterceptors ?? [] },
      }),
    ),
  );
  return [workflowWorker, ...activityWorkers];
}

/** Runs workers until one fails or all are shut down; a failure shuts the others down too. */
export async function runWorkers(workers: Worker[]): Promise<void> {
  try {
    await Promise.all(workers.map((w) => w.run()));
  } catch (err) {
    for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
    throw err;
  }
}
