// Human approval gates. A playbook asks `requestApproval`; operators answer through the `approve`
// / `reject` updates (validated: signed by the API, allowed principal or role, not the initiator,
// one vote per principal, a valid choice) or the `decision` signal, which is verified the same
// way and whose refusals are recorded and audited instead of thrown back.
import { condition, setHandler, workflowInfo } from '@temporalio/workflow';
import { parseDuration } from '../../shared/duration';
import { constantTimeEqual, hmacSha256Hex } from '../../shared/hmac-sha256';
import { type ApprovalPolicy } from '../../shared/playbook';
import {
  approveUpdate,
  decisionSignal,
  decisionSigningPayload,
  rejectUpdate,
  type DecisionKind,
  type DecisionRecord,
  type DecisionReply,
  type PendingApproval,
  type SignedDecision,
  type Vote,
} from '../../shared/workflow-interface';
import { decisionKey } from './decision-key';

/** Prefixes of validator messages; the API maps them to HTTP statuses (409 for not-pending). */
export const REFUSAL = {
  notPending: 'not-pending',
  badSignature: 'bad-signature',
  forbidden: 'forbidden',
  initiator: 'initiator',
  duplicate: 'duplicate-vote',
  badChoice: 'invalid-choice',
} as const;

export class DecisionRefusal extends Error {
  constructor(
    readonly code: (typeof REFUSAL)[keyof typeof REFUSAL],
    message: string,
  ) {
    super(`${code}: ${message}`);
    this.name = 'DecisionRefusal';
  }
}

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
  onRefused: (decision: SignedDecision, refusal: DecisionRefusal) => Promise<void>;
  onTimeout: (pending: PendingApproval) => Promise<void>;
}

export class ApprovalGate {
  pending: PendingApproval | undefined;
  readonly decisions: DecisionRecord[] = [];
  private sequence = 0;
  private settled: ApprovalOutcome | undefined;

  constructor(private readonly hooks: ApprovalHooks) {
    setHandler(approveUpdate, (d) => this.apply(d), {
      validator: (d: SignedDecision) => this.validate(d, 'approve'),
    });
    setHandler(rejectUpdate, (d) => this.apply(d), {
      validator: (d: SignedDecision) => this.validate(d, 'reject'),
    });
    setHandler(decisionSignal, async (d) => {
      try {
        this.validate(d, d.decision);
      } catch (err) {
        if (err instanceof DecisionRefusal) return this.hooks.onRefused(d, err);
        throw err;
      }
      await this.apply(d);
    });
  }

  async request(req: ApprovalRequest): Promise<ApprovalOutcome> {
    this.sequence += 1;
    const timeoutMs = parseDuration(req.timeout ?? req.policy.timeout);
    const now = Date.parse(this.hooks.nowIso());
    this.pending = {
      id: `${req.step}#${this.sequence}`,
      step: req.step,
      question: req.question,
      choices: req.choices ?? [],
      allowedPrincipals: req.policy.allowedPrincipals,
      allowedRoles: req.policy.allowedRoles,
      quorum: req.policy.quorum,
      votes: [],
      deadline: new Date(now + timeoutMs).toISOString(),
      onTimeout: req.onTimeout,
    };
    this.settled = undefined;
    await this.hooks.onRequested(this.pending);
    const decided = await condition(() => this.settled !== undefined, timeoutMs);
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

  /** Throws DecisionRefusal; must not change state (Temporal runs validators outside history). */
  validate(d: SignedDecision, kind: DecisionKind): void {
    const p = this.pending;
    if (!p || this.settled) throw new DecisionRefusal(REFUSAL.notPending, 'no approval is pending');
    if (d.approvalId !== p.id)
      throw new DecisionRefusal(REFUSAL.notPending, `approval ${d.approvalId} is not pending`);
    const { signature, ...unsigned } = d;
    const key = decisionKey();
    const expected = key ? hmacSha256Hex(key, decisionSigningPayload(unsigned)) : '';
    if (
      !key ||
      typeof signature !== 'string' ||
      !constantTimeEqual(signature, expected) ||
      d.workflowId !== workflowInfo().workflowId ||
      d.decision !== kind
    ) {
      throw new DecisionRefusal(REFUSAL.badSignature, 'decision is not signed by the Rebound API');
    }
    if (d.principal === this.hooks.initiator()) {
      throw new DecisionRefusal(
        REFUSAL.initiator,
        `${d.principal} started this recovery and cannot approve it`,
      );
    }
    const byName = p.allowedPrincipals.includes(d.principal);
    const byRole = d.roles.some((r) => p.allowedRoles.includes(r));
    if (!byName && !byRole)
      throw new DecisionRefusal(REFUSAL.forbidden, `${d.principal} may not decide ${p.step}`);
    if (p.votes.some((v) => v.principal === d.principal)) {
      throw new DecisionRefusal(REFUSAL.duplicate, `${d.principal} already voted on ${p.id}`);
    }
    if (kind === 'approve' && p.choices.length > 0 && !p.choices.includes(d.choice ?? '')) {
      throw new DecisionRefusal(REFUSAL.badChoice, `choice must be one of ${p.choices.join(', ')}`);
    }
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
