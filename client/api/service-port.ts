// What the HTTP API needs from the service layer (client/service's ReboundService implements it).
// Routes depend on this interface so unit tests can drive them with a fake and the server never
// reaches past the service into Temporal itself.
import { type z } from 'zod';
import {
  type AlertmanagerWebhook,
  type ControlState,
  type decisionReplySchema,
  type DecisionRequest,
  type IncidentListQuery,
  type IncidentSummary,
  type IncidentView,
  type intakeResultSchema,
  type ManualTrigger,
  type ScheduleApplyResult,
  type ScheduleView,
  type triggerResultSchema,
} from '../../shared/api/schemas';
import { type AuthPrincipal } from '../auth/roles';

export type IntakeResultBody = z.infer<typeof intakeResultSchema>;
export type TriggerResultBody = z.infer<typeof triggerResultSchema>;
export type DecisionReplyBody = Omit<z.infer<typeof decisionReplySchema>, 'workflowId'> & {
  workflowId?: string;
};

export interface ApiService {
  ingestAlertmanager(payload: AlertmanagerWebhook, principal: AuthPrincipal): Promise<IntakeResultBody>;
  trigger(req: ManualTrigger, principal: AuthPrincipal): Promise<TriggerResultBody>;
  list(filter: Partial<IncidentListQuery>): Promise<IncidentSummary[]>;
  get(incidentId: string): Promise<IncidentView>;
  report(incidentId: string): Promise<string>;
  decide(
    incidentId: string,
    d: {
      decision: DecisionRequest['decision'];
      comment?: string;
      choice?: string;
      approvalId?: string;
      digest?: string;
    },
    principal: AuthPrincipal,
  ): Promise<DecisionReplyBody>;
  /** Resolves an episode or playbook-run id to its incident; returns the incident cancelled. */
  cancel(incidentId: string, principal: AuthPrincipal): Promise<{ incidentId: string }>;
  /** Audits a decision refused before it reached the service (the principal lacks the role). */
  auditDeniedDecision(incidentId: string, principal: string, role: string): Promise<void>;
  pause(principal: AuthPrincipal, reason?: string): Promise<ControlState>;
  /** Releases the kill switch; `reason` (optional) is stored with the state and audited. */
  resume(principal: AuthPrincipal, reason?: string): Promise<ControlState>;
  controlState(): Promise<ControlState>;
  listSchedules(): Promise<ScheduleView[]>;
  applySchedules(principal: AuthPrincipal): Promise<ScheduleApplyResult>;
  ready(): Promise<{ ok: boolean; checks: Record<string, boolean> }>;
}

export const SERVICE_ERROR_CODES = ['invalid', 'not-found', 'conflict', 'forbidden', 'unavailable'] as const;
export type ServiceErrorCodeName = (typeof SERVICE_ERROR_CODES)[number];

/**
 * Recognises client/service's ServiceError by shape (a `code` from the seam's list) rather than by
 * class, so the API and its fakes agree without importing the service's Temporal dependencies.
 */
export function serviceErrorCode(err: unknown): ServiceErrorCodeName | undefined {
  if (!(err instanceof Error)) return undefined;
  const code = (err as Error & { code?: unknown }).code;
  return typeof code === 'string' && (SERVICE_ERROR_CODES as readonly string[]).includes(code)
    ? (code as ServiceErrorCodeName)
    : undefined;
}
