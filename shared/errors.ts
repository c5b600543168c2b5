// Every business failure type Rebound raises, in one place. Activities throw
// ApplicationFailure.nonRetryable(message, <type>) with these; workflows and retry policies list
// them as non-retryable. Anything else (network errors, timeouts) is transient and retries.
export const ErrorTypes = {
  /** Input that can never succeed (unknown resource, malformed parameters). */
  InvalidInput: 'InvalidInput',
  /** The target is not in a state the step can act on (org already deleted, group not found). */
  PreconditionFailed: 'PreconditionFailed',
  /** A guardrail refused the action (budget exhausted, kill switch, policy). */
  GuardrailRefused: 'GuardrailRefused',
  /** A human rejected the step, or the approval window closed without approval. */
  ApprovalRejected: 'ApprovalRejected',
  /** A decision failed verification (unsigned, forged, not allowed, duplicate vote). */
  DecisionRefused: 'DecisionRefused',
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
