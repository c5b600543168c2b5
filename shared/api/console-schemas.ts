// The read endpoints the operator console needs beyond the incident API (issue 15): who the token
// is, an episode's audit trail as data, and how much of the recovery budget its window has used.
// Validated and documented in the OpenAPI document like every other route.
import { z } from 'zod';

/** GET /v1/session: the token's principal and roles, and where the alert sources live. */
export const sessionSchema = z.object({
  principal: z.string(),
  roles: z.array(z.string()),
  /** Base URLs the console links alerts back to (REBOUND_PROMETHEUS_URL, REBOUND_ALERTMANAGER_URL). */
  links: z.object({ prometheus: z.string(), alertmanager: z.string() }),
});
export type Session = z.infer<typeof sessionSchema>;

/** One row of an episode's audit trail (Rebound's audit_events table), oldest first. */
export const auditEntrySchema = z.object({
  /** The incident episode or one of its playbook runs (`<episodeId>/run-<n>`). */
  workflowId: z.string(),
  entryKey: z.string(),
  kind: z.string(),
  actor: z.string(),
  detail: z.record(z.string(), z.unknown()),
  /** RFC 3339. */
  at: z.string(),
});
export type AuditEntry = z.infer<typeof auditEntrySchema>;

export const auditTrailSchema = z.object({
  incidentId: z.string(),
  episodeId: z.string().optional(),
  entries: z.array(auditEntrySchema),
});
export type AuditTrail = z.infer<typeof auditTrailSchema>;

/** GET /v1/control/budget: granted recovery-budget claims in the routing file's window. */
export const budgetUsageSchema = z.object({
  used: z.number().int(),
  max: z.number().int(),
  /** The window as written in the routing file (e.g. `10m`). */
  window: z.string(),
  windowSeconds: z.number(),
  /** Claims refused in the same window (recoveries that went to a human instead). */
  refused: z.number().int(),
});
export type BudgetUsage = z.infer<typeof budgetUsageSchema>;
