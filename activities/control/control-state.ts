// The kill switch's persistent flag in Rebound's database, scoped by task-queue prefix: written by
// the service layer (pause/resume), read by the service and by the incident workflow's guardrail.
import { type Pool } from 'pg';

export interface ControlFlag {
  paused: boolean;
  reason?: string;
  by?: string;
  since?: string;
}

export async function readControlState(pool: Pool, scope: string): Promise<ControlFlag> {
  const res = await pool.query<{
    paused: boolean;
    reason: string | null;
    changed_by: string;
    changed_at: Date;
  }>('SELECT paused, reason, changed_by, changed_at FROM control_state WHERE scope = $1', [scope]);
  const row = res.rows[0];
  if (!row) return { paused: false };
  return {
    paused: row.paused,
    reason: row.reason ?? undefined,
    by: row.changed_by,
    since: row.changed_at.toISOString(),
  };
}

export async function setControlState(
  pool: Pool,
  scope: string,
  paused: boolean,
  by: string,
  reason?: string,
): Promise<void> {
  await pool.query(
    `INSERT INTO control_state (scope, paused, reason, changed_by, changed_at) VALUES ($1, $2, $3, $4, now())
     ON CONFLICT (scope) DO UPDATE SET paused = $2, reason = $3, changed_by = $4, changed_at = now()`,
    [scope, paused, reason ?? null, by],
  );
}
