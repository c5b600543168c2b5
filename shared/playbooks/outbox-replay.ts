// outbox-replay (seed 002 "event publishing failure", "Kafka unavailable"; seed 003 "Kafka
// unavailable: bounded buffering"): publish the rows an outbox accumulated while Kafka was down,
// in batches, in order per aggregate, each event once. Parameters and the shapes its activities
// return.
import { z } from 'zod';
import { MAX_RELAY_BATCH } from '../../platform/outbox/limits';

/** Outboxes Rebound knows: name → the database that holds its `outbox` table. */
export const OUTBOXES = ['platform'] as const;

export const outboxReplayParamsSchema = z
  .object({
    outbox: z.enum(OUTBOXES),
    /**
     * Rows per produce request (one `sendBatch`, acks -1), at most MAX_RELAY_BATCH (1,000: the
     * relay's row locks, see platform/outbox/limits.ts).
     */
    batchSize: z.number().int().min(1).max(MAX_RELAY_BATCH).default(500),
    /** Replay rounds (each one activity of up to `roundSeconds`) before the run escalates. */
    maxRounds: z.number().int().min(1).max(100).default(30),
    roundSeconds: z.number().int().min(5).max(300).default(60),
  })
  .strict();
export type OutboxReplayParams = z.infer<typeof outboxReplayParamsSchema>;

export interface OutboxBacklog {
  unpublished: number;
  /** Rows an earlier relay attempt produced or tried to produce (checked on the topic first). */
  withIntent: number;
  /** Aggregates (distinct topic and message key) with unpublished rows. */
  aggregates: number;
  topics: { topic: string; rows: number; oldest: string }[];
}

export interface ReplayRound {
  batches: number;
  produced: number;
  recovered: number;
  alreadyPublished: number;
  busy: number;
  /** Unpublished rows left when the round ended. */
  remaining: number;
  /** Last outbox id this round published. */
  lastId: string | null;
  /**
   * The backlog when the round began, when the round was asked to measure it (`measure`): read
   * while the round connects to Kafka, before its first claim, by the attempt that completed.
   */
  backlogAtStart?: OutboxBacklog;
}

/** A round that has done nothing yet (every count 0, no id published). */
export function emptyReplayRound(): ReplayRound {
  return { batches: 0, produced: 0, recovered: 0, alreadyPublished: 0, busy: 0, remaining: 0, lastId: null };
}
