// The org deletion saga's Redis steps: invalidating the membership and entitlement caches (access
// checks fail closed on a miss, so this revokes access at once), rebuilding them from the database
// as a compensation, and finding or removing leftover keys. Errors propagate: a step that cannot
// confirm the invalidation fails and is retried rather than assumed done.
import { type Redis } from 'ioredis';
import { type Pool } from 'pg';
import { fillOrgCaches, invalidateOrgCaches, listOrgCacheKeys } from '../../platform/caches/org-caches';
import { faultInjectorFromEnv, type FaultInjector } from './fault-injection';
import { type OrgStep } from './org-deletion-postgres';

export function createOrgCacheActivities(deps: { platformPool: Pool; redis: Redis; faults?: FaultInjector }) {
  const faults = deps.faults ?? faultInjectorFromEnv(deps.redis);
  return {
    invalidateOrgCaches: ({ orgId, step }: OrgStep) =>
      faults.around(step, async () => {
        const deleted = await invalidateOrgCaches(deps.redis, orgId);
        const left = await listOrgCacheKeys(deps.redis, orgId);
        if (left.length > 0)
          throw new Error(`cache keys still present after invalidation: ${left.join(', ')}`);
        return { deleted };
      }),

    /** Compensation: the caches as the (restored) database says, replacing anything cached. */
    rebuildOrgCaches: ({ orgId, step }: OrgStep) =>
      faults.around(step, async () => ({
        keys: await fillOrgCaches(deps.platformPool, deps.redis, orgId),
      })),

    listOrgCacheKeys: ({ orgId }: { orgId: string }) => listOrgCacheKeys(deps.redis, orgId),
  };
}

export type OrgCacheActivities = ReturnType<typeof createOrgCacheActivities>;
