// Orgs with entitlements and members, written in bulk, their caches filled as the platform fills
// them, and then drift introduced on purpose: for the resync's tests and benchmark.
import { randomUUID } from 'node:crypto';
import { type Redis } from 'ioredis';
import { escapeIdentifier, type Pool } from 'pg';
import {
  ENTITLEMENT_CACHE_TTL_S,
  MEMBERSHIP_CACHE_TTL_S,
  entitlementCacheKey,
  membershipCacheKey,
} from '../../platform/caches/org-caches';

export const FEATURES = ['seats', 'workflows', 'api-calls'] as const;

export interface FixtureOrg {
  orgId: string;
  entitlements: Record<string, string>;
  members: Record<string, string>;
}

export async function createEntitledOrgs(pool: Pool, redis: Redis, n: number): Promise<FixtureOrg[]> {
  const orgs: FixtureOrg[] = Array.from({ length: n }, (_, i) => ({
    orgId: randomUUID(),
    entitlements: Object.fromEntries(FEATURES.map((f, j) => [f, String(((i + 1) * (j + 7)) % 1000)])),
    members: { [randomUUID()]: 'owner', [randomUUID()]: 'member' },
  }));
  for (let i = 0; i < orgs.length; i += 10_000) {
    const chunk = orgs.slice(i, i + 10_000);
    const ids = chunk.map((o) => o.orgId);
    await pool.query(
      `INSERT INTO orgs (id, name) SELECT id, 'fixture ' || id FROM unnest($1::uuid[]) AS id`,
      [ids],
    );
    const ent = chunk.flatMap((o) =>
      Object.entries(o.entitlements).map(([f, v]) => [o.orgId, f, Number(v)] as const),
    );
    await pool.query(
      `INSERT INTO entitlements (org_id, feature, limit_value)
       SELECT * FROM unnest($1::uuid[], $2::text[], $3::int[])`,
      [ent.map((e) => e[0]), ent.map((e) => e[1]), ent.map((e) => e[2])],
    );
    const mem = chunk.flatMap((o) => Object.entries(o.members).map(([u, r]) => [o.orgId, u, r] as const));
    await pool.query(
      `INSERT INTO memberships (org_id, user_id, role) SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[])`,
      [mem.map((m) => m[0]), mem.map((m) => m[1]), mem.map((m) => m[2])],
    );
    const p = redis.pipeline();
    for (const o of chunk) {
      p.hset(entitlementCacheKey(o.orgId), o.entitlements).expire(
        entitlementCacheKey(o.orgId),
        ENTITLEMENT_CACHE_TTL_S,
      );
      p.hset(membershipCacheKey(o.orgId), o.members).expire(
        membershipCacheKey(o.orgId),
        MEMBERSHIP_CACHE_TTL_S,
      );
    }
    await p.exec();
  }
  return orgs;
}

export interface Drift {
  drifted: string[];
  missing: string[];
  /** Orgs whose entitlements were removed from the database while their cache stayed. */
  extra: string[];
  /** Cache keys of orgs that do not exist at all. */
  orphanKeys: string[];
  /** Orgs with a member removed in the database but still cached. */
  removedMember: string[];
}

/** Drifts `fraction` of the orgs' caches, in equal parts of each kind; returns who was drifted. */
export async function introduceDrift(
  pool: Pool,
  redis: Redis,
  orgs: FixtureOrg[],
  fraction: number,
): Promise<Drift> {
  const n = Math.round(orgs.length * fraction);
  const pick = [...orgs].sort(() => Math.random() - 0.5).slice(0, n);
  const per = Math.floor(n / 4);
  const d: Drift = {
    drifted: pick.slice(0, per).map((o) => o.orgId),
    missing: pick.slice(per, 2 * per).map((o) => o.orgId),
    extra: pick.slice(2 * per, 3 * per).map((o) => o.orgId),
    removedMember: pick.slice(3 * per).map((o) => o.orgId),
    orphanKeys: Array.from({ length: 5 }, () => entitlementCacheKey(randomUUID())),
  };
  const p = redis.pipeline();
  for (const id of d.drifted) p.hset(entitlementCacheKey(id), 'seats', '999999');
  for (const id of d.missing) p.del(entitlementCacheKey(id));
  for (const k of d.orphanKeys) p.hset(k, 'seats', '1');
  await p.exec();
  await pool.query('DELETE FROM entitlements WHERE org_id = ANY($1::uuid[])', [d.extra]);
  await pool.query(
    `DELETE FROM memberships WHERE (org_id, role) IN (SELECT id, 'member' FROM unnest($1::uuid[]) AS id)`,
    [d.removedMember],
  );
  return d;
}

