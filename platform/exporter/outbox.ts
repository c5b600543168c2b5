// The transactional outbox (seed 002 "event publishing failure", seed 003 "Kafka unavailable:
// bounded buffering"): how many rows wait to be published and how old the oldest one is. A backlog
// that only grows while Kafka is down is the OutboxBacklog alert's condition.
import { type Admin } from 'kafkajs';
import { type Pool } from 'pg';
import { outboxBacklogNow } from '../outbox/backlog';
import type { OUTBOXES } from '../../shared/playbooks/outbox-replay';
import { sample, type Collector } from './samples';

/** The platform outbox's backlog; `outbox` is the name outbox-replay knows it by. */
export function outboxCollector(
  pool: Pool,
  intervalMs: number,
  outbox: (typeof OUTBOXES)[number] = 'platform',
): Collector {
  return {
    name: 'outbox',
    intervalMs,
    async collect() {
      const backlog = await outboxBacklogNow(pool);
      return [
        sample('platform_outbox_backlog_rows', { outbox }, backlog.rows),
        sample('platform_outbox_oldest_unpublished_age_seconds', { outbox }, backlog.oldestAgeSeconds),
      ];
    },
  };
}

/** Kafka's reachability: one metadata request (a stopped broker makes it fail within the timeout). */
export function kafkaCollector(admin: Admin, intervalMs: number): Collector {
  return {
    name: 'kafka',
    intervalMs,
    async collect() {
      await admin.describeCluster();
      return [sample('platform_kafka_up', {}, 1)];
    },
  };
}
