// 2,000 Alertmanager deliveries for 200 distinct faults, duplicated (HA pairs, retries), shuffled
// and sent concurrently, then resolved notifications for half of them: exactly 200 incidents.
// The alerts match no route, so each incident is a cheap `needs-human` one keyed by fingerprint.
import { workflowTaskQueue } from '../../../shared/task-queues';
import { alertmanagerWebhook, pollUntil, startApiHarness, type ApiHarness } from './api-harness';

const FAULTS = 200;
const DELIVERIES = 2_000;
const RESOLVED = 100;
const CONCURRENCY = 24;

let h: ApiHarness;
beforeAll(async () => {
  h = await startApiHarness('api-burst');
}, 120_000);
afterAll(() => h?.close(), 120_000);

/** Deterministic shuffle (mulberry32) so a failure reproduces. */
function shuffle<T>(items: T[], seed: number): T[] {
  let s = seed;
  const rnd = () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

async function deliver(
  bodies: Record<string, unknown>[],
): Promise<
  { status: number; body: { incidents: { fingerprint: string; incidentId: string; action: string }[] } }[]
> {
  const results: Awaited<ReturnType<typeof deliver>> = new Array(bodies.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < bodies.length) {
        const i = next++;
        results[i] = await h.call('alertmanager', 'POST', '/v1/alerts/alertmanager', bodies[i]);
      }
    }),
  );
  return results;
}

test('2,000 deliveries for 200 faults with duplicates, reorderings and resolutions yield exactly 200 incidents', async () => {
  const fingerprint = (i: number) => `${h.prefix}-fp-${i}`;
  const alert = (i: number, status: 'firing' | 'resolved') => ({
    fingerprint: fingerprint(i),
    alertname: 'ReboundApiTestUnrouted',
    status,
    labels: { instance: `node-${i}`, replica: i % 2 ? 'am-a' : 'am-b' },
  });
  // Every fault fires at least once; the rest of the firing deliveries are duplicates spread
  // unevenly over the faults, then the whole list is shuffled across faults.
  const firingCount = DELIVERIES - RESOLVED;
  const firing = Array.from({ length: firingCount }, (_, k) => (k < FAULTS ? k : (k * 7919) % FAULTS));
  const firingBodies = shuffle(firing, 42).map((i) => alertmanagerWebhook([alert(i, 'firing')]));
  const resolvedBodies = shuffle(
    Array.from({ length: RESOLVED }, (_, i) => i),
    7,
  ).map((i) => alertmanagerWebhook([alert(i, 'resolved')]));

  const started = Date.now();
  const fired = await deliver(firingBodies);
  const resolved = await deliver(resolvedBodies);
  const seconds = (Date.now() - started) / 1000;
  process.stdout.write(
    `[burst] ${DELIVERIES} deliveries in ${seconds.toFixed(1)}s (${(DELIVERIES / seconds).toFixed(0)}/s)\n`,
  );

  expect([...fired, ...resolved].filter((r) => r.status !== 202)).toEqual([]);
  const firedActions = fired.flatMap((r) => r.body.incidents);
  const startedIds = firedActions.filter((a) => a.action === 'started').map((a) => a.incidentId);
  expect(startedIds).toHaveLength(FAULTS);
  expect(new Set(startedIds).size).toBe(FAULTS);
  expect(firedActions.filter((a) => a.action === 'attached')).toHaveLength(firingCount - FAULTS);
  expect(new Set(firedActions.map((a) => a.incidentId)).size).toBe(FAULTS);
  expect(resolved.flatMap((r) => r.body.incidents).map((a) => a.action)).toEqual(
    new Array(RESOLVED).fill('resolved'),
  );

  // Temporal's own count of incident executions on this test's queue (visibility is eventually
  // consistent, so poll until both figures settle).
  const queue = workflowTaskQueue(h.prefix);
  const count = async (extra: string) =>
    (await h.client.workflow.count(`WorkflowType = 'incidentWorkflow' AND TaskQueue = '${queue}'${extra}`))
      .count;
  await pollUntil(
    '200 incident executions, 100 of them closed',
    async () =>
      (await count('')) === FAULTS && (await count(` AND ExecutionStatus = 'Completed'`)) === RESOLVED
        ? true
        : undefined,
    90_000,
  );
  expect(await count('')).toBe(FAULTS);

  // A resolved incident closed as resolved-before-action and kept every duplicate as a repeat.
  const idOf = (i: number) => firedActions.find((a) => a.fingerprint === fingerprint(i))!.incidentId;
  const view = (await h.call('operator', 'GET', `/v1/incidents/${encodeURIComponent(idOf(0))}`)).body;
  expect(view.running).toBe(false);
  expect(view.incident.result.outcome).toBe('resolved-before-action');
  const open = (await h.call('operator', 'GET', `/v1/incidents/${encodeURIComponent(idOf(FAULTS - 1))}`))
    .body;
  expect(open.running).toBe(true);
  expect(open.incident.phase).toBe('needs-human');
  const sent = firing.filter((i) => i === FAULTS - 1).length;
  expect(open.repeats).toBe(sent - 1);
}, 420_000); // 2,000 deliveries take 90-250 s on a loaded 2-core machine
