/* eslint-disable @typescript-eslint/no-explicit-any */
// Issue 10 build item 7, against the real API and Temporal: a sample of the random delivery
// streams the pure property test checks by the thousand (K faults, several fingerprints each,
// generations, HA duplicates, group flushes, any order). Each delivery's per-alert answers must be
// the pure lifecycle machine's, and after each delivery the running episodes must settle to the
// reference model's (one open episode per fault exactly while any of its alerts fires); at the end
// each fault has had exactly as many episodes as the model counts.
import fc from 'fast-check';
import { INCIDENT_WORKFLOW_TYPE } from '../../../shared/incident';
import { LifecycleMachine } from '../../../shared/lifecycle/lifecycle-machine';
import { workflowTaskQueue } from '../../../shared/task-queues';
import { ReferenceModel, deliveriesArb, intakeOrder, type ModelNotice } from '../../support/lifecycle-model';
import { type ApiHarness, pollUntil, startApiHarness } from './api-harness';
import { LIFECYCLE_ROUTING, post } from './lifecycle-support';

let h: ApiHarness;
let caseNo = 0;
let delivered = 0;

beforeAll(async () => {
  h = await startApiHarness('lcsample', { routing: LIFECYCLE_ROUTING });
}, 120_000);

afterAll(async () => {
  await h.close();
}, 60_000);

jest.setTimeout(600_000);

const FAULTS = 2;

test('random delivery streams on the real stack match the lifecycle machine and the reference model', async () => {
  await fc.assert(
    fc.asyncProperty(deliveriesArb({ faults: FAULTS, fps: 2, gens: 3, maxLength: 6 }), async (deliveries) => {
      caseNo += 1;
      const tag = `${h.prefix}-c${caseNo}`;
      const namespace = (fault: number) => `${tag}-f${fault}`;
      const incidentId = (fault: number) => `incident:entitlement-resync:namespace:${namespace(fault)}`;
      const machine = new LifecycleMachine({ cooldownMs: 30 * 60_000 });
      const model = new ReferenceModel();
      const toAlert = (n: ModelNotice) => ({
        fingerprint: `${tag}-${n.fingerprint}`,
        status: n.status,
        labels: { alertname: 'LifecycleNeedsHuman', namespace: namespace(n.fault), pod: n.fingerprint },
        startsAt: n.startsAt,
        endsAt: n.endsAt,
      });
      for (const group of deliveries) {
        const res = await post(h, group.map(toAlert));
        delivered += group.length;
        expect(res.status).toBe(202);
        // The machine processes the group as the intake does: firings before resolutions.
        const ordered = intakeOrder(group);
        const answers = machine.deliverGroup(
          ordered.map((n) => ({ key: `k${n.fault}`, notice: n })),
          Date.now(),
        );
        const expected = new Map<string, string>(
          ordered.map((n, i) => [`${tag}-${n.fingerprint}`, answers[i].action]),
        );
        for (const n of group) model.apply(n);
        model.endGroup([0, 1]);
        const actual = new Map<string, string>(res.body.incidents.map((i: any) => [i.fingerprint, i.action]));
        expect(actual).toEqual(expected);
        for (let f = 0; f < FAULTS; f += 1) {
          const firing = model.firing(f);
          expect(machine.openEpisode(`k${f}`) !== undefined).toBe(firing);
          await pollUntil(`fault ${f} ${firing ? 'open' : 'closed'}`, async () => {
            const running = await h.client.workflow
              .getHandle(incidentId(f))
              .describe()
              .then((d) => d.status.name === 'RUNNING')
              .catch(() => false);
            return running === firing ? true : undefined;
          });
        }
      }
      for (let f = 0; f < FAULTS; f += 1) {
        const expectedEpisodes = model.episodes.get(f) ?? 0;
        const count = await pollUntil(
          'episodes counted',
          async () => {
            const { count: n } = await h.client.workflow.count(
              `WorkflowType = '${INCIDENT_WORKFLOW_TYPE}' AND TaskQueue = '${workflowTaskQueue(h.prefix)}' AND WorkflowId = '${incidentId(f)}'`,
            );
            return n === expectedEpisodes ? n : undefined;
          },
          20_000,
        ).catch(() => -1);
        expect([f, count]).toEqual([f, expectedEpisodes]);
      }
    }),
    { numRuns: 12, seed: 10, endOnFailure: true },
  );
  // The sample is not trivially small: it posted alerts in many notifications.
  expect(delivered).toBeGreaterThan(60);
});
