// The cache-repair playbook's activities (seed 001 scenario 5, cache corruption): refresh one key
// or every key matching a pattern from the authoritative store, with the resync's
// compare-and-repair (cache-diff.ts, cache-compare.ts) and the same shared breaker, then verify the
// repaired keys and put any that stay wrong on the do-not-cache list.
import { ApplicationFailure } from '@temporalio/common';
import { type Redis } from 'ioredis';
import { type Pool } from 'pg';
import { stopCaching } from '../../platform/caches/do-not-cache';
import { listOrgCacheKeysMatching } from '../../platform/caches/org-caches';
import { ErrorTypes } from '../../shared/errors';
import { addDrift, zeroDrift, type DriftCounts } from '../../shared/playbooks/entitlement-resync';
import { isClean, judgeOrg, type OrgVerdict } from './cache-diff';
import { enqueueResynced, execAll, queueRepairs, readCaches, readOrgs } from './cache-compare';
import { BILLING_DB_BREAKER, RedisCircuitBreaker } from './circuit-breaker';
import { throughBreaker } from './resync-activities';

const ORG_CACHE_KEY =
  /^platform:org:([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}):(entitlements|memberships)$/;
const GLOB = /[*?[]/;

export interface CacheRepairOutcome {
  keys: string[];
  /** Keys of no cache family Rebound knows how to rebuild: left alone for a human. */
  unsupported: string[];
  counts: DriftCounts;
  /** Keys this call rewrote or deleted. */
  repaired: string[];
}

type Family = 'entitlements' | 'memberships';

/** Keeps only the parts of a verdict that touch the requested key families. */
function restrict(v: OrgVerdict, families: Set<Family>): OrgVerdict {
  const counts = { ...v.counts };
  const out = { ...v, counts };
  if (!families.has('entitlements')) {
    out.entitlements = { action: 'none' };
    out.entitlementsChanged = false;
    counts.drifted = counts.missing = counts.extra = counts.noTtl = counts.events = counts.doNotCache = 0;
  }
  if (!families.has('memberships')) {
    out.memberships = { action: 'none' };
    counts.removedMembers = counts.membershipsDrifted = 0;
  }
  return out;
}

export function createCacheRepairActivities(deps: { platformPool: Pool; redis: Redis }) {
  const { platformPool: pool, redis } = deps;
  const breaker = new RedisCircuitBreaker(redis, BILLING_DB_BREAKER);

  async function judge(key: string, maxKeys: number) {
    const keys = GLOB.test(key) ? await listOrgCacheKeysMatching(redis, key) : [key];
    if (keys.length > maxKeys) {
      throw ApplicationFailure.nonRetryable(
        `${key} matches ${keys.length} keys, more than maxKeys ${maxKeys}: use entitlement-resync`,
        ErrorTypes.InvalidInput,
      );
    }
    const families = new Map<string, Set<Family>>();
    const unsupported: string[] = [];
    for (const k of keys) {
      const m = ORG_CACHE_KEY.exec(k);
      if (!m) unsupported.push(k);
      else families.set(m[1], (families.get(m[1]) ?? new Set()).add(m[2] as Family));
    }
    const orgIds = [...families.keys()];
    const db = orgIds.length > 0 ? await throughBreaker(breaker, () => readOrgs(pool, orgIds)) : [];
    const cached = await readCaches(redis, orgIds);
    const verdicts = db.map((o, i) => restrict(judgeOrg(o, cached[i]), families.get(o.orgId)!));
    return { keys, unsupported, verdicts };
  }

  function outcome(keys: string[], unsupported: string[], verdicts: OrgVerdict[]): CacheRepairOutcome {
    const repaired: string[] = [];
    for (const v of verdicts) {
      if (v.entitlements.action !== 'none') repaired.push(`platform:org:${v.orgId}:entitlements`);
      if (v.memberships.action !== 'none') repaired.push(`platform:org:${v.orgId}:memberships`);
    }
    return {
      keys,
      unsupported,
      counts: verdicts.reduce((a, v) => addDrift(a, v.counts), zeroDrift()),
      repaired,
    };
  }

  return {
    /** Dry run: what a repair would change. */
    async planCacheRepair(args: { key: string; maxKeys: number }): Promise<CacheRepairOutcome> {
      const { keys, unsupported, verdicts } = await judge(args.key, args.maxKeys);
      return outcome(keys, unsupported, verdicts);
    },

    /** Rebuilds the keys from the database; events first, then one MULTI with every repair. */
    async repairCacheKeys(args: {
      runKey: string;
      key: string;
      maxKeys: number;
    }): Promise<CacheRepairOutcome> {
      const { keys, unsupported, verdicts } = await judge(args.key, args.maxKeys);
      const dirty = verdicts.filter((v) => !isClean(v));
      await throughBreaker(breaker, () => enqueueResynced(pool, args.runKey, dirty));
      if (dirty.length > 0) {
        const tx = redis.multi();
        queueRepairs(tx, dirty);
        await execAll(tx, `repair of ${args.key}`);
      }
      return outcome(keys, unsupported, verdicts);
    },

    /**
     * Re-checks the given keys against the database after a short pause (a writer that corrupts
     * the key again shows up); keys still wrong go on the do-not-cache list for `doNotCacheForMs`.
     */
    async verifyCacheKeys(args: {
      runKey: string;
      keys: string[];
      sample: number;
      doNotCacheForMs: number;
    }): Promise<{ checked: number; stillWrong: string[] }> {
      const keys = args.keys.slice(0, args.sample);
      if (keys.length === 0) return { checked: 0, stillWrong: [] };
      await new Promise((r) => setTimeout(r, 500));
      const stillWrong: string[] = [];
      for (const key of keys) {
        const { verdicts } = await judge(key, 1);
        const v = verdicts[0];
        if (v && !isClean(v) && v.counts.doNotCache === 0) stillWrong.push(key);
      }
      for (const key of stillWrong) {
        await stopCaching(redis, key, args.doNotCacheForMs, `still wrong after cache-repair ${args.runKey}`);
      }
      return { checked: keys.length, stillWrong };
    },
  };
}

export type CacheRepairActivities = ReturnType<typeof createCacheRepairActivities>;
