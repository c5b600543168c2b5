// Poison messages: read them at their exact offsets, copy each to `<topic>.quarantine` with
// headers saying where it came from and why, exactly once per (incident, topic, partition,
// offset) even when the step is retried — the copy is looked up in the quarantine topic itself
// before producing, so a retry after a produce whose acknowledgement was lost finds it. That
// look-up reads only the part of the quarantine topic produced since the step's watermark (taken
// by the workflow before the first attempt) and heartbeats while it reads, so neither its time
// nor a heartbeat timeout grows with the quarantine topic (a timed-out scan that kept running
// and produced a second copy was issue 14's known fault 3).
import { ApplicationFailure, Context } from '@temporalio/activity';
import { type Kafka } from 'kafkajs';
import { QUARANTINE_HEADERS as H, quarantineTopic } from '../../shared/consumer-control';
import { ErrorTypes } from '../../shared/errors';
import { encodeHeaders, readRanges, readWholeTopic, type HeaderEntry, type RawMessage } from './topic-reader';
import { ensureTopic } from '../../platform/outbox/topics';

export interface QuarantinedMessage {
  /** Where the copy lives in the quarantine topic. */
  partition: number;
  offset: string;
  original: { topic: string; partition: number; offset: string; key: string | null };
  error: string;
  incidentId: string;
  /** The original key's bytes (the copy is produced with the same key). */
  keyBase64: string | null;
  valueBase64: string | null;
  /** The original record's headers, byte for byte, without Rebound's provenance headers. */
  originalHeaders: HeaderEntry[];
  timestamp: string;
}

const REBOUND_HEADER_NAMES = new Set<string>(Object.values(H));

export interface QuarantineRequest {
  incidentId: string;
  message: RawMessage;
  error: string;
  /**
   * The quarantine topic's high watermarks taken before the first attempt (`quarantineWatermark`):
   * a copy produced by any attempt is at or after them. Absent (histories from before it
   * existed): the whole topic is scanned.
   */
  scanFrom?: PartitionOffset[];
}

/** A partition and an offset in it (a high watermark: the next offset to be written). */
export interface PartitionOffset {
  partition: number;
  offset: string;
}

export interface QuarantineResult {
  copy: QuarantinedMessage;
  /** false when an earlier attempt had already produced the copy. */
  produced: boolean;
}

export function asQuarantined(m: RawMessage): QuarantinedMessage | undefined {
  const h = m.headers;
  if (h[H.topic] === undefined || h[H.partition] === undefined || h[H.offset] === undefined) return undefined;
  return {
    partition: m.partition,
    offset: m.offset,
    original: {
      topic: h[H.topic],
      partition: Number(h[H.partition]),
      offset: h[H.offset],
      key: h[H.key] ?? null,
    },
    error: h[H.error] ?? '',
    incidentId: h[H.incident] ?? '',
    keyBase64: m.keyBase64,
    valueBase64: m.valueBase64,
    originalHeaders: m.headerList.filter((e) => !REBOUND_HEADER_NAMES.has(e.name)),
    timestamp: m.timestamp,
  };
}

// One partition: the quarantine is small and is scanned whole, in order.
async function ensureQuarantineTopic(kafka: Kafka, topic: string): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await ensureTopic(admin, topic, 1);
  } finally {
    await admin.disconnect();
  }
}

/**
 * Runs `fn` while heartbeating every `everyMs` (ms) with `details()`: a read that waits on the
 * broker between messages still proves the activity alive, and a cancelled or timed-out attempt
 * learns it at the next heartbeat instead of running on.
 */
async function heartbeating<T>(details: () => unknown, fn: () => Promise<T>, everyMs = 2_000): Promise<T> {
  const ctx = Context.current();
  ctx.heartbeat(details());
  const timer = setInterval(() => ctx.heartbeat(details()), everyMs);
  try {
    return await fn();
  } finally {
    clearInterval(timer);
  }
}

const END_OF_PARTITION = '9223372036854775807';

