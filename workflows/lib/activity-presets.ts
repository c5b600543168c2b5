// Timeout/retry presets for proxied activities, and the proxy that routes an activity group to its
// infrastructure's task queue. Activities are attempted once per call: retries belong to the
// step runner (playbook-run.ts), which records every attempt and its error in the status.
import { proxyActivities, workflowInfo, type ActivityOptions } from '@temporalio/workflow';
import { activityTaskQueue, prefixOfWorkflowQueue, type InfraQueue } from '../../shared/task-queues';

export const ActivityPresets = {
  /** A single query or write: seconds. */
  quick: { startToCloseTimeout: '30s', retry: { maximumAttempts: 1 } },
  /** Work that walks data or waits on a broker: must heartbeat, so a dead worker is noticed fast. */
  long: { startToCloseTimeout: '10m', heartbeatTimeout: '20s', retry: { maximumAttempts: 1 } },
  /** Bookkeeping (audit, notify) that must eventually land: retried by the server. */
  bookkeeping: {
    startToCloseTimeout: '30s',
    retry: { maximumAttempts: 20, initialInterval: '1s', maximumInterval: '30s', backoffCoefficient: 2 },
  },
} as const satisfies Record<string, ActivityOptions>;

export type ActivityPreset = keyof typeof ActivityPresets;

/** Proxies an activity group on the task queue of its infrastructure (the bulkhead). */
export function activitiesOn<A extends object>(infra: InfraQueue, preset: ActivityPreset) {
  const prefix = prefixOfWorkflowQueue(workflowInfo().taskQueue);
  return proxyActivities<A>({ ...ActivityPresets[preset], taskQueue: activityTaskQueue(prefix, infra) });
}
