// The OpenAPI document lists every public endpoint with the schemas the server validates, and
// /metrics exposes the intake, recovery, approval and HTTP latency metrics.
import { type FastifyInstance } from 'fastify';
import { ApiMetrics } from '../../../client/api/metrics';
import { buildApiServer } from '../../../client/api/server';
import { type IncidentSummary } from '../../../shared/api/schemas';
import { bearer, createFakeService, testTokenStore, webhook } from './fake-service';
import { listen, type TestRequest, type TestResponse } from './listen';

let app: FastifyInstance;
let send: (req: TestRequest) => Promise<TestResponse>;
const now = Date.now();
const closed: IncidentSummary[] = [
  {
    incidentId: 'a',
    runId: 'r1',
    status: 'closed',
    executionStatus: 'COMPLETED',
    outcome: 'recovered',
    startedAt: new Date(now + 1_000).toISOString(),
    closedAt: new Date(now + 31_000).toISOString(),
  },
  {
    incidentId: 'b',
    runId: 'r2',
    status: 'closed',
    executionStatus: 'COMPLETED',
    outcome: 'compensated',
    startedAt: new Date(now + 1_000).toISOString(),
    closedAt: new Date(now + 2_000).toISOString(),
  },
  // Closed before the API started: not counted as a recovery of this process.
  {
    incidentId: 'old',
    runId: 'r0',
    status: 'closed',
    executionStatus: 'COMPLETED',
    outcome: 'failed',
    startedAt: new Date(now - 600_000).toISOString(),
    closedAt: new Date(now - 500_000).toISOString(),
  },
];
const running: IncidentSummary[] = [
  {
    incidentId: 'c',
    runId: 'r3',
    status: 'running',
    executionStatus: 'RUNNING',
    phase: 'awaiting-approval',
    startedAt: new Date(now).toISOString(),
  },
  {
    incidentId: 'd',
    runId: 'r4',
    status: 'running',
    executionStatus: 'RUNNING',
    phase: 'running',
    startedAt: new Date(now).toISOString(),
  },
];

beforeAll(async () => {
  const fake = createFakeService({
    list: (f) => Promise.resolve(f.status === 'closed' ? closed : running),
  });
  app = buildApiServer({
    service: fake.service,
    tokens: testTokenStore(),
    metrics: new ApiMetrics({ list: (f) => fake.service.list(f) }, 0),
  });
  send = await listen(app);
});
afterAll(() => app?.close());

test('the OpenAPI document covers every public path with bearer security and zod-derived bodies', async () => {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const doc: any = (await send({ method: 'GET', url: '/openapi.json' })).json();
  expect(doc.openapi).toBe('3.1.0');
  const ops = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([p, m]) =>
    Object.keys(m).map((verb) => `${verb.toUpperCase()} ${p}`),
  );
  expect(ops).toEqual(
    expect.arrayContaining([
      'POST /v1/alerts/alertmanager',
      'POST /v1/incidents',
      'GET /v1/incidents',
      'GET /v1/incidents/{id}',
      'GET /v1/incidents/{id}/report',
      'POST /v1/incidents/{id}/approvals',
      'POST /v1/incidents/{id}/cancel',
      'POST /v1/control/pause',
      'POST /v1/control/resume',
      'GET /v1/schedules',
      'PUT /v1/schedules',
      'GET /healthz',
      'GET /readyz',
      'GET /metrics',
      'GET /openapi.json',
    ]),
  );
  const webhookOp = doc.paths['/v1/alerts/alertmanager'].post;
  expect(webhookOp.security).toEqual([{ bearer: [] }]);
  const body = webhookOp.requestBody.content['application/json'].schema;
  expect(body.properties.version).toEqual(expect.objectContaining({ const: '4' }));
  expect(body.required).toEqual(
    expect.arrayContaining(['version', 'groupKey', 'status', 'receiver', 'alerts']),
  );
  expect(Object.keys(webhookOp.responses as object)).toEqual(
    expect.arrayContaining(['202', '400', '401', '403', '413']),
  );
  const trigger = doc.paths['/v1/incidents'].post.requestBody.content['application/json'].schema;
  expect(trigger.properties.playbook.enum).toContain('consumer-safe-mode-restart');
  const list = (doc.paths['/v1/incidents'].get.parameters as { name: string }[]).map(
    (p: { name: string }) => p.name,
  );
  expect(list).toEqual(expect.arrayContaining(['status', 'playbook', 'resource']));
  expect(doc.paths['/v1/incidents/{id}'].get.parameters[0]).toMatchObject({
    name: 'id',
    in: 'path',
    required: true,
  });
});

test('metrics count intake, recoveries since start by outcome, time to recovery, pending approvals, HTTP latency', async () => {
  await send({
    method: 'POST',
    url: '/v1/alerts/alertmanager',
    headers: bearer('alertmanager'),
    payload: webhook([{ fingerprint: 'x' }, { fingerprint: 'y', status: 'resolved' }]),
  });
  const scrape = async () => (await send({ method: 'GET', url: '/metrics' })).body;
  await scrape();
  const text = await scrape(); // a second scrape must not count the same closed incidents again
  expect(text).toContain('rebound_incidents_total{action="started",source="alertmanager"} 1');
  expect(text).toContain('rebound_incidents_total{action="resolved",source="alertmanager"} 1');
  expect(text).toContain('rebound_alerts_received_total 2');
  expect(text).toContain('rebound_recoveries_total{outcome="recovered"} 1');
  expect(text).toContain('rebound_recoveries_total{outcome="compensated"} 1');
  expect(text).not.toContain('rebound_recoveries_total{outcome="failed"}');
  expect(text).toContain('rebound_time_to_recovery_seconds_bucket{le="30",outcome="recovered"} 1');
  expect(text).toContain('rebound_time_to_recovery_seconds_bucket{le="15",outcome="recovered"} 0');
  expect(text).toContain('rebound_approvals_pending 1');
  expect(text).toMatch(
    /rebound_http_request_duration_seconds_count\{method="POST",route="\/v1\/alerts\/alertmanager",status_code="202"\} 1/,
  );
});

test('scrapes share one visibility refresh, at most one per interval', async () => {
  let lists = 0;
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const m = new ApiMetrics(
    {
      list: async () => {
        lists += 1;
        await gate;
        return [];
      },
    },
    60_000,
  );
  const scrapes = Array.from({ length: 100 }, () => m.refresh());
  release();
  await Promise.all(scrapes);
  expect(lists).toBe(2); // one refresh: the closed and the running list
  await m.refresh(); // within the interval: the values of the last refresh
  expect(lists).toBe(2);
});
