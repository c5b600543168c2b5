// The console's routes against a fake service: the page and its modules come only from the fixed
// allowlist (no path reaches another file), with a CSP that allows nothing but this origin; the
// session, audit and budget reads need a token with incidents:read and are in the OpenAPI
// document; the allowlist names exactly the modules console/src compiles to; and the console's
// hand-written API types accept what the server's schemas produce (checked by the type-check).
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { type FastifyInstance } from 'fastify';
import { alertSourceLinksFromEnv } from '../../../client/api/console/alert-links';
import { CONSOLE_ASSETS, CONSOLE_MODULES } from '../../../client/api/console/assets';
import { type ConsoleReadPort } from '../../../client/api/console/console-port';
import { ApiMetrics } from '../../../client/api/metrics';
import { buildApiServer } from '../../../client/api/server';
import type * as Console from '../../../console/src/api-types';
import { type AuditTrail, type BudgetUsage, type Session } from '../../../shared/api/console-schemas';
import {
  type ControlState,
  type IncidentSummary,
  type IncidentView,
  type ScheduleView,
} from '../../../shared/api/schemas';
import { REPO_ROOT } from '../../../shared/paths';
import { bearer, createFakeService, FakeServiceError, testTokenStore } from '../api/fake-service';
import { listen, type TestRequest, type TestResponse } from '../api/listen';
import { buildConsole } from '../../e2e/console/browser';

// What the API answers must be readable as what the console expects: a schema change that the
// console does not follow fails the type-check here.
export const apiShapesFitTheConsole: [
  Console.IncidentView,
  Console.IncidentSummary,
  Console.AuditTrail,
  Console.Session,
  Console.ControlState,
  Console.ScheduleView,
  Console.BudgetUsage,
] = [] as unknown as [
  IncidentView,
  IncidentSummary,
  AuditTrail,
  Session,
  ControlState,
  ScheduleView,
  BudgetUsage,
];

let app: FastifyInstance | undefined;
let send: (req: TestRequest) => Promise<TestResponse>;
const reads: ConsoleReadPort = {
  auditTrail: (id) =>
    id === 'missing'
      ? Promise.reject(new FakeServiceError('not-found', `no incident ${id}`))
      : Promise.resolve({ incidentId: id, entries: [] }),
  budgetUsage: () => Promise.resolve({ used: 3, refused: 1, max: 10, window: '10m', windowSeconds: 600 }),
};

async function build(withReads: boolean): Promise<void> {
  await app?.close();
  app = buildApiServer({
    service: createFakeService().service,
    tokens: testTokenStore(),
    metrics: new ApiMetrics(),
    consoleReads: withReads ? reads : undefined,
    alertLinks: { prometheus: 'http://prom.test', alertmanager: 'http://am.test' },
  });
  send = await listen(app);
}

beforeAll(async () => {
  buildConsole();
  await build(true);
}, 60_000);
afterAll(() => app?.close());

test('the allowlist names exactly the modules console/src compiles to, and only files of the console', () => {
  const sources = readdirSync(join(REPO_ROOT, 'console/src'))
    .filter((f) => f.endsWith('.ts'))
    .map((f) => f.replace(/\.ts$/, '.js'))
    .sort();
  expect([...CONSOLE_MODULES].sort()).toEqual(sources);
  for (const asset of CONSOLE_ASSETS.values())
    expect(
      asset.path.startsWith(join(REPO_ROOT, 'console/static/')) ||
        asset.path.startsWith(join(REPO_ROOT, 'dist/console/')),
    ).toBe(true);
});

