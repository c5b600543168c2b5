// Reads incidents and their episodes for the API (issue 10 build items 2 and 4). Every id the API
// hands out is readable here, answering a view or `not-found` (never a 500): the incident id (its
// latest episode), an episode id `<incidentId>#<runId>`, and a playbook run id
// `<episodeId>/run-<n>` (the view of the episode that ran it, with that run's live status).
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { type Pool } from 'pg';
import { type IncidentSummary, type IncidentView } from '../../shared/api/schemas';
import {
  INCIDENT_WORKFLOW_TYPE,
  episodeIdFor,
  incidentDetailsQuery,
  parseIncidentRef,
} from '../../shared/incident';
import { statusQuery, type PlaybookStatus } from '../../shared/workflow-interface';
import { episodesByRunId } from '../../activities/lifecycle/lifecycle-store';
import { type AuditRow } from '../report/incident-report';
import { isPermanentTemporalError } from './alert-intake';
import { ServiceError } from './types';

/**
 * The view of an incident, episode or playbook run id.
 * @throws ServiceError `not-found` for an id that names no incident episode
 */
export async function readIncident(client: Client, id: string): Promise<IncidentView> {
  const ref = parseIncidentRef(id);
  const notFound = () => new ServiceError('not-found', `no incident ${id}`);
  if (ref.playbookRun !== undefined && !Number.isInteger(ref.playbookRun)) throw notFound();
  const handle = client.workflow.getHandle(ref.incidentId, ref.runId || undefined);
  let desc;
  try {
    desc = await handle.describe();
  } catch (err) {
    // A malformed run id is refused by Temporal as INVALID_ARGUMENT: it names nothing.
    if (err instanceof WorkflowNotFoundError || isPermanentTemporalError(err)) throw notFound();
    throw err;
  }
  if (desc.type !== INCIDENT_WORKFLOW_TYPE) throw notFound();
  const [incident, details] = await Promise.all([
    handle.query(statusQuery),
    handle.query(incidentDetailsQuery),
  ]);
  const run = ref.playbookRun !== undefined ? details.runs[ref.playbookRun - 1] : details.runs.at(-1);
  if (ref.playbookRun !== undefined && !run) throw notFound();
  let playbook: PlaybookStatus | undefined;
  if (run) {
    playbook = await client.workflow
      .getHandle(run.workflowId)
      .query(statusQuery)
      .catch(() => undefined);
  }
  // A closed incident waits on nothing: a gate left in a cancelled run's last status is not pending.
  const running = desc.status.name === 'RUNNING';
  if (!running) {
    incident.pendingApproval = undefined;
    if (playbook) playbook.pendingApproval = undefined;
  }
  return {
    incidentId: ref.incidentId,
    episodeId: details.episodeId,
    episode: details.episode,
    running,
    executionStatus: desc.status.name,
    classification: details.classification,
    route: details.route,
    alerts: details.alerts,
    alertStates: details.alertStates,
    staleNotices: details.staleNotices,
    truncatedAlerts: details.truncatedAlerts,
    repeats: details.repeats,
    runs: details.runs,
    incident,
    playbook,
  };
}

/** The audit trail of one episode (its own entries and its playbook runs'), oldest first. */
export async function auditOf(pool: Pool, view: IncidentView): Promise<AuditRow[]> {
  const ledger = view.episodeId ?? view.incidentId;
  const res = await pool.query<AuditRow>(
    `SELECT workflow_id, entry_key, kind, actor, detail, at FROM audit_events
     WHERE workflow_id = $1 OR workflow_id LIKE $2 ORDER BY at, id`,
    [ledger, `${ledger.replace(/[\\%_]/g, (c) => `\\${c}`)}/run-%`],
  );
  return res.rows;
}

/** Adds each listed run's episode id and ordinal (every episode of a resource is listed). */
export async function withEpisodes(pool: Pool, rows: IncidentSummary[]): Promise<IncidentSummary[]> {
  const ordinals = await episodesByRunId(
    pool,
    rows.map((r) => r.runId),
  ).catch(() => new Map<string, number>());
  return rows.map((r) => ({
    ...r,
    episodeId: episodeIdFor(r.incidentId, r.runId),
    episode: ordinals.get(r.runId),
  }));
}