export async function removeFixtureOrgs(pool: Pool, redis: Redis, orgIds: string[]): Promise<void> {
  for (const t of ['entitlements', 'memberships'])
    await pool.query(`DELETE FROM ${escapeIdentifier(t)} WHERE org_id = ANY($1::uuid[])`, [orgIds]);
  await pool.query('DELETE FROM orgs WHERE id = ANY($1::uuid[])', [orgIds]);
  for (let i = 0; i < orgIds.length; i += 1_000) {
    const keys = orgIds
      .slice(i, i + 1_000)
      .flatMap((id) => [entitlementCacheKey(id), membershipCacheKey(id)]);
    await redis.del(...keys);
  }
}

/** Every org's caches against its rows: the orgs whose cache differs. */
export async function mismatches(pool: Pool, redis: Redis, orgIds: string[]): Promise<string[]> {
  const bad: string[] = [];
  for (let i = 0; i < orgIds.length; i += 1_000) {
    const ids = orgIds.slice(i, i + 1_000);
    const ent = await pool.query<{ org_id: string; h: Record<string, number> }>(
      `SELECT org_id::text, json_object_agg(feature, limit_value) AS h FROM entitlements WHERE org_id = ANY($1::uuid[]) GROUP BY org_id`,
      [ids],
    );
    const mem = await pool.query<{ org_id: string; h: Record<string, string> }>(
      `SELECT org_id::text, json_object_agg(user_id, role) AS h FROM memberships WHERE org_id = ANY($1::uuid[]) GROUP BY org_id`,
      [ids],
    );
    const wantE = new Map(ent.rows.map((r) => [r.org_id, r.h]));
    const wantM = new Map(mem.rows.map((r) => [r.org_id, r.h]));
    const p = redis.pipeline();
    for (const id of ids) p.hgetall(entitlementCacheKey(id)).hgetall(membershipCacheKey(id));
    const res = (await p.exec()) ?? [];
    ids.forEach((id, j) => {
      const e = res[j * 2][1] as Record<string, string>;
      const m = res[j * 2 + 1][1] as Record<string, string>;
      const we = Object.fromEntries(Object.entries(wantE.get(id) ?? {}).map(([k, v]) => [k, String(v)]));
      const wm = wantM.get(id) ?? {};
      if (JSON.stringify(Object.entries(e).sort()) !== JSON.stringify(Object.entries(we).sort()))
        bad.push(id);
      else if (
        Object.keys(m).length > 0 &&
        JSON.stringify(Object.entries(m).sort()) !== JSON.stringify(Object.entries(wm).sort())
      )
        bad.push(id);
    });
  }
  return bad;
}

/** A digest of the orgs' cached values: equal digests mean the cache was not touched. */
export async function cacheDigest(redis: Redis, orgIds: string[]): Promise<string> {
  const parts: string[] = [];
  for (let i = 0; i < orgIds.length; i += 1_000) {
    const p = redis.pipeline();
    for (const id of orgIds.slice(i, i + 1_000))
      p.hgetall(entitlementCacheKey(id)).hgetall(membershipCacheKey(id));
    for (const [, v] of (await p.exec()) ?? [])
      parts.push(JSON.stringify(Object.entries(v as object).sort()));
  }
  return parts.join('|');
}