test('the page at / and its modules, with a CSP that allows only this origin', async () => {
  const page = await send({ method: 'GET', url: '/' });
  expect(page.statusCode).toBe(200);
  expect(page.headers['content-type']).toMatch(/^text\/html/);
  expect(page.body).toContain('<script type="module" src="/console/main.js">');
  expect(page.body).not.toMatch(/https?:\/\//);
  expect(page.headers['content-security-policy']).toContain("default-src 'self'");
  expect(page.headers['content-security-policy']).toContain("frame-ancestors 'none'");
  expect(page.headers['x-content-type-options']).toBe('nosniff');
  for (const m of CONSOLE_MODULES) {
    const res = await send({ method: 'GET', url: `/console/${m}` });
    expect([m, res.statusCode, res.headers['content-type']]).toEqual([
      m,
      200,
      'text/javascript; charset=utf-8',
    ]);
    // Built from the repository: nothing is fetched from another host.
    expect(res.body).not.toMatch(/\bfrom\s+['"]https?:|import\(\s*['"]https?:/);
  }
  expect((await send({ method: 'GET', url: '/console/console.css' })).headers['content-type']).toMatch(
    /^text\/css/,
  );
});

test.each([
  '/console/package.json',
  '/console/..%2Fpackage.json',
  '/console/..%2F..%2Fpackage.json',
  '/console/%2e%2e%2fshared%2fsecrets.ts',
  '/console/main.ts',
  '/console/index.html%00.js',
])('no other file: %s is a 404', async (url) => {
  const res = await send({ method: 'GET', url });
  expect(res.statusCode).toBe(404);
  expect(res.body).not.toContain('"name": "rebound"');
});

test('the session names the principal and roles; without a token or the role it is refused', async () => {
  expect((await send({ method: 'GET', url: '/v1/session' })).statusCode).toBe(401);
  expect(
    (await send({ method: 'GET', url: '/v1/session', headers: bearer('alertmanager') })).statusCode,
  ).toBe(403);
  const res = await send({ method: 'GET', url: '/v1/session', headers: bearer('alice') });
  expect(res.json()).toEqual({
    principal: 'alice',
    roles: ['approver', 'incidents:read'],
    links: { prometheus: 'http://prom.test', alertmanager: 'http://am.test' },
  });
});

test('audit trail and budget: incidents:read, 404 for no incident, 503 without the reads', async () => {
  expect((await send({ method: 'GET', url: '/v1/incidents/x/audit' })).statusCode).toBe(401);
  expect(
    (await send({ method: 'GET', url: '/v1/control/budget', headers: bearer('alertmanager') })).statusCode,
  ).toBe(403);
  expect(
    (await send({ method: 'GET', url: '/v1/incidents/x/audit', headers: bearer('bob') })).json(),
  ).toEqual({
    incidentId: 'x',
    entries: [],
  });
  expect(
    (await send({ method: 'GET', url: '/v1/incidents/missing/audit', headers: bearer('bob') })).statusCode,
  ).toBe(404);
  expect(
    (await send({ method: 'GET', url: '/v1/control/budget', headers: bearer('operator') })).json(),
  ).toMatchObject({ used: 3, max: 10 });
  await build(false);
  expect(
    (await send({ method: 'GET', url: '/v1/control/budget', headers: bearer('operator') })).statusCode,
  ).toBe(503);
  await build(true);
});

test('the new reads are in the OpenAPI document with their roles', async () => {
  const doc = (await send({ method: 'GET', url: '/openapi.json' })).json();
  expect(doc.paths['/v1/session'].get['x-required-role']).toBe('incidents:read');
  expect(doc.paths['/v1/incidents/{id}/audit'].get['x-required-role']).toBe('incidents:read');
  expect(
    doc.paths['/v1/control/budget'].get.responses['200'].content['application/json'].schema.required,
  ).toEqual(expect.arrayContaining(['used', 'max', 'window']));
  expect(doc.paths['/'].get.security).toBeUndefined();
});

test('alert links: http(s) only, defaults to the local stack', () => {
  expect(alertSourceLinksFromEnv({})).toEqual({
    prometheus: 'http://127.0.0.1:9090',
    alertmanager: 'http://127.0.0.1:9093',
  });
  expect(alertSourceLinksFromEnv({ REBOUND_PROMETHEUS_URL: 'https://prom.example/' }).prometheus).toBe(
    'https://prom.example',
  );
  expect(() => alertSourceLinksFromEnv({ REBOUND_ALERTMANAGER_URL: 'javascript:alert(1)' })).toThrow();
});
