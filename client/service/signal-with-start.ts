// signalWithStart that also reports whether this call started the workflow. The SDK's
// signalWithStart returns only the run id; the server's response carries `started`, which the
// intake needs to answer `started` vs `attached` without a second round trip.
import { randomUUID } from 'node:crypto';
import { type Client } from '@temporalio/client';
import { defaultPayloadConverter, type SearchAttributePair } from '@temporalio/common';
import { encodeUnifiedSearchAttributes } from '@temporalio/common/lib/converter/payload-search-attributes';
import { temporal } from '@temporalio/proto';

export interface SignalWithStartRequest {
  workflowId: string;
  workflowType: string;
  taskQueue: string;
  args: unknown[];
  signal: string;
  signalArgs: unknown[];
  searchAttributes?: SearchAttributePair[];
}

export async function signalWithStart(
  client: Client,
  req: SignalWithStartRequest,
): Promise<{ runId: string; started: boolean }> {
  const res = await client.workflowService.signalWithStartWorkflowExecution({
    namespace: client.options.namespace,
    identity: client.options.identity,
    requestId: randomUUID(),
    workflowId: req.workflowId,
    workflowType: { name: req.workflowType },
    taskQueue: { name: req.taskQueue, kind: temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
    input: { payloads: req.args.map((a) => defaultPayloadConverter.toPayload(a)) },
    signalName: req.signal,
    signalInput: { payloads: req.signalArgs.map((a) => defaultPayloadConverter.toPayload(a)) },
    // A closed incident's id may start again: a new alert after it closed is a new incident run.
    workflowIdReusePolicy:
      temporal.api.enums.v1.WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
    workflowIdConflictPolicy:
      temporal.api.enums.v1.WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
    searchAttributes: req.searchAttributes
      ? { indexedFields: encodeUnifiedSearchAttributes(undefined, req.searchAttributes) }
      : undefined,
  });
  return { runId: res.runId ?? '', started: res.started === true };
}
