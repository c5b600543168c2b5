// Classifying failures inside workflow code: what the step runner may retry, and how an error is
// described in the status (message and type, never a stack).
import { ActivityFailure, ApplicationFailure, CancelledFailure, isCancellation } from '@temporalio/workflow';
import { NON_RETRYABLE_ERROR_TYPES } from '../../shared/errors';

export function rootCause(err: unknown): unknown {
  return err instanceof ActivityFailure && err.cause ? err.cause : err;
}

export function isRetryable(err: unknown): boolean {
  if (isCancellation(err) || err instanceof CancelledFailure) return false;
  const cause = rootCause(err);
  if (cause instanceof ApplicationFailure) {
    return !cause.nonRetryable && !NON_RETRYABLE_ERROR_TYPES.includes(cause.type ?? '');
  }
  return true;
}

export function describeError(err: unknown): string {
  const cause = rootCause(err);
  if (cause instanceof ApplicationFailure) return `${cause.type ?? 'Error'}: ${cause.message}`;
  if (cause instanceof Error) return `${cause.name}: ${cause.message}`;
  return String(cause);
}

export function errorType(err: unknown): string | undefined {
  const cause = rootCause(err);
  return cause instanceof ApplicationFailure ? (cause.type ?? undefined) : undefined;
}
