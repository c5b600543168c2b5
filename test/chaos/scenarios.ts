// Chaos scenarios: one per playbook the harness covers. Each prepares its own data in the real
// stores, names the playbook's parameters, and checks its invariant by counting in the real
// stores (Kafka topics, PostgreSQL rows, Redis keys), never by reading the workflow's status:
// `lost` is what should exist once and does not, `doubled` what exists more than once.
import { randomUUID } from 'node:crypto';
import { IDEMPOTENCY_HEADER } from '../../platform/outbox/relay';
import { readTopic } from '../../platform/outbox/topic-scan';
import { createTopic, deleteTopics } from '../integration/consumer/fixtures';
import {
  createEntitledOrgs,
  introduceDrift,
  mismatches,
  removeFixtureOrgs,
} from '../support/entitlement-fixtures';
import { enqueueSequences } from '../support/outbox-fixtures';
import { cacheRepairScenario } from './cache-repair-scenario';
import { orgDeletionScenario } from './org-deletion-scenario';
import { partitionMergeScenario } from './partition-merge-scenario';
import { quarantineRedriveScenario } from './quarantine-redrive-scenario';
import { safeModeRestartScenario } from './safe-mode-restart-scenario';
import { type ChaosScenario } from './scenario-types';

export type { ChaosScenario, ChaosStores, InvariantCheck, PreparedRun } from './scenario-types';

/** outbox-replay: rows written for a topic of its own, replayed to Kafka: each exactly once, in order per aggregate. */
export const outboxReplayScenario: ChaosScenario = {
  playbook: 'outbox-replay',
  invariant: 'every outbox row on the topic exactly once, in order per aggregate, and marked published',
  untouched: {
    redis:
      'its steps read and write PostgreSQL and Kafka; only an escalation notice goes through Redis, and a run that recovers sends none',
  },
  prepare: async ({ pool, kafka }) => {
    const topic = `chaos-outbox-${randomUUID().slice(0, 8)}`;
    await createTopic(kafka, topic, 1);
    const rows = await enqueueSequences(pool, { topic, aggregates: 200, perAggregate: 100, prefix: topic });
    const keys = new Set(rows.map((r) => r.key));
    return {
      resource: 'outbox:platform',
      // Small batches and the shortest round, so that the replay spans rounds: the first round
      // measures the backlog itself, and a fault "after the first step" lands between rounds,
      // with rows still unpublished.
      params: { outbox: 'platform', batchSize: 5, roundSeconds: 5 },
      check: async () => {
        const copies = new Map<string, number>();
        const order = new Map<string, number[]>();
        await readTopic(kafka, topic, (m) => {
          const key = m.headers?.[IDEMPOTENCY_HEADER]?.toString() ?? '';
          if (!keys.has(key)) return;
          copies.set(key, (copies.get(key) ?? 0) + 1);
          const e = JSON.parse(m.value!.toString()) as { orgId: string; seq: number };
          order.set(e.orgId, [...(order.get(e.orgId) ?? []), e.seq]);
        });
        const unpublished = Number(
          (
            await pool.query<{ n: string }>(
              'SELECT count(*) AS n FROM outbox WHERE topic = $1 AND published_at IS NULL',
              [topic],
            )
          ).rows[0].n,
        );
        const lost = keys.size - copies.size;
        const doubled = [...copies.values()].filter((n) => n > 1).length;
        const outOfOrder = [...order.values()].filter((s) => s.some((x, i) => i > 0 && x < s[i - 1])).length;
        return {
          ok: lost === 0 && doubled === 0 && outOfOrder === 0 && unpublished === 0,
          lost,
          doubled,
          detail: `${copies.size}/${keys.size} on the topic, ${outOfOrder} aggregates out of order, ${unpublished} rows unpublished`,
        };
      },
      cleanup: async () => {
        await pool.query('DELETE FROM outbox WHERE topic = $1', [topic]);
        await deleteTopics(kafka, [topic]);
      },
    };
  },
};

/** entitlement-resync: 2% drift in orgs of its own; every cache equal to its rows, one event per changed org. */
export const entitlementResyncScenario: ChaosScenario = {
  playbook: 'entitlement-resync',
  invariant:
    'every cache equal to its rows afterwards; one EntitlementsResynced event per changed org, none twice',
  prepare: async ({ pool, redis }) => {
    const orgs = await createEntitledOrgs(pool, redis, 2_000);
    const ids = orgs.map((o) => o.orgId);
    const drift = await introduceDrift(pool, redis, orgs, 0.02);
    // Orgs whose cached entitlements the run must change: each gets one event. A removed member
    // changes only the membership cache, which is no entitlement event (cache-diff.ts).
    const changed = new Set([...drift.drifted, ...drift.missing, ...drift.extra]);
    const mine = new Set(ids);
    return {
      resource: 'namespace:entitlements',
      params: { namespace: 'entitlements', pageSize: 50, pagePauseMs: 300 },
      check: async (workflowId) => {
        const wrong = await mismatches(pool, redis, ids);
        const events = await pool.query<{ message_key: string; n: string }>(
          `SELECT message_key, count(*) AS n FROM outbox
            WHERE event_type = 'EntitlementsResynced' AND idempotency_key LIKE $1 GROUP BY message_key`,
          [`${workflowId}:%`],
        );
        const evented = new Map(events.rows.map((r) => [r.message_key, Number(r.n)]));
        const lost = wrong.length + [...changed].filter((id) => !evented.has(id)).length;
        // An event for an org of the scenario whose entitlements did not change is an effect that
        // should not exist either. Events for keys outside the scenario (its orphan cache keys, or
        // another org's drift on a shared stack) are the resync's to emit and not counted here.
        const unchangedEvented = [...evented.keys()].filter((id) => mine.has(id) && !changed.has(id)).length;
        const doubled = [...evented.values()].filter((n) => n > 1).length + unchangedEvented;
        return {
          ok: lost === 0 && doubled === 0,
          lost,
          doubled,
          detail: `${wrong.length} caches still wrong, ${changed.size} changed orgs, ${evented.size} evented, ${unchangedEvented} of them unchanged`,
        };
      },
      cleanup: () => removeFixtureOrgs(pool, redis, ids),
    };
  },
};

/**
 * Every playbook the harness covers. health-probe is not among them: it only reads, so it has no
 * effect that could be lost or doubled, and under an outage its correct answer is "unhealthy".
 */
export const CHAOS_SCENARIOS: ChaosScenario[] = [
  outboxReplayScenario,
  entitlementResyncScenario,
  cacheRepairScenario,
  quarantineRedriveScenario,
  orgDeletionScenario,
  safeModeRestartScenario,
  partitionMergeScenario,
];
