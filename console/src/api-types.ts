// The shapes the console reads from the API (shared/api/schemas.ts and console-schemas.ts), as
// plain types: the browser build cannot compile the server's zod modules. A unit test assigns the
// server's types to these (test/unit/console/api-types.test.ts), so a drift fails the type-check.

export interface Vote {
  principal: string;
  decision: 'approve' | 'reject';
  choice?: string;
  comment?: string;
  at: string;
}

export interface PlannedAction {
  step: string;
  action: string;
  destructive: boolean;
  details?: Record<string, unknown>;
}

export interface PendingApproval {
  id: string;
  step: string;
  question: string;
  choices: string[];
  allowedPrincipals: string[];
  allowedRoles: string[];
  quorum: number;
  votes: Vote[];
  deadline: string;
  onTimeout: string;
  digest?: string;
  plan?: PlannedAction[];
  dryRunPlan?: PlannedAction[];
  params?: Record<string, unknown>;
  restrictTo?: string[];
}

export interface StepStatus {
  name: string;
  state: 'running' | 'succeeded' | 'failed' | 'skipped';
  attempts: number;
  destructive: boolean;
  startedAt: string;
  finishedAt?: string;
  lastError?: string;
  summary?: string;
}

export interface DecisionRecord {
  approvalId: string;
  step: string;
  outcome: 'approved' | 'rejected' | 'timed-out';
  choice?: string;
  votes: Vote[];
  at: string;
}

export interface CompensationStatus {
  name: string;
  state: 'succeeded' | 'failed' | 'not-run';
  at: string;
  error?: string;
}

export interface PlaybookStatus {
  workflowId: string;
  playbook: string;
  resource: string;
  initiator: string;
  dryRun: boolean;
  phase: string;
  currentStep?: string;
  paused: boolean;
  steps: StepStatus[];
  pendingApproval?: PendingApproval;
  decisions: DecisionRecord[];
  compensations: CompensationStatus[];
  plan?: PlannedAction[];
  result?: { outcome: string; summary: string };
  startedAt: string;
  updatedAt: string;
}

export interface IncidentAlert {
  fingerprint: string;
  alertname: string;
  status: 'firing' | 'resolved';
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt?: string;
  receivedAt: string;
}

export interface IncidentView {
  incidentId: string;
  episodeId?: string;
  episode?: number;
  running: boolean;
  executionStatus: string;
  classification?: { severity: string; category: string; recoverability: string };
  route?: { rule?: string; playbook?: string; reason?: string };
  alerts: IncidentAlert[];
  repeats: number;
  runs: { workflowId: string; outcome?: string }[];
  incident: PlaybookStatus;
  playbook?: PlaybookStatus;
}

export interface IncidentSummary {
  incidentId: string;
  runId: string;
  episodeId?: string;
  episode?: number;
  status: 'running' | 'closed';
  executionStatus: string;
  playbook?: string;
  resource?: string;
  phase?: string;
  outcome?: string;
  startedAt: string;
  closedAt?: string;
}

export interface AuditEntry {
  workflowId: string;
  entryKey: string;
  kind: string;
  actor: string;
  detail: Record<string, unknown>;
  at: string;
}

export interface AuditTrail {
  incidentId: string;
  episodeId?: string;
  entries: AuditEntry[];
}

export interface Session {
  principal: string;
  roles: string[];
  links: { prometheus: string; alertmanager: string };
}

export interface ControlState {
  paused: boolean;
  reason?: string;
  by?: string;
  since?: string;
  version?: number;
}

export interface ScheduleView {
  id: string;
  declared: boolean;
  exists: boolean;
  cron?: string[];
  every?: string;
  playbook?: string;
  resource?: string;
  paused?: boolean;
  nextRuns: string[];
  recentRuns: { workflowId: string; at: string }[];
}

export interface BudgetUsage {
  used: number;
  max: number;
  window: string;
  windowSeconds: number;
  refused: number;
}

export interface DecisionReply {
  approvalId: string;
  votes: number;
  quorum: number;
  settled: boolean;
}

/** The error body of every 4xx/5xx. */
export interface ErrorBody {
  error: string;
  message: string;
  details?: unknown;
}
