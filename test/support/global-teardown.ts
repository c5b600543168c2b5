// Jest global teardown for the projects that use the real stack: removes the notification rows
// the run created for orgs that exist only in tests (see test-orphans.ts), so that the next user
// of the stack does not meet them as OrphanedOrgData alerts.
import { loadConfig } from '../../shared/config';
import { createPool } from '../../workers/clients';
import { RUN_STARTED_AT } from './global-setup';
import { removeTestNotifications } from './test-orphans';

export default async function globalTeardown(): Promise<void> {
  const started = (globalThis as Record<string, unknown>)[RUN_STARTED_AT];
  if (!(started instanceof Date)) return;
  const pool = createPool(loadConfig(), 'platform', 1);
  try {
    const n = await removeTestNotifications(pool, started);
    if (n > 0) console.log(`[teardown] removed ${n} notification rows of test-only orgs`);
  } catch (err) {
    // The stack may be down (a fault test stopped it and failed): nothing to clean then.
    console.warn(`[teardown] could not remove test notifications: ${String(err)}`);
  } finally {
    await pool.end();
  }
}
