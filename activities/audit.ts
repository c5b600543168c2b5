// Rebound's audit trail and notifications. Writes are idempotent per (workflow id, entry key), so
// a retried activity or a replayed workflow never writes an entry twice.
import { type Redis } from 'ioredis';
import { type Pool } from 'pg';

export interface AuditEntry {
  workflowId: string;
  runId?: string;
  /** Unique within the workflow: derived from the step name (and attempt/vote where relevant). */
  entryKey: string;
  kind: string;
  actor: string;
  resource?: string;
  detail?: Record<string, unknown>;
}

export interface Notification {
  workflowId: string;
  /** Unique within the workflow, like an audit entry key: a retried notify sends once. */
  key: string;
  severity: 'info' | 'warning' | 'critical';
  message: string;
  detail?: Record<string, unknown>;
}

export const NOTIFY_CHANNEL = 'rebound:notifications';

export function createAuditActivities(deps: { statePool: Pool; redis: Redis }) {
  async function recordAudit(entry: AuditEntry): Promise<{ written: boolean }> {
    const res = await deps.statePool.query(
      `INSERT INTO audit_events (workflow_id, run_id, entry_key, kind, actor, resource, detail)
       VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (workflow_id, entry_key) DO NOTHING`,
      [
        entry.workflowId,
        entry.runId ?? null,
        entry.entryKey,
        entry.kind,
        entry.actor,
        entry.resource ?? null,
        JSON.stringify(entry.detail ?? {}),
      ],
    );
    return { written: res.rowCount === 1 };
  }

  // Escalations go to the audit trail (durable) and to a Redis channel that chat/pager bridges
  // subscribe to. The audit insert decides whether this is the first delivery.
  async function notify(n: Notification): Promise<{ sent: boolean }> {
    const { written } = await recordAudit({
      workflowId: n.workflowId,
      entryKey: `notify:${n.key}`,
      kind: 'notification',
      actor: 'rebound',
      detail: { severity: n.severity, message: n.message, ...n.detail },
    });
    if (written) await deps.redis.publish(NOTIFY_CHANNEL, JSON.stringify(n));
    return { sent: written };
  }

  return { recordAudit, notify };
}

export type AuditActivities = ReturnType<typeof createAuditActivities>;
