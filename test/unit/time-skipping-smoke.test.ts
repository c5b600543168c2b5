import { Worker } from '@temporalio/worker';
import { type TestWorkflowEnvironment } from '@temporalio/testing';
import { createTimeSkippingEnv, testBundle, uniquePrefix } from '../support/temporal-env';
import { activityTaskQueue, workflowTaskQueue } from '../../shared/task-queues';

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await createTimeSkippingEnv();
}, 60_000);
afterAll(async () => {
  await env?.teardown();
});

test('health-probe escalates when a dependency is unhealthy, with faked activities', async () => {
  const prefix = uniquePrefix('hp');
  const bundle = await testBundle();
  const probe = (dependency: string, healthy: boolean) => () =>
    Promise.resolve({ dependency, healthy, latencyMs: 1, detail: {}, error: healthy ? undefined : 'down' });
  const notified: string[] = [];
  const workers = await Promise.all([
    Worker.create({
      connection: env.nativeConnection,
      taskQueue: workflowTaskQueue(prefix),
      workflowBundle: bundle,
    }),
    Worker.create({
      connection: env.nativeConnection,
      taskQueue: activityTaskQueue(prefix, 'control'),
      activities: {
        recordAudit: () => Promise.resolve({ written: true }),
        notify: (n: { message: string }) => {
          notified.push(n.message);
          return Promise.resolve({ sent: true });
        },
      },
    }),
    Worker.create({
      connection: env.nativeConnection,
      taskQueue: activityTaskQueue(prefix, 'postgres'),
      activities: { probePostgres: probe('postgres', true) },
    }),
    Worker.create({
      connection: env.nativeConnection,
      taskQueue: activityTaskQueue(prefix, 'redis'),
      activities: { probeRedis: probe('redis', false) },
    }),
    Worker.create({
      connection: env.nativeConnection,
      taskQueue: activityTaskQueue(prefix, 'kafka'),
      activities: { probeKafka: probe('kafka', true) },
    }),
  ]);
  const [first, ...rest] = workers;
  const result = await first.runUntil(async () => {
    const running = rest.map((w) => w.run());
    const r = await env.client.workflow.execute('healthProbeWorkflow', {
      taskQueue: workflowTaskQueue(prefix),
      workflowId: `${prefix}-wf`,
      args: [
        {
          context: {
            resource: 'stack:test',
            initiator: 'tester',
            reason: '',
            dryRun: false,
            approvalPolicy: {
              allowedPrincipals: [],
              allowedRoles: ['approver'],
              quorum: 1,
              timeout: '1h',
              required: true,
            },
          },
          params: { dependencies: ['postgres', 'redis', 'kafka'] },
        },
      ],
    });
    rest.forEach((w) => w.shutdown());
    await Promise.all(running);
    return r;
  });
  expect(result).toMatchObject({ outcome: 'escalated', summary: 'unhealthy: redis' });
  expect(notified).toEqual(['health probe: redis unhealthy']);
}, 120_000);
