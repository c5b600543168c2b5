// Scenario: a customer asks for their org to be deleted (seed 002 "org deletion"). The
// organization service records the request (org_deletion_requests, migration 027); the exporter
// reports it; OrgDeletionRequested fires with the org; the org-deletion saga runs in delete mode:
// soft delete, the policy's grace period, then a person approves the point of no return (the demo
// prints the exact `rebound approve` command and approves as the demo approver after a pause, or
// waits for a person with --interactive), then every service's rows are purged. Checked: no row of
// any org-owned table references the org, and the org row is gone.
import { listOrgOwnedTables } from '../../../platform/org/org-tables';
import { DemoFailure, type Demo } from '../harness';
import { createDemoOrg, removeDemoOrg, rowsReferencingOrg } from '../orgs';
import { type Scenario } from '../scenario';

export function orgDeletionRequestScenario(): Scenario {
  let orgId = '';
  return {
    name: 'org-deletion-request',
    title: 'A customer asks for their org to be deleted → org-deletion (saga, grace period, approval)',
    playbook: 'org-deletion',
    async inject(demo: Demo) {
      const counts = { members: 5, workflows: 3, notifications: 10 };
      orgId = (await createDemoOrg(demo, 'closing', counts)).orgId;
      demo.step(`created org ${orgId} (5 members, 3 workflows with runs, 10 notifications)`);
      await demo.pool.query(
        `INSERT INTO org_deletion_requests (org_id, requested_by, reason) VALUES ($1, $2, $3)`,
        [orgId, 'customer', 'demo: the customer closes the account'],
      );
      demo.step(
        `the organization service recorded the customer's deletion request (${await rowsReferencingOrg(demo, orgId, true)} rows)`,
      );
      return { labels: { alertname: 'OrgDeletionRequested', org: orgId }, resource: `org:${orgId}` };
    },
    async verify(demo: Demo) {
      const left = await rowsReferencingOrg(demo, orgId, true);
      if (left !== 0) throw new DemoFailure(`${left} rows still belong to org ${orgId}`);
      const tables = await listOrgOwnedTables(demo.pool);
      return `org ${orgId} is gone: no row in orgs or in any of the ${tables.length} org-owned tables`;
    },
    async cleanup(demo: Demo) {
      if (orgId && process.env.REBOUND_DEMO_KEEP !== '1') await removeDemoOrg(demo, orgId);
    },
  };
}
