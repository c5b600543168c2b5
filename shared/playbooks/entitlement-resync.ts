// entitlement-resync (seed 002: "entitlement update event lost" → periodic entitlement sync and a
// cache TTL; "entitlement data stale" / "billing service unavailable" → last known good state
// behind a circuit breaker; "member removed but cache not yet updated" → immediate invalidation)
// and cache-repair (seed 001 scenario 5: refresh from the authoritative store, verify, stop
// caching a key that stays corrupt). Parameters and the shapes both playbooks report.
import { z } from 'zod';
import { durationSchema } from '../duration';

/** Cache namespaces Rebound can resync: name → the platform caches it covers. */
export const CACHE_NAMESPACES = ['entitlements'] as const;

/** How long a run keeps the cache as it is while the billing database is unavailable (a duration). */
export const DEFAULT_MAX_DEGRADED = '30m';

export const entitlementResyncParamsSchema = z
  .object({
    namespace: z.enum(CACHE_NAMESPACES),
    /** Orgs per page: one database read, one pipelined cache read, one atomic repair. */
    pageSize: z.number().int().min(1).max(5_000).default(500),
    /** Pause between pages, to bound the load on the billing database. */
    pagePauseMs: z.number().int().min(0).max(5_000).default(0),
    /** Repaired orgs re-checked after the run. */
    verifySample: z.number().int().min(0).max(1_000).default(50),
    /** How long a key that stays wrong after repair is kept out of the cache. */
    doNotCacheFor: durationSchema.default('1h'),
    /** How long the run keeps the last known good cache while the breaker is open, then escalates. */
    maxDegraded: durationSchema.default(DEFAULT_MAX_DEGRADED),
  })
  .strict();
export type EntitlementResyncParams = z.infer<typeof entitlementResyncParamsSchema>;

export const cacheRepairParamsSchema = z
  .object({
    /** One cache key, or a glob pattern (Redis MATCH syntax) of keys, of the org caches. */
    key: z.string().min(1).max(512),
    verifySample: z.number().int().min(0).max(1_000).default(50),
    doNotCacheFor: durationSchema.default('1h'),
    /** At most this many keys per run (a pattern matching more is refused). */
    maxKeys: z.number().int().min(1).max(100_000).default(10_000),
    /** How long the run waits while the billing database is unavailable, then escalates. */
    maxDegraded: durationSchema.default(DEFAULT_MAX_DEGRADED),
  })
  .strict();
export type CacheRepairParams = z.infer<typeof cacheRepairParamsSchema>;

/** Drift found (and, outside a dry run, fixed), by kind. */
export interface DriftCounts {
  /** Orgs compared. */
  orgs: number;
  /** Cached entitlements whose value differs from the database. */
  drifted: number;
  /** Entitlement caches absent although the org has entitlements. */
  missing: number;
  /** Entitlement caches of orgs without entitlements (deleted, or no such org). */
  extra: number;
  /** Cached entitlements without a TTL. */
  noTtl: number;
  /** Members removed in the database but still in the membership cache (invalidated at once). */
  removedMembers: number;
  /** Membership caches with a wrong or missing role. */
  membershipsDrifted: number;
  /** Keys on the do-not-cache list (left out of the cache; readers use the database). */
  doNotCache: number;
  /** Orgs with an entitlement change: one EntitlementsResynced event each. */
  events: number;
}

export function zeroDrift(): DriftCounts {
  return {
    orgs: 0,
    drifted: 0,
    missing: 0,
    extra: 0,
    noTtl: 0,
    removedMembers: 0,
    membershipsDrifted: 0,
    doNotCache: 0,
    events: 0,
  };
}

export function addDrift(a: DriftCounts, b: DriftCounts): DriftCounts {
  const out = { ...a };
  for (const k of Object.keys(out) as (keyof DriftCounts)[]) out[k] += b[k];
  return out;
}

/** The shared circuit breaker in front of the billing database, as the status shows it. */
export interface BreakerView {
  name: string;
  state: 'closed' | 'open' | 'half-open';
  consecutiveFailures: number;
  openedAt: string | null;
  /** When an open breaker lets the next probe through. */
  retryAt: string | null;
}

export interface ResyncProgress {
  /** Last org id whose page was committed. */
  cursor: string | null;
  pages: number;
  done: boolean;
  counts: DriftCounts;
  breaker: BreakerView;
}

export interface VerifyResult {
  checked: number;
  stillWrong: string[];
}

/** EntitlementsResynced events go to the billing events topic, keyed by org id. */
export const ENTITLEMENT_EVENTS_TOPIC = 'platform.entitlement-events';
