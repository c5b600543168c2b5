// Publishing outbox rows from a workflow: relays the named rows (see platform/outbox/relay.ts for
// why a retried relay never publishes twice) and succeeds only when every one is on its topic.
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { type Redis } from 'ioredis';
import { type Kafka } from 'kafkajs';
import { type Pool } from 'pg';
import { ErrorTypes } from '../../shared/errors';
import { relayOutbox, type RelayResult } from '../../platform/outbox/relay';
import { faultInjectorFromEnv, type FaultInjector } from '../org/fault-injection';

export function createOutboxRelayActivities(deps: {
  platformPool: Pool;
  kafka: Kafka;
  redis: Redis;
  faults?: FaultInjector;
}) {
  const faults = deps.faults ?? faultInjectorFromEnv(deps.redis);
  return {
    async relayOutboxEvents({
      idempotencyKeys,
      step,
    }: {
      idempotencyKeys: string[];
      step: string;
    }): Promise<RelayResult> {
      const existing = await deps.platformPool.query<{ idempotency_key: string }>(
        'SELECT idempotency_key FROM outbox WHERE idempotency_key = ANY($1)',
        [idempotencyKeys],
      );
      const missing = idempotencyKeys.filter((k) => !existing.rows.some((r) => r.idempotency_key === k));
      if (missing.length > 0) {
        throw ApplicationFailure.nonRetryable(
          `no outbox row for ${missing.join(', ')}`,
          ErrorTypes.PreconditionFailed,
        );
      }
      // Scanning a partition after a crash can take seconds (consumer group join): keep heartbeating.
      const ctx = Context.current();
      const beat = setInterval(() => ctx.heartbeat({ step }), 2_000);
      try {
        const result = await faults.around(step, () =>
          relayOutbox({ pool: deps.platformPool, kafka: deps.kafka }, { idempotencyKeys }),
        );
        if (result.busy.length > 0)
          throw new Error(`outbox rows locked by another relay: ${result.busy.join(', ')}`);
        return result;
      } finally {
        clearInterval(beat);
      }
    },
  };
}

export type OutboxRelayActivities = ReturnType<typeof createOutboxRelayActivities>;
