// Orphaned org data (seed 002 "org deletion racing dependent services", "orphaned data"): rows of
// any org-owned table (every table with an `org_id` column, found in the catalogue) whose org row
// no longer exists. Reported per org, the largest first, at most MAX_LISTED_ORGS of them.
import { type Pool } from 'pg';
import { listOrgOwnedTables, quoteIdent } from '../org/org-tables';
import { sample, type Collector, type Sample } from './samples';

export const MAX_LISTED_ORGS = 50;

export function orphanedOrgCollector(pool: Pool, intervalMs: number): Collector {
  return {
    name: 'orphaned-orgs',
    intervalMs,
    async collect() {
      const tables = await listOrgOwnedTables(pool);
      if (tables.length === 0) return [];
      const union = tables
        .map(
          (t) =>
            `SELECT org_id, count(*) AS n FROM ${quoteIdent(t)} x
              WHERE NOT EXISTS (SELECT 1 FROM orgs o WHERE o.id = x.org_id) GROUP BY org_id`,
        )
        .join(' UNION ALL ');
      const r = await pool.query<{ org: string; n: number }>(
        `SELECT org_id::text AS org, sum(n)::int AS n FROM (${union}) u GROUP BY org_id ORDER BY n DESC, org LIMIT $1`,
        [MAX_LISTED_ORGS],
      );
      const out: Sample[] = r.rows.map((row) =>
        sample('platform_org_orphaned_rows', { org: row.org }, row.n),
      );
      return out;
    },
  };
}
