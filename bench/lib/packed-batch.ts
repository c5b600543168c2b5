// One batch of outbox messages in a single buffer, to hand to another thread without copying
// (postMessage with the ArrayBuffer in the transfer list). Per message: a 20-byte header of five
// little-endian uint32 (partition, then the byte lengths of key, value, idempotency key and event
// type), then those four UTF-8 strings back to back.
import { type Message } from 'kafkajs';
import { IDEMPOTENCY_HEADER } from '../../platform/outbox/relay';

/** A message as the relay sends it: the outbox row's fields and its partition. */
export interface PlainMessage {
  partition: number;
  key: string;
  value: string;
  idempotencyKey: string;
  eventType: string;
}

/** What the sending side posts to the producer thread. */
export interface BatchRequest {
  seq: number;
  topic: string;
  packed: ArrayBuffer;
  count: number;
}

/** The producer thread's answer to one BatchRequest (`seq` -1: the producer did not connect). */
export type BatchReply = { seq: number; ok: true } | { seq: number; ok: false; error: string };

const HEADER_BYTES = 20;

/** Packs `messages` into one ArrayBuffer of its own (not a pooled slab: it is transferred). */
export function packBatch(messages: readonly PlainMessage[]): ArrayBuffer {
  let size = 0;
  for (const m of messages) {
    size +=
      HEADER_BYTES +
      Buffer.byteLength(m.key) +
      Buffer.byteLength(m.value) +
      Buffer.byteLength(m.idempotencyKey) +
      Buffer.byteLength(m.eventType);
  }
  const buf = Buffer.allocUnsafeSlow(size);
  let at = 0;
  for (const m of messages) {
    const header = at;
    at += HEADER_BYTES;
    buf.writeUInt32LE(m.partition, header);
    const write = (text: string, field: number) => {
      const n = buf.write(text, at);
      buf.writeUInt32LE(n, header + 4 + 4 * field);
      at += n;
    };
    write(m.key, 0);
    write(m.value, 1);
    write(m.idempotencyKey, 2);
    write(m.eventType, 3);
  }
  return buf.buffer;
}

/**
 * The kafkajs messages of a packed batch of `count` messages: key, value and header values are
 * Buffer views into `packed` (kafkajs writes a Buffer as it is).
 * @throws RangeError if `packed` is shorter than its headers say or holds fewer than `count`.
 */
export function unpackBatch(packed: ArrayBuffer, count: number): Message[] {
  const buf = Buffer.from(packed);
  const messages: Message[] = new Array<Message>(count);
  let at = 0;
  // Plain sequential reads, no per-message arrays: this loop runs on the sending thread.
  const slice = (n: number): Buffer => {
    if (at + n > buf.length) throw new RangeError('packed batch is shorter than its headers say');
    const part = buf.subarray(at, at + n);
    at += n;
    return part;
  };
  for (let i = 0; i < count; i++) {
    const h = at;
    if (h + HEADER_BYTES > buf.length) throw new RangeError('packed batch holds fewer messages than counted');
    at += HEADER_BYTES;
    const key = slice(buf.readUInt32LE(h + 4));
    const value = slice(buf.readUInt32LE(h + 8));
    const idempotencyKey = slice(buf.readUInt32LE(h + 12));
    const eventType = slice(buf.readUInt32LE(h + 16));
    messages[i] = {
      partition: buf.readUInt32LE(h),
      key,
      value,
      headers: { [IDEMPOTENCY_HEADER]: idempotencyKey, 'event-type': eventType },
    };
  }
  return messages;
}
