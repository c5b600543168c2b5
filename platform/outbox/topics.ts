// Topic helpers for the relay: create a topic once, pick the partition of a message key the same
// way on every attempt (so a retried publish can be looked for where the first one went).
import { type Admin } from 'kafkajs';

export async function ensureTopic(admin: Admin, topic: string, numPartitions = 3): Promise<void> {
  const existing = await admin.listTopics();
  if (existing.includes(topic)) return;
  await admin.createTopics({ topics: [{ topic, numPartitions }], waitForLeaders: true });
}

/** FNV-1a of the key modulo the partition count: stable across processes and attempts. */
export function partitionForKey(key: string | null, partitions: number): number {
  if (!key || partitions <= 1) return 0;
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h % partitions;
}

export async function partitionCount(admin: Admin, topic: string): Promise<number> {
  const meta = await admin.fetchTopicMetadata({ topics: [topic] });
  return meta.topics[0]?.partitions.length ?? 0;
}

/** The offset the next message produced to the partition will get. */
export async function partitionEnd(admin: Admin, topic: string, partition: number): Promise<number> {
  const offsets = await admin.fetchTopicOffsets(topic);
  const p = offsets.find((o) => o.partition === partition);
  if (!p) throw new Error(`topic ${topic} has no partition ${partition}`);
  return Number(p.high);
}
