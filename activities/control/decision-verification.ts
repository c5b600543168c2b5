// Verifies a decision's signature against the worker's public keyring. Run as a local activity by
// the `decision` signal handler, so the verdict is recorded in the history (a marker) and a replay
// reuses it instead of verifying again with whatever keyring the replaying worker has.
import {
  type PublicKeyring,
  type SignatureVerdict,
  type SignedDecision,
  verifyDecisionSignature,
} from '../../shared/decisions/signed-decision';

export function createDecisionVerificationActivities(deps: { keyring: PublicKeyring }) {
  function verifyDecision(d: SignedDecision): Promise<SignatureVerdict> {
    return Promise.resolve(verifyDecisionSignature(deps.keyring, d));
  }
  return { verifyDecision };
}

export type DecisionVerificationActivities = ReturnType<typeof createDecisionVerificationActivities>;
