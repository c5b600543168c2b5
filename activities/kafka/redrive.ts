// Republishing a quarantined message to its original topic and partition ("fix and replay"),
// optionally with a corrected value. A ledger row per redrive key makes a retried or repeated
// redrive a no-op; the consumer's eventId dedup covers the one window the ledger cannot (a crash
// after producing and before recording).
import { type Kafka } from 'kafkajs';
import { type Pool } from 'pg';
import { QUARANTINE_HEADERS as H } from '../../shared/consumer-control';
import { type QuarantinedMessage } from './quarantine';
import { encodeHeaders } from './topic-reader';

export interface RedriveRequest {
  redriveKey: string;
  copy: QuarantinedMessage;
  /** A corrected payload (UTF-8 text) to publish instead of the quarantined one. */
  replacementValue?: string;
  by: string;
}

export interface RedriveResult {
  redriveKey: string;
  partition: number;
  offset: string;
  produced: boolean;
}

export function createKafkaRedriveActivities(deps: { kafka: Kafka; platformPool: Pool }) {
  return {
    redriveMessage: async (req: RedriveRequest): Promise<RedriveResult> => {
      const prior = await deps.platformPool.query<{ target_partition: number; target_offset: string }>(
        'SELECT target_partition, target_offset::text FROM quarantine_redrives WHERE redrive_key = $1',
        [req.redriveKey],
      );
      if (prior.rows[0]) {
        const row = prior.rows[0];
        return {
          redriveKey: req.redriveKey,
          partition: row.target_partition,
          offset: row.target_offset,
          produced: false,
        };
      }
      const { original } = req.copy;
      const value =
        req.replacementValue !== undefined
          ? Buffer.from(req.replacementValue, 'utf8')
          : req.copy.valueBase64 === null
            ? null
            : Buffer.from(req.copy.valueBase64, 'base64');
      const producer = deps.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
      await producer.connect();
      let offset: string;
      try {
        const [meta] = await producer.send({
          topic: original.topic,
          acks: -1,
          messages: [
            {
              partition: original.partition,
              // The original key and headers byte for byte, plus the redrive's own headers.
              key: req.copy.keyBase64 === null ? null : Buffer.from(req.copy.keyBase64, 'base64'),
              value,
              headers: encodeHeaders(req.copy.originalHeaders, {
                [H.redrive]: req.redriveKey,
                [H.offset]: original.offset,
              }),
            },
          ],
        });
        offset = meta.baseOffset ?? '-1';
      } finally {
        await producer.disconnect();
      }
      await deps.platformPool.query(
        `INSERT INTO quarantine_redrives (redrive_key, topic, source_partition, source_offset,
           target_partition, target_offset, replaced_value, redriven_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (redrive_key) DO NOTHING`,
        [
          req.redriveKey,
          original.topic,
          req.copy.partition,
          req.copy.offset,
          original.partition,
          offset,
          req.replacementValue !== undefined,
          req.by,
        ],
      );
      return { redriveKey: req.redriveKey, partition: original.partition, offset, produced: true };
    },
  };
}

export type KafkaRedriveActivities = ReturnType<typeof createKafkaRedriveActivities>;
