// The rules a decision must pass before it counts as a vote on a gate, as a pure function of the
// gate, the decision, workflow identity and workflow time. Used by the update validators (refusal
// thrown back to the sender) and by the `decision` signal (refusal audited). Each refusal is an
// ApplicationFailure whose `type` (shared/errors.ts) the API maps to an HTTP status.
import { ApplicationFailure } from '@temporalio/workflow';
import {
  DECISION_CLOCK_SKEW_MS,
  DECISION_TTL_MS,
  type DecisionKind,
  type SignatureVerdict,
  type SignedDecision,
} from '../../shared/decisions/signed-decision';
import { ErrorTypes, type ErrorType } from '../../shared/errors';
import { type PendingApproval } from '../../shared/workflow-interface';

export interface Refusal {
  type: ErrorType;
  /** A stable short reason for the audit trail (`other-run`, `retired-key`, …). */
  reason: string;
  message: string;
  /** The gate pending now, when the refusal is about which gate (409 bodies return it). */
  currentGate?: PendingApproval;
}

export interface ValidationContext {
  pending: PendingApproval | undefined;
  workflowId: string;
  runId: string;
  /** Workflow time, ms since the epoch (never wall time: replays must decide alike). */
  nowMs: number;
  initiator: string;
  /**
   * The signature verdict; for the signal path it comes from the verification activity, which
   * also checked workflow and run (`other-workflow` / `other-run`) and whose result is recorded.
   */
  signature: SignatureVerdict | 'other-workflow' | 'other-run';
}

const refuse = (
  type: ErrorType,
  reason: string,
  message: string,
  currentGate?: PendingApproval,
): Refusal => ({
  type,
  reason,
  message,
  currentGate,
});

function wellFormed(d: unknown): d is SignedDecision {
  if (!d || typeof d !== 'object') return false;
  const x = d as Record<string, unknown>;
  const strings = [
    'workflowId',
    'runId',
    'approvalId',
    'digest',
    'decision',
    'principal',
    'issuedAt',
    'expiresAt',
    'keyId',
    'signature',
  ];
  return (
    strings.every((k) => typeof x[k] === 'string') &&
    Array.isArray(x.roles) &&
    x.roles.every((r) => typeof r === 'string') &&
    (x.choice === undefined || typeof x.choice === 'string') &&
    (x.comment === undefined || typeof x.comment === 'string')
  );
}

/** Returns why `d` may not count as a `kind` vote, or undefined when it may. Never throws. */
export function checkDecision(d: unknown, kind: DecisionKind, c: ValidationContext): Refusal | undefined {
  if (!wellFormed(d))
    return refuse(ErrorTypes.DecisionSignatureInvalid, 'malformed', 'not a signed decision');
  const p = c.pending;
  if (!p) return refuse(ErrorTypes.ApprovalNotPending, 'nothing-pending', 'no approval is pending');
  if (d.approvalId !== p.id) {
    return refuse(
      ErrorTypes.ApprovalNotPending,
      'other-gate',
      `approval ${d.approvalId} is not pending (${p.id} is)`,
      p,
    );
  }
  if (c.signature === 'other-workflow' || c.signature === 'other-run') {
    return refuse(
      ErrorTypes.DecisionSignatureInvalid,
      c.signature,
      `decision was issued for another ${c.signature === 'other-run' ? 'run' : 'workflow'}`,
    );
  }
  if (c.signature !== 'valid') {
    return refuse(
      ErrorTypes.DecisionSignatureInvalid,
      c.signature,
      `decision is not signed by a current Rebound API key (${c.signature})`,
    );
  }
  if (d.workflowId !== c.workflowId) {
    return refuse(
      ErrorTypes.DecisionSignatureInvalid,
      'other-workflow',
      `decision was issued for workflow ${d.workflowId}`,
    );
  }
  if (d.runId !== c.runId) {
    return refuse(
      ErrorTypes.DecisionSignatureInvalid,
      'other-run',
      `decision was issued for run ${d.runId}, not this run`,
    );
  }
  if (d.decision !== kind) {
    return refuse(
      ErrorTypes.DecisionSignatureInvalid,
      'other-kind',
      `a signed ${d.decision} sent as ${kind}`,
    );
  }
  const issued = Date.parse(d.issuedAt);
  const expires = Date.parse(d.expiresAt);
  if (
    !Number.isFinite(issued) ||
    !Number.isFinite(expires) ||
    expires - issued > DECISION_TTL_MS ||
    expires < issued
  ) {
    return refuse(ErrorTypes.DecisionExpired, 'bad-window', 'decision validity window is invalid');
  }
  if (issued > c.nowMs + DECISION_CLOCK_SKEW_MS) {
    return refuse(
      ErrorTypes.DecisionExpired,
      'not-yet-valid',
      `decision issued in the future (${d.issuedAt})`,
    );
  }
  if (expires <= c.nowMs)
    return refuse(ErrorTypes.DecisionExpired, 'expired', `decision expired at ${d.expiresAt}`);
  if (p.digest !== undefined && d.digest !== p.digest) {
    return refuse(
      ErrorTypes.ApprovalDigestMismatch,
      'digest-changed',
      `the gate changed since the approver saw it (digest ${d.digest.slice(0, 12)}… vs ${p.digest.slice(0, 12)}…)`,
      p,
    );
  }
  if (d.principal === c.initiator) {
    return refuse(
      ErrorTypes.SelfApproval,
      'initiator',
      `${d.principal} started this recovery and cannot decide it`,
    );
  }
  const byName = p.allowedPrincipals.includes(d.principal);
  const byRole = d.roles.some((r) => p.allowedRoles.includes(r));
  if (!byName && !byRole) {
    return refuse(ErrorTypes.DecisionForbidden, 'not-an-approver', `${d.principal} may not decide ${p.step}`);
  }
  if (p.restrictTo && p.restrictTo.length > 0 && !p.restrictTo.includes(d.principal)) {
    return refuse(
      ErrorTypes.DecisionForbidden,
      'not-named',
      `${p.step} may only be decided by ${p.restrictTo.join(', ')}`,
    );
  }
  if (p.votes.some((v) => v.principal === d.principal)) {
    return refuse(ErrorTypes.DuplicateVote, 'duplicate-vote', `${d.principal} already voted on ${p.id}`);
  }
  // A choice must be one the gate offers, for either kind: a gate that offers none (a plain
  // yes/no) takes no choice at all, and a playbook acting on `outcome.choice` never sees one it
  // did not offer. An approval of a gate with choices must name one.
  const offered = p.choices.length > 0 ? `one of ${p.choices.join(', ')}` : 'absent (none offered)';
  if (d.choice !== undefined && !p.choices.includes(d.choice)) {
    return refuse(
      ErrorTypes.InvalidChoice,
      'invalid-choice',
      `choice ${d.choice} not offered: must be ${offered}`,
    );
  }
  if (kind === 'approve' && p.choices.length > 0 && d.choice === undefined) {
    return refuse(ErrorTypes.InvalidChoice, 'invalid-choice', `choice must be ${offered}`);
  }
  return undefined;
}

/** The refusal as the failure a validator throws (type and details travel to the client). */
export function refusalFailure(r: Refusal): ApplicationFailure {
  return ApplicationFailure.create({
    type: r.type,
    message: r.message,
    nonRetryable: true,
    details: [{ reason: r.reason, currentGate: r.currentGate ?? null }],
  });
}
