// The workflow interface that every playbook and the incident workflow answer: the `status`
// query, the `approve` / `reject` updates, the `decision` signal and the kill-switch signals.
// Defined once here and imported by workflows and clients alike.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { type DecisionKind, type SignedDecision } from './decisions/signed-decision';

export type { DecisionKind, SignedDecision };

export const PHASES = [
  'starting',
  'classifying',
  'planning',
  'running',
  'awaiting-approval',
  'paused',
  'monitoring',
  'compensating',
  'verifying',
  'needs-human',
  'closed',
] as const;
export type Phase = (typeof PHASES)[number];

export const OUTCOMES = [
  'recovered',
  'compensated',
  'escalated',
  'cancelled',
  'failed',
  'resolved-before-action',
] as const;
export type Outcome = (typeof OUTCOMES)[number];

export type StepState = 'running' | 'succeeded' | 'failed' | 'skipped';

export interface StepStatus {
  name: string;
  state: StepState;
  /** Activity attempts the workflow made for this step (each one is a separate history event). */
  attempts: number;
  /** Marks a step that destroys or rewrites data; skipped once the alert resolves, if not yet started. */
  destructive: boolean;
  startedAt: string;
  finishedAt?: string;
  lastError?: string;
  /** A short human summary of what the step did (never secrets). */
  summary?: string;
}

export interface CompensationStatus {
  name: string;
  /**
   * `not-run`: an earlier (later-registered) compensation failed, so the rollback stopped before
   * this one: undoing an earlier step on top of a half-undone later one could leave a state
   * neither before nor after (an org active with no members), and would lose what a person needs
   * to finish the rollback by hand.
   */
  state: 'succeeded' | 'failed' | 'not-run';
  at: string;
  error?: string;
}

export interface Vote {
  principal: string;
  decision: DecisionKind;
  choice?: string;
  comment?: string;
  at: string;
}

export interface PendingApproval {
  id: string;
  step: string;
  question: string;
  /** Choices an approver may pick with `approve` (for example retry-safe-mode); empty means yes/no. */
  choices: string[];
  allowedPrincipals: string[];
  allowedRoles: string[];
  quorum: number;
  votes: Vote[];
  deadline: string;
  /** What happens at the deadline; never a destructive action. */
  onTimeout: string;
  /**
   * sha256 of what the approver is shown (question, choices, plan, dry-run plan, parameters);
   * a decision carries it signed, and one for another digest is refused.
   */
  digest?: string;
  /** What the step will do if approved (the real plan, computed now). */
  plan?: PlannedAction[];
  /** The plan of the dry run that preceded this recovery, shown beside the real one. */
  dryRunPlan?: PlannedAction[];
  /** The parameters the recovery runs with. */
  params?: Record<string, unknown>;
  /** When non-empty, only these principals may decide (a trigger tightened the policy). */
  restrictTo?: string[];
}

export interface DecisionRecord {
  approvalId: string;
  step: string;
  outcome: 'approved' | 'rejected' | 'timed-out';
  choice?: string;
  votes: Vote[];
  at: string;
}

export interface PlaybookResult {
  outcome: Outcome;
  summary: string;
  details?: Record<string, unknown>;
}

export interface PlannedAction {
  step: string;
  action: string;
  destructive: boolean;
  details?: Record<string, unknown>;
}

export interface PlaybookStatus {
  workflowId: string;
  playbook: string;
  resource: string;
  initiator: string;
  dryRun: boolean;
  phase: Phase;
  currentStep?: string;
  paused: boolean;
  alertResolved: boolean;
  steps: StepStatus[];
  pendingApproval?: PendingApproval;
  decisions: DecisionRecord[];
  compensations: CompensationStatus[];
  plan?: PlannedAction[];
  /** Playbook-specific live figures (rows replayed, drift found and fixed, breaker state). */
  progress?: Record<string, unknown>;
  result?: PlaybookResult;
  /** Version of the policy file the safety settings came from. */
  policyVersion?: string;
  /** Version of the kill-switch state this run last applied (stale signals are ignored). */
  controlVersion?: number;
  startedAt: string;
  updatedAt: string;
}

export interface DecisionReply {
  approvalId: string;
  accepted: true;
  votes: number;
  quorum: number;
  settled: boolean;
}

export const statusQuery = defineQuery<PlaybookStatus>('status');
export const approveUpdate = defineUpdate<DecisionReply, [SignedDecision]>('approve');
export const rejectUpdate = defineUpdate<DecisionReply, [SignedDecision]>('reject');
/** Fire-and-forget form of approve/reject (chat buttons, webhooks): verified the same way. */
export const decisionSignal = defineSignal<[SignedDecision]>('decision');
/**
 * Kill switch: hold before the next attempt of every mutating step / continue. `version` is the
 * control state's version (activities/control/control-state.ts): a signal older than the state a
 * run already applied is ignored, so a late pause never undoes a resume.
 */
export const pauseSignal = defineSignal<[{ by: string; reason?: string; version?: number }]>('pause');
export const resumeSignal = defineSignal<[{ by: string; version?: number }]>('resume');
/** The alert behind the incident resolved: skip destructive steps not yet started. */
export const alertResolvedSignal = defineSignal<[{ at: string }]>('alertResolved');

/** An alert of the incident fired again after a resolution: destructive steps run again. */
export const alertFiringSignal = defineSignal<[{ at: string }]>('alertFiring');
