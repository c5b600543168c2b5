// The Rebound worker process: creates the infrastructure clients (the only place that does),
// bundles the workflows, and runs the workflow worker and one activity worker per
// infrastructure until SIGINT/SIGTERM, then drains and closes the clients.
import { NativeConnection } from '@temporalio/worker';
import { startNotificationRelay } from '../activities/notification-outbox';
import { loadConfig } from '../shared/config';
import { createLogger } from '../shared/logger';
import { loadKeyring } from '../shared/secrets';
import { workflowTaskQueue } from '../shared/task-queues';
import { loadDatasets } from '../shared/partition-merge/load-datasets';
import { createKafka, createPool, createRedis, databasePools } from './clients';
import { activityDelayFromEnv, activityDelayInterceptors } from './test-activity-delay';
import { createWorkers, runWorkers } from './create-workers';
import { installSdkRuntime } from './sdk-runtime';
import { bundleInChildProcess } from './bundle-in-child';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger('worker', { level: config.logLevel, format: config.logFormat });
  installSdkRuntime(logger, { shutdownSignals: ['SIGINT', 'SIGTERM'] });
  const regions = databasePools(config);
  const deps = {
    regionPool: regions.get,
    datasets: loadDatasets(),
    platformPool: createPool(config, 'platform'),
    statePool: createPool(config, 'state'),
    redis: createRedis(config, 'rebound-worker'),
    kafka: createKafka(config, 'rebound-worker'),
  };
  try {
    const keyring = loadKeyring();
    // Built in a child process with the same keyring: webpack's memory stays out of the worker.
    const bundle = await bundleInChildProcess();
    const connection = await NativeConnection.connect({ address: config.temporal.address });
    const workers = await createWorkers({
      connection,
      namespace: config.temporal.namespace,
      taskQueuePrefix: config.temporal.taskQueuePrefix,
      bundle,
      deps: { ...deps, keyring },
      activityInterceptors: activityDelayInterceptors(activityDelayFromEnv()),
    });
    logger.info(
      {
        pid: process.pid,
        taskQueue: workflowTaskQueue(config.temporal.taskQueuePrefix),
        temporal: config.temporal.address,
      },
      'polling the workflow task queue and its activity queues',
    );
    // Pages whose notify activity gave up are published by the outbox relay (issue 10).
    const stopRelay = startNotificationRelay(deps.statePool, deps.redis, {
      onError: (err) => logger.error({ err }, 'notification relay failed'),
    });
    await runWorkers(workers);
    stopRelay();
    await connection.close();
  } finally {
    await Promise.allSettled([
      deps.platformPool.end(),
      deps.statePool.end(),
      deps.redis.quit(),
      regions.end(),
    ]);
  }
}

main().catch((err: unknown) => {
  createLogger('worker').fatal({ err }, 'fatal');
  process.exit(1);
});
