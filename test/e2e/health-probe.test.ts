// The health-probe playbook end to end: real Temporal dev server, a real worker process, real
// PostgreSQL, Redis and Kafka, started through the same client code the scripts use.
import { type Client } from '@temporalio/client';
import { connectClient } from '../../client/temporal-client';
import { startPlaybook } from '../../client/start-playbook';
import { loadConfig } from '../../shared/config';
import { statusQuery, type PlaybookResult } from '../../shared/workflow-interface';
import { createPool } from '../../workers/clients';
import { uniquePrefix } from '../support/temporal-env';
import { startWorkerProcess, type WorkerProcess } from '../support/worker-process';

const config = loadConfig();
let client: Client;
let worker: WorkerProcess;
const prefix = uniquePrefix('e2e-hp');

beforeAll(async () => {
  client = await connectClient(config);
  worker = await startWorkerProcess(prefix);
}, 90_000);

afterAll(async () => {
  await worker?.kill();
  await client?.connection.close();
});

test('probes every dependency, answers the status query, and is listed by search attribute', async () => {
  const resource = `stack:${prefix}`;
  const handle = await startPlaybook(client, {
    playbook: 'health-probe',
    params: {},
    context: { resource, initiator: 'e2e' },
    taskQueuePrefix: prefix,
  });
  const result = (await handle.result()) as PlaybookResult;
  expect(result.outcome).toBe('recovered');
  const status = await handle.query(statusQuery);
  expect(status.phase).toBe('closed');
  expect(status.steps.map((s) => [s.name, s.state, s.attempts])).toEqual([
    ['probe:postgres', 'succeeded', 1],
    ['probe:redis', 'succeeded', 1],
    ['probe:kafka', 'succeeded', 1],
  ]);
  const probes = (result.details as { probes: { dependency: string; detail: Record<string, unknown> }[] })
    .probes;
  expect(probes.find((p) => p.dependency === 'postgres')?.detail.version).toMatch(/^15\./);
  expect(probes.find((p) => p.dependency === 'redis')?.detail.version).toMatch(/^7\./);
  expect(probes.find((p) => p.dependency === 'kafka')?.detail.brokers).toBe(1);

  // Visibility is eventually consistent: poll briefly for the closed-phase search attribute.
  const query = `ReboundResource = '${resource}' AND ReboundPhase = 'closed' AND ReboundOutcome = 'recovered'`;
  let listed = 0;
  for (let i = 0; i < 50 && listed === 0; i++) {
    listed = (await client.workflow.count(query)).count;
    if (listed === 0) await new Promise((r) => setTimeout(r, 200));
  }
  expect(listed).toBe(1);

  const pool = createPool(config, 'state', 1);
  try {
    const audit = await pool.query('SELECT kind FROM audit_events WHERE workflow_id = $1', [
      handle.workflowId,
    ]);
    expect(audit.rows.map((r: { kind: string }) => r.kind)).toEqual(['closed-recovered']);
  } finally {
    await pool.end();
  }
}, 120_000);
