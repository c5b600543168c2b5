// Creates a populated org for tests, the demo and benchmarks: members (an owner, an admin, then
// members), an active subscription with entitlements, workflows with runs, notifications with
// unique event ids, and the Redis caches the Workflow Service reads. One transaction, so a
// half-created org never exists.
import { randomUUID } from 'node:crypto';
import { type Redis } from 'ioredis';
import { type Pool } from 'pg';
import { fillOrgCaches } from '../caches/org-caches';

export interface CreateOrgOptions {
  name?: string;
  members: number;
  workflows: number;
  /** Runs per workflow. Default 2. */
  runsPerWorkflow?: number;
  notifications: number;
}

export interface CreatedOrg {
  orgId: string;
  name: string;
  counts: {
    memberships: number;
    subscriptions: number;
    entitlements: number;
    workflows: number;
    workflow_runs: number;
    notifications: number;
  };
  cacheKeys: string[];
}

export const ENTITLEMENT_FEATURES = ['seats', 'workflows', 'api-calls'] as const;

export async function createOrg(
  deps: { pool: Pool; redis: Redis },
  opts: CreateOrgOptions,
): Promise<CreatedOrg> {
  const orgId = randomUUID();
  const name = opts.name ?? `org-${orgId.slice(0, 8)}`;
  const runsPerWorkflow = opts.runsPerWorkflow ?? 2;
  const client = await deps.pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('INSERT INTO orgs (id, name) VALUES ($1, $2)', [orgId, name]);
    await client.query(
      `INSERT INTO memberships (org_id, user_id, role)
       SELECT $1, gen_random_uuid(), CASE WHEN i = 1 THEN 'owner' WHEN i = 2 THEN 'admin' ELSE 'member' END
       FROM generate_series(1, $2::int) AS i`,
      [orgId, opts.members],
    );
    await client.query(
      `INSERT INTO subscriptions (id, org_id, plan, current_period_end)
       VALUES (gen_random_uuid(), $1, 'team', now() + interval '30 days')`,
      [orgId],
    );
    const limits = [Math.max(opts.members, 1), Math.max(opts.workflows, 1), 10_000];
    await client.query(
      `INSERT INTO entitlements (org_id, feature, limit_value) SELECT $1, f, l FROM unnest($2::text[], $3::int[]) AS t(f, l)`,
      [orgId, [...ENTITLEMENT_FEATURES], limits],
    );
    await client.query(
      `INSERT INTO workflows (id, org_id, name)
       SELECT gen_random_uuid(), $1, 'workflow-' || i FROM generate_series(1, $2::int) AS i`,
      [orgId, opts.workflows],
    );
    await client.query(
      `INSERT INTO workflow_runs (id, workflow_id, org_id, status)
       SELECT gen_random_uuid(), w.id, w.org_id, CASE WHEN r % 2 = 0 THEN 'succeeded' ELSE 'running' END
       FROM workflows w CROSS JOIN generate_series(1, $2::int) AS r WHERE w.org_id = $1`,
      [orgId, runsPerWorkflow],
    );
    await client.query(
      `INSERT INTO notifications (event_id, org_id, type, payload)
       SELECT 'gen-' || $1::text || '-' || i, $1::uuid, 'workflow.completed', jsonb_build_object('orgId', $1::text, 'n', i)
       FROM generate_series(1, $2::int) AS i`,
      [orgId, opts.notifications],
    );
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK');
    throw err;
  } finally {
    client.release();
  }
  const cacheKeys = await fillOrgCaches(deps.pool, deps.redis, orgId);
  return {
    orgId,
    name,
    counts: {
      memberships: opts.members,
      subscriptions: 1,
      entitlements: ENTITLEMENT_FEATURES.length,
      workflows: opts.workflows,
      workflow_runs: opts.workflows * runsPerWorkflow,
      notifications: opts.notifications,
    },
    cacheKeys,
  };
}
