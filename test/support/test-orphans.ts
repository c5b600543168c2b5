// Notifications the test suites leave behind. Tests publish notification events for org ids that
// exist only in the test (the reference consumer applies them and writes `notifications` rows);
// the exporter rightly reports such rows as orphaned org data, and on a used stack every one of
// them became an OrphanedOrgData incident waiting for approval (439 of them after one `npm test`).
// So a test run removes, at its end, the notification rows it created for orgs that do not exist.
import { type Pool } from 'pg';

/**
 * Deletes `notifications` rows created at or after `since` whose org row does not exist. Rows of
 * real orgs, and older rows (an orphan a user is looking at), are kept. Returns the count deleted.
 */
export async function removeTestNotifications(pool: Pool, since: Date): Promise<number> {
  const r = await pool.query(
    `DELETE FROM notifications n
      WHERE n.created_at >= $1 AND NOT EXISTS (SELECT 1 FROM orgs o WHERE o.id = n.org_id)`,
    [since],
  );
  return r.rowCount ?? 0;
}
