// Scenario: an org deletion request that the organization service carried out alone, racing the
// services that own the org's data (seed 002 "org deletion racing dependent services"): the org row
// is gone, its members, subscription, entitlements, workflows, runs and notifications are not. The
// exporter counts the orphaned rows; OrphanedOrgData fires with the org; the org-deletion saga runs
// in cleanup mode with the dev policy's short grace period (and its approval, if the policy asks
// for one). Checked: no row of any org-owned table references the org any more.
import { listOrgOwnedTables } from '../../../platform/org/org-tables';
import { DemoFailure, type Demo } from '../harness';
import { createDemoOrg, removeDemoOrg, rowsReferencingOrg } from '../orgs';
import { type Scenario } from '../scenario';

export function orphanedOrgScenario(): Scenario {
  let orgId = '';
  return {
    name: 'orphaned-org',
    title: 'An org deletion request races the services that own its data → org-deletion (cleanup saga)',
    playbook: 'org-deletion',
    async inject(demo: Demo) {
      const org = await createDemoOrg(demo, 'deleted', { members: 5, workflows: 3, notifications: 10 });
      orgId = org.orgId;
      demo.step(`created org ${orgId} (5 members, 3 workflows with runs, 10 notifications)`);
      await demo.pool.query('DELETE FROM orgs WHERE id = $1', [orgId]);
      const left = await rowsReferencingOrg(demo, orgId);
      demo.step(
        `the organization service deleted the org row on request; ${left} rows of other services still reference it`,
      );
      return { labels: { alertname: 'OrphanedOrgData', org: orgId }, resource: `org:${orgId}` };
    },
    async verify(demo: Demo) {
      const left = await rowsReferencingOrg(demo, orgId);
      if (left !== 0) throw new DemoFailure(`${left} rows still reference org ${orgId}`);
      const tables = await listOrgOwnedTables(demo.pool);
      return `no row references org ${orgId} in any of the ${tables.length} org-owned tables`;
    },
    async cleanup(demo: Demo) {
      if (orgId && process.env.REBOUND_DEMO_KEEP !== '1') await removeDemoOrg(demo, orgId);
    },
  };
}
