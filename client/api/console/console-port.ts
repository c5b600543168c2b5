// What the console's read endpoints need from the service layer. Kept apart from ApiService so
// the existing routes, their fakes and the service seam stay as they were (issue 15 adds reads
// only); client/service/console-reads.ts implements it against Temporal and Rebound's database.
import { type AuditTrail, type BudgetUsage } from '../../../shared/api/console-schemas';

export interface ConsoleReadPort {
  /**
   * The audit trail of the episode an incident, episode or run id names.
   * @throws ServiceError `not-found` for an id that names no incident
   */
  auditTrail(incidentId: string): Promise<AuditTrail>;
  /** Granted and refused recovery-budget claims in the routing file's window. */
  budgetUsage(): Promise<BudgetUsage>;
}

/** Where the console links an alert back to (its Prometheus graph, its Alertmanager view). */
export interface AlertSourceLinks {
  prometheus: string;
  alertmanager: string;
}
