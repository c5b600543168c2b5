// Compare-and-repair, the pure part: given an org's authoritative rows and what its caches hold,
// what is wrong and what to do about it. No I/O, so every rule is unit-tested directly; the
// resync and cache-repair activities feed it and apply its verdicts (cache-compare.ts).
import { zeroDrift, type DriftCounts } from '../../shared/playbooks/entitlement-resync';

export interface AuthoritativeOrg {
  orgId: string;
  /** False when no org row exists. */
  exists: boolean;
  status: 'active' | 'deleting' | 'deleted' | null;
  /** feature → limit, as the cache stores it (strings). */
  entitlements: Record<string, string>;
  /** user id → role. */
  members: Record<string, string>;
}

export interface CachedOrg {
  /** Empty when the key is absent. */
  entitlements: Record<string, string>;
  /** Redis TTL of the entitlement key: -2 absent, -1 no expiry. */
  entitlementsTtl: number;
  members: Record<string, string>;
  /** The entitlement key is on the do-not-cache list. */
  doNotCache: boolean;
}

export interface OrgVerdict {
  orgId: string;
  counts: DriftCounts;
  entitlements:
    | { action: 'none' }
    | { action: 'delete' }
    | { action: 'expire' }
    | { action: 'write'; value: Record<string, string> };
  memberships:
    | { action: 'none' }
    | { action: 'delete' }
    | { action: 'remove'; users: string[] }
    | { action: 'write'; value: Record<string, string> };
  /** The org's cached entitlements change: one EntitlementsResynced event. */
  entitlementsChanged: boolean;
}

const isEmpty = (r: Record<string, string>) => Object.keys(r).length === 0;

function sameHash(a: Record<string, string>, b: Record<string, string>): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => b[k] === a[k]);
}

/**
 * The verdict for one org. Only an active org's caches may hold data (seed 002: access fails
 * closed, so deleting a cache is always safe); a key on the do-not-cache list is kept absent.
 */
export function judgeOrg(db: AuthoritativeOrg, cache: CachedOrg): OrgVerdict {
  const counts = zeroDrift();
  counts.orgs = 1;
  const live = db.exists && db.status === 'active';
  const want = live ? db.entitlements : {};
  const cachedPresent = !isEmpty(cache.entitlements);
  let entitlements: OrgVerdict['entitlements'] = { action: 'none' };
  let changed = false;

  if (cache.doNotCache) {
    counts.doNotCache += 1;
    if (cachedPresent) entitlements = { action: 'delete' };
  } else if (isEmpty(want)) {
    if (cachedPresent) {
      counts.extra += 1;
      entitlements = { action: 'delete' };
      changed = true;
    }
  } else if (!cachedPresent) {
    counts.missing += 1;
    entitlements = { action: 'write', value: want };
    changed = true;
  } else if (!sameHash(want, cache.entitlements)) {
    counts.drifted += 1;
    entitlements = { action: 'write', value: want };
    changed = true;
  } else if (cache.entitlementsTtl === -1) {
    counts.noTtl += 1;
    entitlements = { action: 'expire' };
  }

  let memberships: OrgVerdict['memberships'] = { action: 'none' };
  const cachedUsers = Object.keys(cache.members);
  if (cachedUsers.length > 0) {
    const wantMembers = live ? db.members : {};
    const removed = cachedUsers.filter((u) => wantMembers[u] === undefined);
    counts.removedMembers += removed.length;
    if (isEmpty(wantMembers)) {
      memberships = { action: 'delete' };
    } else if (!sameHash(wantMembers, cache.members)) {
      const onlyRemovals = Object.entries(wantMembers).every(([u, role]) => cache.members[u] === role);
      if (onlyRemovals) {
        memberships = { action: 'remove', users: removed };
      } else {
        counts.membershipsDrifted += 1;
        memberships = { action: 'write', value: wantMembers };
      }
    }
  }
  if (changed) counts.events = 1;
  return { orgId: db.orgId, counts, entitlements, memberships, entitlementsChanged: changed };
}

/** A verdict that changes nothing. */
export function isClean(v: OrgVerdict): boolean {
  return v.entitlements.action === 'none' && v.memberships.action === 'none';
}
