// The org caches (seed 002 "entitlement update event lost", "member removed but cache not yet
// updated"; seed 001 scenario 5 "cache corruption"). Two different faults, two measurements:
//  - stale: a well-formed cached value that differs from the database, the trace of a lost update
//    event. Sampled: every org whose entitlements changed recently (where a lost event shows first)
//    plus a random sample of the rest, compared with the database.
//  - corrupt: a value no writer of the platform produces (an entitlement that is not a whole
//    number, a role that is not a role, a key of the wrong type). Every org cache key is scanned.
import { type Redis } from 'ioredis';
import { type Pool } from 'pg';
import { entitlementCacheKey } from '../caches/org-caches';
import { sample, type Collector, type Sample } from './samples';

const ROLES = new Set(['owner', 'admin', 'member']);
const WHOLE_NUMBER = /^-?\d+$/;
/** At most this many corrupt keys are published as labels; the total is published too. */
export const MAX_LISTED_KEYS = 50;

/** Whether a cache hash holds only values a platform writer produces (pure, for the unit test). */
export function isWellFormed(key: string, fields: Record<string, string>): boolean {
  const values = Object.values(fields);
  if (key.endsWith(':entitlements')) return values.every((v) => WHOLE_NUMBER.test(v));
  if (key.endsWith(':memberships')) return values.every((v) => ROLES.has(v));
  return true;
}

/** True when a well-formed cached entitlement hash differs from the database's rows (pure). */
export function isStale(cached: Record<string, string>, db: Record<string, number>): boolean {
  const keys = new Set([...Object.keys(cached), ...Object.keys(db)]);
  for (const k of keys) if (cached[k] !== (db[k] === undefined ? undefined : String(db[k]))) return true;
  return false;
}

/** Scans every org cache key (`platform:org:*:entitlements|memberships`) for malformed values. */
export function cacheCorruptionCollector(redis: Redis, intervalMs: number): Collector {
  return {
    name: 'cache-corruption',
    intervalMs,
    async collect() {
      const corrupt: string[] = [];
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', 'platform:org:*', 'COUNT', 1000);
        cursor = next;
        const cacheKeys = keys.filter((k) => k.endsWith(':entitlements') || k.endsWith(':memberships'));
        if (cacheKeys.length === 0) continue;
        const p = redis.pipeline();
        for (const k of cacheKeys) p.hgetall(k);
        const res = (await p.exec()) ?? [];
        cacheKeys.forEach((k, i) => {
          const [err, fields] = res[i] ?? [null, {}];
          // WRONGTYPE: something wrote a string or list where the platform keeps a hash.
          if (err ? /WRONGTYPE/.test(err.message) : !isWellFormed(k, fields as Record<string, string>))
            corrupt.push(k);
        });
      } while (cursor !== '0');
      corrupt.sort();
      return [
        sample('platform_cache_corrupt_keys', {}, corrupt.length),
        ...corrupt.slice(0, MAX_LISTED_KEYS).map((key) => sample('platform_cache_corrupt_key', { key }, 1)),
      ];
    },
  };
}

/**
 * Compares the entitlement caches of the orgs changed in the last `recentWindowS` seconds (at most
 * `recentLimit`) and of `randomSample` other orgs with the database. Only well-formed caches count
 * as stale (malformed ones are the corruption collector's); an absent cache is a miss, not drift.
 */
export function entitlementStalenessCollector(
  pool: Pool,
  redis: Redis,
  intervalMs: number,
  opts = { recentWindowS: 900, recentLimit: 500, randomSample: 200 },
): Collector {
  return {
    name: 'entitlement-staleness',
    intervalMs,
    async collect() {
      const r = await pool.query<{ org_id: string; ents: Record<string, number> }>(
        `WITH picked AS (
           (SELECT DISTINCT org_id FROM entitlements WHERE updated_at > now() - make_interval(secs => $1)
             LIMIT $2)
           UNION
           (SELECT id AS org_id FROM orgs ORDER BY random() LIMIT $3))
         SELECT p.org_id::text AS org_id,
                coalesce((SELECT json_object_agg(e.feature, e.limit_value) FROM entitlements e
                           WHERE e.org_id = p.org_id), '{}'::json) AS ents
           FROM picked p`,
        [opts.recentWindowS, opts.recentLimit, opts.randomSample],
      );
      let stale = 0;
      let sampled = 0;
      const rows = r.rows;
      for (let i = 0; i < rows.length; i += 500) {
        const chunk = rows.slice(i, i + 500);
        const p = redis.pipeline();
        for (const row of chunk) p.hgetall(entitlementCacheKey(row.org_id));
        const res = (await p.exec()) ?? [];
        chunk.forEach((row, j) => {
          const [err, fields] = res[j] ?? [null, {}];
          const cached = (err ? null : fields) as Record<string, string> | null;
          if (!cached || Object.keys(cached).length === 0) return;
          const key = entitlementCacheKey(row.org_id);
          if (!isWellFormed(key, cached)) return;
          sampled += 1;
          if (isStale(cached, row.ents)) stale += 1;
        });
      }
      const labels = { namespace: 'entitlements' };
      const out: Sample[] = [
        sample('platform_entitlement_cache_sampled_orgs', labels, sampled),
        sample('platform_entitlement_cache_stale_orgs', labels, stale),
      ];
      return out;
    },
  };
}
