// The HTTP API's request bodies and response shapes, as zod schemas. The API validates requests
// with them and builds its OpenAPI document from the same schemas (z.toJSONSchema); the service
// layer (client/service) and the CLI use the inferred types.
import { z } from 'zod';
import { PLAYBOOK_NAMES, resourceSchema } from '../playbook';
import { approvalTighteningSchema } from '../policy/schema';
import {
  OUTCOMES,
  PHASES,
  type CompensationStatus,
  type DecisionRecord,
  type PendingApproval,
  type PlannedAction,
  type PlaybookResult,
  type StepStatus,
} from '../workflow-interface';

/**
 * Default body limit of the API (16 MiB; `REBOUND_API_BODY_LIMIT` raises it). Alertmanager does not
 * retry a 4xx, so the limit sits far above any notification it sends (issue 10): a group of
 * thousands of alerts fits.
 */
export const MAX_BODY_BYTES = 16 * 1_048_576;

const labelMap = z.record(z.string(), z.string());

/**
 * One alert of an Alertmanager v4 notification; unknown fields are tolerated and kept. Validated
 * per alert: an invalid alert is answered `rejected` with its reason, the valid ones of the same
 * group are still recorded. `alertname` is not required (Alertmanager does not require it).
 */
export const alertmanagerAlertSchema = z.looseObject({
  status: z.enum(['firing', 'resolved']),
  labels: labelMap,
  annotations: labelMap.default({}),
  startsAt: z.string().refine((t) => Number.isFinite(Date.parse(t)), 'startsAt must be an RFC 3339 time'),
  endsAt: z.string().optional(),
  generatorURL: z.string().optional(),
  fingerprint: z.string().min(1),
});
export type AlertmanagerAlert = z.infer<typeof alertmanagerAlertSchema>;

/**
 * Alertmanager's webhook payload, version "4". Tolerant of unknown fields (notification_reason,
 * routeLabels, …): newer Alertmanagers add fields and a 4xx would make them drop the delivery.
 * The alerts are checked one by one by the intake (alertmanagerAlertSchema), never as a whole,
 * and their number is not capped.
 */
export const alertmanagerWebhookSchema = z.looseObject({
  version: z.literal('4'),
  groupKey: z.string(),
  truncatedAlerts: z.number().int().min(0).optional(),
  status: z.enum(['firing', 'resolved']),
  receiver: z.string(),
  groupLabels: labelMap.default({}),
  commonLabels: labelMap.default({}),
  commonAnnotations: labelMap.default({}),
  externalURL: z.string().optional(),
  // Alertmanager never sends an empty group; an empty one is not a notification.
  alerts: z.array(z.unknown()).min(1),
});
export type AlertmanagerWebhook = z.infer<typeof alertmanagerWebhookSchema>;

export const INTAKE_ACTIONS = ['started', 'attached', 'resolved', 'ignored', 'rejected'] as const;
export type IntakeAction = (typeof INTAKE_ACTIONS)[number];

export const intakeResultSchema = z.object({
  /** One result per alert of the notification, in its order. */
  incidents: z.array(
    z.object({
      fingerprint: z.string(),
      /** Empty only for an alert rejected before it could be routed. */
      incidentId: z.string(),
      /** The episode the alert reached (started or attached), `<incidentId>#<runId>`. */
      episodeId: z.string().optional(),
      action: z.enum(INTAKE_ACTIONS),
      /** Why an alert was `ignored` or `rejected`. */
      reason: z.string().optional(),
    }),
  ),
  /** Alerts Alertmanager left out of this notification (its max_alerts); counted in a metric too. */
  truncatedAlerts: z.number().int().optional(),
});

/** POST /v1/incidents: a recovery started by hand. */
export const manualTriggerSchema = z.strictObject({
  playbook: z.enum(PLAYBOOK_NAMES),
  resource: resourceSchema,
  params: z.record(z.string(), z.unknown()).default({}),
  reason: z.string().min(1).max(2_000),
  dryRun: z.boolean().default(false),
  /** Stricter approval than the policy file's (more approvers, a shorter window); never looser. */
  approval: approvalTighteningSchema.optional(),
});
export type ManualTrigger = z.infer<typeof manualTriggerSchema>;

