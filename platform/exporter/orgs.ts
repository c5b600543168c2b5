// Orphaned org data (seed 002 "org deletion racing dependent services", "orphaned data"): rows of
// any org-owned table (every table with an `org_id` column, found in the catalogue) whose org row
// no longer exists. Reported per org, the largest first, at most MAX_LISTED_ORGS of them: the cap
// bounds the series Prometheus keeps, and is high enough that a new small orphan is not hidden
// behind older large ones (a used stack held 179 orphaned orgs of 50 rows each, and at 50 the
// demo's 28-row orphan was never reported).
import { escapeIdentifier, type Pool } from 'pg';
import { listOrgOwnedTables } from '../org/org-tables';
import { sample, type Collector, type Sample } from './samples';

export const MAX_LISTED_ORGS = 1_000;

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
            `SELECT org_id, count(*) AS n FROM ${escapeIdentifier(t)} x
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

/**
 * Pending org deletion requests (migration 027): one sample per request whose org row still
 * exists, valued at the request's age in seconds. The saga removes the request with the org, so
 * the series ends when the deletion is complete (or the request is withdrawn).
 */
export function deletionRequestCollector(pool: Pool, intervalMs: number): Collector {
  return {
    name: 'org-deletion-requests',
    intervalMs,
    async collect() {
      const r = await pool.query<{ org: string; age: number }>(
        `SELECT q.org_id::text AS org, extract(epoch FROM now() - q.requested_at)::float8 AS age
           FROM org_deletion_requests q JOIN orgs o ON o.id = q.org_id
          ORDER BY q.requested_at LIMIT $1`,
        [MAX_LISTED_ORGS],
      );
      return r.rows.map((row) =>
        sample('platform_org_deletion_request_age_seconds', { org: row.org }, Math.max(0, row.age)),
      );
    },
  };
}
