// The org deletion saga (mode `delete`). Before the point of no return every step is undoable and
// pushes its compensation as soon as it succeeds; a non-retryable failure, a rejection, an
// approval timeout, `cancelDeletion` or a cancelled workflow runs them in reverse (non-cancellable)
// and restores the org exactly. After the point of no return the saga only goes forward: each
// step retries, then asks a human to retry or take over; purged data is never "restored".
import { CancellationScope, condition, isCancellation, patched, workflowInfo } from '@temporalio/workflow';
import { parseDuration } from '../../shared/duration';
import { ErrorTypes } from '../../shared/errors';
import {
  ORG_DELETION_STEPS as S,
  PURGE_TABLES,
  orgEventKey,
  sagaId,
  type OrgDeletionParams,
  type OrgInspection,
} from '../../shared/playbooks/org-deletion';
import { type Outcome, type PlaybookResult } from '../../shared/workflow-interface';
import { describeError, errorType } from '../lib/errors';
import { type PlaybookRun } from '../lib/playbook-run';
import { type OrgDeletionActivities } from './activity-proxies';
import { type CancelDeletion } from './cancel-deletion';
import { purgePlan, samePlan } from './purge-plan';
import { describeRemoval, removeOrphansUntilClean } from './remove-orphans';
import { stepAttempts } from './retry-budget';

class SagaAbort extends Error {
  constructor(
    message: string,
    readonly outcome: Outcome,
  ) {
    super(message);
    this.name = 'SagaAbort';
  }
}

class Escalation extends Error {
  constructor(
    readonly step: string,
    override readonly cause: unknown,
  ) {
    super(`${step} failed after the point of no return: ${describeError(cause)}`);
    this.name = 'Escalation';
  }
}

function rowsSummary(rows: Record<string, number>): string {
  return Object.entries(rows)
    .filter(([, n]) => n > 0)
    .map(([t, n]) => `${t} ${n}`)
    .join(', ');
}

