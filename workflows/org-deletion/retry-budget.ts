// How many attempts the saga's reads and forward steps get. They had small exact counts (3 for an
// inspection, 6 for a step past the point of no return), which a PostgreSQL restart of 15 s
// outlasted: the chaos matrix's PostgreSQL cell found the run compensated, having failed its
// re-inspection before the purge (issue 14: "PostgreSQL, Redis and Kafka each stopped for 30 s:
// completes"). Runs started since this patch use the default step budget (5 attempts and at least
// DEFAULT_RETRY_WINDOW_MS of retrying); runs recorded before it replay their exact counts.
import { patched } from '@temporalio/workflow';

/** The `patched()` id under which the saga's steps use the default retry window. */
export const ORG_DELETION_RETRY_WINDOW_PATCH = 'org-deletion-retry-window';

/**
 * The maxAttempts to give a step: undefined (the default budget with its retry window) in runs
 * that recorded the patch, else the exact count the step had before it. Deterministic: patched()
 * answers the same for the whole run once asked.
 */
export function stepAttempts(before: number): number | undefined {
  return patched(ORG_DELETION_RETRY_WINDOW_PATCH) ? undefined : before;
}
