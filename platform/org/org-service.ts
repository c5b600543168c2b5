// The organization service's and its dependents' writes that tests and the demo use as "a service
// that keeps writing for the org". Each goes through the database guard; a refusal surfaces as
// OrgDeletingError so callers can tell it from an outage.
import { randomUUID } from 'node:crypto';
import { type Pool } from 'pg';
import { OrgDeletingError, isOrgDeletingRefusal } from './write-guard';

async function guarded<T>(orgId: string, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (err) {
    if (isOrgDeletingRefusal(err)) throw new OrgDeletingError(orgId, err);
    throw err;
  }
}

export function addMember(
  pool: Pool,
  orgId: string,
  userId: string,
  role: 'owner' | 'admin' | 'member' = 'member',
): Promise<void> {
  return guarded(orgId, async () => {
    await pool.query(
      `INSERT INTO memberships (org_id, user_id, role) VALUES ($1, $2, $3)
       ON CONFLICT (org_id, user_id) DO UPDATE SET role = EXCLUDED.role`,
      [orgId, userId, role],
    );
  });
}

export function renameOrg(pool: Pool, orgId: string, name: string): Promise<void> {
  return guarded(orgId, async () => {
    await pool.query('UPDATE orgs SET name = $2, updated_at = now() WHERE id = $1', [orgId, name]);
  });
}

/** The Workflow Service starting a run of one of the org's workflows. */
export function recordWorkflowRun(pool: Pool, orgId: string, workflowId: string): Promise<string> {
  return guarded(orgId, async () => {
    const id = randomUUID();
    await pool.query(
      `INSERT INTO workflow_runs (id, workflow_id, org_id, status) VALUES ($1, $2, $3, 'running')`,
      [id, workflowId, orgId],
    );
    return id;
  });
}

/** The notification service storing an event for the org (deduplicated by event id). */
export function recordNotification(pool: Pool, orgId: string, eventId: string, type: string): Promise<void> {
  return guarded(orgId, async () => {
    await pool.query(
      `INSERT INTO notifications (event_id, org_id, type, payload) VALUES ($1, $2, $3, $4)
       ON CONFLICT (event_id) DO NOTHING`,
      [eventId, orgId, type, JSON.stringify({ eventId, orgId, type })],
    );
  });
}