export const triggerResultSchema = z.object({
  incidentId: z.string(),
  action: z.enum(['started', 'attached']),
  /**
   * Attached only: the settings this request asked for that do not apply, because the incident in
   * flight keeps the parameters, approval policy and dry-run flag it started with (`params.<name>`,
   * `approval.<name>`, `dryRun`, `reason`), and a sentence saying so.
   */
  ignored: z.array(z.string()).optional(),
  notice: z.string().optional(),
});

/** POST /v1/incidents/:id/approvals: the approver is the token's principal. */
export const decisionRequestSchema = z.strictObject({
  decision: z.enum(['approve', 'reject']),
  comment: z.string().max(2_000).default(''),
  /** For approvals that offer choices (for example retry-safe-mode vs skip-poison). */
  choice: z.string().min(1).max(200).optional(),
  /** The gate the approver decides (PendingApproval.id); the CLI and console always send it. */
  approvalId: z.string().min(1).max(500).optional(),
  /** The digest of the gate as the approver saw it (PendingApproval.digest). */
  digest: z
    .string()
    .regex(/^[0-9a-f]{64}$/, 'sha256 hex')
    .optional(),
});
export type DecisionRequest = z.infer<typeof decisionRequestSchema>;

export const decisionReplySchema = z.object({
  approvalId: z.string(),
  accepted: z.literal(true),
  votes: z.number().int(),
  quorum: z.number().int(),
  settled: z.boolean(),
  /** The workflow that held the pending approval: the incident itself or its playbook child. */
  workflowId: z.string(),
});

/**
 * No control characters in an id or filter: ids are built from resource ids, which never have any,
 * and a NUL can neither be stored in PostgreSQL text nor sent in a visibility query (found by the
 * fuzz campaign: a NUL in an id or a filter was a 500).
 */
function noControlCharacters(text: string): boolean {
  return ![...text].some((c) => c < ' ' || c === '\u007f');
}

/** GET /v1/incidents query string. */
export const incidentListQuerySchema = z.strictObject({
  status: z.enum(['running', 'closed']).optional(),
  playbook: z.string().min(1).max(100).refine(noControlCharacters, 'no control characters').optional(),
  resource: z.string().min(1).max(300).refine(noControlCharacters, 'no control characters').optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
});
export type IncidentListQuery = z.infer<typeof incidentListQuerySchema>;

export const incidentIdParamsSchema = z.strictObject({
  id: z.string().min(1).max(500).refine(noControlCharacters, 'no control characters'),
});

export const SEVERITIES = ['FATAL', 'CRITICAL', 'ERROR', 'WARNING'] as const;
export type Severity = (typeof SEVERITIES)[number];
export const CATEGORIES = ['transient', 'configuration', 'security', 'data', 'capacity'] as const;
export type Category = (typeof CATEGORIES)[number];
export const RECOVERABILITY = ['automatic', 'approval', 'manual'] as const;
export type Recoverability = (typeof RECOVERABILITY)[number];

export const classificationSchema = z.object({
  severity: z.enum(SEVERITIES),
  category: z.enum(CATEGORIES),
  recoverability: z.enum(RECOVERABILITY),
});
export type Classification = z.infer<typeof classificationSchema>;

/** One row of GET /v1/incidents (from the visibility store's search attributes). */
export const incidentSummarySchema = z.object({
  incidentId: z.string(),
  runId: z.string(),
  /** This run's episode: `<incidentId>#<runId>` (issue 10). */
  episodeId: z.string().optional(),
  /** 1-based position among the incident's episodes, when recorded. */
  episode: z.number().int().optional(),
  status: z.enum(['running', 'closed']),
  /** Temporal's execution status: RUNNING, COMPLETED, FAILED, TERMINATED, … */
  executionStatus: z.string(),
  playbook: z.string().optional(),
  resource: z.string().optional(),
  phase: z.string().optional(),
  outcome: z.string().optional(),
  startedAt: z.string(),
  closedAt: z.string().optional(),
});
export type IncidentSummary = z.infer<typeof incidentSummarySchema>;

