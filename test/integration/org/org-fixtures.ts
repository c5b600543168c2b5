// Shared by the org tests: removes what a test org left behind (rows in every org-owned table,
// cache keys, outbox rows), so repeated runs do not grow the shared platform database.
import { type Redis } from 'ioredis';
import { escapeIdentifier, type Pool } from 'pg';
import { invalidateOrgCaches } from '../../../platform/caches/org-caches';
import { listOrgOwnedTables } from '../../../platform/org/org-tables';

export async function removeTestOrgs(deps: { pool: Pool; redis: Redis }, orgIds: string[]): Promise<void> {
  if (orgIds.length === 0) return;
  for (const table of await listOrgOwnedTables(deps.pool)) {
    await deps.pool.query(`DELETE FROM ${escapeIdentifier(table)} WHERE org_id::text = ANY($1)`, [orgIds]);
  }
  await deps.pool.query('DELETE FROM orgs WHERE id = ANY($1::uuid[])', [orgIds]);
  await deps.pool.query('DELETE FROM outbox WHERE message_key = ANY($1)', [orgIds]);
  for (const id of orgIds) await invalidateOrgCaches(deps.redis, id);
}
