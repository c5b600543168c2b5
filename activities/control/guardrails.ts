// Guardrail decisions the incident workflow asks for: the kill switch flag and the global
// recovery budget. Both live in Rebound's own database, scoped by task-queue prefix. A retried
// budget claim returns the decision already stored under its key: it never counts twice.
import { type Pool } from 'pg';
import { readControlState, type ControlFlag } from './control-state';

export type { ControlFlag };

export interface BudgetClaim {
  scope: string;
  /** Unique per incident run: `<incidentId>/run-<n>`. */
  claimKey: string;
  incidentId: string;
  max: number;
  windowMs: number;
}

export interface BudgetDecision {
  granted: boolean;
  /** Granted claims in the window, this one included when granted. */
  used: number;
  max: number;
}

// One advisory lock per scope serialises claims, so two incidents cannot both take the last slot.
const BUDGET_LOCK_NAMESPACE = 0x62756467;

export function createGuardrailActivities(deps: { statePool: Pool }) {
  function readControlFlag(scope: string): Promise<ControlFlag> {
    return readControlState(deps.statePool, scope);
  }

  async function claimRecoveryBudget(claim: BudgetClaim): Promise<BudgetDecision> {
    const client = await deps.statePool.connect();
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [
        BUDGET_LOCK_NAMESPACE,
        claim.scope,
      ]);
      const existing = await client.query<{ granted: boolean }>(
        'SELECT granted FROM recovery_budget WHERE claim_key = $1',
        [claim.claimKey],
      );
      const countUsed = async () =>
        Number(
          (
            await client.query<{ n: string }>(
              `SELECT count(*) AS n FROM recovery_budget
               WHERE scope = $1 AND granted AND claimed_at > now() - make_interval(secs => $2::double precision / 1000)`,
              [claim.scope, claim.windowMs],
            )
          ).rows[0].n,
        );
      let granted: boolean;
      if (existing.rows[0]) {
        granted = existing.rows[0].granted;
      } else {
        granted = (await countUsed()) < claim.max;
        await client.query(
          'INSERT INTO recovery_budget (claim_key, scope, incident_id, granted) VALUES ($1, $2, $3, $4)',
          [claim.claimKey, claim.scope, claim.incidentId, granted],
        );
      }
      const used = await countUsed();
      await client.query('COMMIT');
      return { granted, used, max: claim.max };
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  return { readControlFlag, claimRecoveryBudget };
}

export type GuardrailActivities = ReturnType<typeof createGuardrailActivities>;
