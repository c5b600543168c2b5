// cache-repair playbook (seed 001 scenario 5, cache corruption; seed 002 "member removed but
// cache not yet updated"): refresh one cache key or a pattern of keys from the authoritative
// store with the resync's compare-and-repair, verify, and stop caching a key that stays wrong.
// Keys of a family Rebound cannot rebuild are left alone and the run escalates. While the billing
// database is unavailable the cache is left as it is and the run waits (breaker-wait.ts).
import { patched, workflowInfo } from '@temporalio/workflow';
import type { CacheRepairActivities } from '../activities/entitlements/cache-repair-activities';
import type { EntitlementResyncActivities } from '../activities/entitlements/resync-activities';
import { parseDuration } from '../shared/duration';
import { type PlaybookInput } from '../shared/playbook-input';
import { DEFAULT_MAX_DEGRADED, type CacheRepairParams } from '../shared/playbooks/entitlement-resync';
import { type PlaybookResult } from '../shared/workflow-interface';
import { activitiesOn } from './lib/activity-presets';
import { breakerWaitingSteps } from './lib/breaker-wait';
import { PlaybookRun } from './lib/playbook-run';
import { enforcedInput } from './lib/policy-check';

export async function cacheRepairWorkflow(input: PlaybookInput<CacheRepairParams>): Promise<PlaybookResult> {
  const run = new PlaybookRun('cache-repair', input.context);
  // The policy file's settings, not the starter's: a loosened input is refused here.
  input = await enforcedInput(run, 'cache-repair', input);
  const { key, maxKeys, verifySample, doNotCacheFor } = input.params;
  // Inputs recorded before the parameter existed have none: the schema's default then.
  const maxDegraded = (input.params as Partial<CacheRepairParams>).maxDegraded ?? DEFAULT_MAX_DEGRADED;
  const acts = activitiesOn<CacheRepairActivities>('redis', 'long');
  const quick = activitiesOn<EntitlementResyncActivities>('redis', 'quick');
  const runKey = workflowInfo().workflowId;

  if (run.dryRun) {
    const plan = await run.step('compare', () => acts.planCacheRepair({ key, maxKeys }), {
      summarize: (o) => `${o.keys.length} key(s), ${o.repaired.length} to repair`,
    });
    for (const k of plan.repaired) {
      run.plan({ step: `repair:${k}`, action: `rebuild ${k} from the database`, destructive: true });
    }
    run.setProgress({ counts: plan.counts, unsupported: plan.unsupported });
    return run.close({
      outcome: 'recovered',
      summary: `dry run: ${plan.repaired.length} of ${plan.keys.length} key(s) would be repaired`,
      details: { plan: run.status.plan, counts: plan.counts, unsupported: plan.unsupported },
    });
  }

  // A billing database that is down (or the shared breaker open) used to fail the run at once
  // (the breaker's CircuitOpen is not retryable): now the cache is left as it is and the run waits
  // and tries again like the resync, escalating after maxDegraded (issue 14, the chaos matrix's
  // PostgreSQL outage cell). Histories recorded before keep their one 'repair' and 'verify' step.
  const waits = patched('cache-repair-waits-degraded');
  const steps = breakerWaitingSteps({
    run,
    maxDegradedMs: parseDuration(maxDegraded),
    readBreaker: () => quick.billingBreakerState(),
    onDegraded: (breaker, degraded) =>
      run.setProgress({
        breaker,
        degraded: {
          since: new Date(degraded.since).toISOString(),
          reason: degraded.reason,
          cache: 'left as it was',
        },
      }),
  });
  async function phase<T>(
    label: string,
    call: () => Promise<T>,
    summarize: (r: T) => string,
  ): Promise<T | 'escalate'> {
    if (!waits) return run.step(label, call, { mutating: true, summarize });
    return steps.attempt(label, call, { summarize });
  }
  const escalate = async () => {
    await run.notify(
      'billing-db-unavailable',
      'critical',
      `cache-repair ${key}: billing database unavailable for ${maxDegraded}; cache left as it was`,
    );
    return run.close({
      outcome: 'escalated',
      summary: `billing database unavailable for more than ${maxDegraded}: cache left as it was`,
      details: {},
    });
  };

  const repaired = await phase(
    'repair',
    () => acts.repairCacheKeys({ runKey, key, maxKeys }),
    (o) => `${o.repaired.length} of ${o.keys.length} key(s) repaired`,
  );
  if (repaired === 'escalate') return escalate();
  run.setProgress({ counts: repaired.counts, unsupported: repaired.unsupported });
  const verify = await phase(
    'verify',
    () =>
      acts.verifyCacheKeys({
        runKey,
        keys: repaired.repaired,
        sample: verifySample,
        doNotCacheForMs: parseDuration(doNotCacheFor),
      }),
    (v) => `${v.checked} checked, ${v.stillWrong.length} still wrong`,
  );
  if (verify === 'escalate') return escalate();
  const counts = { ...repaired.counts, doNotCache: repaired.counts.doNotCache + verify.stillWrong.length };
  run.setProgress({ counts, unsupported: repaired.unsupported, verify });
  if (repaired.unsupported.length > 0) {
    await run.notify(
      'unsupported-keys',
      'warning',
      `cache-repair ${key}: cannot rebuild ${repaired.unsupported.length} key(s)`,
    );
    return run.close({
      outcome: 'escalated',
      summary: `${repaired.repaired.length} key(s) repaired; ${repaired.unsupported.length} key(s) of an unknown cache family need a human`,
      details: { counts, unsupported: repaired.unsupported.slice(0, 100), verify },
    });
  }
  return run.close({
    outcome: 'recovered',
    summary: `${repaired.repaired.length} of ${repaired.keys.length} key(s) repaired; ${verify.stillWrong.length} put on the do-not-cache list`,
    details: { counts, repaired: repaired.repaired.slice(0, 100), verify },
  });
}
