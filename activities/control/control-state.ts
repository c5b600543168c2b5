// The kill switch's persistent flag in Rebound's database, scoped by task-queue prefix: written by
// the service layer (pause/resume), read by the service and by workflows (guardrail activity).
// Every change increments `version`, which the pause/resume signals carry (stale ones are ignored).
import { type Pool } from 'pg';

export interface ControlFlag {
  paused: boolean;
  reason?: string;
  by?: string;
  since?: string;
  /** Incremented on every change; 0 before the first. */
  version?: number;
}

export async function readControlState(pool: Pool, scope: string): Promise<ControlFlag> {
  const res = await pool.query<{
    paused: boolean;
    reason: string | null;
    changed_by: string;
    changed_at: Date;
    version: string;
  }>('SELECT paused, reason, changed_by, changed_at, version FROM control_state WHERE scope = $1', [scope]);
  const row = res.rows[0];
  if (!row) return { paused: false, version: 0 };
  return {
    paused: row.paused,
    reason: row.reason ?? undefined,
    by: row.changed_by,
    since: row.changed_at.toISOString(),
    version: Number(row.version),
  };
}

/** Sets the flag; returns the new version. */
export async function setControlState(
  pool: Pool,
  scope: string,
  paused: boolean,
  by: string,
  reason?: string,
): Promise<number> {
  const res = await pool.query<{ version: string }>(
    `INSERT INTO control_state (scope, paused, reason, changed_by, changed_at, version) VALUES ($1, $2, $3, $4, now(), 1)
     ON CONFLICT (scope) DO UPDATE SET paused = $2, reason = $3, changed_by = $4, changed_at = now(),
       version = control_state.version + 1
     RETURNING version`,
    [scope, paused, reason ?? null, by],
  );
  return Number(res.rows[0].version);
}
