// Reads why an approval decision was refused out of the Temporal client's error: the workflow's
// validator throws an ApplicationFailure whose `type` (shared/errors.ts) and details
// ({reason, currentGate}) travel as the WorkflowUpdateFailedError's cause. No message parsing.
import { ApplicationFailure, WorkflowUpdateFailedError } from '@temporalio/client';
import { type PendingApproval } from '../shared/workflow-interface';

export interface Refusal {
  /** The failure type, e.g. SelfApproval, ApprovalNotPending. */
  type: string;
  /** The validator's short reason, e.g. other-run, retired-key. */
  reason: string;
  message: string;
  currentGate?: PendingApproval;
}

export function decisionRefusal(err: unknown): Refusal | undefined {
  const cause = err instanceof WorkflowUpdateFailedError ? err.cause : undefined;
  if (!(cause instanceof ApplicationFailure) || !cause.type) return undefined;
  const detail = (cause.details?.[0] ?? {}) as { reason?: string; currentGate?: PendingApproval | null };
  return {
    type: cause.type,
    reason: detail.reason ?? cause.type,
    message: cause.message,
    currentGate: detail.currentGate ?? undefined,
  };
}
