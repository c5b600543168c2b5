// The saga execution an activity runs for (workflow id + run id): the idempotency keys of its
// snapshots and events derive from it and the step name.
import { Context } from '@temporalio/activity';
import { sagaId } from '../../shared/playbooks/org-deletion';

export function currentSagaId(): string {
  const execution = Context.current().info.workflowExecution;
  if (!execution) throw new Error('org deletion activities run only on behalf of a workflow');
  return sagaId(execution.workflowId, execution.runId);
}
