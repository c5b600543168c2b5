// Action endpoints accept `content-type: application/json` with no body as `{}` (what `curl -X POST
// -H 'content-type: application/json'` and many webhook senders send); endpoints that need fields
// still answer 400 with the zod issues, and a malformed JSON body is still a 400, never a 5xx.
import { type FastifyInstance } from 'fastify';
import { ApiMetrics } from '../../../client/api/metrics';
import { buildApiServer } from '../../../client/api/server';
import { bearer, createFakeService, testTokenStore, type Call } from './fake-service';
import { listen, type TestRequest, type TestResponse } from './listen';

let app: FastifyInstance;
let calls: Call[];
let send: (req: TestRequest) => Promise<TestResponse>;

beforeEach(async () => {
  await app?.close();
  const fake = createFakeService();
  calls = fake.calls;
  app = buildApiServer({ service: fake.service, tokens: testTokenStore(), metrics: new ApiMetrics() });
  send = await listen(app);
});
afterAll(() => app?.close());

const json = (who: string) => ({ ...bearer(who), 'content-type': 'application/json' });

test.each([
  ['/v1/incidents/i-1/cancel', 202],
  ['/v1/control/pause', 200],
  ['/v1/control/resume', 200],
])('POST %s with a JSON content type and no body answers as with {}', async (url, status) => {
  const empty = await send({ method: 'POST', url, headers: json('operator'), payload: '' });
  expect(empty.statusCode).toBe(status);
  const withObject = await send({ method: 'POST', url, headers: json('operator'), payload: '{}' });
  expect(withObject.statusCode).toBe(status);
  expect(empty.json()).toEqual(withObject.json());
});

test('whitespace only counts as empty too', async () => {
  const res = await send({
    method: 'POST',
    url: '/v1/control/resume',
    headers: json('operator'),
    payload: ' \n',
  });
  expect(res.statusCode).toBe(200);
});

test('an endpoint that needs fields still refuses an empty body with 400 and starts nothing', async () => {
  const alerts = await send({
    method: 'POST',
    url: '/v1/alerts/alertmanager',
    headers: json('alertmanager'),
    payload: '',
  });
  expect(alerts.statusCode).toBe(400);
  const trigger = await send({
    method: 'POST',
    url: '/v1/incidents',
    headers: json('operator'),
    payload: '',
  });
  expect(trigger.statusCode).toBe(400);
  expect(calls.filter((c) => c.method === 'ingestAlertmanager' || c.method === 'trigger')).toHaveLength(0);
});

test('malformed JSON is a 400, and a prototype-poisoning body is refused', async () => {
  const bad = await send({
    method: 'POST',
    url: '/v1/control/pause',
    headers: json('operator'),
    payload: '{"reason":',
  });
  expect(bad.statusCode).toBe(400);
  const proto = await send({
    method: 'POST',
    url: '/v1/control/pause',
    headers: json('operator'),
    payload: '{"reason":"x","__proto__":{"polluted":true}}',
  });
  expect(proto.statusCode).toBe(400);
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
});
