// Scenario: lost entitlement events leave the cache stale (seed 002 "entitlement update event
// lost"). An org of this run with its caches filled; billing raises its limits in the database,
// and the event that would refresh the cache is lost. The exporter compares recently changed orgs'
// caches with the database; EntitlementCacheStale fires; entitlement-resync brings every org's
// cache back to the database's rows. Checked: this org's cache equals its new rows.
import { entitlementCacheKey } from '../../../platform/caches/org-caches';
import { DemoFailure, type Demo } from '../harness';
import { createDemoOrg, removeDemoOrg } from '../orgs';
import { type Scenario } from '../scenario';

export function staleEntitlementsScenario(): Scenario {
  let orgId = '';
  return {
    name: 'stale-entitlements',
    title: 'Lost entitlement events leave the cache stale → entitlement-resync',
    playbook: 'entitlement-resync',
    async inject(demo: Demo) {
      orgId = (await createDemoOrg(demo, 'billing')).orgId;
      demo.step(`created org ${orgId} (its entitlement cache filled by the platform)`);
      const r = await demo.pool.query(
        `UPDATE entitlements SET limit_value = limit_value + 100, version = version + 1, updated_at = now()
          WHERE org_id = $1`,
        [orgId],
      );
      demo.step(
        `billing raised ${r.rowCount} limits in the database; the update events were lost (cache untouched)`,
      );
      return {
        labels: { alertname: 'EntitlementCacheStale', namespace: 'entitlements' },
        resource: 'namespace:entitlements',
      };
    },
    async verify(demo: Demo) {
      const key = entitlementCacheKey(orgId);
      const rows = await demo.pool.query<{ feature: string; limit_value: number }>(
        'SELECT feature, limit_value FROM entitlements WHERE org_id = $1',
        [orgId],
      );
      const want = Object.fromEntries(rows.rows.map((r) => [r.feature, String(r.limit_value)]));
      const cached = await demo.redis.hgetall(key);
      const same =
        Object.keys(want).length === Object.keys(cached).length &&
        Object.entries(want).every(([k, v]) => cached[k] === v);
      if (!same)
        throw new DemoFailure(`${key} holds ${JSON.stringify(cached)}, the database ${JSON.stringify(want)}`);
      return `the cache of org ${orgId} shows the new limits (${Object.entries(want)
        .map(([k, v]) => `${k}=${v}`)
        .join(', ')})`;
    },
    async cleanup(demo: Demo) {
      if (orgId && process.env.REBOUND_DEMO_KEEP !== '1') await removeDemoOrg(demo, orgId);
    },
  };
}
