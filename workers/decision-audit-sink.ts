// The worker side of the decision-audit sink (shared/decisions/audit-sink.ts): writes each refused
// approve/reject update to the audit trail. Not called during replay; the write is idempotent per
// (workflow, approval, principal, issuedAt, refusal reason), so a redelivered update adds nothing.
import { type InjectedSinks } from '@temporalio/worker';
import { type Pool } from 'pg';
import { type DecisionAuditSinks } from '../shared/decisions/audit-sink';
import { INCIDENT_WORKFLOW_TYPE, episodeIdFor } from '../shared/incident';

export function decisionAuditSinks(statePool: Pool): InjectedSinks<DecisionAuditSinks> {
  return {
    decisionAudit: {
      refused: {
        callDuringReplay: false,
        fn: (info, e) => {
          statePool
            .query(
              `INSERT INTO audit_events (workflow_id, run_id, entry_key, kind, actor, resource, detail)
               VALUES ($1, $2, $3, 'decision-refused', $4, NULL, $5) ON CONFLICT (workflow_id, entry_key) DO NOTHING`,
              [
                // On an incident, the entry belongs to the episode's audit trail (issue 10).
                info.workflowType === INCIDENT_WORKFLOW_TYPE
                  ? episodeIdFor(info.workflowId, info.runId)
                  : info.workflowId,
                info.runId,
                `decision-refused:update:${e.approvalId}:${e.principal}:${e.issuedAt}:${e.reason}`,
                e.principal || 'unknown',
                JSON.stringify({
                  type: e.type,
                  reason: e.reason,
                  message: e.message,
                  decision: e.decision,
                  via: e.via,
                }),
              ],
            )
            .catch((err: unknown) => console.error('[worker] could not audit a refused decision:', err));
        },
      },
    },
  };
}
