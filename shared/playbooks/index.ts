// The playbook catalogue: name → workflow type and parameter schema. Routing, the API, the CLI
// and the client scripts all start playbooks through this table.
import { type z } from 'zod';
import { type PlaybookName } from '../playbook';
import { consumerSafeModeRestartParamsSchema } from './consumer-safe-mode-restart';
import { healthProbeParamsSchema } from './health-probe';
import { orgDeletionParamsSchema } from './org-deletion';
import { partitionMergeParamsSchema } from './partition-merge';
import { quarantineRedriveParamsSchema } from './quarantine-redrive';

export interface PlaybookDefinition {
  name: PlaybookName;
  /** The exported workflow function's name in workflows/index.ts. */
  workflowType: string;
  paramsSchema: z.ZodType;
  /** The resource kind this playbook locks, e.g. `group` for group:notification-consumer. */
  resourceKind: string;
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
    description:
      'Quarantine the poison messages of a crash-looping consumer group and restart it in safe mode',
  },
  'quarantine-redrive': {
    name: 'quarantine-redrive',
    workflowType: 'quarantineRedriveWorkflow',
    paramsSchema: quarantineRedriveParamsSchema,
    resourceKind: 'topic',
    description: 'Republish approved quarantined messages to their original topic',
  },
  'org-deletion': {
    name: 'org-deletion',
    workflowType: 'orgDeletionWorkflow',
    paramsSchema: orgDeletionParamsSchema,
    resourceKind: 'org',
    description: 'Delete an org through a saga with a grace period, or remove the orphans of a deleted one',
  },
  'partition-merge': {
    name: 'partition-merge',
    workflowType: 'partitionMergeWorkflow',
    paramsSchema: partitionMergeParamsSchema,
    resourceKind: 'dataset',
    description:
      'Reconcile the regions of a replicated dataset after a network partition (split-brain merge by policy)',
  },
};

export function playbookDefinition(name: string): PlaybookDefinition | undefined {
  return PLAYBOOKS[name as PlaybookName];
}
