// Kafka admin operations on a consumer group: its state and members, committed offsets and lag
// per partition, and moving committed offsets (which Kafka allows only while the group is Empty).
import { ApplicationFailure } from '@temporalio/activity';
import { type Admin, type Kafka } from 'kafkajs';
import { ErrorTypes } from '../../shared/errors';

export interface PartitionLag {
  partition: number;
  /** The group's committed offset, or null when it never committed on this partition. */
  committed: string | null;
  low: string;
  high: string;
  lag: number;
}

export interface GroupSnapshot {
  group: string;
  topic: string;
  state: string;
  members: { memberId: string; clientId: string; host: string }[];
  partitions: PartitionLag[];
  lagTotal: number;
  takenAt: string;
}

export interface OffsetMove {
  partition: number;
  offset: string;
}

export interface OffsetMoveResult {
  partition: number;
  from: string | null;
  to: string;
  moved: boolean;
}

async function withAdmin<T>(kafka: Kafka, fn: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    await admin.disconnect();
  }
}

async function snapshot(admin: Admin, group: string, topic: string): Promise<GroupSnapshot> {
  const [described] = (await admin.describeGroups([group])).groups;
  const topicOffsets = await admin.fetchTopicOffsets(topic);
  const [committed] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
  const byPartition = new Map(committed?.partitions.map((p) => [p.partition, p.offset]) ?? []);
  const partitions = topicOffsets
    .map((t) => {
      const c = byPartition.get(t.partition);
      const has = c !== undefined && c !== '-1';
      const from = has ? BigInt(c) : BigInt(t.low);
      return {
        partition: t.partition,
        committed: has ? c : null,
        low: t.low,
        high: t.high,
        lag: Number(BigInt(t.high) > from ? BigInt(t.high) - from : 0n),
      };
    })
    .sort((a, b) => a.partition - b.partition);
  return {
    group,
    topic,
    state: described?.state ?? 'Dead',
    members: (described?.members ?? []).map((m) => ({
      memberId: m.memberId,
      clientId: m.clientId,
      host: m.clientHost,
    })),
    partitions,
    lagTotal: partitions.reduce((sum, p) => sum + p.lag, 0),
    takenAt: new Date().toISOString(),
  };
}

export function createKafkaGroupActivities(deps: { kafka: Kafka }) {
  return {
    /** describeGroups + committed offsets + lag per partition, in one read-only call. */
    snapshotGroup: ({ group, topic }: { group: string; topic: string }) =>
      withAdmin(deps.kafka, (admin) => snapshot(admin, group, topic)),

    /**
     * Commits the given offsets for the group. Only forward (a retry after the consumer already
     * moved on never rewinds it), and only while the group is Empty, as Kafka requires.
     * @throws ApplicationFailure (non-retryable, type GroupNotEmpty) when the group has members.
     */
    setGroupOffsets: ({ group, topic, moves }: { group: string; topic: string; moves: OffsetMove[] }) =>
      withAdmin(deps.kafka, async (admin): Promise<OffsetMoveResult[]> => {
        const before = await snapshot(admin, group, topic);
        if (before.state !== 'Empty' && before.state !== 'Dead') {
          throw ApplicationFailure.nonRetryable(
            `group ${group} is ${before.state} with ${before.members.length} member(s); offsets can only move while it is Empty`,
            ErrorTypes.GroupNotEmpty,
          );
        }
        const results = moves.map((m) => {
          const current = before.partitions.find((p) => p.partition === m.partition)?.committed ?? null;
          if (current !== null && BigInt(current) >= BigInt(m.offset)) {
            return { partition: m.partition, from: current, to: current, moved: false };
          }
          return { partition: m.partition, from: current, to: m.offset, moved: true };
        });
        const toMove = results.filter((r) => r.moved);
        if (toMove.length > 0) {
          await admin.setOffsets({
            groupId: group,
            topic,
            partitions: toMove.map((r) => ({ partition: r.partition, offset: r.to })),
          });
        }
        return results;
      }),
  };
}

export type KafkaGroupActivities = ReturnType<typeof createKafkaGroupActivities>;