/** The structural schemas of the workflow status types, for the OpenAPI document. */
const stepStatusSchema: z.ZodType<StepStatus> = z.object({
  name: z.string(),
  state: z.enum(['running', 'succeeded', 'failed', 'skipped']),
  attempts: z.number(),
  destructive: z.boolean(),
  startedAt: z.string(),
  finishedAt: z.string().optional(),
  lastError: z.string().optional(),
  summary: z.string().optional(),
});
const voteSchema = z.object({
  principal: z.string(),
  decision: z.enum(['approve', 'reject']),
  choice: z.string().optional(),
  comment: z.string().optional(),
  at: z.string(),
});
const pendingApprovalSchema: z.ZodType<PendingApproval> = z.object({
  id: z.string(),
  step: z.string(),
  question: z.string(),
  choices: z.array(z.string()),
  allowedPrincipals: z.array(z.string()),
  allowedRoles: z.array(z.string()),
  quorum: z.number(),
  votes: z.array(voteSchema),
  deadline: z.string(),
  onTimeout: z.string(),
  digest: z.string().optional(),
  plan: z.array(plannedActionSchemaLazy()).optional(),
  dryRunPlan: z.array(plannedActionSchemaLazy()).optional(),
  params: z.record(z.string(), z.unknown()).optional(),
  restrictTo: z.array(z.string()).optional(),
});
const decisionRecordSchema: z.ZodType<DecisionRecord> = z.object({
  approvalId: z.string(),
  step: z.string(),
  outcome: z.enum(['approved', 'rejected', 'timed-out']),
  choice: z.string().optional(),
  votes: z.array(voteSchema),
  at: z.string(),
});
const compensationSchema: z.ZodType<CompensationStatus> = z.object({
  name: z.string(),
  state: z.enum(['succeeded', 'failed']),
  at: z.string(),
  error: z.string().optional(),
});
function plannedActionSchemaLazy(): z.ZodType<PlannedAction> {
  return z.object({
    step: z.string(),
    action: z.string(),
    destructive: z.boolean(),
    details: z.record(z.string(), z.unknown()).optional(),
  });
}
const plannedActionSchema: z.ZodType<PlannedAction> = z.object({
  step: z.string(),
  action: z.string(),
  destructive: z.boolean(),
  details: z.record(z.string(), z.unknown()).optional(),
});
const resultSchema: z.ZodType<PlaybookResult> = z.object({
  outcome: z.enum(OUTCOMES),
  summary: z.string(),
  details: z.record(z.string(), z.unknown()).optional(),
});

export const playbookStatusSchema = z.object({
  workflowId: z.string(),
  playbook: z.string(),
  resource: z.string(),
  initiator: z.string(),
  dryRun: z.boolean(),
  phase: z.enum(PHASES),
  currentStep: z.string().optional(),
  paused: z.boolean(),
  alertResolved: z.boolean(),
  steps: z.array(stepStatusSchema),
  pendingApproval: pendingApprovalSchema.optional(),
  decisions: z.array(decisionRecordSchema),
  compensations: z.array(compensationSchema),
  plan: z.array(plannedActionSchema).optional(),
  result: resultSchema.optional(),
  policyVersion: z.string().optional(),
  controlVersion: z.number().optional(),
  startedAt: z.string(),
  updatedAt: z.string(),
});

/** An alert as the incident keeps it (attached for needs-human, listed in the timeline). */
export const incidentAlertSchema = z.object({
  fingerprint: z.string(),
  alertname: z.string(),
  status: z.enum(['firing', 'resolved']),
  labels: labelMap,
  annotations: labelMap,
  startsAt: z.string(),
  /** Set on resolved notices (issue 10). */
  endsAt: z.string().optional(),
  receivedAt: z.string(),
  /** `truncatedAlerts` of the notification this alert came in. */
  truncatedAlerts: z.number().int().optional(),
  /** Where it came from (issue 13): the Prometheus rule's graph link, Alertmanager's group and address. */
  generatorURL: z.string().optional(),
  groupKey: z.string().optional(),
  externalURL: z.string().optional(),
});
export type IncidentAlert = z.infer<typeof incidentAlertSchema>;

