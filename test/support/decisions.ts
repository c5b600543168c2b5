// Test decision keys and a signer that works the way the API does. The keyring compiled into test
// bundles and given to test workers holds the current test key, a retired one and nothing else;
// NEXT_TEST_KEY is the key a rotation test adds.
import {
  DECISION_TTL_MS,
  publicKeyOf,
  signDecisionWith,
  type DecisionKind,
  type PublicKeyring,
  type SignedDecision,
} from '../../shared/decisions/signed-decision';
import { type SigningKey } from '../../shared/secrets';
import { statusQuery } from '../../shared/workflow-interface';
import { type QueryDefinition } from '@temporalio/workflow';

export const TEST_SIGNING_KEY: SigningKey = {
  keyId: 'test-key-1',
  privateKey: '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
};
export const RETIRED_TEST_KEY: SigningKey = {
  keyId: 'test-key-0',
  privateKey: '4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb',
};
export const NEXT_TEST_KEY: SigningKey = {
  keyId: 'test-key-2',
  privateKey: 'c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7',
};
/** A key no keyring lists (a forger's own key). */
export const FORGER_KEY: SigningKey = {
  keyId: 'test-key-1',
  privateKey: 'f5e5767cf153319517630f226876b86c8160cc583bc013744c6bf255f5cc0ee5',
};

export function keyringOf(active: SigningKey[], retired: SigningKey[] = []): PublicKeyring {
  return {
    keys: [
      ...retired.map((k) => ({
        keyId: k.keyId,
        publicKey: publicKeyOf(k.privateKey),
        status: 'retired' as const,
      })),
      ...active.map((k) => ({
        keyId: k.keyId,
        publicKey: publicKeyOf(k.privateKey),
        status: 'active' as const,
      })),
    ],
  };
}

export const TEST_KEYRING: PublicKeyring = keyringOf([TEST_SIGNING_KEY], [RETIRED_TEST_KEY]);

export interface DecisionFields {
  workflowId: string;
  runId: string;
  approvalId: string;
  digest: string;
  principal: string;
  roles?: string[];
  decision: DecisionKind;
  choice?: string;
  comment?: string;
  issuedAt?: string;
  expiresAt?: string;
}

/** Signs like the API: issued now, valid for DECISION_TTL_MS, unless the fields say otherwise. */
export function signDecision(fields: DecisionFields, key: SigningKey = TEST_SIGNING_KEY): SignedDecision {
  const now = Date.now();
  return signDecisionWith(key, {
    roles: ['approver'],
    issuedAt: new Date(now).toISOString(),
    expiresAt: new Date(now + DECISION_TTL_MS).toISOString(),
    ...fields,
  });
}

/** The identity of the gate pending on a workflow: what a decision for it must name, and when. */
export async function gateOf(handle: {
  workflowId: string;
  describe(): Promise<{ runId: string }>;
  query<R>(def: QueryDefinition<R>): Promise<R>;
}): Promise<{
  workflowId: string;
  runId: string;
  approvalId: string;
  digest: string;
  issuedAt: string;
  expiresAt: string;
}> {
  const [status, desc] = await Promise.all([handle.query(statusQuery), handle.describe()]);
  const p = status.pendingApproval;
  if (!p) throw new Error(`nothing is pending on ${handle.workflowId}`);
  // Issued at the workflow's own time (its last status update): on the time-skipping server that
  // is hours ahead of the wall clock once a test skipped time.
  const issued = Date.parse(status.updatedAt);
  return {
    workflowId: handle.workflowId,
    runId: desc.runId,
    approvalId: p.id,
    digest: p.digest ?? '',
    issuedAt: new Date(issued).toISOString(),
    expiresAt: new Date(issued + DECISION_TTL_MS).toISOString(),
  };
}
