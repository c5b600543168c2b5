// Wires activity factories to their clients, grouped by the task queue (infrastructure) they run
// on. Each playbook adds its factories to the group of the infrastructure it acts on.
import { type Redis } from 'ioredis';
import { type Kafka } from 'kafkajs';
import { type Pool } from 'pg';
import { createAuditActivities } from '../activities/audit';
import { createConsumerControlActivities } from '../activities/consumer/control';
import { createDecisionVerificationActivities } from '../activities/control/decision-verification';
import { createGuardrailActivities } from '../activities/control/guardrails';
import { createPolicyCheckActivities } from '../activities/control/policy-check';
import { createLifecycleActivities } from '../activities/lifecycle/lifecycle-activities';
import { createScheduleActivities } from '../activities/lifecycle/schedule-activities';
import { connectClient } from '../client/temporal-client';
import { loadConfig } from '../shared/config';
import {
  createKafkaProbeActivities,
  createPostgresProbeActivities,
  createRedisProbeActivities,
} from '../activities/health/probes';
import { createKafkaGroupActivities } from '../activities/kafka/group-admin';
import { createKafkaQuarantineActivities } from '../activities/kafka/quarantine';
import { createKafkaRedriveActivities } from '../activities/kafka/redrive';
import { createCacheRepairActivities } from '../activities/entitlements/cache-repair-activities';
import { createEntitlementResyncActivities } from '../activities/entitlements/resync-activities';
import { createOrgCacheActivities } from '../activities/org/org-cache-activities';
import { createOrgDeletionPostgresActivities } from '../activities/org/org-deletion-postgres';
import { createOutboxRelayActivities } from '../activities/outbox/outbox-relay-activities';
import { createOutboxReplayActivities } from '../activities/outbox/outbox-replay-activities';
import { createPartitionMergeActivities } from '../activities/partition-merge/merge-activities';
import { createDivergenceIncidentActivities } from '../activities/partition-merge/open-incident';
import { type PublicKeyring } from '../shared/decisions/signed-decision';
import { type DatasetConfig } from '../shared/partition-merge/policy';
import { type InfraQueue } from '../shared/task-queues';

export interface WorkerDeps {
  platformPool: Pool;
  statePool: Pool;
  redis: Redis;
  kafka: Kafka;
  /** Public keys that verify approval decisions (the ring compiled into the workflow bundle). */
  keyring: PublicKeyring;
  /** partition-merge: a pool per region database, and the declared datasets. */
  regionPool?: (database: string) => Pool;
  datasets?: Record<string, DatasetConfig>;
}

/** Scheduled recoveries signalWithStart incidents; the client connects on first use. */
function lazyTemporalClient() {
  let client: ReturnType<typeof connectClient> | undefined;
  return () => {
    client ??= connectClient(loadConfig()).catch((err: unknown) => {
      client = undefined;
      throw err;
    });
    return client;
  };
}

export function activitiesByQueue(deps: WorkerDeps): Record<InfraQueue, object> {
  return {
    control: {
      ...createAuditActivities(deps),
      ...createGuardrailActivities(deps),
      ...createDecisionVerificationActivities(deps),
      ...createPolicyCheckActivities(),
      ...createLifecycleActivities(deps),
      ...createScheduleActivities({ statePool: deps.statePool, temporal: lazyTemporalClient() }),
      ...createDivergenceIncidentActivities(),
    },
    postgres: {
      ...createPostgresProbeActivities(deps),
      ...createOrgDeletionPostgresActivities(deps),
      ...createOutboxReplayActivities(deps),
      ...createPartitionMergeActivities(deps),
    },
    redis: {
      ...createRedisProbeActivities(deps),
      ...createConsumerControlActivities(deps),
      ...createOrgCacheActivities(deps),
      ...createEntitlementResyncActivities(deps),
      ...createCacheRepairActivities(deps),
    },
    kafka: {
      ...createKafkaProbeActivities(deps),
      ...createKafkaGroupActivities(deps),
      ...createKafkaQuarantineActivities(deps),
      ...createKafkaRedriveActivities(deps),
      ...createOutboxRelayActivities(deps),
      ...createOutboxReplayActivities(deps),
    },
  };
}
