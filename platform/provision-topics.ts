// Creates the reference platform's Kafka topics, as a deployment would provision them, so that
// the first consumer or publisher does not race topic creation on a fresh broker. Idempotent;
// `stack up` runs it after Kafka answers. Usage: tsx platform/provision-topics.ts [--quiet]
import { loadConfig } from '../shared/config';
import { quarantineTopic } from '../shared/consumer-control';
import { createKafka } from '../workers/clients';
import { NOTIFICATIONS_TOPIC } from './notifications/topic';
import { ORG_EVENTS_TOPIC } from './org/events';
import { ensureTopic } from './outbox/topics';

export const PLATFORM_TOPICS: { topic: string; partitions: number }[] = [
  { topic: NOTIFICATIONS_TOPIC, partitions: 3 },
  // One partition: a quarantine is small and is scanned whole, in order.
  { topic: quarantineTopic(NOTIFICATIONS_TOPIC), partitions: 1 },
  { topic: ORG_EVENTS_TOPIC, partitions: 3 },
];

async function main(): Promise<void> {
  const admin = createKafka(loadConfig(), 'rebound-provision').admin();
  await admin.connect();
  try {
    for (const { topic, partitions } of PLATFORM_TOPICS) await ensureTopic(admin, topic, partitions);
    if (!process.argv.includes('--quiet'))
      console.log(`[topics] ${PLATFORM_TOPICS.map((t) => t.topic).join(', ')}`);
  } finally {
    await admin.disconnect();
  }
}

main().catch((err: unknown) => {
  console.error(`[topics] ${(err as Error).message}`);
  process.exit(1);
});
