// The "do not cache" list (seed 001 scenario 5: stop caching a key that stays corrupt). A key on
// the list is kept out of the cache for a while; readers go to the database instead. One Redis key
// per listed cache key, with the listing's duration as its TTL, so a listing lapses by itself.
import { type Redis } from 'ioredis';
import { type Pool } from 'pg';
import { ENTITLEMENT_CACHE_TTL_S, entitlementCacheKey } from './org-caches';

export const doNotCacheKey = (cacheKey: string) => `platform:do-not-cache:${cacheKey}`;

/** Lists `cacheKey` for `forMs` milliseconds and removes what is cached under it. */
export async function stopCaching(
  redis: Redis,
  cacheKey: string,
  forMs: number,
  reason: string,
): Promise<void> {
  const results = await redis.multi().set(doNotCacheKey(cacheKey), reason, 'PX', forMs).del(cacheKey).exec();
  const failed = results?.find(([err]) => err);
  if (!results || failed) throw new Error(`do-not-cache of ${cacheKey} failed: ${String(failed?.[0])}`);
}

/**
 * The Workflow Service's entitlement read: the cache unless the key is on the do-not-cache list
 * or absent, else the billing database (refilling the cache, with its TTL, only when not listed).
 */
export async function readEntitlements(
  pool: Pool,
  redis: Redis,
  orgId: string,
): Promise<{ source: 'cache' | 'database'; entitlements: Record<string, string> }> {
  const key = entitlementCacheKey(orgId);
  const [listed, cached] = (await redis.pipeline().exists(doNotCacheKey(key)).hgetall(key).exec()) ?? [];
  const isListed = listed?.[1] === 1;
  const hash = (cached?.[1] ?? {}) as Record<string, string>;
  if (!isListed && Object.keys(hash).length > 0) return { source: 'cache', entitlements: hash };
  const rows = await pool.query<{ feature: string; limit_value: number }>(
    'SELECT feature, limit_value FROM entitlements WHERE org_id = $1',
    [orgId],
  );
  const entitlements = Object.fromEntries(rows.rows.map((r) => [r.feature, String(r.limit_value)]));
  if (!isListed && rows.rows.length > 0) {
    await redis.multi().hset(key, entitlements).expire(key, ENTITLEMENT_CACHE_TTL_S).exec();
  }
  return { source: 'database', entitlements };
}
