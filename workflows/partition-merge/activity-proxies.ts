// partition-merge's activity proxies on the postgres queue. The range-walking activities are
// retried by the server (not only by the step runner) so that a retry after a dead worker gets
// the heartbeated cursor and resumes from it instead of starting the chunk over.
import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { PartitionMergeActivities } from '../../activities/partition-merge/merge-activities';
import type { DivergenceIncidentActivities } from '../../activities/partition-merge/open-incident';
import { NON_RETRYABLE_ERROR_TYPES } from '../../shared/errors';
import { activityTaskQueue, prefixOfWorkflowQueue } from '../../shared/task-queues';
import { activitiesOn } from '../lib/activity-presets';

export function partitionMergeActivities() {
  const taskQueue = activityTaskQueue(prefixOfWorkflowQueue(workflowInfo().taskQueue), 'postgres');
  return {
    quick: activitiesOn<PartitionMergeActivities>('postgres', 'quick'),
    incident: activitiesOn<DivergenceIncidentActivities>('control', 'quick'),
    ranges: proxyActivities<PartitionMergeActivities>({
      taskQueue,
      startToCloseTimeout: '10m',
      heartbeatTimeout: '20s',
      retry: {
        maximumAttempts: 5,
        initialInterval: '1s',
        maximumInterval: '10s',
        nonRetryableErrorTypes: NON_RETRYABLE_ERROR_TYPES,
      },
    }),
  };
}

export type PartitionMergeProxies = ReturnType<typeof partitionMergeActivities>;
