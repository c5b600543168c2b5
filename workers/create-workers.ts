// Creates Rebound's workers on one connection: one for workflows, one per infrastructure queue
// (bulkheads: each has its own activity slots). Used by workers/main.ts and by tests.
import { type NativeConnection, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
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
}

export async function createWorkers(opts: CreateWorkersOptions): Promise<Worker[]> {
  const activities = activitiesByQueue(opts.deps);
  const workflowWorker = await Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: workflowTaskQueue(opts.taskQueuePrefix),
    workflowBundle: opts.bundle,
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
