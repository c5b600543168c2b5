// The demo's orgs: created through the platform's own generator (rows in every org-owned table,
// caches filled as the organization service fills them), named after the run, and removed at the
// end the way an orphan-free delete must go: every dependent row first, the org row last, in one
// transaction, then its cache keys. (Notifications of an org that does not exist are orphaned
// data, which the exporter reports and Rebound cleans up: the demo never writes any.)
import { createOrg, type CreatedOrg } from '../../platform/org/generator';
import { listOrgCacheKeys } from '../../platform/caches/org-caches';
import { escapeIdentifier } from 'pg';
import { listOrgOwnedTables } from '../../platform/org/org-tables';
import { type Demo } from './harness';

export async function createDemoOrg(
  demo: Demo,
  what: string,
  counts = { members: 3, workflows: 1, notifications: 2 },
): Promise<CreatedOrg> {
  return createOrg({ pool: demo.pool, redis: demo.redis }, { name: `demo-${demo.run}-${what}`, ...counts });
}

/** Removes the org and everything that references it; a no-op for an org already gone. */
export async function removeDemoOrg(demo: Demo, orgId: string): Promise<void> {
  const client = await demo.pool.connect();
  try {
    await client.query('BEGIN');
    for (const t of await listOrgOwnedTables(client)) {
      await client.query(`DELETE FROM ${escapeIdentifier(t)} WHERE org_id = $1`, [orgId]);
    }
    await client.query('DELETE FROM orgs WHERE id = $1', [orgId]);
    // Events about the demo org still waiting in the outbox (a resync's EntitlementsResynced)
    // describe an org that never existed outside the demo: they go with it.
    await client.query('DELETE FROM outbox WHERE message_key = $1 AND published_at IS NULL', [orgId]);
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
  const keys = await listOrgCacheKeys(demo.redis, orgId);
  if (keys.length) await demo.redis.del(...keys);
}

/**
 * Rows of any org-owned table (every table with `org_id`, from the catalogue) that reference the
 * org; with `withOrgRow`, its row in `orgs` counts too.
 */
export async function rowsReferencingOrg(demo: Demo, orgId: string, withOrgRow = false): Promise<number> {
  let n = 0;
  if (withOrgRow)
    n += (await demo.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM orgs WHERE id = $1', [orgId]))
      .rows[0].n;
  for (const t of await listOrgOwnedTables(demo.pool)) {
    const r = await demo.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM ${escapeIdentifier(t)} WHERE org_id = $1`,
      [orgId],
    );
    n += r.rows[0].n;
  }
  return n;
}
