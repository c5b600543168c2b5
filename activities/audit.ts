// Rebound's audit trail and notifications. Writes are idempotent per (workflow id, entry key), so
// a retried activity or a replayed workflow never writes an entry twice.
import { type Redis } from 'ioredis';
import { type Pool } from 'pg';
import { NOTIFY_CHANNEL, enqueueNotification, publishNotification } from './notification-outbox';

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

export { NOTIFY_CHANNEL };

export function createAuditActivities(deps: { statePool: Pool; redis: Redis }) {
  async function recordAudit(entry: AuditEntry): Promise<{ written: boolean }> {
    return insertAudit(deps.statePool, entry);
  }

  // Escalations go to the audit trail (durable) and, through the notification outbox, to a Redis
  // channel that chat/pager bridges subscribe to. The outbox row is written with the audit entry;
  // a failed publish fails the activity, and its retry publishes the row still pending.
  async function notify(n: Notification): Promise<{ sent: boolean }> {
    const client = await deps.statePool.connect();
    try {
      await client.query('BEGIN');
      await insertAudit(client, {
        workflowId: n.workflowId,
        entryKey: `notify:${n.key}`,
        kind: 'notification',
        actor: 'rebound',
        detail: { severity: n.severity, message: n.message, ...n.detail },
      });
      await enqueueNotification(client, n);
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
    const sent = await publishNotification(deps.statePool, deps.redis, n.workflowId, n.key);
    return { sent };
  }

  return { recordAudit, notify };
}

async function insertAudit(db: Pick<Pool, 'query'>, entry: AuditEntry): Promise<{ written: boolean }> {
  const res = await db.query(
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

export type AuditActivities = ReturnType<typeof createAuditActivities>;
