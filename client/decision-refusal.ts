// Reads the reason an approval decision was refused out of the client's error. The workflow's
// validator throws `<code>: <message>` (workflows/lib/approvals.ts REFUSAL codes); the client
// wraps it in WorkflowUpdateFailedError with the validator's failure as the cause.
import { WorkflowUpdateFailedError } from '@temporalio/client';

export interface Refusal {
  code: string;
  message: string;
}

const CODE = /^(not-pending|bad-signature|forbidden|initiator|duplicate-vote|invalid-choice): /;

export function decisionRefusal(err: unknown): Refusal | undefined {
  const cause = err instanceof WorkflowUpdateFailedError ? err.cause : undefined;
  const message = cause instanceof Error ? cause.message : undefined;
  const m = message ? CODE.exec(message) : null;
  return m && message ? { code: m[1], message } : undefined;
}
