// A short run of the bad-input campaign (the full one, ≥ 10,000 inputs per endpoint, is
// `npm run fuzz`, against the stack's running API) against the real API on a task queue of its own
// (test/integration/api/api-harness.ts) with the dev principals' roles: every endpoint gets 200
// generated inputs (wrong and missing tokens, wrong content types, broken, deep and huge bodies,
// injection and unicode strings); none may get a 5xx, be accepted, or start a workflow (Temporal's
// count on the API's task queue, before and after), and the server must still answer. The seed is
// printed so that a failure can be replayed (REBOUND_FUZZ_SEED).
import { type Client } from '@temporalio/client';
import { DEV_PRINCIPALS, readDevTokens } from '../../../client/auth/dev-tokens';
import { connectClient } from '../../../client/temporal-client';
import { loadConfig } from '../../../shared/config';
import { workflowTaskQueue } from '../../../shared/task-queues';
import { runApiCampaign } from '../../fuzz/api-campaign';
import { fuzzTokens } from '../../fuzz/fuzz-tokens';
import { startApiHarness } from '../api/api-harness';

const config = loadConfig();
let client: Client;
beforeAll(async () => {
  client = await connectClient(config);
});
afterAll(async () => {
  await client?.connection.close();
});

test('200 bad inputs per endpoint: no 5xx, nothing accepted, no workflow started, server alive', async () => {
  const seed = Number(process.env.REBOUND_FUZZ_SEED ?? Date.now() % 1_000_000);
  console.log(`api fuzz seed ${seed}`);
  // The API on a task queue of its own: the stack's queue also gets the incidents other suites
  // open meanwhile (the Alertmanager delivery test's, run beside this one, was counted once).
  const h = await startApiHarness('api-fuzz');
  let counts: Awaited<ReturnType<typeof runApiCampaign>>;
  try {
    const tokens = Object.fromEntries(
      Object.entries(DEV_PRINCIPALS).map(([name, roles]) => [name, { token: h.tokens[name], roles }]),
    );
    counts = await runApiCampaign({
      baseUrl: h.url,
      tokens: fuzzTokens(tokens),
      client: h.client,
      taskQueue: workflowTaskQueue(h.prefix),
      runs: 200,
      seed,
      concurrency: 4,
    });
  } finally {
    await h.close();
  }
  expect(counts.length).toBe(16);
  for (const c of counts) {
    expect({ target: c.target, findings: c.findings }).toEqual({ target: c.target, findings: [] });
    expect(c.serverErrors).toBe(0);
    expect(c.acceptedInvalid).toBe(0);
    expect(c.workflowsAfter).toBe(c.workflowsBefore);
    expect(c.aliveAfter).toBe(true);
  }
  // The campaign reaches past authentication: valid tokens with invalid bodies get 400s.
  const statuses = counts.flatMap((c) => Object.keys(c.byStatus));
  expect(statuses).toEqual(expect.arrayContaining(['400', '401', '403', '404', '415']));
}, 300_000);

test('a refused decision on an id with a NUL is a 4xx, not a failed audit insert (found by the campaign)', async () => {
  const tokens = fuzzTokens(readDevTokens()!);
  const res = await fetch(`http://${config.api.host}:${config.api.port}/v1/incidents/x%00y/approvals`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${tokens.byRole['incidents:write']}`,
      'content-type': 'application/json',
    },
    body: JSON.stringify({ decision: 'approve' }),
  });
  expect(res.status).toBeGreaterThanOrEqual(400);
  expect(res.status).toBeLessThan(500);
});

test('a NUL in a list filter is a 400, not a failed query (found by the campaign)', async () => {
  const tokens = fuzzTokens(readDevTokens()!);
  const res = await fetch(`http://${config.api.host}:${config.api.port}/v1/incidents?resource=org%3Ax%00`, {
    headers: { authorization: `Bearer ${tokens.byRole['incidents:read']}` },
  });
  expect(res.status).toBe(400);
});
