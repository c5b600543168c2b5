// The platform's write path around orgs being deleted. The database refuses writes to an org in
// status `deleting` (migration 021); this module lets the deletion saga's own restoring writes
// through and turns the refusal into a typed error for callers.
import { type PoolClient } from 'pg';

/** SQLSTATE raised by the write-guard triggers. */
export const ORG_DELETING_SQLSTATE = 'RB409';

export class OrgDeletingError extends Error {
  constructor(
    readonly orgId: string,
    cause: unknown,
  ) {
    super(`org ${orgId} is being deleted: writes are refused`, { cause });
    this.name = 'OrgDeletingError';
  }
}

export function isOrgDeletingRefusal(err: unknown): boolean {
  return (err as { code?: string } | undefined)?.code === ORG_DELETING_SQLSTATE;
}

/** Marks the current transaction as the deletion saga writing to `orgId` (transaction-local). */
export async function actAsOrgDeletionWriter(client: PoolClient, orgId: string): Promise<void> {
  await client.query(`SELECT set_config('platform.org_deletion_writer', $1, true)`, [orgId]);
}
