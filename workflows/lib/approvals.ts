// Human approval gates. A playbook asks `requestApproval`; operators answer through the `approve`
// / `reject` updates or the `decision` signal. Every decision passes checkDecision
// (decision-validator.ts): signed by a current API key for this workflow, run and gate, within its
// validity window in workflow time, for the digest of what the gate shows now, by an allowed
// principal who is not the initiator and has not voted yet.
//   Updates: checked in the validator (refusals thrown back, audited through the sink); an
//   accepted update is recorded in the history, and replays do not run validators.
//   Signals: the signature is verified by an activity on the workers (which hold the same public
//   keyring), so the verdict is recorded in the history and a replay never verifies again (keys
//   may have rotated since); refusals are audited.
import {
  CancellationScope,
  condition,
  isCancellation,
  patched,
  proxySinks,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type {
  DecisionVerdict,
  DecisionVerificationActivities,
} from '../../activities/control/decision-verification';
import { type DecisionAuditSinks } from '../../shared/decisions/audit-sink';
import { approvalDigest, verifyDecisionSignature } from '../../shared/decisions/signed-decision';
import { parseDuration } from '../../shared/duration';
import { ErrorTypes } from '../../shared/errors';
import { type ApprovalPolicy } from '../../shared/playbook';
import {
  approveUpdate,
  decisionSignal,
  rejectUpdate,
  type DecisionKind,
  type DecisionRecord,
  type DecisionReply,
  type PendingApproval,
  type PlannedAction,
  type SignedDecision,
  type Vote,
} from '../../shared/workflow-interface';
import { activitiesOn } from './activity-presets';
import { bundledKeyring } from './decision-key';
import { checkDecision, refusalFailure, type Refusal } from './decision-validator';

/** The `patched()` id of the decision signal that runs outside cancellation (issue 9, F2b). */
export const DECISION_SIGNAL_OUTSIDE_CANCELLATION = 'decision-signal-outside-cancellation';

export interface ApprovalRequest {
  step: string;
  question: string;
  /** Options an approver picks with `approve`; empty for a plain yes/no. */
  choices?: string[];
  policy: ApprovalPolicy;
  /** The safe default taken at the deadline, described for humans; never destructive. */
  onTimeout: string;
  /** Overrides the policy's timeout for this gate. */
  timeout?: string;
  /** What the step does if approved; part of the digest the approver signs. */
  plan?: PlannedAction[];
  /** The preceding dry run's plan, shown beside the real one. */
  dryRunPlan?: PlannedAction[];
  /** The parameters the recovery runs with. */
  params?: Record<string, unknown>;
}

export interface ApprovalOutcome {
  outcome: 'approved' | 'rejected' | 'timed-out';
  choice?: string;
  votes: Vote[];
}

export interface ApprovalHooks {
  initiator: () => string;
  nowIso: () => string;
  onRequested: (pending: PendingApproval) => Promise<void>;
  onSettled: (record: DecisionRecord) => Promise<void>;
  onRefused: (decision: SignedDecision, refusal: Refusal) => Promise<void>;
  onTimeout: (pending: PendingApproval) => Promise<void>;
  /** The gate was withdrawn because cancellation was requested (no decision will count). */
  onWithdrawn?: () => Promise<void>;
}

const { decisionAudit } = proxySinks<DecisionAuditSinks>();

/** The gate as the approver sees it; its digest is what a decision must carry. */
export function shownOf(p: Omit<PendingApproval, 'digest' | 'votes' | 'deadline'>): unknown {
  return {
    id: p.id,
    step: p.step,
    question: p.question,
    choices: p.choices,
    plan: p.plan ?? null,
    dryRunPlan: p.dryRunPlan ?? null,
    params: p.params ?? null,
    allowedPrincipals: p.allowedPrincipals,
    allowedRoles: p.allowedRoles,
    restrictTo: p.restrictTo ?? [],
    quorum: p.quorum,
    onTimeout: p.onTimeout,
  };
}

export class ApprovalGate {
  pending: PendingApproval | undefined;
  readonly decisions: DecisionRecord[] = [];
  private sequence = 0;
  private settled: ApprovalOutcome | undefined;
  private closedReason: 'cancellation-requested' | 'compensating' | 'closed' | undefined;

  constructor(private readonly hooks: ApprovalHooks) {
    const verifier = activitiesOn<DecisionVerificationActivities>('control', 'bookkeeping');
    setHandler(approveUpdate, (d) => this.apply(d), {
      validator: (d: SignedDecision) => this.validateUpdate(d, 'approve'),
    });
    setHandler(rejectUpdate, (d) => this.apply(d), {
      validator: (d: SignedDecision) => this.validateUpdate(d, 'reject'),
    });
    const onDecisionSignal = async (d: SignedDecision): Promise<void> => {
      // Patched: recorded histories verified in the workflow's root scope, where a cancellation
      // cancels the verification and the audit, and the handler's error then ended the run in
      // the middle of its compensations.
      if (patched(DECISION_SIGNAL_OUTSIDE_CANCELLATION)) {
        await CancellationScope.nonCancellable(() => this.onDecisionSignalSafely(d, verifier));
        return;
      }
      let verdict: DecisionVerdict;
      try {
        verdict = await verifier.verifyDecision(d);
      } catch {
        verdict = 'bad-signature';
      }
      const kind: DecisionKind = d?.decision === 'reject' ? 'reject' : 'approve';
      // Workflow and run were checked by the recorded activity, not again here: a replay must
      // decide exactly as the first execution did.
      const refusal = this.check(d, kind, verdict, { workflowId: d?.workflowId, runId: d?.runId });
      if (refusal) return this.hooks.onRefused(d, refusal);
      await this.apply(d);
    };
    setHandler(decisionSignal, onDecisionSignal);
  }

  /**
   * Refuses every later decision (ApprovalNotPending, audited): cancellation was requested or the
   * saga started compensating, and no decision may change what the compensation does.
   */
  closeForDecisions(reason: 'cancellation-requested' | 'compensating' | 'closed'): void {
    this.closedReason ??= reason;
  }

  // The `decision` signal since DECISION_SIGNAL_OUTSIDE_CANCELLATION: runs outside cancellation
  // (its verification and audit complete even while the run is being cancelled) and never throws,
  // so no signal can end the run; once decisions are closed it is refused without verifying.
  private async onDecisionSignalSafely(
    d: SignedDecision,
    verifier: DecisionVerificationActivities,
  ): Promise<void> {
    try {
      const closed = this.closedRefusal();
      if (closed) {
        await this.hooks.onRefused(d, closed);
        return;
      }
      let verdict: DecisionVerdict;
      try {
        verdict = await verifier.verifyDecision(d);
      } catch {
        verdict = 'bad-signature';
      }
      const kind: DecisionKind = d?.decision === 'reject' ? 'reject' : 'approve';
      // Decisions may have closed while the verification ran.
      const refusal =
        this.closedRefusal() ?? this.check(d, kind, verdict, { workflowId: d?.workflowId, runId: d?.runId });
      if (refusal) return await this.hooks.onRefused(d, refusal);
      await this.apply(d);
    } catch {
      // Only the audit of a refusal can fail here (after its retries): the refusal stands.
    }
  }

  private closedRefusal(): Refusal | undefined {
    const reason = this.closedReason;
    if (!reason) return undefined;
    return {
      type: ErrorTypes.ApprovalNotPending,
      reason,
      message: `no decision is taken any more: ${reason.replace('-', ' ')}`,
    };
  }

  async request(req: ApprovalRequest): Promise<ApprovalOutcome> {
    this.sequence += 1;
    const timeoutMs = parseDuration(req.timeout ?? req.policy.timeout);
    const now = Date.parse(this.hooks.nowIso());
    const gate: Omit<PendingApproval, 'digest' | 'votes' | 'deadline'> = {
      id: `${req.step}#${this.sequence}`,
      step: req.step,
      question: req.question,
      choices: req.choices ?? [],
      allowedPrincipals: req.policy.allowedPrincipals,
      allowedRoles: req.policy.allowedRoles,
      quorum: req.policy.quorum,
      onTimeout: req.onTimeout,
      plan: req.plan,
      dryRunPlan: req.dryRunPlan,
      params: req.params,
      restrictTo: req.policy.restrictTo,
    };
    this.pending = {
      ...gate,
      votes: [],
      deadline: new Date(now + timeoutMs).toISOString(),
      digest: approvalDigest(shownOf(gate)),
    };
    this.settled = undefined;
    await this.hooks.onRequested(this.pending);
    let decided: boolean;
    try {
      decided = await condition(() => this.settled !== undefined, timeoutMs);
    } catch (err) {
      // Cancellation requested while waiting: the gate is withdrawn at once, so while the
      // compensations run nothing shows as pending and every later decision is refused
      // (ApprovalNotPending, a 409). Patched: recorded histories applied such late signals.
      if (isCancellation(err) && patched('approval-withdrawn-on-cancel')) {
        this.pending = undefined;
        this.closeForDecisions('cancellation-requested');
        await this.hooks.onWithdrawn?.();
      }
      throw err;
    }
    const pending = this.pending;
    if (!decided) {
      this.settled = { outcome: 'timed-out', votes: pending.votes };
      await this.hooks.onTimeout(pending);
    }
    const outcome = this.settled!;
    const record: DecisionRecord = {
      approvalId: pending.id,
      step: pending.step,
      outcome: outcome.outcome,
      choice: outcome.choice,
      votes: outcome.votes,
      at: this.hooks.nowIso(),
    };
    this.decisions.push(record);
    this.pending = undefined;
    await this.hooks.onSettled(record);
    return outcome;
  }

  /** The refusal of `d` as a `kind` vote now, or undefined. Pure: validators must not change state. */
  check(
    d: SignedDecision,
    kind: DecisionKind,
    signature: DecisionVerdict,
    identity: { workflowId: string; runId: string } = workflowInfo(),
  ): Refusal | undefined {
    return checkDecision(d, kind, {
      pending: this.settled ? undefined : this.pending,
      workflowId: identity.workflowId,
      runId: identity.runId,
      nowMs: Date.now(),
      initiator: this.hooks.initiator(),
      signature,
    });
  }

  // Runs only when the update is first delivered (never on replay): the signature is verified with
  // the keyring compiled into this bundle.
  private validateUpdate(d: SignedDecision, kind: DecisionKind): void {
    // Validators never run on replay: refusing once decisions closed changes no recorded history.
    const refusal = this.closedRefusal() ?? this.check(d, kind, verifyDecisionSignature(bundledKeyring(), d));
    if (!refusal) return;
    decisionAudit.refused({
      approvalId: String(d?.approvalId ?? ''),
      principal: String(d?.principal ?? ''),
      decision: String(d?.decision ?? kind),
      issuedAt: String(d?.issuedAt ?? ''),
      type: refusal.type,
      reason: refusal.reason,
      message: refusal.message,
      via: 'update',
    });
    throw refusalFailure(refusal);
  }

  // A single rejection settles the gate (a veto); approvals settle once `quorum` principals agree
  // on the same choice.
  private apply(d: SignedDecision): Promise<DecisionReply> {
    const p = this.pending!;
    p.votes.push({
      principal: d.principal,
      decision: d.decision,
      choice: d.choice,
      comment: d.comment,
      at: d.issuedAt,
    });
    if (d.decision === 'reject') {
      this.settled = { outcome: 'rejected', votes: p.votes };
    } else {
      const agreeing = p.votes.filter((v) => v.decision === 'approve' && v.choice === d.choice).length;
      if (agreeing >= p.quorum) this.settled = { outcome: 'approved', choice: d.choice, votes: p.votes };
    }
    const approvals = p.votes.filter((v) => v.decision === 'approve').length;
    return Promise.resolve({
      approvalId: p.id,
      accepted: true,
      votes: approvals,
      quorum: p.quorum,
      settled: this.settled !== undefined,
    });
  }
}
