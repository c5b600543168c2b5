// The console's reads (client/api/console/console-port.ts): an episode's audit trail as data
// (the same rows the markdown report renders) and the recovery budget used in its window, counted
// the way the incident workflow's claim counts it (activities/control/guardrails.ts).
import { type Client } from '@temporalio/client';
import { type Pool } from 'pg';
import { type AuditTrail, type BudgetUsage } from '../../shared/api/console-schemas';
import { parseDuration } from '../../shared/duration';
import { type BudgetPolicy } from '../../shared/incident';
import { type ConsoleReadPort } from '../api/console/console-port';
import { auditOf, readIncident } from './incident-reader';

export interface ConsoleReadsDeps {
  client: Client;
  statePool: Pool;
  /** The routing file's guardrails.budget. */
  budget: BudgetPolicy;
  /** The deployment's task-queue prefix: the budget and kill switch scope. */
  scope: string;
}

export class ConsoleReads implements ConsoleReadPort {
  constructor(private readonly deps: ConsoleReadsDeps) {}

  async auditTrail(incidentId: string): Promise<AuditTrail> {
    const view = await readIncident(this.deps.client, incidentId);
    const rows = await auditOf(this.deps.statePool, view);
    return {
      incidentId: view.incidentId,
      episodeId: view.episodeId,
      entries: rows.map((r) => ({
        workflowId: r.workflow_id,
        entryKey: r.entry_key,
        kind: r.kind,
        actor: r.actor,
        detail: r.detail,
        at: r.at.toISOString(),
      })),
    };
  }

  async budgetUsage(): Promise<BudgetUsage> {
    const windowMs = parseDuration(this.deps.budget.window);
    const res = await this.deps.statePool.query<{ used: string; refused: string }>(
      `SELECT count(*) FILTER (WHERE granted) AS used, count(*) FILTER (WHERE NOT granted) AS refused
       FROM recovery_budget
       WHERE scope = $1 AND claimed_at > now() - make_interval(secs => $2::double precision / 1000)`,
      [this.deps.scope, windowMs],
    );
    return {
      used: Number(res.rows[0].used),
      refused: Number(res.rows[0].refused),
      max: this.deps.budget.max,
      window: this.deps.budget.window,
      windowSeconds: windowMs / 1000,
    };
  }
}