export function createKafkaQuarantineActivities(deps: { kafka: Kafka }) {
  async function listQuarantine({ topic }: { topic: string }): Promise<QuarantinedMessage[]> {
    const qTopic = quarantineTopic(topic);
    await ensureQuarantineTopic(deps.kafka, qTopic);
    let read = 0;
    const all = await heartbeating(
      () => ({ scanning: qTopic, read }),
      () => readWholeTopic(deps.kafka, qTopic, (n) => (read = n)),
    );
    return all.map(asQuarantined).filter((q): q is QuarantinedMessage => q !== undefined);
  }

  /** Copies in the quarantine topic of `topic` from `scanFrom` on (every copy when absent). */
  async function quarantinedSince(
    topic: string,
    scanFrom: PartitionOffset[] | undefined,
  ): Promise<QuarantinedMessage[]> {
    if (!scanFrom) return listQuarantine({ topic });
    const qTopic = quarantineTopic(topic);
    let read = 0;
    const recent = await heartbeating(
      () => ({ scanning: qTopic, from: scanFrom, read }),
      () =>
        readRanges(
          deps.kafka,
          qTopic,
          scanFrom.map((p) => ({ partition: p.partition, from: p.offset, to: END_OF_PARTITION })),
          { onProgress: (n) => (read = n) },
        ),
    );
    return recent.map(asQuarantined).filter((q): q is QuarantinedMessage => q !== undefined);
  }

  return {
    /** The messages at exact offsets of a topic (the failing ones a consumer reported). */
    readMessagesAt: async ({
      topic,
      refs,
    }: {
      topic: string;
      refs: { partition: number; offset: string }[];
    }) => {
      const found = await readRanges(
        deps.kafka,
        topic,
        refs.map((r) => ({ partition: r.partition, from: r.offset, to: (BigInt(r.offset) + 1n).toString() })),
        { onProgress: (n) => Context.current().heartbeat({ read: n }) },
      );
      const missing = refs.filter(
        (r) => !found.some((m) => m.partition === r.partition && m.offset === r.offset),
      );
      if (missing.length > 0) {
        throw ApplicationFailure.nonRetryable(
          `no message at ${missing.map((m) => `${topic}:${m.partition}:${m.offset}`).join(', ')} (deleted by retention?)`,
          ErrorTypes.PreconditionFailed,
        );
      }
      return found;
    },

    listQuarantine,

    /** The quarantine topic's high watermark per partition (creating the topic if needed). */
    quarantineWatermark: async ({ topic }: { topic: string }): Promise<PartitionOffset[]> => {
      const qTopic = quarantineTopic(topic);
      await ensureQuarantineTopic(deps.kafka, qTopic);
      const admin = deps.kafka.admin();
      await admin.connect();
      try {
        return (await admin.fetchTopicOffsets(qTopic)).map((o) => ({
          partition: o.partition,
          offset: o.high,
        }));
      } finally {
        await admin.disconnect();
      }
    },

    quarantineMessage: async ({
      incidentId,
      message,
      error,
      scanFrom,
    }: QuarantineRequest): Promise<QuarantineResult> => {
      const existing = (await quarantinedSince(message.topic, scanFrom)).find(
        (q) =>
          q.incidentId === incidentId &&
          q.original.topic === message.topic &&
          q.original.partition === message.partition &&
          q.original.offset === message.offset,
      );
      if (existing) return { copy: existing, produced: false };
      // The original key and headers byte for byte (binary keys, schema-registry headers, repeated
      // headers), then Rebound's provenance headers, which replace any earlier hop's.
      const provenance: Record<string, string> = {
        [H.topic]: message.topic,
        [H.partition]: String(message.partition),
        [H.offset]: message.offset,
        [H.error]: error.slice(0, 1_000),
        [H.incident]: incidentId,
      };
      if (message.key !== null) provenance[H.key] = message.key;
      const headers = encodeHeaders(message.headerList, provenance);
      const producer = deps.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
      await producer.connect();
      try {
        const [meta] = await producer.send({
          topic: quarantineTopic(message.topic),
          acks: -1,
          messages: [
            {
              key: message.keyBase64 === null ? null : Buffer.from(message.keyBase64, 'base64'),
              value: message.valueBase64 === null ? null : Buffer.from(message.valueBase64, 'base64'),
              headers,
            },
          ],
        });
        const copy = asQuarantined({
          ...message,
          topic: quarantineTopic(message.topic),
          partition: meta.partition,
          offset: meta.baseOffset ?? '-1',
          headers: { ...message.headers, ...provenance },
          headerList: message.headerList,
        })!;
        return { copy, produced: true };
      } finally {
        await producer.disconnect();
      }
    },
  };
}

export type KafkaQuarantineActivities = ReturnType<typeof createKafkaQuarantineActivities>;
