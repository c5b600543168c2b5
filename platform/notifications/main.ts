// The reference notification consumer as its own process: consumes the notification events topic
// with the consumer runtime and writes the notifications table. Topic and group come from
// --topic/--group or NOTIFICATION_TOPIC/NOTIFICATION_GROUP, defaulting to the platform's names.
// Usage: tsx platform/notifications/main.ts [--topic T] [--group G] [--crash-backoff MS]
import { parseArgs } from 'node:util';
import { ConsumerRuntime } from '../../consumer/runtime';
import { loadConfig } from '../../shared/config';
import { createLogger } from '../../shared/logger';
import { createKafka, createPool, createRedis } from '../../workers/clients';
import { notificationHandler } from './handler';
import { NOTIFICATIONS_GROUP, NOTIFICATIONS_TOPIC } from './topic';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      topic: { type: 'string', default: process.env.NOTIFICATION_TOPIC ?? NOTIFICATIONS_TOPIC },
      group: { type: 'string', default: process.env.NOTIFICATION_GROUP ?? NOTIFICATIONS_GROUP },
      'crash-backoff': { type: 'string', default: process.env.NOTIFICATION_CRASH_BACKOFF_MS ?? '5000' },
    },
  });
  const config = loadConfig();
  const logger = createLogger('notification-consumer', { level: config.logLevel, format: config.logFormat });
  const kafka = createKafka(config, `notification-consumer-${process.pid}`);
  const redis = createRedis(config, 'notification-consumer');
  const subscriber = createRedis(config, 'notification-consumer-sub');
  const pool = createPool(config, 'platform', 4);

  // Subscribing to a topic that does not exist yet fails; creating it is idempotent.
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: values.topic, numPartitions: 3 }] }).catch(() => false);
  await admin.disconnect();

  const runtime = new ConsumerRuntime({
    kafka,
    redis,
    subscriber,
    pool,
    group: values.group,
    topic: values.topic,
    handler: notificationHandler,
    crashBackoffMs: Number(values['crash-backoff']),
    logger,
  });
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'leaving the group');
    runtime
      .close()
      .then(() => Promise.allSettled([pool.end(), redis.quit(), subscriber.quit()]))
      .then(
        () => process.exit(0),
        () => process.exit(1),
      );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  await runtime.start();
  logger.info(
    { pid: process.pid, instanceId: runtime.instanceId, group: values.group, topic: values.topic },
    'notification consumer started',
  );
}

main().catch((err: unknown) => {
  createLogger('notification-consumer').fatal({ err }, 'fatal');
  process.exit(1);
});
