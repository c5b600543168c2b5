// The key that verifies the API's signatures on approval decisions. Workers inject it into the
// workflow bundle at build time (workers/workflow-bundle.ts), so it is never part of a workflow
// input, result or history. Without it, every decision fails verification: fail closed.
declare const __REBOUND_DECISION_KEY__: string | undefined;

export function decisionKey(): string {
  return typeof __REBOUND_DECISION_KEY__ === 'string' ? __REBOUND_DECISION_KEY__ : '';
}
