// cache-repair under chaos: one org of its own whose two caches are wrong (a drifted entitlement,
// a member removed in the database but still cached), repaired through the key pattern of that
// org. Invariant counted in the stores: both caches equal to the rows afterwards, the key not put
// on the do-not-cache list, and one EntitlementsResynced outbox row of this run for the org.
import { doNotCacheKey } from '../../platform/caches/do-not-cache';
import { entitlementCacheKey, membershipCacheKey, orgCachePattern } from '../../platform/caches/org-caches';
import { createEntitledOrgs, mismatches, removeFixtureOrgs } from '../support/entitlement-fixtures';
import { type ChaosScenario } from './scenario-types';

export const cacheRepairScenario: ChaosScenario = {
  playbook: 'cache-repair',
  invariant:
    "the org's entitlement and membership caches equal to its rows, neither on the do-not-cache list; one EntitlementsResynced event of the run",
  untouched: {
    kafka:
      'its steps read PostgreSQL and write Redis; its event goes into the outbox, which the relay publishes',
  },
  prepare: async ({ pool, redis }) => {
    const [org] = await createEntitledOrgs(pool, redis, 1);
    const id = org.orgId;
    await redis.hset(entitlementCacheKey(id), 'seats', '999999');
    await pool.query(`DELETE FROM memberships WHERE org_id = $1 AND role = 'member'`, [id]);
    const pattern = orgCachePattern(id);
    return {
      resource: `key:${pattern}`,
      params: { key: pattern, verifySample: 10, doNotCacheFor: '1m' },
      check: async (workflowId) => {
        const wrong = await mismatches(pool, redis, [id]);
        const listed = await redis.exists(
          doNotCacheKey(entitlementCacheKey(id)),
          doNotCacheKey(membershipCacheKey(id)),
        );
        const events = Number(
          (
            await pool.query<{ n: string }>(
              `SELECT count(*) AS n FROM outbox
                WHERE event_type = 'EntitlementsResynced' AND message_key = $1 AND idempotency_key LIKE $2`,
              [id, `${workflowId}:%`],
            )
          ).rows[0].n,
        );
        const lost = wrong.length + listed + (events === 0 ? 1 : 0);
        const doubled = events > 1 ? events - 1 : 0;
        return {
          ok: lost === 0 && doubled === 0,
          lost,
          doubled,
          detail: `${wrong.length} cache(s) still wrong, ${listed} on the do-not-cache list, ${events} event(s)`,
        };
      },
      cleanup: async () => {
        await removeFixtureOrgs(pool, redis, [id]);
        await pool.query(
          `DELETE FROM outbox WHERE event_type = 'EntitlementsResynced' AND message_key = $1`,
          [id],
        );
      },
    };
  },
};