export async function runDeletionSaga(
  run: PlaybookRun,
  params: OrgDeletionParams,
  acts: OrgDeletionActivities,
  cancel: CancelDeletion,
  org: OrgInspection,
): Promise<PlaybookResult> {
  const { orgId } = params;
  const info = workflowInfo();
  const saga = sagaId(info.workflowId, info.runId);
  const eventKey = (type: string) => orgEventKey(saga, type);
  const abortIfCancelled = () => {
    if (cancel.request) {
      throw new SagaAbort(
        `deletion cancelled by ${cancel.request.by}: ${cancel.request.reason ?? ''}`,
        'cancelled',
      );
    }
  };

  try {
    await run.step(S.softDelete, () => acts.pg.softDeleteOrg({ orgId, step: S.softDelete }), {
      mutating: true,
      summarize: (r) => (r.changed ? 'status deleting; writes refused' : 'already soft-deleted'),
    });
    run.addCompensation('restore-org', async () => {
      await acts.pg.restoreOrg({ orgId, step: 'compensate:restore-org', forStep: S.softDelete });
      await acts.outbox.relayOutboxEvents({
        idempotencyKeys: [eventKey('OrgDeletionCancelled')],
        step: 'compensate:publish:OrgDeletionCancelled',
      });
    });
    abortIfCancelled();

    await run.step(
      S.publishRequested,
      () =>
        acts.outbox.relayOutboxEvents({
          idempotencyKeys: [eventKey('OrgDeletionRequested')],
          step: S.publishRequested,
        }),
      { mutating: true, summarize: (r) => (r.produced.length > 0 ? 'published' : 'already on the topic') },
    );
    abortIfCancelled();

    const graceMs = parseDuration(params.gracePeriod);
    await run.step(
      S.grace,
      async () => ((await condition(() => cancel.requested, graceMs)) ? 'cancelled' : 'elapsed'),
      {
        summarize: (r) =>
          r === 'cancelled' ? `cancelled by ${cancel.request?.by}` : `${params.gracePeriod} elapsed`,
      },
    );
    abortIfCancelled();

    await run.step(S.freeze, () => acts.pg.freezeWorkflows({ orgId, step: S.freeze }), {
      mutating: true,
      summarize: (r) => `${r.frozen} workflow(s) frozen`,
    });
    run.addCompensation('unfreeze-workflows', () =>
      acts.pg.unfreezeWorkflows({ orgId, step: 'compensate:unfreeze-workflows', forStep: S.freeze }),
    );
    abortIfCancelled();

    await run.step(
      S.cancelSubscription,
      () => acts.pg.cancelSubscription({ orgId, step: S.cancelSubscription }),
      {
        mutating: true,
        summarize: (r) => `${r.cancelled} subscription(s) cancelled`,
      },
    );
    run.addCompensation('reactivate-subscription', () =>
      acts.pg.reactivateSubscription({
        orgId,
        step: 'compensate:reactivate-subscription',
        forStep: S.cancelSubscription,
      }),
    );
    abortIfCancelled();

    await run.step(
      S.revokeMemberships,
      () => acts.pg.revokeMemberships({ orgId, step: S.revokeMemberships }),
      {
        mutating: true,
        summarize: (r) => `${r.revoked} membership(s) snapshotted and revoked`,
      },
    );
    // Restoring memberships also rebuilds the caches (from the restored rows), so the cache
    // invalidation below needs no compensation of its own.
    run.addCompensation('restore-memberships', async () => {
      await acts.pg.restoreMemberships({
        orgId,
        step: 'compensate:restore-memberships',
        forStep: S.revokeMemberships,
      });
      await acts.cache.rebuildOrgCaches({ orgId, step: 'compensate:rebuild-caches' });
    });

    // Fail closed: access checks deny on a cache miss, so until this succeeds a revoked member
    // may still pass a cached check; it is retried longer rather than skipped.
    await run.step(
      S.invalidateCaches,
      () => acts.cache.invalidateOrgCaches({ orgId, step: S.invalidateCaches }),
      {
        mutating: true,
        maxAttempts: 8,
        summarize: (r) => `${r.deleted} cache key(s) deleted`,
      },
    );
    abortIfCancelled();

    const policy = run.ctx.approvalPolicy;
    const members = org.rows.memberships ?? 0;
    if (policy.required && members > params.approvalAboveMembers) {
      // Approval bound to a plan (patched: runs that reached this gate before keep their path).
      const bindPlan = patched('approval-bound-to-plan');
      let current = bindPlan ? await inspectForPlan(run, acts, orgId, `${S.inspect}:plan`) : org;
      for (let round = 1; ; round++) {
        const plan = purgePlan(current.rows);
        const decision = await run.requestApproval({
          step: S.pointOfNoReturn,
          question: `Purge org ${orgId}${org.name ? ` (${org.name})` : ''} for good: ${rowsSummary(current.rows)}? Nothing can be restored after this.`,
          policy,
          onTimeout: 'restore the org (compensate) and close',
          ...(bindPlan ? { plan, dryRunPlan: run.ctx.dryRunPlan, params: { ...params } } : {}),
        });
        if (decision.outcome !== 'approved') {
          throw new SagaAbort(
            decision.outcome === 'rejected'
              ? `rejected at the point of no return by ${decision.votes.at(-1)?.principal ?? 'an approver'}`
              : 'no approval before the deadline',
            'compensated',
          );
        }
        if (!bindPlan) break;
        const after = await inspectForPlan(run, acts, orgId, `${S.inspect}:recheck#${round}`);
        if (samePlan(purgePlan(after.rows), plan)) break;
        await run.record(`plan-changed#${round}`, 'plan-changed', 'rebound', {
          approved: current.rows,
          now: after.rows,
        });
        if (round >= MAX_PLAN_ROUNDS) {
          throw new SagaAbort(`the purge plan changed after each of ${round} approvals`, 'compensated');
        }
        current = after;
      }
    }
    abortIfCancelled();
    cancel.pastPointOfNoReturn = true;
    await run.record('point-of-no-return', 'point-of-no-return', 'rebound', { orgId, rows: org.rows });
  } catch (err) {
    return compensateAndClose(run, err);
  }

  // Past the point of no return: a cancelled workflow must not leave the org half-purged.
  return CancellationScope.nonCancellable(() => goForward(run, params, acts, eventKey, org));
}

/** Approvals asked again at most this often when the plan keeps changing; then the safe default. */
const MAX_PLAN_ROUNDS = 3;

function inspectForPlan(run: PlaybookRun, acts: OrgDeletionActivities, orgId: string, step: string) {
  return run.step(step, () => acts.pg.inspectOrg({ orgId }), {
    maxAttempts: stepAttempts(3),
    summarize: (o) => rowsSummary(o.rows) || 'no rows',
  });
}

