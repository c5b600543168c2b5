// Republishing a quarantined message to its original topic and partition ("fix and replay"),
// optionally with a corrected value, exactly once per redrive key:
// - a ledger row per redrive key (quarantine_redrives) makes a retried or repeated redrive a no-op;
// - an intent row (migration 029), committed before producing, holds the partition's end offset;
//   an attempt that finds one reads the partition from there for a record carrying the key's
//   header and records it instead of producing again (a worker killed between the produce and the
//   ledger row used to leave a second copy: issue 14's chaos matrix, SIGKILL after step 2);
// - a session advisory lock per key keeps a retry from running while an earlier attempt still
//   does (a killed worker's connection closes, which releases it).
import { Context } from '@temporalio/activity';
import { type Kafka } from 'kafkajs';
import { type Pool, type PoolClient } from 'pg';
import { scanTopic } from '../../platform/outbox/topic-scan';
import { partitionEnd } from '../../platform/outbox/topics';
import { QUARANTINE_HEADERS as H } from '../../shared/consumer-control';
import { type QuarantinedMessage } from './quarantine';
import { encodeHeaders } from './topic-reader';

/** Advisory lock class of redrive keys: (REDRIVE_LOCK_CLASS, hashtext(key)) is held per attempt. */
export const REDRIVE_LOCK_CLASS = 0x72647276; // 'rdrv'

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
  /** false when the ledger or the topic already held this key's record (an earlier attempt). */
  produced: boolean;
}

export interface RedriveDeps {
  kafka: Kafka;
  platformPool: Pool;
  /** Test hook: runs after the broker acknowledged and before the ledger row (a crash there). */
  afterProduce?: () => Promise<void>;
}

/** Thrown when another attempt of the same redrive key holds its lock (retryable). */
export class RedriveBusyError extends Error {
  constructor(key: string) {
    super(`another attempt of redrive ${key} is running`);
    this.name = 'RedriveBusy';
  }
}

export function createKafkaRedriveActivities(deps: RedriveDeps) {
  const pool = deps.platformPool;

  /** The partition's end offset (the next offset to be written). */
  async function endOffset(topic: string, partition: number): Promise<number> {
    const admin = deps.kafka.admin();
    await admin.connect();
    try {
      return await partitionEnd(admin, topic, partition);
    } finally {
      await admin.disconnect();
    }
  }

  /** The offset of the record carrying `key`'s redrive header at or after `from`, if any. */
  async function findRedriven(req: RedriveRequest, from: string): Promise<string | undefined> {
    const { topic, partition } = req.copy.original;
    const to = await endOffset(topic, partition);
    let found: string | undefined;
    const ctx = Context.current();
    const beat = setInterval(() => ctx.heartbeat({ scanning: topic, partition, from }), 2_000);
    try {
      await scanTopic(deps.kafka, topic, [{ partition, from: Number(from), to }], (m) => {
        if (m.headers?.[H.redrive]?.toString() !== req.redriveKey) return false;
        found = m.offset;
        return true;
      });
    } finally {
      clearInterval(beat);
    }
    return found;
  }

  /** Writes the ledger row and drops the intent, in one statement. */
  async function record(client: PoolClient, req: RedriveRequest, offset: string): Promise<void> {
    const { original } = req.copy;
    await client.query(
      `WITH done AS (DELETE FROM quarantine_redrive_intents WHERE redrive_key = $1)
       INSERT INTO quarantine_redrives (redrive_key, topic, source_partition, source_offset,
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
  }

  async function produce(req: RedriveRequest): Promise<string> {
    const { original } = req.copy;
    const value =
      req.replacementValue !== undefined
        ? Buffer.from(req.replacementValue, 'utf8')
        : req.copy.valueBase64 === null
          ? null
          : Buffer.from(req.copy.valueBase64, 'base64');
    const producer = deps.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
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
      return meta.baseOffset ?? '-1';
    } finally {
      await producer.disconnect();
    }
  }

  async function redriveLocked(client: PoolClient, req: RedriveRequest): Promise<RedriveResult> {
    const { original } = req.copy;
    const answer = (offset: string, produced: boolean): RedriveResult => ({
      redriveKey: req.redriveKey,
      partition: original.partition,
      offset,
      produced,
    });
    const prior = await client.query<{ target_partition: number; target_offset: string }>(
      'SELECT target_partition, target_offset::text FROM quarantine_redrives WHERE redrive_key = $1',
      [req.redriveKey],
    );
    if (prior.rows[0]) {
      return { ...answer(prior.rows[0].target_offset, false), partition: prior.rows[0].target_partition };
    }
    const intent = await client.query<{ from_offset: string }>(
      'SELECT from_offset::text FROM quarantine_redrive_intents WHERE redrive_key = $1',
      [req.redriveKey],
    );
    if (intent.rows[0]) {
      // An earlier attempt got as far as its intent: it may have produced before it died.
      const found = await findRedriven(req, intent.rows[0].from_offset);
      if (found !== undefined) {
        await record(client, req, found);
        return answer(found, false);
      }
      // Not on the topic: the recorded offset is still a valid start for the next attempt's scan.
    } else {
      await client.query(
        `INSERT INTO quarantine_redrive_intents (redrive_key, topic, target_partition, from_offset)
         VALUES ($1, $2, $3, $4) ON CONFLICT (redrive_key) DO NOTHING`,
        [
          req.redriveKey,
          original.topic,
          original.partition,
          await endOffset(original.topic, original.partition),
        ],
      );
    }
    const offset = await produce(req);
    await deps.afterProduce?.();
    await record(client, req, offset);
    return answer(offset, true);
  }

  return {
    /**
     * Republishes `req.copy` once per `req.redriveKey` (see the file's header). Returns where the
     * key's record is; `produced` is false when an earlier call or attempt had produced it. Throws
     * RedriveBusyError while another attempt of the key runs, and kafkajs/pg errors (retryable:
     * the intent keeps a retry from producing twice).
     */
    redriveMessage: async (req: RedriveRequest): Promise<RedriveResult> => {
      const client = await pool.connect();
      let locked = false;
      try {
        locked = (
          await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1, hashtext($2)) AS ok', [
            REDRIVE_LOCK_CLASS,
            req.redriveKey,
          ])
        ).rows[0].ok;
        if (!locked) throw new RedriveBusyError(req.redriveKey);
        return await redriveLocked(client, req);
      } finally {
        const released = locked
          ? await client
              .query('SELECT pg_advisory_unlock($1, hashtext($2))', [REDRIVE_LOCK_CLASS, req.redriveKey])
              .then(
                () => true,
                () => false,
              )
          : true;
        // A connection whose lock could not be released is closed, which releases it.
        client.release(!released);
      }
    },
  };
}

export type KafkaRedriveActivities = ReturnType<typeof createKafkaRedriveActivities>;
