// The outbox-replay playbook's activities: measure the backlog (the dry run's plan) and publish it
// through the platform's own relay (platform/outbox/relay.ts), batch after batch, heartbeating
// progress. The outbox itself is the cursor: a published row is marked in the same database, so a
// replay that crashed resumes where it stopped, and the relay's intent scan keeps a row produced
// just before a crash from being produced again.
import { Context } from '@temporalio/activity';
import { type Kafka } from 'kafkajs';
import { type Pool } from 'pg';
import { outboxBacklogNow, queryReadOnly } from '../../platform/outbox/backlog';
import { openRelaySession } from '../../platform/outbox/relay';
import { withRoomyHeap } from '../heap-growth';
import { emptyReplayRound, type OutboxBacklog, type ReplayRound } from '../../shared/playbooks/outbox-replay';

/**
 * What a replay would publish now: unpublished rows per topic (with the oldest), rows with an
 * earlier attempt's intent, and aggregates. One read-only statement over the unpublished rows:
 * about 60 ms of the server's time for 100,000 rows. Throws what the pool throws.
 */
export async function measureBacklog(pool: Pool): Promise<OutboxBacklog> {
  // Every unpublished row has its id in the queue of migration 026, so none is older than the
  // queue's lowest id: one pass over the rows from there. With an intent: a relay recorded it
  // was about to send them (its batch record, or the per-row columns of an older relay); a
  // replay looks for them on the topic first. An aggregate is a (topic, message key); the
  // per-aggregate counts are one hash table (sorting 100,000 keys cost more than the scan).
  const r = await queryReadOnly<{
    topic: string;
    rows: string;
    with_intent: string;
    aggregates: string;
    oldest: Date;
  }>(
    pool,
    "SET LOCAL work_mem = '64MB'; SET LOCAL enable_sort = off",
    `WITH intents AS MATERIALIZED (SELECT DISTINCT unnest(row_ids) AS id FROM outbox_relay_intents),
          per_key AS (
            SELECT o.topic, o.message_key, count(*) AS n, min(o.created_at) AS oldest,
                   count(*) FILTER (WHERE o.relay_partition IS NOT NULL
                                       OR o.id IN (SELECT i.id FROM intents i)) AS with_intent
              FROM outbox o
             WHERE o.id >= (SELECT min(p.id) FROM outbox_pending p) AND o.published_at IS NULL
             GROUP BY o.topic, o.message_key)
     SELECT topic, sum(n) AS rows, sum(with_intent) AS with_intent,
            count(message_key) AS aggregates, min(oldest) AS oldest
       FROM per_key GROUP BY topic`,
  );
  const sum = (k: 'rows' | 'with_intent' | 'aggregates') => r.rows.reduce((n, x) => n + Number(x[k]), 0);
  return {
    unpublished: sum('rows'),
    withIntent: sum('with_intent'),
    aggregates: sum('aggregates'),
    topics: [...r.rows]
      .sort((a, b) => (a.topic < b.topic ? -1 : 1))
      .map((x) => ({ topic: x.topic, rows: Number(x.rows), oldest: x.oldest.toISOString() })),
  };
}

export function createOutboxReplayActivities(deps: { platformPool: Pool; kafka: Kafka }) {
  const pool = deps.platformPool;
  return {
    /** What a replay would publish now (see measureBacklog). */
    async measureOutboxBacklog(_: { outbox: string }): Promise<OutboxBacklog> {
      return measureBacklog(pool);
    },

    /**
     * Publishes batches (pipelined, see RelaySession.relayAll) until the outbox is drained or
     * `roundSeconds` passed. Throws (transient) when Kafka or the database fails; what was
     * published stays published. With `measure`, the round first reads the backlog (measureBacklog,
     * returned as `backlogAtStart`) while it connects to Kafka: the replay's first batch no longer
     * waits for a step of its own (about 100 ms for 100,000 rows, Temporal's round trips included).
     */
    async replayOutboxRound(args: {
      outbox: string;
      batchSize: number;
      roundSeconds: number;
      measure?: boolean;
    }): Promise<ReplayRound> {
      const ctx = Context.current();
      const round = emptyReplayRound();
      const deadline = Date.now() + args.roundSeconds * 1_000;
      const [measured, opened] = await Promise.allSettled([
        args.measure ? measureBacklog(pool) : Promise.resolve(undefined),
        openRelaySession({ pool, kafka: deps.kafka }),
      ]);
      if (opened.status === 'rejected') throw opened.reason;
      const session = opened.value;
      if (measured.status === 'rejected') {
        await session.close();
        throw measured.reason;
      }
      if (measured.value) round.backlogAtStart = measured.value;
      try {
        // Fewer full garbage collections while relaying (see heap-growth.ts).
        const total = await withRoomyHeap(() =>
          session.relayAll({
            limit: args.batchSize,
            keepKeys: false,
            shouldContinue: () => Date.now() < deadline,
            onBatch: (counts, lastId) => {
              round.batches += 1;
              round.lastId = lastId;
              round.produced = counts.produced;
              round.recovered = counts.recovered;
              round.alreadyPublished = counts.alreadyPublished;
              round.busy = counts.busy;
              ctx.heartbeat(round);
            },
          }),
        );
        round.busy = total.counts.busy;
      } finally {
        await session.close();
      }
      round.remaining = (await outboxBacklogNow(pool)).rows;
      return round;
    },
  };
}

export type OutboxReplayActivities = ReturnType<typeof createOutboxReplayActivities>;
