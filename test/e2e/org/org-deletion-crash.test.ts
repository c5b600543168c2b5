// SIGKILL of the worker after each step of the saga in turn, one run per step: every run is held
// (test-only fault injection) right after its step's effect committed and before the activity
// reported back, then the worker is killed. A new worker finishes every run: same final state as
// an uninterrupted deletion, and no step's effect doubled (each event once on the topic and in
// the outbox, each step succeeded once).
import { FAULT_INJECTION_ENABLED, FAULT_INJECTION_ENV } from '../../../activities/org/fault-injection';
import { connectClient } from '../../../client/temporal-client';
import { createOrg } from '../../../platform/org/generator';
import { countSnapshot, snapshotOrg } from '../../../platform/org/snapshot';
import { loadConfig } from '../../../shared/config';
import { ORG_DELETION_STEPS as S } from '../../../shared/playbooks/org-deletion';
import { statusQuery, type PlaybookResult } from '../../../shared/workflow-interface';
import { createKafka, createPool, createRedis } from '../../../workers/clients';
import { uniquePrefix } from '../../support/temporal-env';
import { startWorkerProcess, type WorkerProcess } from '../../support/worker-process';
import { removeTestOrgs } from '../../integration/org/org-fixtures';
import {
  injectFault,
  isHeld,
  orgEventsOnTopic,
  releaseFault,
  startDeletion,
  waitForStatus,
  type Deps,
} from './org-e2e-support';

const config = loadConfig();
const prefix = uniquePrefix('e2e-org-kill');
const workers: WorkerProcess[] = [];
let deps: Deps;
const created: string[] = [];

beforeAll(async () => {
  deps = {
    client: await connectClient(config),
    pool: createPool(config, 'platform', 4),
    statePool: createPool(config, 'state', 2),
    redis: createRedis(config, 'rebound-test-org-kill'),
    kafka: createKafka(config, 'rebound-test-org-kill'),
  };
});

afterAll(async () => {
  for (const w of workers) await w.kill('SIGKILL');
  await removeTestOrgs(deps, created);
  await deps.client.connection.close();
  await Promise.allSettled([deps.pool.end(), deps.statePool.end(), deps.redis.quit()]);
});

const KILL_AFTER = [
  S.softDelete,
  S.publishRequested,
  S.freeze,
  S.cancelSubscription,
  S.revokeMemberships,
  S.invalidateCaches,
  S.purgeWorkflowService,
  S.purgeNotifications,
  S.purgeBilling,
  S.purgeCaches,
  S.hardDelete,
  S.publishDeleted,
  S.verify,
];

test('a worker SIGKILLed after any step still ends every deletion in the same state, nothing doubled', async () => {
  const env = { [FAULT_INJECTION_ENV]: FAULT_INJECTION_ENABLED };
  workers.push(await startWorkerProcess(prefix, env));
  const runs = await Promise.all(
    [...KILL_AFTER, S.grace].map(async (step) => {
      const org = await createOrg(deps, { members: 2, workflows: 1, notifications: 2 });
      created.push(org.orgId);
      const workflowId = `org-deletion/org:${org.orgId}`;
      if (step !== S.grace) await injectFault(deps.redis, workflowId, step, 'hold-after');
      // The grace-period run must still be waiting when the worker dies.
      const handle = await startDeletion(deps, prefix, {
        orgId: org.orgId,
        gracePeriod: step === S.grace ? '40s' : '1s',
      });
      return { step, org, workflowId, handle };
    }),
  );
  for (const r of runs) {
    if (r.step === S.grace) await waitForStatus(r.handle, (s) => s.currentStep === S.grace);
    else
      await waitForStatus(r.handle, () => true).then(async () => {
        const deadline = Date.now() + 90_000;
        while (!(await isHeld(deps.redis, r.workflowId, r.step))) {
          if (Date.now() > deadline) throw new Error(`${r.step} never held`);
          await new Promise((res) => setTimeout(res, 200));
        }
      });
  }
  await workers[0].kill('SIGKILL');
  for (const r of runs) if (r.step !== S.grace) await releaseFault(deps.redis, r.workflowId, r.step);
  workers.push(await startWorkerProcess(prefix, env));

  for (const r of runs) {
    const result = (await r.handle.result()) as PlaybookResult;
    expect([r.step, result.outcome]).toEqual([r.step, 'recovered']);
    expect(countSnapshot(await snapshotOrg(deps, r.org.orgId)).total).toBe(0);
    const status = await r.handle.query(statusQuery);
    const names = status.steps.map((s) => s.name);
    expect(new Set(names).size).toBe(names.length);
    expect(status.steps.every((s) => s.state === 'succeeded')).toBe(true);
    // The kill really interrupted the held step: its first attempt never reported back. (The
    // retry on the new worker may itself meet a transient broker error, hence "at least".)
    if (r.step !== S.grace) {
      const attempts = status.steps.find((s) => s.name === r.step)?.attempts ?? 0;
      expect([r.step, attempts >= 2]).toEqual([r.step, true]);
    }
    const outbox = await deps.pool.query<{ event_type: string }>(
      'SELECT event_type FROM outbox WHERE message_key = $1 ORDER BY id',
      [r.org.orgId],
    );
    expect([r.step, outbox.rows.map((x) => x.event_type)]).toEqual([
      r.step,
      ['OrgDeletionRequested', 'OrgDeleted'],
    ]);
  }
  // One pass over the topic for all runs: each event exactly once per org.
  for (const r of runs) {
    expect([r.step, await orgEventsOnTopic(deps.kafka, r.org.orgId)]).toEqual([
      r.step,
      ['OrgDeletionRequested', 'OrgDeleted'],
    ]);
  }
}, 300_000);
