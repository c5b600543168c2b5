// org-deletion: the org deletion saga (seed 002, "org deleted while dependent services still
// processing") and its cleanup mode for the OrphanedOrgData alert. Parameters, the
// `cancelDeletion` update and the names both the workflow and the activities use.
import { defineUpdate } from '@temporalio/workflow';
import { z } from 'zod';
import { durationSchema } from '../duration';

export const orgDeletionParamsSchema = z
  .object({
    orgId: z.string().uuid(),
    /** Soft-deleted and restorable for this long before anything is taken away; days in production. */
    gracePeriod: durationSchema.default('7d'),
    /** delete: the saga; cleanup: the org is already gone, remove what still references it. */
    mode: z.enum(['delete', 'cleanup']).default('delete'),
    /**
     * The point of no return needs approval (when the context's approvalPolicy requires it) for
     * orgs with more members than this; 0 means every org with a member.
     */
    approvalAboveMembers: z.number().int().min(0).default(0),
  })
  .strict();
export type OrgDeletionParams = z.infer<typeof orgDeletionParamsSchema>;

export interface CancelDeletionRequest {
  /** The principal cancelling (audited). */
  by: string;
  reason?: string;
}

export interface CancelDeletionReply {
  accepted: true;
  /** The step the saga was in when the cancellation arrived. */
  during: string;
}

/** Accepted until the point of no return: compensates everything and restores the org. */
export const cancelDeletionUpdate = defineUpdate<CancelDeletionReply, [CancelDeletionRequest]>(
  'cancelDeletion',
);

export const ORG_DELETION_STEPS = {
  inspect: 'inspect-org',
  softDelete: 'soft-delete',
  publishRequested: 'publish:OrgDeletionRequested',
  grace: 'grace-period',
  freeze: 'freeze-workflows',
  cancelSubscription: 'cancel-subscription',
  revokeMemberships: 'revoke-memberships',
  invalidateCaches: 'invalidate-caches',
  pointOfNoReturn: 'point-of-no-return',
  purgeWorkflowService: 'purge:workflow-service',
  purgeNotifications: 'purge:notifications',
  purgeBilling: 'purge:billing',
  purgeCaches: 'purge:caches',
  hardDelete: 'hard-delete',
  publishDeleted: 'publish:OrgDeleted',
  verify: 'verify-no-orphans',
  findOrphans: 'find-orphans',
  removeOrphans: 'remove-orphans',
} as const;

/**
 * Tables each purge step empties, in order (runs before their workflows). Memberships (already
 * revoked) and the saga's snapshots go with the org row in the hard delete.
 */
export const PURGE_TABLES = {
  [ORG_DELETION_STEPS.purgeWorkflowService]: ['workflow_runs', 'workflows'],
  [ORG_DELETION_STEPS.purgeNotifications]: ['notifications'],
  [ORG_DELETION_STEPS.purgeBilling]: ['entitlements', 'subscriptions'],
} as const;

/**
 * One saga execution: the workflow id plus the run id, so a second deletion attempt of the same
 * org (after a compensated one) gets its own snapshots and its own events.
 */
export function sagaId(workflowId: string, runId: string): string {
  return `${workflowId}@${runId}`;
}

export function orgEventKey(saga: string, type: string): string {
  return `${saga}:${type}`;
}

export interface OrgInspection {
  exists: boolean;
  status?: 'active' | 'deleting' | 'deleted';
  name?: string;
  rows: Record<string, number>;
}

export interface OrphanReport {
  rows: Record<string, number>;
  cacheKeys: number;
  total: number;
}
