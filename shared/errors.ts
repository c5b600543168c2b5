// Every business failure type Rebound raises, in one place. Activities throw
// ApplicationFailure.nonRetryable(message, <type>) with these; workflows and retry policies list
// them as non-retryable. Anything else (network errors, timeouts) is transient and retries.
export const ErrorTypes = {
  /** Input that can never succeed (unknown resource, malformed parameters). */
  InvalidInput: 'InvalidInput',
  /** The target is not in a state the step can act on (org already deleted, group not found). */
  PreconditionFailed: 'PreconditionFailed',
  /**
   * A consumer group's offsets cannot move: it has members (Kafka refuses offset commits for an
   * active group). A member that rejoined after the group was seen Empty leaves again once it reads
   * mode `stopped`, so the safe-mode restart waits for Empty and tries again.
   */
  GroupNotEmpty: 'GroupNotEmpty',
  /** A guardrail refused the action (budget exhausted, kill switch, policy). */
  GuardrailRefused: 'GuardrailRefused',
  /** A human rejected the step, or the approval window closed without approval. */
  ApprovalRejected: 'ApprovalRejected',
  /** A decision failed verification (kept for histories recorded before the refusal types below). */
  DecisionRefused: 'DecisionRefused',
  // Approval-decision refusals (workflows/lib/decision-validator.ts); HTTP status per type in
  // client/api/http-errors.ts. Details: [{ reason, approvalId?, currentGate? }].
  /** The named gate is not pending (settled, another gate, nothing pending, incident closed). */
  ApprovalNotPending: 'ApprovalNotPending',
  /** The approver was shown something else than the gate now asks (digest differs). */
  ApprovalDigestMismatch: 'ApprovalDigestMismatch',
  /** Not signed by a key in the keyring, a retired key, or signed for another run/workflow/kind. */
  DecisionSignatureInvalid: 'DecisionSignatureInvalid',
  /** Outside its validity window in workflow time. */
  DecisionExpired: 'DecisionExpired',
  /** The initiator of the recovery tried to approve it (four-eyes rule). */
  SelfApproval: 'SelfApproval',
  /** The principal is neither an allowed approver nor in an allowed role. */
  DecisionForbidden: 'DecisionForbidden',
  /** The principal already voted on this gate. */
  DuplicateVote: 'DuplicateVote',
  /** The choice is not one the gate offers. */
  InvalidChoice: 'InvalidChoice',
  /** A trigger, annotation or schedule tried to loosen a safety setting of the policy file. */
  PolicyViolation: 'PolicyViolation',
  /** Parameters that contradict the resource (org:A with orgId B). */
  ResourceMismatch: 'ResourceMismatch',
  /** The recovery cannot proceed without a human (members never left the group, …). */
  NeedsHuman: 'NeedsHuman',
  /** Injected by tests and chaos runs to force a failure at a named step. */
  InjectedFailure: 'InjectedFailure',
  /** A dependency health check reported the dependency as unhealthy. */
  DependencyUnhealthy: 'DependencyUnhealthy',
  /** A shared circuit breaker in front of a dependency is open: try again after its retry time. */
  CircuitOpen: 'CircuitOpen',
} as const;

export type ErrorType = (typeof ErrorTypes)[keyof typeof ErrorTypes];

export const NON_RETRYABLE_ERROR_TYPES: string[] = Object.values(ErrorTypes);
