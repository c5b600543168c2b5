// The Rebound worker process: creates the infrastructure clients (the only place that does),
// bundles the workflows, and runs the workflow worker and one activity worker per
// infrastructure until SIGINT/SIGTERM, then drains and closes the clients.
import { NativeConnection, Runtime } from '@temporalio/worker';
import { loadConfig } from '../shared/config';
import { loadDecisionKey } from '../shared/secrets';
import { workflowTaskQueue } from '../shared/task-queues';
import { loadDatasets } from '../shared/partition-merge/load-datasets';
import { createKafka, createPool, createRedis, databasePools } from './clients';
import { createWorkers, runWorkers } from './create-workers';
import { bundleWorkflows } from './workflow-bundle';

async function main(): Promise<void> {
  const config = loadConfig();
  Runtime.install({ shutdownSignals: ['SIGINT', 'SIGTERM'] });
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
    const bundle = await bundleWorkflows(loadDecisionKey());
    const connection = await NativeConnection.connect({ address: config.temporal.address });
    const workers = await createWorkers({
      connection,
      namespace: config.temporal.namespace,
      taskQueuePrefix: config.temporal.taskQueuePrefix,
      bundle,
      deps,
    });
    console.log(
      `[worker] pid ${process.pid} polling ${workflowTaskQueue(config.temporal.taskQueuePrefix)} and its activity queues on ${config.temporal.address}`,
    );
    await runWorkers(workers);
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
  console.error('[worker] fatal:', err);
  process.exit(1);
});
