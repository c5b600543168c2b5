import { createFakeWorkers } from '../support/fake-workers';
import { timeSkippingEnvForFile, uniquePrefix } from '../support/temporal-env';
import { workflowTaskQueue } from '../../shared/task-queues';
import { testContext } from '../support/playbook-context';

const env = timeSkippingEnvForFile();

test('health-probe escalates when a dependency is unhealthy, with faked activities', async () => {
  const prefix = uniquePrefix('hp');
  const probe = (dependency: string, healthy: boolean) => () =>
    Promise.resolve({ dependency, healthy, latencyMs: 1, detail: {}, error: healthy ? undefined : 'down' });
  const notified: string[] = [];
  const workers = await createFakeWorkers(env(), prefix, {
    control: {
      recordAudit: () => Promise.resolve({ written: true }),
      notify: (n: { message: string }) => {
        notified.push(n.message);
        return Promise.resolve({ sent: true });
      },
    },
    postgres: { probePostgres: probe('postgres', true) },
    redis: { probeRedis: probe('redis', false) },
    kafka: { probeKafka: probe('kafka', true) },
  });
  const result = await workers.run(() =>
    env().client.workflow.execute('healthProbeWorkflow', {
      taskQueue: workflowTaskQueue(prefix),
      workflowId: `${prefix}-wf`,
      args: [
        {
          context: testContext('stack:test'),
          params: { dependencies: ['postgres', 'redis', 'kafka'] },
        },
      ],
    }),
  );
  expect(result).toMatchObject({ outcome: 'escalated', summary: 'unhealthy: redis' });
  expect(notified).toEqual(['health probe: redis unhealthy']);
}, 120_000);
