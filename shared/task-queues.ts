// Task queues: workflows on one queue, activities on one queue per infrastructure (bulkheads: a
// slow Kafka cannot starve Postgres recoveries of activity slots). Workflows derive the activity
// queues from their own queue, so tests can run an isolated set by choosing another prefix.
export const INFRA_QUEUES = ['control', 'postgres', 'redis', 'kafka'] as const;
export type InfraQueue = (typeof INFRA_QUEUES)[number];

const WORKFLOW_SUFFIX = '-workflows';

export function workflowTaskQueue(prefix: string): string {
  return `${prefix}${WORKFLOW_SUFFIX}`;
}

export function activityTaskQueue(prefix: string, infra: InfraQueue): string {
  return `${prefix}-${infra}`;
}

/**
 * The prefix of a workflow task queue (inverse of workflowTaskQueue). A queue without the suffix
 * is its own prefix: history replays run workflows on a synthetic queue of the SDK's choosing.
 */
export function prefixOfWorkflowQueue(queue: string): string {
  return queue.endsWith(WORKFLOW_SUFFIX) ? queue.slice(0, -WORKFLOW_SUFFIX.length) : queue;
}
