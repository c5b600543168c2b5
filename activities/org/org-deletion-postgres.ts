// The org deletion saga's PostgreSQL steps and their compensations. Each forward step before the
// point of no return writes its snapshot (what it takes away) in the same transaction as its
// effect, keyed by (saga, step): a retried step finds the snapshot and does nothing; a
// compensation applies the snapshot and deletes it in one transaction, so it too runs once.
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { type Redis } from 'ioredis';
import { escapeIdentifier, type Pool, type PoolClient } from 'pg';
import { ErrorTypes } from '../../shared/errors';
import { orgEventKey, type OrgInspection, type OrphanReport } from '../../shared/playbooks/org-deletion';
import { ORG_EVENTS_TOPIC, type OrgEventType } from '../../platform/org/events';
import { listOrgOwnedTables } from '../../platform/org/org-tables';
import { actAsOrgDeletionWriter } from '../../platform/org/write-guard';
import { enqueueOutboxEvent } from '../../platform/outbox/enqueue';
import { faultInjectorFromEnv, type FaultInjector } from './fault-injection';
import { currentSagaId } from './saga-context';

export interface OrgStep {
  orgId: string;
  step: string;
}

/** A compensation names the forward step whose snapshot it applies. */
export interface OrgCompensation extends OrgStep {
  forStep: string;
}

