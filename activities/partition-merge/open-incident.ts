// The scheduled consistency check's way of opening an incident when the regions diverge: the
// same intake an Alertmanager `RegionsDiverged` alert takes (routing rule regions-diverged →
// partition-merge, resource dataset:<name>), so a check and a real alert for the same dataset
// share one incident (dedup and per-resource lock). Uses the worker's own Temporal client.
import { join } from 'node:path';
import { Context } from '@temporalio/activity';
import { signalWithStart } from '../../client/service/signal-with-start';
import { INCIDENT_WORKFLOW_TYPE, alertNoticeSignal, type IncidentInput } from '../../shared/incident';
import { loadPolicy } from '../../shared/policy/load-policy';
import { REPO_ROOT } from '../../shared/paths';
import { RoutingTable } from '../../shared/routing/routing-table';
import { IncidentKeyAttr, PhaseAttr, PlaybookAttr, ResourceAttr } from '../../shared/search-attributes';
import { workflowTaskQueue } from '../../shared/task-queues';

export const DIVERGENCE_ALERT = 'RegionsDiverged';

export interface OpenIncidentRequest {
  dataset: string;
  summary: string;
  /** The check's workflow id (audited as the incident's initiator reason). */
  checkWorkflowId: string;
}

export function createDivergenceIncidentActivities(
  deps: { routingFile?: string } = {},
  env: NodeJS.ProcessEnv = process.env,
) {
  const routingFile = deps.routingFile ?? env.REBOUND_ROUTING_FILE ?? join(REPO_ROOT, 'config/routing.yaml');
  return {
    /**
     * Raises RegionsDiverged for the dataset: starts the incident the routing file names, or
     * attaches to it when one is already open. Returns its id and whether it was started now.
     */
    async openDivergenceIncident(
      req: OpenIncidentRequest,
    ): Promise<{ incidentId: string; started: boolean }> {
      const ctx = Context.current();
      // The policy file applies here as it does at the API: the check's route is held to it.
      const routing = RoutingTable.load(routingFile, loadPolicy());
      const now = new Date().toISOString();
      const labels = { alertname: DIVERGENCE_ALERT, dataset: req.dataset };
      const annotations = { summary: req.summary, source: req.checkWorkflowId };
      const fingerprint = `consistency-check:${req.dataset}`;
      const { incidentId, route } = routing.route({ labels, annotations, fingerprint });
      // Activities run on `<prefix>-control`: the incident goes to `<prefix>-workflows`.
      const prefix = ctx.info.taskQueue.replace(/-control$/, '');
      const alert = {
        fingerprint,
        alertname: DIVERGENCE_ALERT,
        status: 'firing' as const,
        labels,
        annotations,
        startsAt: now,
        receivedAt: now,
      };
      const input: IncidentInput = {
        incidentId,
        source: 'alertmanager',
        initiator: 'consistency-check',
        reason: `${DIVERGENCE_ALERT}: ${req.summary}`,
        dryRun: false,
        route,
        alert,
        budget: routing.budget,
        needsHumanTimeout: routing.file.guardrails.needsHumanTimeout,
        maxRuns: routing.file.guardrails.maxRunsPerIncident,
        recurrence: routing.recurrence,
      };
      const { started } = await signalWithStart(ctx.client, {
        workflowId: incidentId,
        workflowType: INCIDENT_WORKFLOW_TYPE,
        taskQueue: workflowTaskQueue(prefix),
        args: [input],
        signal: alertNoticeSignal.name,
        signalArgs: [alert],
        searchAttributes: [
          { key: PlaybookAttr, value: route.playbook ?? 'none' },
          { key: ResourceAttr, value: route.resource ?? incidentId },
          { key: PhaseAttr, value: 'starting' },
          { key: IncidentKeyAttr, value: incidentId },
        ],
      });
      return { incidentId, started };
    },
  };
}

export type DivergenceIncidentActivities = ReturnType<typeof createDivergenceIncidentActivities>;
