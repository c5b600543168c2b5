// The incident workflow's input, its extra query and its signals. The incident is the durable
// unit of "one fault": its workflow id is the incident key, so repeated alerts attach to it.
import { defineQuery, defineSignal } from '@temporalio/workflow';
import { type Classification, type IncidentAlert } from './api/schemas';
import { type TrackedAlert } from './lifecycle/alert-set';
import { type ApprovalPolicy } from './playbook';
import { type PlannedAction } from './workflow-interface';

export const INCIDENT_WORKFLOW_TYPE = 'incidentWorkflow';

/** Where routing sent the incident: a playbook run, or nowhere (then `reason` says why). */
export interface RouteDecision {
  /** The routing rule's name, or `manual` / `schedule:<id>`. */
  rule?: string;
  playbook?: string;
  /** The workflow type from the catalogue; absent when the playbook is not implemented. */
  workflowType?: string;
  resource?: string;
  /** The full label-derived resource when `resource` was shortened by a digest (shared/resource). */
  resourceFull?: string;
  params: Record<string, unknown>;
  classification: Classification;
  approvalPolicy: ApprovalPolicy;
  /** Version of the policy file the safety settings came from. */
  policyVersion?: string;
  /** The plan of the dry run that preceded this recovery (shown at its approval gates). */
  dryRunPlan?: PlannedAction[];
  /** Why the incident needs a human (unroutable alert, playbook not implemented). */
  reason?: string;
  /** The route's cooldown: a closed episode's firing re-delivered within it starts nothing. */
  cooldown?: string;
}

export interface BudgetPolicy {
  /** Automated recoveries allowed per window, across all incidents of this deployment. */
  max: number;
  window: string;
}

/** `episodes` episodes of one incident within `window` go to a human: the recovery did not hold. */
export interface RecurrencePolicy {
  episodes: number;
  window: string;
}

export interface IncidentInput {
  incidentId: string;
  source: 'alertmanager' | 'manual' | 'schedule';
  initiator: string;
  reason: string;
  dryRun: boolean;
  route: RouteDecision;
  /** The alert that opened the incident (alert-driven incidents only). */
  alert?: IncidentAlert;
  budget: BudgetPolicy;
  /** How long a needs-human incident stays open waiting for the alert to resolve. */
  needsHumanTimeout?: string;
  /** Further playbook runs for new faults on the same resource while one is open. */
  maxRuns?: number;
  /** Episode rules (issue 10); absent in inputs recorded before episodes existed. */
  recurrence?: RecurrencePolicy;
  /** Alerts carried over from the previous run when firings arrived while it was closing. */
  carriedAlerts?: IncidentAlert[];
}

export interface IncidentRun {
  workflowId: string;
  outcome?: string;
}

export interface IncidentDetails {
  incidentId: string;
  classification: Classification;
  route: { rule?: string; playbook?: string; reason?: string; resourceFull?: string };
  alerts: IncidentAlert[];
  repeats: number;
  runs: IncidentRun[];
  /** The child currently running, for forwarding approvals. */
  activeRun?: string;
  /** This episode's identity (`<incidentId>#<runId>`); absent in runs recorded before episodes. */
  episodeId?: string;
  /** 1-based position among the incident's episodes. */
  episode?: number;
  /** Each attached alert by fingerprint: generation (`startsAt`), `endsAt`, status. */
  alertStates?: TrackedAlert[];
  /** Notices older than what was known for their fingerprint: ignored, counted here. */
  staleNotices?: number;
  /** The largest `truncatedAlerts` of the notifications that reached this episode. */
  truncatedAlerts?: number;
}

/** An alert for this incident fired (again): signalWithStart carries the first one. */
export const alertFiredSignal = defineSignal<[IncidentAlert]>('alertFired');
/**
 * A firing or resolved notice for one alert (fingerprint, startsAt, endsAt): the intake's signal
 * since issue 10. The incident judges it against what it knows of that fingerprint.
 */
export const alertNoticeSignal = defineSignal<[IncidentAlert]>('alertNotice');
/** A recovery was requested by hand (API, CLI): signalWithStart's signal for manual triggers. */
export const triggeredSignal = defineSignal<[{ by: string; reason: string }]>('triggered');
/** The incident's own facts beyond the common `status`: classification, alerts, runs. */
export const incidentDetailsQuery = defineQuery<IncidentDetails>('incident');

export function incidentIdFor(key: string): string {
  return `incident:${key}`;
}

/** An episode's identity: the incident key's workflow id and the run that is this episode. */
export function episodeIdFor(incidentId: string, runId: string): string {
  return `${incidentId}#${runId}`;
}

/**
 * What an id the API hands out refers to: `<incidentId>`, `<incidentId>#<runId>` (an episode) or
 * `<incidentId>#<runId>/run-<n>` / legacy `<incidentId>/run-<n>` (a playbook run of an episode).
 * Resources never hold `#` or `/` (shared/resource.ts), so the split is unambiguous.
 */
export function parseIncidentRef(id: string): { incidentId: string; runId?: string; playbookRun?: number } {
  const slash = id.indexOf('/');
  const head = slash < 0 ? id : id.slice(0, slash);
  const tail = slash < 0 ? undefined : id.slice(slash + 1);
  const m = tail === undefined ? undefined : /^run-([1-9][0-9]{0,3})$/.exec(tail);
  const hash = head.indexOf('#');
  return {
    incidentId: hash < 0 ? head : head.slice(0, hash),
    runId: hash < 0 ? undefined : head.slice(hash + 1),
    playbookRun: m ? Number(m[1]) : tail === undefined ? undefined : Number.NaN,
  };
}

/** The child playbook run's id: `<incidentId>/run-<n>` (since issue 10: `<episodeId>/run-<n>`). */
export function playbookRunId(incidentId: string, n: number): string {
  return `${incidentId}/run-${n}`;
}
