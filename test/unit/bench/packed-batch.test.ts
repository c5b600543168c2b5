// The producer-paths benchmark's packed batches: what goes in comes out as the same bytes, in
// order, multi-byte UTF-8 and empty strings included; a truncated buffer is refused, not misread.
import { packBatch, unpackBatch, type PlainMessage } from '../../../bench/lib/packed-batch';
import { IDEMPOTENCY_HEADER } from '../../../platform/outbox/relay';

const messages: PlainMessage[] = [
  { partition: 2, key: 'org-1', value: '{"seq":1}', idempotencyKey: 'k:1', eventType: 'A' },
  { partition: 0, key: 'Zürich ✓', value: '{"name":"日本"}', idempotencyKey: 'k:2', eventType: 'B' },
  { partition: 4294967295, key: '', value: '', idempotencyKey: '', eventType: '' },
];

test('every field comes back byte for byte, in order', () => {
  const out = unpackBatch(packBatch(messages), messages.length);
  expect(
    out.map((m) => ({
      partition: m.partition,
      key: (m.key as Buffer).toString(),
      value: (m.value as Buffer).toString(),
      idempotencyKey: (m.headers![IDEMPOTENCY_HEADER] as Buffer).toString(),
      eventType: (m.headers!['event-type'] as Buffer).toString(),
    })),
  ).toEqual(messages);
});

test('the packed buffer is exactly as long as its contents (nothing pooled rides along)', () => {
  const bytes = messages.reduce(
    (n, m) =>
      n + 20 + [m.key, m.value, m.idempotencyKey, m.eventType].reduce((k, s) => k + Buffer.byteLength(s), 0),
    0,
  );
  expect(packBatch(messages).byteLength).toBe(bytes);
});

test('a truncated batch is refused', () => {
  const packed = packBatch(messages.slice(0, 2));
  expect(() => unpackBatch(packed.slice(0, packed.byteLength - 3), 2)).toThrow(RangeError);
  expect(() => unpackBatch(packed, 3)).toThrow(RangeError);
});