/**
 * GET /v1/incidents/:id: the incident workflow's own status (classification, guardrails, its
 * approvals) merged with the live status of the playbook child currently or last running.
 */
const trackedAlertSchema = z.object({
  fingerprint: z.string(),
  status: z.enum(['firing', 'resolved']),
  startsAt: z.string(),
  generation: z.number(),
  endsAt: z.string().optional(),
});

export const incidentViewSchema = z.object({
  incidentId: z.string(),
  /** The episode shown: `<incidentId>#<runId>`; absent for runs recorded before episodes. */
  episodeId: z.string().optional(),
  episode: z.number().int().optional(),
  running: z.boolean(),
  executionStatus: z.string(),
  classification: classificationSchema.optional(),
  /** The routing rule that matched, or why none did. */
  route: z
    .object({
      rule: z.string().optional(),
      playbook: z.string().optional(),
      reason: z.string().optional(),
      /** The full label-derived resource when the resource id was shortened by a digest. */
      resourceFull: z.string().optional(),
    })
    .optional(),
  alerts: z.array(incidentAlertSchema),
  /** Each attached alert by fingerprint: generation (startsAt), endsAt, firing or resolved. */
  alertStates: z.array(trackedAlertSchema).optional(),
  /** Notices older than what was known for their fingerprint: ignored and counted. */
  staleNotices: z.number().int().optional(),
  /** The largest truncatedAlerts of the notifications that reached this episode. */
  truncatedAlerts: z.number().int().optional(),
  /** How many times the alert fired again while this incident was open. */
  repeats: z.number().int(),
  /** The playbook runs (child workflow ids) this incident started, in order. */
  runs: z.array(z.object({ workflowId: z.string(), outcome: z.string().optional() })),
  incident: playbookStatusSchema,
  playbook: playbookStatusSchema.optional(),
});
export type IncidentView = z.infer<typeof incidentViewSchema>;

/** The kill switch. */
export const controlStateSchema = z.object({
  paused: z.boolean(),
  reason: z.string().optional(),
  by: z.string().optional(),
  since: z.string().optional(),
  /** Incremented on every pause/resume. */
  version: z.number().int().optional(),
  /** Running workflows the last pause/resume signal reached. */
  signalled: z.number().int().optional(),
});
export type ControlState = z.infer<typeof controlStateSchema>;

export const controlPauseRequestSchema = z.strictObject({ reason: z.string().max(2_000).optional() });

/** GET /v1/schedules: each schedule declared in the file and what Temporal has. */
export const scheduleViewSchema = z.object({
  id: z.string(),
  declared: z.boolean(),
  exists: z.boolean(),
  cron: z.array(z.string()).optional(),
  every: z.string().optional(),
  playbook: z.string().optional(),
  resource: z.string().optional(),
  paused: z.boolean().optional(),
  overlap: z.string().optional(),
  nextRuns: z.array(z.string()),
  recentRuns: z.array(z.object({ workflowId: z.string(), at: z.string() })),
});
export type ScheduleView = z.infer<typeof scheduleViewSchema>;

export const scheduleApplyResultSchema = z.object({
  created: z.array(z.string()),
  updated: z.array(z.string()),
  unchanged: z.array(z.string()),
  /** Present in Temporal under Rebound's prefix but not in the file: left alone, reported. */
  undeclared: z.array(z.string()),
});
export type ScheduleApplyResult = z.infer<typeof scheduleApplyResultSchema>;

export const readinessSchema = z.object({
  ok: z.boolean(),
  checks: z.record(z.string(), z.boolean()),
});

/** The error body every 4xx/5xx carries. */
export const errorBodySchema = z.object({
  error: z.string(),
  message: z.string(),
  details: z.unknown().optional(),
});
