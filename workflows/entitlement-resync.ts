// entitlement-resync playbook (seed 002: "entitlement update event lost", "entitlement data
// stale", "billing service unavailable", "member removed but cache not yet updated"): pages through
// every org, compares both caches with the billing and organization tables and repairs them,
// removes caches of orgs that no longer exist, verifies a sample and lists keys that stay wrong as
// "do not cache". While the shared breaker in front of the billing database is open the cache is
// left as it is (last known good), the status says so, and the run waits and tries again; past
// `maxDegraded` it escalates. Drift found and fixed, per kind, is in the status and the report.
import { workflowInfo } from '@temporalio/workflow';
import type { EntitlementResyncActivities } from '../activities/entitlements/resync-activities';
import { parseDuration } from '../shared/duration';
import { type PlaybookInput } from '../shared/playbook-input';
import {
  type BreakerView,
  type EntitlementResyncParams,
  type ResyncProgress,
} from '../shared/playbooks/entitlement-resync';
import { type PlaybookResult } from '../shared/workflow-interface';
import { activitiesOn } from './lib/activity-presets';
import { breakerWaitingSteps, type Degraded } from './lib/breaker-wait';
import { PlaybookRun } from './lib/playbook-run';
import { enforcedInput } from './lib/policy-check';

/** Seconds of paging per activity call: the status's counts are at most this old. */
const ROUND_SECONDS = 10;

export async function entitlementResyncWorkflow(
  input: PlaybookInput<EntitlementResyncParams>,
): Promise<PlaybookResult> {
  const run = new PlaybookRun('entitlement-resync', input.context);
  // The policy file's settings, not the starter's: a loosened input is refused here.
  input = await enforcedInput(run, 'entitlement-resync', input);
  const p = input.params;
  const quick = activitiesOn<EntitlementResyncActivities>('redis', 'quick');
  const long = activitiesOn<EntitlementResyncActivities>('redis', 'long');
  const runKey = workflowInfo().workflowId;

  if (run.dryRun) {
    const plan = await run.step('compare', () => long.planEntitlementResync({ pageSize: p.pageSize }), {
      summarize: (r) => `${r.counts.orgs} org(s) compared`,
    });
    const c = plan.counts;
    const actions: [string, number, string, boolean][] = [
      ['repair-drifted', c.drifted, 'rewrite drifted entitlement caches from the database (with TTL)', false],
      ['fill-missing', c.missing, 'write missing entitlement caches (with TTL)', false],
      ['delete-extra', c.extra, 'delete entitlement caches of orgs without entitlements', true],
      ['set-ttl', c.noTtl, 'give entitlement caches without a TTL their TTL', false],
      ['invalidate-removed-members', c.removedMembers, 'remove removed members from membership caches', true],
      ['repair-memberships', c.membershipsDrifted, 'rewrite drifted membership caches', false],
      ['emit-events', c.events, 'publish EntitlementsResynced through the outbox', false],
    ];
    for (const [step, n, action, destructive] of actions) {
      if (n > 0)
        run.plan({ step, action: `${action}: ${n}`, destructive, details: { examples: plan.examples } });
    }
    run.setProgress({ counts: c });
    return run.close({
      outcome: 'recovered',
      summary: `dry run: ${c.orgs} org(s) compared, ${c.drifted + c.missing + c.extra + c.noTtl} entitlement cache(s) would be repaired`,
      details: {
        plan: run.status.plan,
        counts: c,
        note: 'orphan caches of orgs with no row are found by the real run',
      },
    });
  }

  let state: ResyncProgress | undefined;
  const show = (breaker: BreakerView, degraded?: Degraded) =>
    run.setProgress({
      cursor: state?.cursor ?? null,
      pages: state?.pages ?? 0,
      counts: state?.counts,
      breaker,
      degraded: degraded
        ? {
            since: new Date(degraded.since).toISOString(),
            reason: degraded.reason,
            cache: 'kept as last known good',
          }
        : undefined,
    });

  // Each phase runs as numbered steps until one succeeds. While the database is unreachable or the
  // breaker is open, the cache stays as it is; the run waits for the breaker's retry time and
  // tries again, and escalates once it has been degraded for longer than maxDegraded.
  const steps = breakerWaitingSteps({
    run,
    maxDegradedMs: parseDuration(p.maxDegraded),
    readBreaker: () => quick.billingBreakerState(),
    onDegraded: show,
  });
  const resilient = <T>(label: string, call: () => Promise<T>) => steps.attempt(label, call);
  const escalate = async () => {
    await run.notify(
      'billing-db-unavailable',
      'critical',
      `entitlement resync: billing database unavailable for ${p.maxDegraded}; cache kept as last known good`,
    );
    return run.close({
      outcome: 'escalated',
      summary: `billing database unavailable for more than ${p.maxDegraded}: cache kept as last known good`,
      details: { progress: state },
    });
  };

  while (!state?.done) {
    const r = await resilient('resync', () =>
      long.resyncEntitlementPages({
        runKey,
        pageSize: p.pageSize,
        pagePauseMs: p.pagePauseMs,
        maxSeconds: ROUND_SECONDS,
      }),
    );
    if (r === 'escalate') return escalate();
    state = r;
    show(state.breaker);
  }
  const swept = await resilient('sweep-orphan-caches', () => long.sweepOrphanCaches({ runKey }));
  if (swept === 'escalate') return escalate();
  const verify = await resilient('verify-sample', () =>
    long.verifyRepairedSample({
      runKey,
      sample: p.verifySample,
      doNotCacheForMs: parseDuration(p.doNotCacheFor),
    }),
  );
  if (verify === 'escalate') return escalate();
  state = await run.step('read-counts', () => quick.resyncProgress({ runKey }), { maxAttempts: 5 });
  show(state.breaker);
  const c = state.counts;
  const fixed = c.drifted + c.missing + c.extra + c.noTtl + c.membershipsDrifted;
  return run.close({
    outcome: 'recovered',
    summary: `${c.orgs} org(s) compared in ${state.pages} page(s); fixed ${c.drifted} drifted, ${c.missing} missing, ${c.extra} extra, ${c.noTtl} without TTL, ${c.removedMembers} removed member(s) invalidated, ${c.membershipsDrifted} membership cache(s); ${c.events} event(s); ${verify.stillWrong.length} key(s) put on the do-not-cache list`,
    details: { counts: c, fixed, pages: state.pages, verify },
  });
}
