// Starts a playbook workflow directly (without the incident workflow): validates the parameters
// against the catalogue, uses `<playbook>/<resource>` as the workflow id so that one recovery per
// resource runs at a time, and sets the search attributes list views filter on.
import {
  type Client,
  type WorkflowHandle,
  WorkflowIdConflictPolicy,
  WorkflowIdReusePolicy,
} from '@temporalio/client';
import { playbookContextSchema, type PlaybookContext } from '../shared/playbook';
import { playbookDefinition } from '../shared/playbooks';
import { type PlaybookInput } from '../shared/playbook-input';
import { PhaseAttr, PlaybookAttr, ResourceAttr } from '../shared/search-attributes';
import { workflowTaskQueue } from '../shared/task-queues';

export class PlaybookInputError extends Error {}

export interface StartPlaybookOptions {
  playbook: string;
  params: unknown;
  context: Partial<PlaybookContext> & Pick<PlaybookContext, 'resource' | 'initiator'>;
  taskQueuePrefix: string;
  /** Defaults to `<playbook>/<resource>`. */
  workflowId?: string;
}

export function playbookWorkflowId(playbook: string, resource: string): string {
  return `${playbook}/${resource}`;
}

export async function startPlaybook(client: Client, opts: StartPlaybookOptions): Promise<WorkflowHandle> {
  const def = playbookDefinition(opts.playbook);
  if (!def) throw new PlaybookInputError(`unknown playbook ${JSON.stringify(opts.playbook)}`);
  const params = def.paramsSchema.safeParse(opts.params ?? {});
  if (!params.success) {
    throw new PlaybookInputError(
      `invalid parameters for ${def.name}: ${params.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`,
    );
  }
  const context = playbookContextSchema.safeParse(opts.context);
  if (!context.success) {
    throw new PlaybookInputError(
      `invalid context: ${context.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  const input: PlaybookInput<unknown> = { context: context.data, params: params.data };
  return client.workflow.start(def.workflowType, {
    taskQueue: workflowTaskQueue(opts.taskQueuePrefix),
    workflowId: opts.workflowId ?? playbookWorkflowId(def.name, context.data.resource),
    args: [input],
    workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
    workflowIdConflictPolicy: WorkflowIdConflictPolicy.FAIL,
    typedSearchAttributes: [
      { key: PlaybookAttr, value: def.name },
      { key: ResourceAttr, value: context.data.resource },
      { key: PhaseAttr, value: 'starting' },
    ],
  });
}
