// Scenario: a corrupted cache key (seed 001 scenario 5). An org of this run, its caches filled by
// the platform; then a value no writer produces is written into its entitlement cache. The
// exporter's scan finds it; CacheCorruption fires with the key; cache-repair rebuilds the key
// from the database. Checked: the cached entitlements equal the database's rows again, with a TTL.
import { entitlementCacheKey } from '../../../platform/caches/org-caches';
import { DemoFailure, type Demo } from '../harness';
import { createDemoOrg, removeDemoOrg } from '../orgs';
import { type Scenario } from '../scenario';

export function cacheCorruptionScenario(): Scenario {
  let orgId = '';
  return {
    name: 'cache-corruption',
    title: 'A corrupted cache key → cache-repair',
    playbook: 'cache-repair',
    async inject(demo: Demo) {
      orgId = (await createDemoOrg(demo, 'cache')).orgId;
      const key = entitlementCacheKey(orgId);
      demo.step(`created org ${orgId} (its caches filled by the platform)`);
      await demo.redis.hset(key, 'seats', '\u0000\u00ffcorrupt');
      demo.step(`wrote a malformed value into ${key} (field seats)`);
      return { labels: { alertname: 'CacheCorruption', key }, resource: `key:${key}` };
    },
    async verify(demo: Demo) {
      const key = entitlementCacheKey(orgId);
      const rows = await demo.pool.query<{ feature: string; limit_value: number }>(
        'SELECT feature, limit_value FROM entitlements WHERE org_id = $1',
        [orgId],
      );
      const want = Object.fromEntries(rows.rows.map((r) => [r.feature, String(r.limit_value)]));
      const cached = await demo.redis.hgetall(key);
      if (JSON.stringify(Object.entries(cached).sort()) !== JSON.stringify(Object.entries(want).sort()))
        throw new DemoFailure(`${key} holds ${JSON.stringify(cached)}, the database ${JSON.stringify(want)}`);
      const ttl = await demo.redis.ttl(key);
      if (ttl <= 0) throw new DemoFailure(`${key} has no TTL after the repair`);
      return `${key} equals the database again (${rows.rows.length} entitlements, TTL ${ttl}s)`;
    },
    async cleanup(demo: Demo) {
      if (orgId && process.env.REBOUND_DEMO_KEEP !== '1') await removeDemoOrg(demo, orgId);
    },
  };
}