async function compensateAndClose(run: PlaybookRun, err: unknown): Promise<PlaybookResult> {
  const reason = err instanceof SagaAbort ? err.message : describeError(err);
  const outcome: Outcome =
    err instanceof SagaAbort ? err.outcome : isCancellation(err) ? 'cancelled' : 'compensated';
  if (run.compensationCount === 0) {
    return run.close({
      outcome: outcome === 'compensated' ? 'failed' : outcome,
      summary: `nothing was changed: ${reason}`,
      details: { errorType: errorType(err) },
    });
  }
  const allUndone = await CancellationScope.nonCancellable(() => run.compensate(reason));
  if (!allUndone) {
    await CancellationScope.nonCancellable(() =>
      run.notify(
        'compensation-failed',
        'critical',
        `org deletion of ${run.status.resource}: a compensation failed (${reason}); the org needs a human`,
      ),
    );
    return run.close({
      outcome: 'escalated',
      summary: `compensation incomplete after: ${reason}`,
      details: { compensations: run.status.compensations },
    });
  }
  return run.close({
    outcome,
    summary: `org restored (${run.status.compensations.length} compensation(s)) after: ${reason}`,
    details: {
      compensations: run.status.compensations,
      errorType: errorType(err) ?? ErrorTypes.ApprovalRejected,
    },
  });
}

async function goForward(
  run: PlaybookRun,
  params: OrgDeletionParams,
  acts: OrgDeletionActivities,
  eventKey: (type: string) => string,
  org: OrgInspection,
): Promise<PlaybookResult> {
  const { orgId } = params;
  const forward = async <T>(name: string, fn: () => Promise<T>, summarize: (r: T) => string): Promise<T> => {
    for (let round = 1; ; round++) {
      const stepName = round === 1 ? name : `${name}#${round}`;
      try {
        return await run.step(stepName, fn, {
          mutating: true,
          maxAttempts: stepAttempts(6),
          summarize,
        });
      } catch (err) {
        await run.notify(
          `stuck:${stepName}`,
          'critical',
          `org deletion of ${orgId} is past its point of no return and ${name} keeps failing (${describeError(err)}); approve to retry, reject to leave it to a human`,
        );
        run.setPhase('needs-human');
        const decision = await run.requestApproval({
          step: `retry:${stepName}`,
          question: `${name} failed after the point of no return: ${describeError(err)}. Retry it?`,
          policy: run.ctx.approvalPolicy,
          onTimeout: 'stop and leave the half-deleted org to a human (nothing is restored)',
        });
        if (decision.outcome !== 'approved') throw new Escalation(name, err);
      }
    }
  };

  try {
    const purged: Record<string, number> = {};
    for (const step of [S.purgeWorkflowService, S.purgeNotifications, S.purgeBilling] as const) {
      const r = await forward(
        step,
        () => acts.pgLong.purgeOrgTables({ orgId, step, tables: PURGE_TABLES[step] }),
        (x) => rowsSummary(x.deleted) || 'nothing to purge',
      );
      Object.assign(purged, r.deleted);
    }
    await forward(
      S.purgeCaches,
      () => acts.cache.invalidateOrgCaches({ orgId, step: S.purgeCaches }),
      (r) => `${r.deleted} cache key(s) deleted`,
    );
    await forward(
      S.hardDelete,
      () => acts.pg.hardDeleteOrg({ orgId, step: S.hardDelete }),
      (r) => (r.deleted ? 'org row deleted' : 'org row already gone'),
    );
    await forward(
      S.publishDeleted,
      () =>
        acts.outbox.relayOutboxEvents({ idempotencyKeys: [eventKey('OrgDeleted')], step: S.publishDeleted }),
      (r) => (r.produced.length > 0 ? 'published' : 'already on the topic'),
    );
    const verify = await forward(
      S.verify,
      () => removeOrphansUntilClean(acts, orgId, S.verify),
      describeRemoval,
    );
    const details = {
      orgId,
      before: org.rows,
      purged,
      orphansRemoved: verify.removed,
      verifyPasses: verify.passes,
    };
    await run.record('org-deleted', 'org-deleted', 'rebound', details);
    return run.close({
      outcome: 'recovered',
      summary: `org ${orgId} deleted; ${describeRemoval(verify)}`,
      details,
    });
  } catch (err) {
    const summary = describeError(err);
    await run.record('escalated', 'escalated', 'rebound', { error: summary });
    return run.close({ outcome: 'escalated', summary, details: { errorType: errorType(err) } });
  }
}
