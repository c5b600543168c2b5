// The orphan check: removes every row and cache key that still references an org that no longer
// exists, then looks again, until a pass finds nothing. Dependent services may still be writing
// for the org (events in flight when it was deleted), so one clean pass after a short pause is
// what "verified" means; rows that keep appearing are a human's problem, not a loop's.
import { ApplicationFailure, sleep } from '@temporalio/workflow';
import { ErrorTypes } from '../../shared/errors';
import { type OrgDeletionActivities } from './activity-proxies';

export interface OrphanRemoval {
  passes: number;
  removed: Record<string, number>;
  total: number;
}

const MAX_PASSES = 5;
const PAUSE_MS = 1_000;

export async function removeOrphansUntilClean(
  acts: OrgDeletionActivities,
  orgId: string,
  step: string,
): Promise<OrphanRemoval> {
  const removed: Record<string, number> = {};
  let total = 0;
  for (let pass = 1; pass <= MAX_PASSES; pass++) {
    const rows = await acts.pg.removeOrphanRows({ orgId, step });
    const caches = await acts.cache.invalidateOrgCaches({ orgId, step: `${step}:caches` });
    for (const [table, n] of Object.entries(rows.removed)) removed[table] = (removed[table] ?? 0) + n;
    if (caches.deleted > 0) removed['redis:cache-keys'] = (removed['redis:cache-keys'] ?? 0) + caches.deleted;
    total += rows.total + caches.deleted;
    if (rows.total === 0 && caches.deleted === 0) return { passes: pass, removed, total };
    await sleep(PAUSE_MS);
  }
  throw ApplicationFailure.nonRetryable(
    `rows for org ${orgId} kept appearing after ${MAX_PASSES} passes (removed ${total}): a service is still writing for it`,
    ErrorTypes.NeedsHuman,
  );
}

export function describeRemoval(r: OrphanRemoval): string {
  if (r.total === 0) return `clean after ${r.passes} pass(es)`;
  const parts = Object.entries(r.removed).map(([t, n]) => `${t} ${n}`);
  return `removed ${r.total} orphan(s) (${parts.join(', ')}); clean after ${r.passes} passes`;
}
