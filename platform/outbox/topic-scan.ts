// Reads offset ranges of a topic's partitions with a throw-away consumer group (kafkajs has no
// plain fetch API). Used by the relay to look for an event a crashed attempt may have produced,
// and by checks that count events on a topic.
import { randomUUID } from 'node:crypto';
import { type Kafka, type KafkaMessage } from 'kafkajs';

export interface PartitionRange {
  partition: number;
  /** First offset to read. */
  from: number;
  /** Offset to stop before (the partition's end when the scan was planned). */
  to: number;
}

/**
 * Calls `visit` for every message in the ranges, in offset order per partition; `visit` returning
 * true stops the scan early. Throws if the ranges are not read within `timeoutMs`.
 */
export async function scanTopic(
  kafka: Kafka,
  topic: string,
  ranges: PartitionRange[],
  visit: (message: KafkaMessage, partition: number) => boolean,
  timeoutMs = 30_000,
): Promise<void> {
  const pending = new Map(ranges.filter((r) => r.to > r.from).map((r) => [r.partition, r]));
  if (pending.size === 0) return;
  const groupId = `scan-${topic}-${randomUUID()}`;
  const consumer = kafka.consumer({ groupId, sessionTimeout: 10_000, heartbeatInterval: 1_000 });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`scan of ${topic} did not finish in ${timeoutMs} ms`)),
        timeoutMs,
      );
      const finish = () => {
        clearTimeout(timer);
        resolve();
      };
      consumer
        .run({
          autoCommit: false,
          eachMessage: ({ partition, message }) => {
            const range = pending.get(partition);
            const offset = Number(message.offset);
            if (!range || offset < range.from) return Promise.resolve();
            if (offset < range.to && visit(message, partition)) {
              pending.clear();
              finish();
              return Promise.resolve();
            }
            if (offset >= range.to - 1) pending.delete(partition);
            if (pending.size === 0) finish();
            return Promise.resolve();
          },
        })
        .then(() => {
          for (const r of pending.values())
            consumer.seek({ topic, partition: r.partition, offset: String(r.from) });
        })
        .catch((err: unknown) => {
          clearTimeout(timer);
          reject(err instanceof Error ? err : new Error(String(err)));
        });
    });
  } finally {
    await consumer.disconnect();
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteGroups([groupId]).catch(() => undefined);
    await admin.disconnect();
  }
}

/** The whole current content of a topic (every partition from its start to its present end). */
export async function readTopic(
  kafka: Kafka,
  topic: string,
  visit: (message: KafkaMessage, partition: number) => void,
): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  let offsets: { partition: number; low: string; high: string }[];
  try {
    offsets = await admin.fetchTopicOffsets(topic);
  } finally {
    await admin.disconnect();
  }
  await scanTopic(
    kafka,
    topic,
    offsets.map((o) => ({ partition: o.partition, from: Number(o.low), to: Number(o.high) })),
    (m, p) => {
      visit(m, p);
      return false;
    },
  );
}
