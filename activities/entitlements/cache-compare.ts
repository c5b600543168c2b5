// Compare-and-repair, the I/O part shared by entitlement-resync and cache-repair: read the
// authoritative rows of a set (or a page) of orgs in one query, read their caches in one pipeline,
// and apply the verdicts of cache-diff.ts in one MULTI together with whatever progress record the
// caller adds, so a page's repairs and its cursor commit together or not at all.
import { type ChainableCommander, type Redis } from 'ioredis';
import { type Pool } from 'pg';
import { doNotCacheKey } from '../../platform/caches/do-not-cache';
import {
  ENTITLEMENT_CACHE_TTL_S,
  MEMBERSHIP_CACHE_TTL_S,
  entitlementCacheKey,
  membershipCacheKey,
} from '../../platform/caches/org-caches';
import { enqueueOutboxEvents } from '../../platform/outbox/enqueue';
import { ENTITLEMENT_EVENTS_TOPIC } from '../../shared/playbooks/entitlement-resync';
import { type AuthoritativeOrg, type CachedOrg, type OrgVerdict } from './cache-diff';

interface OrgRow {
  id: string;
  status: AuthoritativeOrg['status'];
  entitlements: Record<string, number> | null;
  members: Record<string, string> | null;
}

const ORG_COLUMNS = `o.id::text, o.status,
  (SELECT json_object_agg(e.feature, e.limit_value) FROM entitlements e WHERE e.org_id = o.id) AS entitlements,
  (SELECT json_object_agg(m.user_id, m.role) FROM memberships m WHERE m.org_id = o.id) AS members`;

function toAuthoritative(r: OrgRow): AuthoritativeOrg {
  return {
    orgId: r.id,
    exists: true,
    status: r.status,
    entitlements: Object.fromEntries(Object.entries(r.entitlements ?? {}).map(([k, v]) => [k, String(v)])),
    members: r.members ?? {},
  };
}

/** The next page of orgs by id after `cursor` (null: from the start), with their rows. */
export async function readOrgPage(
  pool: Pool,
  cursor: string | null,
  limit: number,
): Promise<AuthoritativeOrg[]> {
  const r = await pool.query<OrgRow>(
    `SELECT ${ORG_COLUMNS} FROM orgs o WHERE ($1::uuid IS NULL OR o.id > $1::uuid) ORDER BY o.id LIMIT $2`,
    [cursor, limit],
  );
  return r.rows.map(toAuthoritative);
}

/** The named orgs' rows; an id with no org row comes back with `exists: false`. */
export async function readOrgs(pool: Pool, orgIds: string[]): Promise<AuthoritativeOrg[]> {
  const r = await pool.query<OrgRow>(`SELECT ${ORG_COLUMNS} FROM orgs o WHERE o.id = ANY($1::uuid[])`, [
    orgIds,
  ]);
  const found = new Map(r.rows.map((row) => [row.id, toAuthoritative(row)]));
  return orgIds.map(
    (orgId) => found.get(orgId) ?? { orgId, exists: false, status: null, entitlements: {}, members: {} },
  );
}

/** Both caches of each org and its do-not-cache listing, in one pipeline. */
export async function readCaches(redis: Redis, orgIds: string[]): Promise<CachedOrg[]> {
  const p = redis.pipeline();
  for (const id of orgIds) {
    const key = entitlementCacheKey(id);
    p.hgetall(key).ttl(key).hgetall(membershipCacheKey(id)).exists(doNotCacheKey(key));
  }
  const res = (await p.exec()) ?? [];
  const failed = res.find(([err]) => err);
  if (failed) throw failed[0]!;
  return orgIds.map((_, i) => ({
    entitlements: res[i * 4][1] as Record<string, string>,
    entitlementsTtl: res[i * 4 + 1][1] as number,
    members: res[i * 4 + 2][1] as Record<string, string>,
    doNotCache: res[i * 4 + 3][1] === 1,
  }));
}

/** Adds the repairs of `verdicts` to a MULTI (or pipeline). Removed members go first. */
export function queueRepairs(tx: ChainableCommander, verdicts: OrgVerdict[]): void {
  for (const v of verdicts) {
    const mKey = membershipCacheKey(v.orgId);
    const m = v.memberships;
    if (m.action === 'remove') tx.hdel(mKey, ...m.users);
    else if (m.action === 'delete') tx.del(mKey);
    else if (m.action === 'write') tx.del(mKey).hset(mKey, m.value).expire(mKey, MEMBERSHIP_CACHE_TTL_S);
    const eKey = entitlementCacheKey(v.orgId);
    const e = v.entitlements;
    if (e.action === 'delete') tx.del(eKey);
    else if (e.action === 'expire') tx.expire(eKey, ENTITLEMENT_CACHE_TTL_S);
    else if (e.action === 'write') tx.del(eKey).hset(eKey, e.value).expire(eKey, ENTITLEMENT_CACHE_TTL_S);
  }
}

/** Runs a MULTI and fails if any command in it failed. */
export async function execAll(tx: ChainableCommander, what: string): Promise<void> {
  const results = await tx.exec();
  const failed = results?.find(([err]) => err);
  if (!results || failed) throw new Error(`${what} failed: ${String(failed?.[0] ?? 'transaction aborted')}`);
}

/**
 * One EntitlementsResynced event per org whose cached entitlements change, through the platform's
 * outbox (idempotent per run and org: a redone page writes none twice). Written before the cache
 * is repaired, so a crash in between redoes the page and the event is not lost.
 */
export async function enqueueResynced(pool: Pool, runKey: string, verdicts: OrgVerdict[]): Promise<number> {
  const changed = verdicts.filter((v) => v.entitlementsChanged);
  if (changed.length === 0) return 0;
  return enqueueOutboxEvents(
    pool,
    changed.map((v) => {
      const key = `${runKey}:EntitlementsResynced:${v.orgId}`;
      const e = v.entitlements;
      return {
        idempotencyKey: key,
        topic: ENTITLEMENT_EVENTS_TOPIC,
        messageKey: v.orgId,
        eventType: 'EntitlementsResynced',
        payload: {
          eventId: key,
          orgId: v.orgId,
          type: 'EntitlementsResynced',
          drift: Object.entries(v.counts)
            .filter(([k, n]) => k !== 'orgs' && k !== 'events' && n > 0)
            .map(([k]) => k),
          entitlements: e.action === 'write' ? e.value : {},
          runKey,
        },
      };
    }),
  );
}
