// The guardrail activities against the real Rebound database: budget claims are idempotent per
// claim key and never exceed the window's maximum under concurrency; the kill switch flag is read back.
import { type Pool } from 'pg';
import { createGuardrailActivities } from '../../../activities/control/guardrails';
import { setControlState } from '../../../client/service/kill-switch';
import { loadConfig } from '../../../shared/config';
import { createPool } from '../../../workers/clients';
import { uniquePrefix } from '../../support/temporal-env';

let pool: Pool;
beforeAll(() => {
  pool = createPool(loadConfig(), 'state');
});
afterAll(async () => {
  await pool.end();
});

test('concurrent budget claims grant exactly max; a retried claim returns the stored decision', async () => {
  const g = createGuardrailActivities({ statePool: pool });
  const scope = uniquePrefix('budget');
  const claims = Array.from({ length: 12 }, (_, i) =>
    g.claimRecoveryBudget({
      scope,
      claimKey: `${scope}/i${i}/run-1`,
      incidentId: `i${i}`,
      max: 5,
      windowMs: 600_000,
    }),
  );
  const decisions = await Promise.all(claims);
  expect(decisions.filter((d) => d.granted)).toHaveLength(5);
  const firstDenied = decisions.findIndex((d) => !d.granted);
  const retry = await g.claimRecoveryBudget({
    scope,
    claimKey: `${scope}/i${firstDenied}/run-1`,
    incidentId: `i${firstDenied}`,
    max: 5,
    windowMs: 600_000,
  });
  expect(retry).toEqual({ granted: false, used: 5, max: 5 });
  const granted = decisions.findIndex((d) => d.granted);
  const again = await g.claimRecoveryBudget({
    scope,
    claimKey: `${scope}/i${granted}/run-1`,
    incidentId: `i${granted}`,
    max: 5,
    windowMs: 600_000,
  });
  expect(again.granted).toBe(true);
});

test('the kill switch flag is scoped and read back', async () => {
  const g = createGuardrailActivities({ statePool: pool });
  const scope = uniquePrefix('flag');
  expect(await g.readControlFlag(scope)).toEqual({ paused: false, version: 0 });
  expect(await setControlState(pool, scope, true, 'admin', 'test')).toBe(1);
  expect(await g.readControlFlag(scope)).toMatchObject({
    paused: true,
    by: 'admin',
    reason: 'test',
    version: 1,
  });
  // Every change increments the version (pause/resume signals carry it; stale ones are ignored).
  expect(await setControlState(pool, scope, false, 'admin')).toBe(2);
  expect(await g.readControlFlag(scope)).toMatchObject({ paused: false, version: 2 });
  expect((await g.readControlFlag(`${scope}-other`)).paused).toBe(false);
});
