// The workflow sink that audits refused `approve`/`reject` updates. A validator's refusal leaves
// no trace in the workflow history (that is what validators are for), so the workflow reports it
// through this sink and the worker writes the audit row (workers/decision-audit-sink.ts). Sinks
// are not called during replay.
import { type Sink, type Sinks } from '@temporalio/workflow';

export interface RefusedDecisionEntry {
  approvalId: string;
  principal: string;
  decision: string;
  issuedAt: string;
  /** The ApplicationFailure type of the refusal (shared/errors.ts). */
  type: string;
  reason: string;
  message: string;
  via: 'update' | 'signal';
}

export interface DecisionAuditSinks extends Sinks {
  decisionAudit: Sink & { refused(entry: RefusedDecisionEntry): void };
}
