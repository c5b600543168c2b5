// Steps that wait out an unavailable authoritative store instead of failing the run (seed 002,
// workflow service "billing service unavailable": keep the last known good state behind a circuit
// breaker, retry later). Shared by the playbooks that read the billing database through the
// shared breaker (entitlement-resync, cache-repair), so the rule is written once.
import { ApplicationFailure, sleep } from '@temporalio/workflow';
import { ErrorTypes } from '../../shared/errors';
import { type BreakerView } from '../../shared/playbooks/entitlement-resync';
import { describeError, errorType, isRetryable, rootCause } from './errors';
import { type PlaybookRun, type StepOptions } from './playbook-run';

/** What the status shows while a run waits: since when (workflow time, ms since epoch) and why. */
export interface Degraded {
  since: number;
  reason: string;
}

export interface BreakerWaitOptions {
  run: PlaybookRun;
  /** How long (ms) the run may stay degraded before a step gives up and returns 'escalate'. */
  maxDegradedMs: number;
  /** Reads the shared breaker (a quick activity); may fail when Redis, where it lives, is down. */
  readBreaker: () => Promise<BreakerView>;
  /** Called with the breaker's state each time a step fails and the run waits (for the status). */
  onDegraded: (breaker: BreakerView, degraded: Degraded) => void;
}

/** The breaker as the status shows it when its own state cannot be read (Redis unreachable). */
const UNREADABLE_BREAKER: BreakerView = {
  name: 'platform-billing-db', // activities/entitlements/circuit-breaker.ts, BILLING_DB_BREAKER
  state: 'closed',
  consecutiveFailures: 0,
  openedAt: null,
  retryAt: null,
};

/**
 * Steps that, while the store is unreachable or the breaker is open, leave the cache as it is and
 * try again (any other failure, such as bad input, is thrown at once): each attempt is its own step named `label#n` (n counts every attempt of the run), the
 * wait lasts until the breaker's retry time (at least 2 s), and once the run has been degraded for
 * longer than `maxDegradedMs` the step returns 'escalate' instead of trying again. A success ends
 * the degraded period. Deterministic (workflow time and timers only).
 */
export function breakerWaitingSteps(opts: BreakerWaitOptions) {
  let attemptNo = 0;
  let degradedSince: number | undefined;
  return {
    /** Runs `call` as numbered steps until one succeeds; 'escalate' past maxDegradedMs. */
    async attempt<T>(
      label: string,
      call: () => Promise<T>,
      stepOptions: Pick<StepOptions<T>, 'summarize'> = {},
    ): Promise<T | 'escalate'> {
      for (;;) {
        attemptNo += 1;
        try {
          const result = await opts.run.step(`${label}#${attemptNo}`, call, {
            mutating: true,
            maxAttempts: 2,
            initialBackoffMs: 1_000,
            ...stepOptions,
          });
          degradedSince = undefined;
          return result;
        } catch (err) {
          const open = errorType(err) === ErrorTypes.CircuitOpen;
          // Waiting helps only when the store is unavailable: the breaker open, or a transient
          // failure that outlasted the step's attempts. Bad input or a bug is thrown at once.
          if (!open && !isRetryable(err)) throw err;
          const cause = rootCause(err);
          // The breaker lives in Redis: when Redis itself is what is down, its state cannot be read
          // either, and that is one more reason to wait degraded, not to fail the run (found by
          // the chaos command: a 10 s Redis outage failed the whole resync).
          const breaker =
            open && cause instanceof ApplicationFailure && cause.details?.[0]
              ? (cause.details[0] as BreakerView)
              : await opts.readBreaker().catch(() => UNREADABLE_BREAKER);
          degradedSince ??= Date.now();
          opts.onDegraded(breaker, { since: degradedSince, reason: describeError(err) });
          if (Date.now() - degradedSince > opts.maxDegradedMs) return 'escalate';
          const retryAt = breaker.retryAt ? Date.parse(breaker.retryAt) : 0;
          await sleep(Math.max(retryAt - Date.now(), 2_000));
        }
      }
    },
  };
}
