// Follows a running workflow through its `status` query, printing each change of phase and step,
// until it closes; returns its result. Used by the client scripts and `rebound status --follow`.
import { type WorkflowHandle } from '@temporalio/client';
import { statusQuery, type PlaybookResult, type PlaybookStatus } from '../shared/workflow-interface';

function describe(s: PlaybookStatus): string {
  const step = s.steps.at(-1);
  const stepText = step
    ? ` · ${step.name} ${step.state} (attempt ${step.attempts}${step.lastError ? `, ${step.lastError}` : ''})`
    : '';
  const approval = s.pendingApproval ? ` · waiting for approval: ${s.pendingApproval.question}` : '';
  return `${s.phase}${s.paused ? ' (paused)' : ''}${stepText}${approval}`;
}

export async function followStatus(
  handle: WorkflowHandle,
  print: (line: string) => void,
  pollMs = 500,
): Promise<PlaybookResult> {
  let last = '';
  const resultPromise = handle.result() as Promise<PlaybookResult>;
  let done = false;
  void resultPromise.finally(() => (done = true)).catch(() => undefined);
  while (!done) {
    try {
      const line = describe(await handle.query(statusQuery));
      if (line !== last) print(line);
      last = line;
    } catch {
      // The first workflow task may not have run yet; the query answers once it has.
    }
    await Promise.race([resultPromise.catch(() => undefined), new Promise((r) => setTimeout(r, pollMs))]);
  }
  return resultPromise;
}
