// Verifies a decision sent as the `decision` signal: its signature against the worker's public
// keyring, and that it was issued for the very workflow run that is asking. Called by the signal
// handler as an activity, so the verdict is recorded in the history and a replay reuses it
// instead of verifying again (keys may have rotated since; a replay tool may not know the run id).
import { Context } from '@temporalio/activity';
import {
  type PublicKeyring,
  type SignatureVerdict,
  type SignedDecision,
  verifyDecisionSignature,
} from '../../shared/decisions/signed-decision';

/** `valid` or why not: a signature verdict, or `other-workflow` / `other-run`. */
export type DecisionVerdict = SignatureVerdict | 'other-workflow' | 'other-run';

export function createDecisionVerificationActivities(deps: { keyring: PublicKeyring }) {
  function verifyDecision(d: SignedDecision): Promise<DecisionVerdict> {
    const signature = verifyDecisionSignature(deps.keyring, d);
    if (signature !== 'valid') return Promise.resolve(signature);
    const run = Context.current().info.workflowExecution;
    if (!run) return Promise.resolve('other-run');
    const { workflowId, runId } = run;
    if (d.workflowId !== workflowId) return Promise.resolve('other-workflow');
    if (d.runId !== runId) return Promise.resolve('other-run');
    return Promise.resolve('valid');
  }
  return { verifyDecision };
}

export type DecisionVerificationActivities = ReturnType<typeof createDecisionVerificationActivities>;
