// The entitlement-resync playbook's activities. Orgs are paged by id; each page is one database
// read through the shared breaker, one pipelined cache read, the events for changed orgs in the
// outbox, then one MULTI with the page's repairs and the advanced cursor (so a page is committed
// exactly once even when the worker dies anywhere inside it). The cursor is also heartbeated; the
// Redis record is what a retried activity resumes from.
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { type Redis } from 'ioredis';
import { type Pool } from 'pg';
import { stopCaching } from '../../platform/caches/do-not-cache';
import { entitlementCacheKey, listOrgCacheKeysMatching } from '../../platform/caches/org-caches';
import { ErrorTypes } from '../../shared/errors';
import {
  addDrift,
  zeroDrift,
  type BreakerView,
  type DriftCounts,
  type ResyncProgress,
  type VerifyResult,
} from '../../shared/playbooks/entitlement-resync';
import { isClean, judgeOrg, type OrgVerdict } from './cache-diff';
import { enqueueResynced, execAll, queueRepairs, readCaches, readOrgPage, readOrgs } from './cache-compare';
import { BILLING_DB_BREAKER, CircuitOpenError, RedisCircuitBreaker } from './circuit-breaker';

const RECORD_TTL_S = 7 * 24 * 3600;
export const progressKey = (runKey: string) => `rebound:resync:${runKey}`;
/** One entry per committed page (its first org id): what tests count to prove no page ran twice. */
export const pageLogKey = (runKey: string) => `rebound:resync:${runKey}:pages`;
const repairedKey = (runKey: string) => `rebound:resync:${runKey}:repaired`;

/** Fails fast while the breaker is open: the workflow keeps the cache as it is and waits. */
export async function throughBreaker<T>(breaker: RedisCircuitBreaker, fn: () => Promise<T>): Promise<T> {
  try {
    return await breaker.call(fn);
  } catch (err) {
    if (err instanceof CircuitOpenError) {
      throw ApplicationFailure.create({
        message: err.message,
        type: ErrorTypes.CircuitOpen,
        nonRetryable: true,
        details: [err.view],
      });
    }
    throw err;
  }
}

function driftEntries(c: DriftCounts): [keyof DriftCounts, number][] {
  return Object.entries(c) as [keyof DriftCounts, number][];
}

function countsFrom(h: Record<string, string>): DriftCounts {
  const c = zeroDrift();
  for (const k of Object.keys(c) as (keyof DriftCounts)[]) c[k] = Number(h[k] ?? 0);
  return c;
}

