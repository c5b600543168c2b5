// Poison messages: read them at their exact offsets, copy each to `<topic>.quarantine` with
// headers saying where it came from and why, exactly once per (incident, topic, partition,
// offset) even when the step is retried — the copy is looked up in the quarantine topic itself
// before producing, so a retry after a produce whose acknowledgement was lost finds it.
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

export function createKafkaQuarantineActivities(deps: { kafka: Kafka }) {
  async function listQuarantine({ topic }: { topic: string }): Promise<QuarantinedMessage[]> {
    const qTopic = quarantineTopic(topic);
    await ensureQuarantineTopic(deps.kafka, qTopic);
    Context.current().heartbeat({ scanning: qTopic });
    const all = await readWholeTopic(deps.kafka, qTopic);
    return all.map(asQuarantined).filter((q): q is QuarantinedMessage => q !== undefined);
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

    quarantineMessage: async ({
      incidentId,
      message,
      error,
    }: QuarantineRequest): Promise<QuarantineResult> => {
      const existing = (await listQuarantine({ topic: message.topic })).find(
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
