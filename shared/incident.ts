// The incident workflow's input, its extra query and its signals. The incident is the durable
// unit of "one fault": its workflow id is the incident key, so repeated alerts attach to it.
import { defineQuery, defineSignal } from '@temporalio/workflow';
import { type Classification, type IncidentAlert } from './api/schemas';
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
  params: Record<string, unknown>;
  classification: Classification;
  approvalPolicy: ApprovalPolicy;
  /** Version of the policy file the safety settings came from. */
  policyVersion?: string;
  /** The plan of the dry run that preceded this recovery (shown at its approval gates). */
  dryRunPlan?: PlannedAction[];
  /** Why the incident needs a human (unroutable alert, playbook not implemented). */
  reason?: string;
}

export interface BudgetPolicy {
  /** Automated recoveries allowed per window, across all incidents of this deployment. */
  max: number;
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
}

export interface IncidentRun {
  workflowId: string;
  outcome?: string;
}

export interface IncidentDetails {
  incidentId: string;
  classification: Classification;
  route: { rule?: string; playbook?: string; reason?: string };
  alerts: IncidentAlert[];
  repeats: number;
  runs: IncidentRun[];
  /** The child currently running, for forwarding approvals. */
  activeRun?: string;
}

/** An alert for this incident fired (again): signalWithStart carries the first one. */
export const alertFiredSignal = defineSignal<[IncidentAlert]>('alertFired');
/** A recovery was requested by hand (API, CLI): signalWithStart's signal for manual triggers. */
export const triggeredSignal = defineSignal<[{ by: string; reason: string }]>('triggered');
/** The incident's own facts beyond the common `status`: classification, alerts, runs. */
export const incidentDetailsQuery = defineQuery<IncidentDetails>('incident');

export function incidentIdFor(key: string): string {
  return `incident:${key}`;
}

/** The child playbook run's id: `<incidentId>/run-<n>`. */
export function playbookRunId(incidentId: string, n: number): string {
  return `${incidentId}/run-${n}`;
}