export function createEntitlementResyncActivities(deps: { platformPool: Pool; redis: Redis }) {
  const { platformPool: pool, redis } = deps;
  const breaker = new RedisCircuitBreaker(redis, BILLING_DB_BREAKER);

  async function progress(runKey: string): Promise<ResyncProgress> {
    const h = await redis.hgetall(progressKey(runKey));
    return {
      cursor: h.cursor || null,
      pages: Number(h.pages ?? 0),
      done: h.done === '1',
      counts: countsFrom(h),
      breaker: await breaker.view(),
    };
  }

  /** Commits one page: repairs, counts, cursor and page log in one MULTI. */
  async function commitPage(
    runKey: string,
    first: string,
    last: string,
    verdicts: OrgVerdict[],
    done: boolean,
  ) {
    const tx = redis.multi();
    queueRepairs(tx, verdicts);
    const pageCounts = verdicts.reduce((a, v) => addDrift(a, v.counts), zeroDrift());
    for (const [k, n] of driftEntries(pageCounts)) if (n > 0) tx.hincrby(progressKey(runKey), k, n);
    tx.hset(progressKey(runKey), 'cursor', last, 'done', done ? '1' : '0');
    tx.hincrby(progressKey(runKey), 'pages', 1);
    tx.rpush(pageLogKey(runKey), first);
    const repaired = verdicts.filter((v) => !isClean(v)).map((v) => v.orgId);
    if (repaired.length > 0) tx.sadd(repairedKey(runKey), ...repaired);
    for (const k of [progressKey(runKey), pageLogKey(runKey), repairedKey(runKey)])
      tx.expire(k, RECORD_TTL_S);
    await execAll(tx, `commit of page after ${first}`);
  }

  return {
    /** The shared breaker's state, for the status while the run waits. */
    async billingBreakerState(): Promise<BreakerView> {
      return breaker.view();
    },

    /**
     * Resyncs pages from the committed cursor until every org was compared or `maxSeconds` passed.
     * Throws CircuitOpen (non-retryable, details: the breaker) while the breaker is open; a failed
     * database read counts against the breaker and is retried by the workflow.
     */
    async resyncEntitlementPages(args: {
      runKey: string;
      pageSize: number;
      pagePauseMs: number;
      maxSeconds: number;
    }): Promise<ResyncProgress> {
      const ctx = Context.current();
      const deadline = Date.now() + args.maxSeconds * 1_000;
      let state = await progress(args.runKey);
      while (!state.done && Date.now() < deadline) {
        const orgs = await throughBreaker(breaker, () => readOrgPage(pool, state.cursor, args.pageSize));
        if (orgs.length === 0) {
          await redis.hset(progressKey(args.runKey), 'done', '1');
          state = await progress(args.runKey);
          break;
        }
        const ids = orgs.map((o) => o.orgId);
        const cached = await readCaches(redis, ids);
        const verdicts = orgs.map((o, i) => judgeOrg(o, cached[i]));
        await throughBreaker(breaker, () => enqueueResynced(pool, args.runKey, verdicts));
        await commitPage(args.runKey, ids[0], ids[ids.length - 1], verdicts, orgs.length < args.pageSize);
        state = await progress(args.runKey);
        ctx.heartbeat({ cursor: state.cursor, pages: state.pages });
        if (args.pagePauseMs > 0) await new Promise((r) => setTimeout(r, args.pagePauseMs));
      }
      return state;
    },

    /**
     * Removes caches of orgs that have no org row at all (the pages only see orgs that exist),
     * with the same compare-and-repair; SCAN, never KEYS. Counted into the run's progress.
     */
    async sweepOrphanCaches(args: { runKey: string }): Promise<ResyncProgress> {
      const ctx = Context.current();
      const keys = await listOrgCacheKeysMatching(redis, 'platform:org:*:*', () => ctx.heartbeat('scan'));
      const orgIds = [
        ...new Set(keys.map((k) => /^platform:org:([0-9a-f-]{36}):/.exec(k)?.[1]).filter(Boolean)),
      ] as string[];
      for (let i = 0; i < orgIds.length; i += 1_000) {
        const batch = orgIds.slice(i, i + 1_000);
        const db = await throughBreaker(breaker, () => readOrgs(pool, batch));
        const orphans = db.filter((o) => !o.exists);
        if (orphans.length > 0) {
          const cached = await readCaches(
            redis,
            orphans.map((o) => o.orgId),
          );
          const verdicts = orphans.map((o, j) => judgeOrg(o, cached[j])).filter((v) => !isClean(v));
          await throughBreaker(breaker, () => enqueueResynced(pool, args.runKey, verdicts));
          const tx = redis.multi();
          queueRepairs(tx, verdicts);
          const c = verdicts.reduce((a, v) => addDrift(a, v.counts), zeroDrift());
          for (const [k, n] of driftEntries(c))
            if (n > 0 && k !== 'orgs') tx.hincrby(progressKey(args.runKey), k, n);
          await execAll(tx, 'orphan cache removal');
        }
        ctx.heartbeat({ swept: i + batch.length });
      }
      return progress(args.runKey);
    },

    /**
     * Re-checks a sample of the orgs this run repaired against the database; a cache still wrong
     * goes on the do-not-cache list for `doNotCacheForMs` and is removed (readers use the database).
     */
    async verifyRepairedSample(args: {
      runKey: string;
      sample: number;
      doNotCacheForMs: number;
    }): Promise<VerifyResult> {
      if (args.sample === 0) return { checked: 0, stillWrong: [] };
      const ids = await redis.srandmember(repairedKey(args.runKey), args.sample);
      if (ids.length === 0) return { checked: 0, stillWrong: [] };
      const db = await throughBreaker(breaker, () => readOrgs(pool, ids));
      const cached = await readCaches(redis, ids);
      const wrong = db
        .map((o, i) => ({ v: judgeOrg(o, cached[i]), listed: cached[i].doNotCache }))
        .filter(({ v, listed }) => !listed && v.entitlements.action !== 'none')
        .map(({ v }) => v);
      for (const v of wrong) {
        await stopCaching(
          redis,
          entitlementCacheKey(v.orgId),
          args.doNotCacheForMs,
          `still wrong after resync ${args.runKey}`,
        );
      }
      if (wrong.length > 0) await redis.hincrby(progressKey(args.runKey), 'doNotCache', wrong.length);
      return { checked: ids.length, stillWrong: wrong.map((v) => entitlementCacheKey(v.orgId)) };
    },

    /** The run's progress record (counts, cursor, pages) and the breaker. */
    async resyncProgress(args: { runKey: string }): Promise<ResyncProgress> {
      return progress(args.runKey);
    },

    /** Dry run: compares every org without changing anything; counts and a few ids per kind. */
    async planEntitlementResync(args: {
      pageSize: number;
    }): Promise<{ counts: DriftCounts; examples: Record<string, string[]> }> {
      const ctx = Context.current();
      let counts = zeroDrift();
      const examples: Record<string, string[]> = {};
      let cursor: string | null = null;
      for (;;) {
        const orgs = await throughBreaker(breaker, () => readOrgPage(pool, cursor, args.pageSize));
        if (orgs.length === 0) break;
        const cached = await readCaches(
          redis,
          orgs.map((o) => o.orgId),
        );
        for (const [i, o] of orgs.entries()) {
          const v = judgeOrg(o, cached[i]);
          counts = addDrift(counts, v.counts);
          for (const [k, n] of Object.entries(v.counts)) {
            if (n > 0 && k !== 'orgs' && (examples[k] ??= []).length < 10) examples[k].push(o.orgId);
          }
        }
        cursor = orgs[orgs.length - 1].orgId;
        ctx.heartbeat({ cursor });
      }
      return { counts, examples };
    },
  };
}

export type EntitlementResyncActivities = ReturnType<typeof createEntitlementResyncActivities>;
