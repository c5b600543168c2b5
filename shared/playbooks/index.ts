// The playbook catalogue: name → workflow type and parameter schema. Routing, the API, the CLI
// and the client scripts all start playbooks through this table.
import { type z } from 'zod';
import { type PlaybookName } from '../playbook';
import { healthProbeParamsSchema } from './health-probe';

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
};

export function playbookDefinition(name: string): PlaybookDefinition | undefined {
  return PLAYBOOKS[name as PlaybookName];
}
