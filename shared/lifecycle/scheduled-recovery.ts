// Scheduled recoveries share the per-resource lock and the budget with alerts and manual triggers
// (issue 10 build item 5). A Temporal Schedule appends a timestamp to the workflow id it starts, so
// a schedule cannot start the incident itself without bypassing the lock: it starts this small
// workflow, which signalWithStarts the incident key (starting an episode, or attaching to the one
// open) and records which it was.
import { type IncidentInput } from '../incident';

export const SCHEDULED_RECOVERY_WORKFLOW_TYPE = 'scheduledRecoveryWorkflow';

export interface ScheduledRecoveryInput {
  /** The schedule's id in the schedules file. */
  scheduleId: string;
  incident: IncidentInput;
}

export interface ScheduledRecoveryResult {
  /** `started` a new episode, or `attached` to the episode already open (no second recovery). */
  action: 'started' | 'attached';
  incidentId: string;
  episodeId: string;
}
