// The scheduled recovery's one activity: signalWithStart on the incident key, as the API does for
// alerts and manual triggers, so a schedule takes the same per-resource lock and, when it starts
// an episode, the same recovery budget. Whether it started or attached is written to the
// episode's audit trail (idempotent per scheduled workflow).
import { type Client } from '@temporalio/client';
import { type Pool } from 'pg';
import { INCIDENT_WORKFLOW_TYPE, episodeIdFor, triggeredSignal } from '../../shared/incident';
import {
  type ScheduledRecoveryInput,
  type ScheduledRecoveryResult,
} from '../../shared/lifecycle/scheduled-recovery';
import { IncidentKeyAttr, PhaseAttr, PlaybookAttr, ResourceAttr } from '../../shared/search-attributes';
import { signalWithStart } from '../../client/service/signal-with-start';

export function createScheduleActivities(deps: { statePool: Pool; temporal: () => Promise<Client> }) {
  async function startOrAttachScheduled(
    req: ScheduledRecoveryInput & { taskQueue: string; scheduledWorkflowId: string },
  ): Promise<ScheduledRecoveryResult> {
    const { incident } = req;
    const { runId, started } = await signalWithStart(await deps.temporal(), {
      workflowId: incident.incidentId,
      workflowType: INCIDENT_WORKFLOW_TYPE,
      taskQueue: req.taskQueue,
      args: [incident],
      signal: triggeredSignal.name,
      signalArgs: [{ by: incident.initiator, reason: incident.reason }],
      searchAttributes: [
        { key: PlaybookAttr, value: incident.route.playbook ?? 'none' },
        { key: ResourceAttr, value: incident.route.resource ?? incident.incidentId },
        { key: PhaseAttr, value: 'starting' },
        { key: IncidentKeyAttr, value: incident.incidentId },
      ],
    });
    const episodeId = episodeIdFor(incident.incidentId, runId);
    const action = started ? 'started' : 'attached';
    await deps.statePool.query(
      `INSERT INTO audit_events (workflow_id, run_id, entry_key, kind, actor, resource, detail)
       VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (workflow_id, entry_key) DO NOTHING`,
      [
        episodeId,
        runId,
        `schedule:${req.scheduledWorkflowId}`,
        `schedule-${action}`,
        incident.initiator,
        incident.route.resource ?? null,
        JSON.stringify({
          scheduleId: req.scheduleId,
          scheduledWorkflowId: req.scheduledWorkflowId,
          summary: started
            ? `schedule ${req.scheduleId} started this episode`
            : `schedule ${req.scheduleId} found this episode open and attached to it (no second recovery)`,
        }),
      ],
    );
    return { action, incidentId: incident.incidentId, episodeId };
  }
  return { startOrAttachScheduled };
}

export type ScheduleActivities = ReturnType<typeof createScheduleActivities>;
