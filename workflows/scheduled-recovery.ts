// What a Temporal Schedule starts (shared/lifecycle/scheduled-recovery.ts): it hands the recovery
// to the incident key through one activity, so the per-resource lock and the budget apply, and
// returns whether it started an episode or attached to the open one.
import { workflowInfo } from '@temporalio/workflow';
import type { ScheduleActivities } from '../activities/lifecycle/schedule-activities';
import {
  type ScheduledRecoveryInput,
  type ScheduledRecoveryResult,
} from '../shared/lifecycle/scheduled-recovery';
import { activitiesOn } from './lib/activity-presets';

export async function scheduledRecoveryWorkflow(
  input: ScheduledRecoveryInput,
): Promise<ScheduledRecoveryResult> {
  const { startOrAttachScheduled } = activitiesOn<ScheduleActivities>('control', 'bookkeeping');
  const info = workflowInfo();
  return startOrAttachScheduled({
    ...input,
    taskQueue: info.taskQueue,
    scheduledWorkflowId: info.workflowId,
  });
}
