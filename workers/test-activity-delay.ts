// Test-only: a worker whose every activity waits a moment before it runs. The chaos command's
// SIGKILL cases use it so that "kill after step N" lands between step N and step N+1 even when
// the rest of the run takes milliseconds (polling the run's status, the kill used to arrive after
// the run had closed: org-deletion's step 15 of 17, partition-merge's step 42 of 48). Inert
// unless the worker was started with REBOUND_FAULT_INJECTION=enabled-for-tests, like the saga's
// fault injection (activities/org/fault-injection.ts); never set by `stack up`.
import { type ActivityInterceptorsFactory } from '@temporalio/worker';
import { FAULT_INJECTION_ENABLED, FAULT_INJECTION_ENV } from '../activities/org/fault-injection';

export const ACTIVITY_DELAY_ENV = 'REBOUND_TEST_ACTIVITY_DELAY_MS';
/** Upper bound of the delay (ms): well under every activity's heartbeat and start-to-close timeout. */
export const MAX_ACTIVITY_DELAY_MS = 2_000;

/**
 * The delay (ms) this worker holds each activity before running it: 0 unless fault injection is
 * enabled and REBOUND_TEST_ACTIVITY_DELAY_MS is set. Throws on a value that is not an integer
 * from 0 to MAX_ACTIVITY_DELAY_MS (a typo must not pass as no delay).
 */
export function activityDelayFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[ACTIVITY_DELAY_ENV];
  if (env[FAULT_INJECTION_ENV] !== FAULT_INJECTION_ENABLED || raw === undefined || raw === '') return 0;
  const ms = Number(raw);
  if (!Number.isInteger(ms) || ms < 0 || ms > MAX_ACTIVITY_DELAY_MS) {
    throw new Error(
      `${ACTIVITY_DELAY_ENV} must be an integer from 0 to ${MAX_ACTIVITY_DELAY_MS} (ms), not "${raw}"`,
    );
  }
  return ms;
}

/** Activity interceptors that wait `ms` before each activity runs (none for 0). */
export function activityDelayInterceptors(ms: number): ActivityInterceptorsFactory[] {
  if (ms <= 0) return [];
  return [
    () => ({
      inbound: {
        execute: async (input, next) => {
          await new Promise((resolve) => setTimeout(resolve, ms));
          return next(input);
        },
      },
    }),
  ];
}
