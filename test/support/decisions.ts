// Signs approval decisions the way the API does, with the test key compiled into test bundles.
import { createHmac } from 'node:crypto';
import {
  decisionSigningPayload,
  type DecisionKind,
  type SignedDecision,
} from '../../shared/workflow-interface';

export const TEST_DECISION_KEY = 'test-decision-key-0123456789abcdef0123456789';

export function signDecision(
  fields: {
    workflowId: string;
    approvalId: string;
    principal: string;
    roles?: string[];
    decision: DecisionKind;
    choice?: string;
    comment?: string;
  },
  key = TEST_DECISION_KEY,
): SignedDecision {
  const unsigned = { roles: ['approver'], issuedAt: new Date().toISOString(), ...fields };
  return {
    ...unsigned,
    signature: createHmac('sha256', key).update(decisionSigningPayload(unsigned)).digest('hex'),
  };
}
