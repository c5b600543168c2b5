// The chaos harness's approver: a human who approves every gate a run opens, through the path an
// approver's click takes in the API (a decision signed with the test deployment's key, for the
// gate's workflow, run, approval id and plan digest, sent with the `approve` update). A gate that
// is still pending after a crash or an outage (the update found no worker, or the worker died
// before the decision was recorded) is approved again on the next look, until it closes.
import { type WorkflowHandle } from '@temporalio/client';
import { approveUpdate, statusQuery } from '../../shared/workflow-interface';
import { gateOf, signDecision } from '../support/decisions';

export interface Approver {
  /** Gates approved so far (approval ids). */
  approved: () => string[];
  stop: () => void;
}

/**
 * Starts approving the run's gates until `stop()`: each `afterMs` after it was first seen open
 * (an approver reading the question), looking every `everyMs`. Never throws.
 */
export function approveGates(
  handle: WorkflowHandle,
  opts: { afterMs?: number; everyMs?: number; principal?: string } = {},
): Approver {
  const { afterMs = 0, everyMs = 250, principal = 'chaos-approver' } = opts;
  const approved = new Set<string>();
  const seen = new Map<string, number>();
  let stopped = false;
  void (async () => {
    while (!stopped) {
      try {
        const pending = (await handle.query(statusQuery)).pendingApproval;
        if (pending && !seen.has(pending.id)) seen.set(pending.id, Date.now());
        if (pending && !stopped && Date.now() - seen.get(pending.id)! >= afterMs) {
          await handle.executeUpdate(approveUpdate, {
            args: [signDecision({ ...(await gateOf(handle)), principal, decision: 'approve' })],
          });
          approved.add(pending.id);
        }
      } catch {
        // No worker right now, the run closed, or the gate changed under us: look again.
      }
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return {
    approved: () => [...approved],
    stop: () => {
      stopped = true;
    },
  };
}
