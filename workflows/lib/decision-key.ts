// The public keyring that verifies the API's signatures on approval decisions. Workers compile it
// into the workflow bundle (workers/workflow-bundle.ts): public keys only, never a secret. Without
// it every decision fails verification: fail closed.
import { type PublicKeyring } from '../../shared/decisions/signed-decision';

declare const __REBOUND_DECISION_KEYRING__: PublicKeyring | undefined;

export function bundledKeyring(): PublicKeyring {
  return typeof __REBOUND_DECISION_KEYRING__ === 'object' && __REBOUND_DECISION_KEYRING__ !== null
    ? __REBOUND_DECISION_KEYRING__
    : { keys: [] };
}
