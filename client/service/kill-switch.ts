// The kill switch: a persistent flag in Rebound's database (new incidents read it when they
// start) plus a broadcast of the pause/resume signal to every running workflow on this
// deployment's task queue (incidents forward it to their playbook runs; playbooks also get it
// directly). Signals carry the state's version, so one that arrives after a newer state was
// applied is ignored; a workflow that missed a signal re-reads the state when it starts waiting.
import { type Client } from '@temporalio/client';
import { workflowTaskQueue } from '../../shared/task-queues';
import { pauseSignal, resumeSignal } from '../../shared/workflow-interface';

export { readControlState, setControlState } from '../../activities/control/control-state';

const BROADCAST_CONCURRENCY = 16;

/** Signals every running workflow on the deployment's queue; returns how many it reached. */
export async function broadcastControl(
  client: Client,
  prefix: string,
  signal:
    | { pause: true; by: string; reason?: string; version: number }
    | { pause: false; by: string; version: number },
): Promise<number> {
  const ids: string[] = [];
  for await (const wf of client.workflow.list({
    query: `TaskQueue = '${workflowTaskQueue(prefix)}' AND ExecutionStatus = 'Running'`,
  })) {
    ids.push(wf.workflowId);
  }
  let reached = 0;
  for (let i = 0; i < ids.length; i += BROADCAST_CONCURRENCY) {
    const batch = ids.slice(i, i + BROADCAST_CONCURRENCY);
    const results = await Promise.allSettled(
      batch.map((id) => {
        const h = client.workflow.getHandle(id);
        return signal.pause
          ? h.signal(pauseSignal, { by: signal.by, reason: signal.reason, version: signal.version })
          : h.signal(resumeSignal, { by: signal.by, version: signal.version });
      }),
    );
    // A workflow that closed since the listing has nothing to pause.
    reached += results.filter((r) => r.status === 'fulfilled').length;
  }
  return reached;
}