async function inTransaction<T>(pool: Pool, fn: (c: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

async function existingSnapshot<T>(c: PoolClient, saga: string, step: string): Promise<T | undefined> {
  const r = await c.query<{ data: T }>(
    'SELECT data FROM org_deletion_snapshots WHERE workflow_id = $1 AND step = $2',
    [saga, step],
  );
  return r.rows[0]?.data;
}

async function saveSnapshot(c: PoolClient, saga: string, step: string, orgId: string, data: unknown) {
  await c.query(
    'INSERT INTO org_deletion_snapshots (workflow_id, step, org_id, data) VALUES ($1, $2, $3, $4)',
    [saga, step, orgId, JSON.stringify(data)],
  );
}

async function takeSnapshot<T>(c: PoolClient, saga: string, step: string): Promise<T | undefined> {
  const r = await c.query<{ data: T }>(
    'DELETE FROM org_deletion_snapshots WHERE workflow_id = $1 AND step = $2 RETURNING data',
    [saga, step],
  );
  return r.rows[0]?.data;
}

async function lockDeletingOrg(c: PoolClient, orgId: string, step: string): Promise<void> {
  const r = await c.query<{ status: string }>('SELECT status FROM orgs WHERE id = $1 FOR UPDATE', [orgId]);
  const status = r.rows[0]?.status;
  if (status !== 'deleting') {
    throw ApplicationFailure.nonRetryable(
      `${step}: org ${orgId} is ${status ?? 'gone'}, expected deleting`,
      ErrorTypes.PreconditionFailed,
    );
  }
  await actAsOrgDeletionWriter(c, orgId);
}

function orgEvent(saga: string, orgId: string, type: OrgEventType) {
  const eventId = orgEventKey(saga, type);
  return {
    idempotencyKey: eventId,
    topic: ORG_EVENTS_TOPIC,
    messageKey: orgId,
    eventType: type,
    payload: { eventId, orgId, type, at: new Date().toISOString(), workflowId: saga },
  };
}

interface OrgRowSnapshot {
  status: string;
  updated_at: string;
}

export function createOrgDeletionPostgresActivities(deps: {
  platformPool: Pool;
  redis: Redis;
  faults?: FaultInjector;
}) {
  const pool = deps.platformPool;
  const faults = deps.faults ?? faultInjectorFromEnv(deps.redis);

  async function orgRowCounts(orgId: string): Promise<Record<string, number>> {
    const rows: Record<string, number> = {};
    for (const table of await listOrgOwnedTables(pool)) {
      const r = await pool.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM ${escapeIdentifier(table)} WHERE org_id::text = $1`,
        [orgId],
      );
      rows[table] = r.rows[0].n;
    }
    return rows;
  }

  return {
    async inspectOrg({ orgId }: { orgId: string }): Promise<OrgInspection> {
      const org = await pool.query<{ status: OrgInspection['status']; name: string }>(
        'SELECT status, name FROM orgs WHERE id = $1',
        [orgId],
      );
      const row = org.rows[0];
      return {
        exists: row !== undefined,
        status: row?.status,
        name: row?.name,
        rows: await orgRowCounts(orgId),
      };
    },

    /** Status `deleting` (writes refused from now on) and OrgDeletionRequested in the outbox, atomically. */
    softDeleteOrg: ({ orgId, step }: OrgStep) =>
      faults.around(step, () =>
        inTransaction(pool, async (c) => {
          const saga = currentSagaId();
          if (await existingSnapshot(c, saga, step)) return { changed: false };
          const r = await c.query<OrgRowSnapshot & { name: string }>(
            'SELECT status, updated_at::text AS updated_at, name FROM orgs WHERE id = $1 FOR UPDATE',
            [orgId],
          );
          const org = r.rows[0];
          if (!org || org.status !== 'active') {
            throw ApplicationFailure.nonRetryable(
              `org ${orgId} is ${org?.status ?? 'not found'}; only an active org can be deleted`,
              ErrorTypes.PreconditionFailed,
            );
          }
          await c.query(`UPDATE orgs SET status = 'deleting', updated_at = now() WHERE id = $1`, [orgId]);
          await enqueueOutboxEvent(c, orgEvent(saga, orgId, 'OrgDeletionRequested'));
          await saveSnapshot(c, saga, step, orgId, { status: org.status, updated_at: org.updated_at });
          return { changed: true };
        }),
      ),

    /**
     * Compensation: the org as it was, OrgDeletionCancelled in the outbox. It removes only its own
     * snapshot: another compensation that failed still needs its snapshot to be finished by hand.
     */
    restoreOrg: ({ orgId, step, forStep }: OrgCompensation) =>
      faults.around(step, () =>
        inTransaction(pool, async (c) => {
          const saga = currentSagaId();
          const before = await takeSnapshot<OrgRowSnapshot>(c, saga, forStep);
          if (!before) return { restored: false };
          await actAsOrgDeletionWriter(c, orgId);
          await c.query(
            `UPDATE orgs SET status = $2, updated_at = $3 WHERE id = $1 AND status = 'deleting'`,
            [orgId, before.status, before.updated_at],
          );
          await enqueueOutboxEvent(c, orgEvent(saga, orgId, 'OrgDeletionCancelled'));
          return { restored: true };
        }),
      ),

    freezeWorkflows: ({ orgId, step }: OrgStep) =>
      faults.around(step, () =>
        inTransaction(pool, async (c) => {
          const saga = currentSagaId();
          const done = await existingSnapshot<{ ids: string[] }>(c, saga, step);
          if (done) return { frozen: done.ids.length };
          await lockDeletingOrg(c, orgId, step);
          const r = await c.query<{ id: string }>(
            `UPDATE workflows SET status = 'frozen' WHERE org_id = $1 AND status = 'active' RETURNING id`,
            [orgId],
          );
          const ids = r.rows.map((x) => x.id);
          await saveSnapshot(c, saga, step, orgId, { ids });
          return { frozen: ids.length };
        }),
      ),

    unfreezeWorkflows: ({ orgId, step, forStep }: OrgCompensation) =>
      faults.around(step, () =>
        inTransaction(pool, async (c) => {
          const snap = await takeSnapshot<{ ids: string[] }>(c, currentSagaId(), forStep);
          if (!snap) return { unfrozen: 0 };
          await actAsOrgDeletionWriter(c, orgId);
          const r = await c.query(
            `UPDATE workflows SET status = 'active' WHERE id = ANY($1::uuid[]) AND status = 'frozen'`,
            [snap.ids],
          );
          return { unfrozen: r.rowCount ?? 0 };
        }),
      ),

    cancelSubscription: ({ orgId, step }: OrgStep) =>
      faults.around(step, () =>
        inTransaction(pool, async (c) => {
          const saga = currentSagaId();
          const done = await existingSnapshot<{ rows: unknown[] }>(c, saga, step);
          if (done) return { cancelled: done.rows.length };
          await lockDeletingOrg(c, orgId, step);
          const before = await c.query<{ id: string; status: string; updated_at: string }>(
            `SELECT id, status, updated_at::text AS updated_at FROM subscriptions
              WHERE org_id = $1 AND status = 'active' FOR UPDATE`,
            [orgId],
          );
          await c.query(
            `UPDATE subscriptions SET status = 'cancelled', updated_at = now() WHERE id = ANY($1::uuid[])`,
            [before.rows.map((s) => s.id)],
          );
          await saveSnapshot(c, saga, step, orgId, { rows: before.rows });
          return { cancelled: before.rows.length };
        }),
      ),

    reactivateSubscription: ({ orgId, step, forStep }: OrgCompensation) =>
      faults.around(step, () =>
        inTransaction(pool, async (c) => {
          const snap = await takeSnapshot<{ rows: { id: string; status: string; updated_at: string }[] }>(
            c,
            currentSagaId(),
            forStep,
          );
          if (!snap) return { reactivated: 0 };
          await actAsOrgDeletionWriter(c, orgId);
          for (const s of snap.rows) {
            await c.query('UPDATE subscriptions SET status = $2, updated_at = $3 WHERE id = $1', [
              s.id,
              s.status,
              s.updated_at,
            ]);
          }
          return { reactivated: snap.rows.length };
        }),
      ),

    /** Snapshot first, then delete: the snapshot is what restoring would use. */
    revokeMemberships: ({ orgId, step }: OrgStep) =>
      faults.around(step, () =>
        inTransaction(pool, async (c) => {
          const saga = currentSagaId();
          const done = await existingSnapshot<{ rows: unknown[] }>(c, saga, step);
          if (done) return { revoked: done.rows.length };
          await lockDeletingOrg(c, orgId, step);
          // Rows as jsonb (timestamps as text, microseconds kept) so restoring them is exact.
          const r = await c.query<{ rows: unknown[] }>(
            `WITH gone AS (DELETE FROM memberships WHERE org_id = $1 RETURNING *)
               SELECT coalesce(jsonb_agg(to_jsonb(gone)), '[]'::jsonb) AS rows FROM gone`,
            [orgId],
          );
          const rows = r.rows[0].rows;
          await saveSnapshot(c, saga, step, orgId, { rows });
          return { revoked: rows.length };
        }),
      ),

    restoreMemberships: ({ orgId, step, forStep }: OrgCompensation) =>
      faults.around(step, () =>
        inTransaction(pool, async (c) => {
          const snap = await takeSnapshot<{ rows: unknown[] }>(c, currentSagaId(), forStep);
          if (!snap) return { restored: 0 };
          await actAsOrgDeletionWriter(c, orgId);
          const r = await c.query(
            `INSERT INTO memberships SELECT * FROM jsonb_populate_recordset(NULL::memberships, $1::jsonb)
             ON CONFLICT (org_id, user_id) DO NOTHING`,
            [JSON.stringify(snap.rows)],
          );
          return { restored: r.rowCount ?? 0 };
        }),
      ),

    /** After the point of no return: empties the step's tables in batches, heartbeating a cursor. */
    purgeOrgTables: ({ orgId, step, tables }: OrgStep & { tables: readonly string[] }) =>
      faults.around(step, async () => {
        const ctx = Context.current();
        const cursor = (ctx.info.heartbeatDetails as
          { table: number; deleted: Record<string, number> } | undefined) ?? {
          table: 0,
          deleted: {},
        };
        const status = await pool.query<{ status: string }>('SELECT status FROM orgs WHERE id = $1', [orgId]);
        if (status.rows[0]?.status !== 'deleting') {
          throw ApplicationFailure.nonRetryable(
            `${step}: org ${orgId} is ${status.rows[0]?.status ?? 'gone'}; purging needs status deleting`,
            ErrorTypes.PreconditionFailed,
          );
        }
        for (let i = cursor.table; i < tables.length; i++) {
          const table = tables[i];
          for (;;) {
            const r = await pool.query(
              `DELETE FROM ${escapeIdentifier(table)} WHERE ctid IN
                 (SELECT ctid FROM ${escapeIdentifier(table)} WHERE org_id = $1 LIMIT 1000)`,
              [orgId],
            );
            cursor.deleted[table] = (cursor.deleted[table] ?? 0) + (r.rowCount ?? 0);
            ctx.heartbeat({ table: i, deleted: cursor.deleted });
            if ((r.rowCount ?? 0) < 1000) break;
          }
          cursor.table = i + 1;
          ctx.heartbeat(cursor);
        }
        return { deleted: cursor.deleted };
      }),

    /** Hard delete: the org row, its leftover memberships and snapshots, and OrgDeleted in the outbox. */
    hardDeleteOrg: ({ orgId, step }: OrgStep) =>
      faults.around(step, () =>
        inTransaction(pool, async (c) => {
          const saga = currentSagaId();
          const r = await c.query<{ status: string }>('SELECT status FROM orgs WHERE id = $1 FOR UPDATE', [
            orgId,
          ]);
          const status = r.rows[0]?.status;
          if (status !== undefined && status !== 'deleting') {
            throw ApplicationFailure.nonRetryable(
              `org ${orgId} is ${status}; refusing to hard-delete`,
              ErrorTypes.PreconditionFailed,
            );
          }
          await c.query('DELETE FROM memberships WHERE org_id = $1', [orgId]);
          await c.query('DELETE FROM org_deletion_snapshots WHERE org_id = $1', [orgId]);
          const deleted = await c.query('DELETE FROM orgs WHERE id = $1', [orgId]);
          const enqueued = await enqueueOutboxEvent(c, orgEvent(saga, orgId, 'OrgDeleted'));
          return { deleted: (deleted.rowCount ?? 0) > 0, enqueued };
        }),
      ),

    /** Read-only: what still references the org in PostgreSQL. */
    findOrphanRows: async ({ orgId }: { orgId: string }): Promise<Omit<OrphanReport, 'cacheKeys'>> => {
      const rows = await orgRowCounts(orgId);
      return { rows, total: Object.values(rows).reduce((a, b) => a + b, 0) };
    },

    /** Removes every row that references an org that no longer exists (never one that does). */
    removeOrphanRows: ({ orgId, step }: OrgStep) =>
      faults.around(step, () =>
        inTransaction(pool, async (c) => {
          const org = await c.query('SELECT 1 FROM orgs WHERE id = $1', [orgId]);
          if (org.rowCount) {
            throw ApplicationFailure.nonRetryable(
              `org ${orgId} exists: its rows are not orphans`,
              ErrorTypes.PreconditionFailed,
            );
          }
          const removed: Record<string, number> = {};
          for (const table of await listOrgOwnedTables(c)) {
            const r = await c.query(`DELETE FROM ${escapeIdentifier(table)} WHERE org_id::text = $1`, [
              orgId,
            ]);
            if (r.rowCount) removed[table] = r.rowCount;
          }
          return { removed, total: Object.values(removed).reduce((a, b) => a + b, 0) };
        }),
      ),
  };
}

export type OrgDeletionPostgresActivities = ReturnType<typeof createOrgDeletionPostgresActivities>;
