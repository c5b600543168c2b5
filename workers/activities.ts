// Wires activity factories to their clients, grouped by the task queue (infrastructure) they run
// on. Each playbook adds its factories to the group of the infrastructure it acts on.
import { type Redis } from 'ioredis';
import { type Kafka } from 'kafkajs';
import { type Pool } from 'pg';
import { createAuditActivities } from '../activities/audit';
import { createConsumerControlActivities } from '../activities/consumer/control';
import { createGuardrailActivities } from '../activities/control/guardrails';
import {
  createKafkaProbeActivities,
  createPostgresProbeActivities,
  createRedisProbeActivities,
} from '../activities/health/probes';
import { createKafkaGroupActivities } from '../activities/kafka/group-admin';
import { createKafkaQuarantineActivities } from '../activities/kafka/quarantine';
import { createKafkaRedriveActivities } from '../activities/kafka/redrive';
import { createOrgCacheActivities } from '../activities/org/org-cache-activities';
import { createOrgDeletionPostgresActivities } from '../activities/org/org-deletion-postgres';
import { createOutboxRelayActivities } from '../activities/outbox/outbox-relay-activities';
import { createPartitionMergeActivities } from '../activities/partition-merge/merge-activities';
import { createDivergenceIncidentActivities } from '../activities/partition-merge/open-incident';
import { type DatasetConfig } from '../shared/partition-merge/policy';
import { type InfraQueue } from '../shared/task-queues';

export interface WorkerDeps {
  platformPool: Pool;
  statePool: Pool;
  redis: Redis;
  kafka: Kafka;
  /** partition-merge: a pool per region database, and the declared datasets. */
  regionPool?: (database: string) => Pool;
  datasets?: Record<string, DatasetConfig>;
}

export function activitiesByQueue(deps: WorkerDeps): Record<InfraQueue, object> {
  return {
    control: {
      ...createAuditActivities(deps),
      ...createGuardrailActivities(deps),
      ...createDivergenceIncidentActivities(),
    },
    postgres: {
      ...createPostgresProbeActivities(deps),
      ...createOrgDeletionPostgresActivities(deps),
      ...createPartitionMergeActivities(deps),
    },
    redis: {
      ...createRedisProbeActivities(deps),
      ...createConsumerControlActivities(deps),
      ...createOrgCacheActivities(deps),
    },
    kafka: {
      ...createKafkaProbeActivities(deps),
      ...createKafkaGroupActivities(deps),
      ...createKafkaQuarantineActivities(deps),
      ...createKafkaRedriveActivities(deps),
      ...createOutboxRelayActivities(deps),
    },
  };
}
