// Reads exact offset ranges of a topic. kafkajs has no group-less fetch, so this uses a throwaway
// consumer group that seeks to each range, collects until every range is complete, and is deleted
// afterwards. Used to read poison messages and to scan quarantine topics.
import { type IHeaders, type Kafka } from 'kafkajs';
import { randomUUID } from 'node:crypto';

export interface OffsetRange {
  partition: number;
  /** First offset wanted (inclusive). */
  from: string;
  /** End (exclusive); usually the partition's high watermark. */
  to: string;
}

/**
 * One Kafka record header exactly as stored: the name and the value's bytes (base64; null for a
 * header with no value). A record may repeat a name; the list keeps every value in order.
 */
export interface HeaderEntry {
  name: string;
  valueBase64: string | null;
}

export interface RawMessage {
  topic: string;
  partition: number;
  offset: string;
  /** The key as UTF-8 text, for display and matching; `keyBase64` holds its exact bytes. */
  key: string | null;
  /** The key's bytes, base64-encoded: a binary key survives quarantine and redrive unchanged. */
  keyBase64: string | null;
  /** The value, base64-encoded so binary payloads survive JSON (activity results, headers). */
  valueBase64: string | null;
  /** First value of each header as UTF-8 text, for reading Rebound's own headers. */
  headers: Record<string, string>;
  /** Every header value, repeats included, as bytes: what is written back on quarantine/redrive. */
  headerList: HeaderEntry[];
  timestamp: string;
}

export function decodeHeaders(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers ?? {})) {
    if (v === undefined) continue;
    const first = Array.isArray(v) ? v[0] : v;
    out[k] = Buffer.isBuffer(first) ? first.toString('utf8') : String(first);
  }
  return out;
}

/** Every header value of a record, repeated names included, as bytes (see HeaderEntry). */
export function headerEntries(headers: IHeaders | undefined): HeaderEntry[] {
  const out: HeaderEntry[] = [];
  for (const [name, v] of Object.entries(headers ?? {})) {
    const values = Array.isArray(v) ? v : [v];
    for (const one of values) {
      out.push({
        name,
        valueBase64: one === undefined || one === null ? null : Buffer.from(one).toString('base64'),
      });
    }
  }
  return out;
}

/**
 * Kafka headers for producing: `entries` (bytes, repeats kept in order as arrays) and then
 * `overrides` (text), which replace entries of the same name.
 */
export function encodeHeaders(entries: HeaderEntry[], overrides: Record<string, string> = {}): IHeaders {
  const out: Record<string, Buffer[]> = {};
  for (const e of entries) {
    if (e.name in overrides) continue;
    (out[e.name] ??= []).push(
      e.valueBase64 === null ? Buffer.alloc(0) : Buffer.from(e.valueBase64, 'base64'),
    );
  }
  const headers: IHeaders = {};
  for (const [name, values] of Object.entries(out)) headers[name] = values.length === 1 ? values[0] : values;
  for (const [name, value] of Object.entries(overrides)) headers[name] = value;
  return headers;
}

export async function readRanges(
  kafka: Kafka,
  topic: string,
  ranges: OffsetRange[],
  opts: { timeoutMs?: number; onProgress?: (read: number) => void } = {},
): Promise<RawMessage[]> {
  // Clamp to what the partitions hold now: waiting for offsets that do not exist would never end.
  const watermarks = await topicWatermarks(kafka, topic);
  const wanted = ranges
    .map((r) => {
      const w = watermarks.find((x) => x.partition === r.partition);
      if (!w) return undefined;
      const from = BigInt(r.from) > BigInt(w.low) ? r.from : w.low;
      const to = BigInt(r.to) < BigInt(w.high) ? r.to : w.high;
      return { partition: r.partition, from, to };
    })
    .filter((r): r is OffsetRange => r !== undefined && BigInt(r.to) > BigInt(r.from));
  if (wanted.length === 0) return [];
  const groupId = `rebound-reader-${randomUUID()}`;
  const consumer = kafka.consumer({
    groupId,
    sessionTimeout: 10_000,
    heartbeatInterval: 1_000,
    maxWaitTimeInMs: 250,
  });
  const remaining = new Map(wanted.map((r) => [r.partition, r]));
  const found: RawMessage[] = [];
  let finish: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (finish = resolve));
  try {
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: false });
    await consumer.run({
      autoCommit: false,
      eachMessage: ({ partition, message }) => {
        const range = remaining.get(partition);
        if (!range) return Promise.resolve();
        const offset = BigInt(message.offset);
        if (offset >= BigInt(range.from) && offset < BigInt(range.to)) {
          found.push({
            topic,
            partition,
            offset: message.offset,
            key: message.key?.toString('utf8') ?? null,
            keyBase64: message.key ? message.key.toString('base64') : null,
            valueBase64: message.value ? message.value.toString('base64') : null,
            headers: decodeHeaders(message.headers),
            headerList: headerEntries(message.headers),
            timestamp: message.timestamp,
          });
          opts.onProgress?.(found.length);
        }
        if (offset >= BigInt(range.to) - 1n) remaining.delete(partition);
        if (remaining.size === 0) finish();
        return Promise.resolve();
      },
    });
    for (const r of wanted) consumer.seek({ topic, partition: r.partition, offset: r.from });
    const timeoutMs = opts.timeoutMs ?? 30_000;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>(
      (resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)),
    );
    const outcome = await Promise.race([done, timedOut]);
    clearTimeout(timer);
    if (outcome === 'timeout') {
      throw new Error(
        `reading ${topic} timed out after ${timeoutMs} ms; partitions incomplete: ${[...remaining.keys()].join(',')}`,
      );
    }
  } finally {
    await consumer.disconnect().catch(() => undefined);
    const admin = kafka.admin();
    await admin
      .connect()
      .then(() => admin.deleteGroups([groupId]))
      .catch(() => undefined)
      .finally(() => admin.disconnect());
  }
  return found.sort((a, b) => a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset)));
}

async function topicWatermarks(kafka: Kafka, topic: string) {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return await admin.fetchTopicOffsets(topic);
  } finally {
    await admin.disconnect();
  }
}

/** Every message currently in the topic: from each partition's low to its high watermark. */
export async function readWholeTopic(
  kafka: Kafka,
  topic: string,
  onProgress?: (read: number) => void,
): Promise<RawMessage[]> {
  const offsets = await topicWatermarks(kafka, topic);
  return readRanges(
    kafka,
    topic,
    offsets.map((o) => ({ partition: o.partition, from: o.low, to: o.high })),
    { onProgress },
  );
}
