// The playbook catalogue: name → workflow type and parameter schema. Routing, the API, the CLI
// and the client scripts all start playbooks through this table.
import { type z } from 'zod';
import { type PlaybookName } from '../playbook';
import { consumerSafeModeRestartParamsSchema } from './consumer-safe-mode-restart';
import { cacheRepairParamsSchema, entitlementResyncParamsSchema } from './entitlement-resync';
import { healthProbeParamsSchema } from './health-probe';
import { orgDeletionParamsSchema } from './org-deletion';
import { outboxReplayParamsSchema } from './outbox-replay';
import { partitionMergeParamsSchema } from './partition-merge';
import { quarantineRedriveParamsSchema } from './quarantine-redrive';

export interface PlaybookDefinition {
  name: PlaybookName;
  /** The exported workflow function's name in workflows/index.ts. */
  workflowType: string;
  paramsSchema: z.ZodType;
  /** The resource kind this playbook locks, e.g. `group` for group:notification-consumer. */
  resourceKind: string;
  /** The parameter the resource's id determines (`orgId` of org:<id>); taken from the resource. */
  resourceParam?: string;
  description: string;
}

export const PLAYBOOKS: Partial<Record<PlaybookName, PlaybookDefinition>> = {
  'health-probe': {
    name: 'health-probe',
    workflowType: 'healthProbeWorkflow',
    paramsSchema: healthProbeParamsSchema,
    resourceKind: 'stack',
    description: 'Probe PostgreSQL, Redis and Kafka and report their health',
  },
  'consumer-safe-mode-restart': {
    name: 'consumer-safe-mode-restart',
    workflowType: 'consumerSafeModeRestartWorkflow',
    paramsSchema: consumerSafeModeRestartParamsSchema,
    resourceKind: 'group',
    resourceParam: 'group',
    description:
      'Quarantine the poison messages of a crash-looping consumer group and restart it in safe mode',
  },
  'quarantine-redrive': {
    name: 'quarantine-redrive',
    workflowType: 'quarantineRedriveWorkflow',
    paramsSchema: quarantineRedriveParamsSchema,
    resourceKind: 'topic',
    resourceParam: 'topic',
    description: 'Republish approved quarantined messages to their original topic',
  },
  'org-deletion': {
    name: 'org-deletion',
    workflowType: 'orgDeletionWorkflow',
    paramsSchema: orgDeletionParamsSchema,
    resourceKind: 'org',
    resourceParam: 'orgId',
    description: 'Delete an org through a saga with a grace period, or remove the orphans of a deleted one',
  },
  'entitlement-resync': {
    name: 'entitlement-resync',
    workflowType: 'entitlementResyncWorkflow',
    paramsSchema: entitlementResyncParamsSchema,
    resourceKind: 'namespace',
    resourceParam: 'namespace',
    description: "Compare every org's entitlement and membership caches with the database and repair them",
  },
  'cache-repair': {
    name: 'cache-repair',
    workflowType: 'cacheRepairWorkflow',
    paramsSchema: cacheRepairParamsSchema,
    resourceKind: 'key',
    resourceParam: 'key',
    description:
      'Rebuild one cache key or a pattern of keys from the database, verify, stop caching a key that stays wrong',
  },
  'outbox-replay': {
    name: 'outbox-replay',
    workflowType: 'outboxReplayWorkflow',
    paramsSchema: outboxReplayParamsSchema,
    resourceKind: 'outbox',
    resourceParam: 'outbox',
    description: 'Publish the rows an outbox accumulated, in order per aggregate, each event once',
  },
  'partition-merge': {
    name: 'partition-merge',
    workflowType: 'partitionMergeWorkflow',
    paramsSchema: partitionMergeParamsSchema,
    resourceKind: 'dataset',
    resourceParam: 'dataset',
    description:
      'Reconcile the regions of a replicated dataset after a network partition (split-brain merge by policy)',
  },
};

export function playbookDefinition(name: string): PlaybookDefinition | undefined {
  return PLAYBOOKS[name as PlaybookName];
}
