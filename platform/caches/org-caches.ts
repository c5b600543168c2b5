// Redis caches of an org's memberships and entitlements, as the Workflow Service reads them.
// Membership checks fail closed (seed 002): a cache miss or an unreachable Redis denies access, so
// invalidating the cache is enough to revoke access immediately; the organization service fills
// the cache from the database on writes.
import { type Redis } from 'ioredis';
import { type Pool } from 'pg';

/** Short TTLs from seed 002: memberships 15 minutes, entitlements 1 hour. */
export const MEMBERSHIP_CACHE_TTL_S = 15 * 60;
export const ENTITLEMENT_CACHE_TTL_S = 60 * 60;

export const membershipCacheKey = (orgId: string) => `platform:org:${orgId}:memberships`;
export const entitlementCacheKey = (orgId: string) => `platform:org:${orgId}:entitlements`;
/** Every cache key of an org matches this pattern (used by the purge and the orphan check). */
export const orgCachePattern = (orgId: string) => `platform:org:${orgId}:*`;

/** Rebuilds both caches from the database (replacing whatever is cached); returns the keys written. */
export async function fillOrgCaches(pool: Pool, redis: Redis, orgId: string): Promise<string[]> {
  const [members, entitlements] = await Promise.all([
    pool.query<{ user_id: string; role: string }>('SELECT user_id, role FROM memberships WHERE org_id = $1', [
      orgId,
    ]),
    pool.query<{ feature: string; limit_value: number }>(
      'SELECT feature, limit_value FROM entitlements WHERE org_id = $1',
      [orgId],
    ),
  ]);
  const tx = redis.multi();
  const written: string[] = [];
  const mKey = membershipCacheKey(orgId);
  tx.del(mKey);
  if (members.rows.length > 0) {
    tx.hset(mKey, Object.fromEntries(members.rows.map((r) => [r.user_id, r.role])));
    tx.expire(mKey, MEMBERSHIP_CACHE_TTL_S);
    written.push(mKey);
  }
  const eKey = entitlementCacheKey(orgId);
  tx.del(eKey);
  if (entitlements.rows.length > 0) {
    tx.hset(eKey, Object.fromEntries(entitlements.rows.map((r) => [r.feature, String(r.limit_value)])));
    tx.expire(eKey, ENTITLEMENT_CACHE_TTL_S);
    written.push(eKey);
  }
  const results = await tx.exec();
  const failed = results?.find(([err]) => err);
  if (!results || failed) throw new Error(`cache fill for org ${orgId} failed: ${String(failed?.[0])}`);
  return written;
}

/** Lists the org's cache keys (SCAN, never KEYS: the cache is shared). */
export async function listOrgCacheKeys(redis: Redis, orgId: string): Promise<string[]> {
  const keys = new Set<string>();
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', orgCachePattern(orgId), 'COUNT', 500);
    for (const k of batch) keys.add(k);
    cursor = next;
  } while (cursor !== '0');
  return [...keys].sort();
}

/** Deletes every cache key of the org; returns how many existed. */
export async function invalidateOrgCaches(redis: Redis, orgId: string): Promise<number> {
  const keys = await listOrgCacheKeys(redis, orgId);
  const known = [membershipCacheKey(orgId), entitlementCacheKey(orgId)];
  const all = [...new Set([...keys, ...known])];
  return redis.del(...all);
}

/** The Workflow Service's access check: the member's role, or null. Fails closed. */
export async function cachedMembershipRole(
  redis: Redis,
  orgId: string,
  userId: string,
): Promise<string | null> {
  try {
    return await redis.hget(membershipCacheKey(orgId), userId);
  } catch {
    return null;
  }
}

/** Every key matching a Redis glob pattern (SCAN, never KEYS); `onBatch` runs after each step. */
export async function listOrgCacheKeysMatching(
  redis: Redis,
  pattern: string,
  onBatch: () => void = () => undefined,
): Promise<string[]> {
  const keys = new Set<string>();
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1_000);
    for (const k of batch) keys.add(k);
    cursor = next;
    onBatch();
  } while (cursor !== '0');
  return [...keys].sort();
}
