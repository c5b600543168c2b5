// A complete picture of everything the platform holds for one org: every row of every org-owned
// table (plus the org row) and the content of every cache key. Tests compare snapshots taken
// before and after a cancelled, failed or rejected deletion; the orphan check uses the counts.
import { type Redis } from 'ioredis';
import { escapeIdentifier, type Pool } from 'pg';
import { listOrgCacheKeys } from '../caches/org-caches';
import { listOrgOwnedTables } from './org-tables';

export interface OrgSnapshot {
  /** Table name → rows as JSON text, sorted (row order is not part of the state). */
  tables: Record<string, string[]>;
  /** Cache key → hash content. */
  caches: Record<string, Record<string, string>>;
}

export async function snapshotOrg(deps: { pool: Pool; redis: Redis }, orgId: string): Promise<OrgSnapshot> {
  const tables: Record<string, string[]> = {};
  const org = await deps.pool.query<{ row: string }>(
    'SELECT row_to_json(o)::text AS row FROM orgs o WHERE id = $1',
    [orgId],
  );
  tables.orgs = org.rows.map((r) => r.row);
  for (const table of await listOrgOwnedTables(deps.pool)) {
    const r = await deps.pool.query<{ row: string }>(
      `SELECT row_to_json(t)::text AS row FROM ${escapeIdentifier(table)} t WHERE org_id::text = $1`,
      [orgId],
    );
    tables[table] = r.rows.map((x) => x.row).sort();
  }
  const caches: Record<string, Record<string, string>> = {};
  for (const key of await listOrgCacheKeys(deps.redis, orgId)) {
    caches[key] = await deps.redis.hgetall(key);
  }
  return { tables, caches };
}

/** Rows per table and cache keys; zero everywhere means nothing references the org. */
export function countSnapshot(s: OrgSnapshot): {
  rows: Record<string, number>;
  cacheKeys: number;
  total: number;
} {
  const rows = Object.fromEntries(Object.entries(s.tables).map(([t, r]) => [t, r.length]));
  const cacheKeys = Object.keys(s.caches).length;
  const total = Object.values(rows).reduce((a, b) => a + b, 0) + cacheKeys;
  return { rows, cacheKeys, total };
}
