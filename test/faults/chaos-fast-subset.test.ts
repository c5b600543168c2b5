// In the faults project (it stops parts of the stack, so it runs alone, after the others): the
// chaos command's fast subset (`npm run chaos -- --fast`): for the playbooks listed below, the
// worker SIGKILLed after its first step and one outage of a store it writes (test/chaos/
// matrix.ts, OUTAGE_OF) while it runs. Each run must recover with its invariant counted in the
// real stores: nothing lost, nothing doubled. The Redis case failed before the resync learned to
// wait degraded when its breaker (kept in Redis) cannot be read. (PostgreSQL outages in this
// command: the fault tests of entitlement-resync and cache-repair block the billing database.)
import { type Client } from '@temporalio/client';
import { connectClient } from '../../client/temporal-client';
import { loadConfig } from '../../shared/config';
import { createKafka, createPool, createRedis } from '../../workers/clients';
import { runChaosMatrix } from '../chaos/matrix';
import { CHAOS_SCENARIOS, type ChaosStores } from '../chaos/scenarios';
import { cleanUp } from '../support/clean-up';
import { stackUp } from '../support/stack-parts';
import { endMaintenanceSilence, startMaintenanceSilence } from '../../scripts/lib/maintenance-silence';

/**
 * The playbooks of the test command's fast subset: every playbook the chaos harness covers but
 * the ones in NOT_YET (a playbook joins once its fast cases passed three times in a row on a
 * stack). History: consumer-safe-mode-restart and partition-merge left it after failing a full
 * `npm test` on a used stack (a topic with no leader yet; a merge closed before the fault);
 * org-deletion after its PostgreSQL cell compensated (reads with 3 exact attempts). All three
 * rejoined after their fixes and three passing runs. consumer-safe-mode-restart left again when
 * its Redis cell escalated in a fresh-machine `npm test`: Redis back after 15 s had no health
 * record (they live 10 s), and the run read none and found "no failing message". The run now
 * reads health again while no instance reports (HEALTH_REREAD_PATCH, unit-tested), and rejoined
 * after its Redis cell passed four times in a row with that fix.
 */
const NOT_YET = new Set<string>();
const FAST_SUBSET = CHAOS_SCENARIOS.map((s) => s.playbook).filter((p) => !NOT_YET.has(p));

const config = loadConfig();
let client: Client;
let stores: ChaosStores;
let silence = '';

beforeAll(async () => {
  // The scenarios inject the faults the stack's own alert rules detect; without a maintenance
  // silence the stack's Rebound starts recoveries of its own on the fixtures (as the chaos command
  // explains). The test command holds one for its whole run; this file holds its own too, so that
  // running it alone with jest measures the same thing (alone, it failed 4 of 14 cells: another
  // resync emitted the case's events, another recovery quarantined the poison message twice).
  silence = startMaintenanceSilence('chaos fast subset');
  client = await connectClient(config);
  stores = {
    pool: createPool(config, 'platform', 4),
    redis: createRedis(config, 'rebound-chaos-test'),
    kafka: createKafka(config, 'rebound-chaos-test'),
  };
  // The harness stops Redis on purpose: its client's reconnect errors are expected, not news.
  stores.redis.on('error', () => undefined);
});

afterAll(async () => {
  await cleanUp({
    'stack up': stackUp,
    'end the silence': () => endMaintenanceSilence(silence),
    'close the Temporal connection': () => client?.connection.close(),
    'end the pool': () => stores?.pool.end(),
    'disconnect Redis': () => stores?.redis.disconnect(),
  });
}, 300_000);

test('one crash point and one outage per playbook: recovered, nothing lost or doubled', async () => {
  const rows = await runChaosMatrix(client, stores, {
    playbooks: FAST_SUBSET,
    fast: true,
    outageSeconds: 15,
    log: console.log,
  });
  expect(rows.length).toBe(2 * FAST_SUBSET.length);
  for (const r of rows) {
    expect({ cell: `${r.playbook} | ${r.fault}`, failures: r.failures }).toEqual({
      cell: `${r.playbook} | ${r.fault}`,
      failures: [],
    });
    expect(r.passed).toBe(r.runs);
    expect(r.lost).toBe(0);
    expect(r.doubled).toBe(0);
  }
}, 2_400_000);
