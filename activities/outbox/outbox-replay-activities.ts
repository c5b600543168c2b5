// The outbox-replay playbook's activities: measure the backlog (the dry run's plan) and publish it
// through the platform's own relay (platform/outbox/relay.ts), batch after batch, heartbeating
// progress. The outbox itself is the cursor: a published row is marked in the same database, so a
// replay that crashed resumes where it stopped, and the relay's intent scan keeps a row produced
// just before a crash from being produced again.
import { Context } from '@temporalio/activity';
import { type Kafka } from 'kafkajs';
import { type Pool } from 'pg';
import { openRelaySession } from '../../platform/outbox/relay';
import { type OutboxBacklog, type ReplayRound } from '../../shared/playbooks/outbox-replay';

export function createOutboxReplayActivities(deps: { platformPool: Pool; kafka: Kafka }) {
  const pool = deps.platformPool;
  return {
    /** What a replay would publish now. */
    async measureOutboxBacklog(_: { outbox: string }): Promise<OutboxBacklog> {
      const totals = await pool.query<{ unpublished: string; with_intent: string; aggregates: string }>(
        // With an intent: a relay recorded it was about to send them (its batch record, or the
        // per-row columns of an older relay); a replay looks for them on the topic first.
        `SELECT count(*) AS unpublished,
                count(*) FILTER (WHERE relay_partition IS NOT NULL
                                    OR id IN (SELECT unnest(row_ids) FROM outbox_relay_intents)) AS with_intent,
                count(DISTINCT message_key) AS aggregates
           FROM outbox WHERE published_at IS NULL`,
      );
      const topics = await pool.query<{ topic: string; rows: string; oldest: Date }>(
        `SELECT topic, count(*) AS rows, min(created_at) AS oldest
           FROM outbox WHERE published_at IS NULL GROUP BY topic ORDER BY topic`,
      );
      const t = totals.rows[0];
      return {
        unpublished: Number(t.unpublished),
        withIntent: Number(t.with_intent),
        aggregates: Number(t.aggregates),
        topics: topics.rows.map((r) => ({
          topic: r.topic,
          rows: Number(r.rows),
          oldest: r.oldest.toISOString(),
        })),
      };
    },

    /**
     * Publishes batches (pipelined, see RelaySession.relayAll) until the outbox is drained or
     * `roundSeconds` passed. Throws (transient) when Kafka or the database fails; what was
     * published stays published.
     */
    async replayOutboxRound(args: {
      outbox: string;
      batchSize: number;
      roundSeconds: number;
    }): Promise<ReplayRound> {
      const ctx = Context.current();
      const round: ReplayRound = {
        batches: 0,
        produced: 0,
        recovered: 0,
        alreadyPublished: 0,
        busy: 0,
        remaining: 0,
        lastId: null,
      };
      const deadline = Date.now() + args.roundSeconds * 1_000;
      const session = await openRelaySession({ pool, kafka: deps.kafka });
      try {
        const total = await session.relayAll({
          limit: args.batchSize,
          shouldContinue: () => Date.now() < deadline,
          onBatch: (t) => {
            round.batches += 1;
            round.produced = t.produced.length;
            round.recovered = t.recovered.length;
            round.alreadyPublished = t.alreadyPublished.length;
            round.busy = t.busy.length;
            ctx.heartbeat(round);
          },
        });
        round.busy = total.busy.length;
      } finally {
        await session.close();
      }
      const left = await pool.query<{ n: string; last: string | null }>(
        `SELECT (SELECT count(*) FROM outbox WHERE published_at IS NULL) AS n,
                (SELECT max(id)::text FROM outbox WHERE published_at IS NOT NULL) AS last`,
      );
      round.remaining = Number(left.rows[0].n);
      round.lastId = left.rows[0].last;
      return round;
    },
  };
}

export type OutboxReplayActivities = ReturnType<typeof createOutboxReplayActivities>;
