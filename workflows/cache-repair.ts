// cache-repair playbook (seed 001 scenario 5, cache corruption; seed 002 "member removed but
// cache not yet updated"): refresh one cache key or a pattern of keys from the authoritative
// store with the resync's compare-and-repair, verify, and stop caching a key that stays wrong.
// Keys of a family Rebound cannot rebuild are left alone and the run escalates.
import { workflowInfo } from '@temporalio/workflow';
import type { CacheRepairActivities } from '../activities/entitlements/cache-repair-activities';
import { parseDuration } from '../shared/duration';
import { type PlaybookInput } from '../shared/playbook-input';
import { type CacheRepairParams } from '../shared/playbooks/entitlement-resync';
import { type PlaybookResult } from '../shared/workflow-interface';
import { activitiesOn } from './lib/activity-presets';
import { PlaybookRun } from './lib/playbook-run';
import { enforcedInput } from './lib/policy-check';

export async function cacheRepairWorkflow(input: PlaybookInput<CacheRepairParams>): Promise<PlaybookResult> {
  const run = new PlaybookRun('cache-repair', input.context);
  // The policy file's settings, not the starter's: a loosened input is refused here.
  input = await enforcedInput(run, 'cache-repair', input);
  const { key, maxKeys, verifySample, doNotCacheFor } = input.params;
  const acts = activitiesOn<CacheRepairActivities>('redis', 'long');
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

  const repaired = await run.step('repair', () => acts.repairCacheKeys({ runKey, key, maxKeys }), {
    mutating: true,
    summarize: (o) => `${o.repaired.length} of ${o.keys.length} key(s) repaired`,
  });
  run.setProgress({ counts: repaired.counts, unsupported: repaired.unsupported });
  const verify = await run.step(
    'verify',
    () =>
      acts.verifyCacheKeys({
        runKey,
        keys: repaired.repaired,
        sample: verifySample,
        doNotCacheForMs: parseDuration(doNotCacheFor),
      }),
    { mutating: true, summarize: (v) => `${v.checked} checked, ${v.stillWrong.length} still wrong` },
  );
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
