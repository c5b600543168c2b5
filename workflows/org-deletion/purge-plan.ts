// What the point of no return will purge, as a plan the approver signs (its digest is part of the
// signed decision): rows per table from an inspection of the org just before the gate. After the
// approval the org is inspected again; a different plan (dependent services kept writing: more
// notifications, more workflow runs) is not what was approved, so the gate asks again.
import { canonicalJson } from '../../shared/decisions/signed-decision';
import { ORG_DELETION_STEPS as S, PURGE_TABLES } from '../../shared/playbooks/org-deletion';
import { type PlannedAction } from '../../shared/workflow-interface';

export function purgePlan(rows: Record<string, number>): PlannedAction[] {
  return [
    ...Object.entries(PURGE_TABLES).map(([step, tables]) => ({
      step,
      action: `delete ${tables.map((t) => `${rows[t] ?? 0} ${t}`).join(', ')}`,
      destructive: true,
      details: Object.fromEntries(tables.map((t) => [t, rows[t] ?? 0])),
    })),
    { step: S.purgeCaches, action: 'delete the org’s cache keys', destructive: true },
    { step: S.hardDelete, action: 'delete the org row and its saga snapshots', destructive: true },
  ];
}

export function samePlan(a: PlannedAction[], b: PlannedAction[]): boolean {
  return canonicalJson(a) === canonicalJson(b);
}
