// partition-merge activities (issue 12): connectivity, partition-recovery mode, the compare by key
// range (checksums first, rows only where they differ), the batched manual decision, the apply
// in idempotent batches, re-merging writes made during the merge, the per-range verification and
// the conflict table. Long activities heartbeat a cursor and resume from it when retried.
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { type Pool } from 'pg';
import { ErrorTypes } from '../../shared/errors';
import {
  decideManualFields,
  resolveKey,
  type KeyResolution,
  type ManualChoice,
  type MergeContext,
} from '../../shared/partition-merge/merge';
import { type DatasetConfig } from '../../shared/partition-merge/policy';
import { rowsEqual, type Json, type RegionRow } from '../../shared/partition-merge/rows';
import {
  type ApplyRequest,
  type ApplyResult,
  type CompareRequest,
  type CompareResult,
  type DifferingRange,
  type DrainResult,
  type ManualChoiceName,
  type ManualConflictView,
  type PlannedResolution,
  type RegionReachability,
  type VerifyRequest,
  type VerifyResult,
} from '../../shared/playbooks/partition-merge';
import { PlanStore, resolutionText, type PlanEntry } from './plan-store';
import { RegionStore, type ApplyRow, type BucketSum } from './region-store';

export interface PartitionMergeDeps {
  statePool: Pool;
  /** A pool on a database of the cluster (a region), created once per database by the worker. */
  regionPool?: (database: string) => Pool;
  datasets?: Record<string, DatasetConfig>;
}

interface Dataset {
  name: string;
  config: DatasetConfig;
  a: RegionStore;
  b: RegionStore;
}

function heartbeatDetails<T>(): T | undefined {
  return Context.current().info.heartbeatDetails as T | undefined;
}

function bucketsThatDiffer(a: BucketSum[], b: BucketSum[]): number[] {
  const key = (s: BucketSum) => `${s.rows}:${s.hash}`;
  const mb = new Map(b.map((s) => [s.bucket, key(s)]));
  const out = new Set<number>();
  for (const s of a) if (mb.get(s.bucket) !== key(s)) out.add(s.bucket);
  const ma = new Set(a.map((s) => s.bucket));
  for (const s of b) if (!ma.has(s.bucket)) out.add(s.bucket);
  return [...out].sort((x, y) => x - y);
}

function byKey(rows: RegionRow[]): Map<bigint, RegionRow> {
  return new Map(rows.map((r) => [r.key, r]));
}

export function createPartitionMergeActivities(deps: PartitionMergeDeps) {
  function dataset(name: string): Dataset {
    const config = deps.datasets?.[name];
    if (!config || !deps.regionPool) {
      throw ApplicationFailure.nonRetryable(`dataset ${name} is not declared`, ErrorTypes.InvalidInput);
    }
    const [ra, rb] = config.regions;
    return {
      name,
      config,
      a: new RegionStore(ra.name, deps.regionPool(ra.database), config.table),
      b: new RegionStore(rb.name, deps.regionPool(rb.database), config.table),
    };
  }

  function choiceOf(ds: Dataset, choice: ManualChoiceName): ManualChoice {
    if (choice === 'prefer-region-a') return { prefer: ds.config.regions[0].name };
    if (choice === 'prefer-region-b') return { prefer: ds.config.regions[1].name };
    return { lastWriterWins: true };
  }

  /** Resolves keys given both regions' rows; manual fields decided by `choice` when given. */
  function resolveAll(
    ds: Dataset,
    keys: Iterable<bigint>,
    a: Map<bigint, RegionRow>,
    b: Map<bigint, RegionRow>,
    watermark: bigint,
    choice?: ManualChoiceName,
  ): { resolution: KeyResolution; a?: RegionRow; b?: RegionRow; text: string }[] {
    const ctx: MergeContext = { policy: ds.config.policy, watermark };
    const out = [];
    for (const key of keys) {
      const ra = a.get(key);
      const rb = b.get(key);
      if (ra && rb && rowsEqual(ra, rb)) continue;
      let resolution = resolveKey(key, ra, rb, ctx);
      if (choice && resolution.manualFields.length > 0 && ra && rb) {
        const decided = decideManualFields(
          resolution,
          [
            { region: ds.a.name, row: ra },
            { region: ds.b.name, row: rb },
          ],
          choiceOf(ds, choice),
        );
        resolution = resolveKey(key, ra, rb, { ...ctx, decisions: new Map([[key, decided]]) });
      }
      out.push({ resolution, a: ra, b: rb, text: resolutionText(resolution, choice) });
    }
    return out;
  }

  /** Writes planned entries to both regions; returns rows written per region and rows changed since. */
  async function applyEntries(ds: Dataset, entries: PlanEntry[]) {
    const side = (pick: (e: PlanEntry) => RegionRow | undefined): ApplyRow[] =>
      entries
        .filter((e) => e.merged && !(pick(e) && rowsEqual(pick(e)!, e.merged)))
        .map((e) => ({ merged: e.merged!, expected: pick(e) }));
    const [ra, rb] = await Promise.all([
      ds.a.apply(side((e) => e.regionA)),
      ds.b.apply(side((e) => e.regionB)),
    ]);
    return {
      written: { [ds.a.name]: ra.written, [ds.b.name]: rb.written },
      changedSince: ra.changedSince + rb.changedSince,
    };
  }

  return {
    /** Whether each region answers (the 10-second connectivity loop calls this). */
    async checkRegions(req: { dataset: string }): Promise<RegionReachability[]> {
      const ds = dataset(req.dataset);
      return Promise.all(
        [ds.a, ds.b].map(async (r) => {
          try {
            await r.ping();
            return { region: r.name, reachable: true };
          } catch (err) {
            return { region: r.name, reachable: false, error: (err as Error).message };
          }
        }),
      );
    },

    /**
     * Enters partition-recovery mode on both regions (application writes are logged from now on)
     * and returns the replication watermark: the lower of the two regions' HLCs up to which they
     * were in sync. Idempotent per merge id.
     */
    async enterPartitionRecovery(req: { dataset: string; mergeId: string }): Promise<{ watermark: string }> {
      const ds = dataset(req.dataset);
      const [wa, wb] = await Promise.all([ds.a.enterRecovery(req.mergeId), ds.b.enterRecovery(req.mergeId)]);
      return { watermark: (wa < wb ? wa : wb).toString() };
    },

    /** The replication watermark without entering recovery mode (dry runs and the scheduled check). */
    async readWatermark(req: { dataset: string }): Promise<{ watermark: string }> {
      const ds = dataset(req.dataset);
      const [wa, wb] = await Promise.all([ds.a.watermark(), ds.b.watermark()]);
      return { watermark: (wa < wb ? wa : wb).toString() };
    },

    /** The plan's first conflicts and how each is (or would be) resolved: the dry run's plan. */
    async listPlannedResolutions(req: {
      dataset: string;
      mergeId: string;
      limit: number;
    }): Promise<PlannedResolution[]> {
      const ds = dataset(req.dataset);
      const entries = await new PlanStore(deps.statePool, req.mergeId, ds.name).resolutions(req.limit, true);
      return entries.map((e) => ({
        key: e.key.toString(),
        rule: e.rule,
        conflict: e.conflict,
        manualFields: e.manualFields,
        resolution: e.resolution,
      }));
    },

    /** The key space [from, end) covering both regions; undefined when both are empty. */
    async keySpace(req: { dataset: string }): Promise<{ from: string; to: string } | undefined> {
      const ds = dataset(req.dataset);
      const [ba, bb] = await Promise.all([ds.a.bounds(), ds.b.bounds()]);
      const all = [ba, bb].filter((x) => x !== undefined);
      if (all.length === 0) return undefined;
      const min = all.reduce((m, x) => (x.min < m ? x.min : m), all[0].min);
      const max = all.reduce((m, x) => (x.max > m ? x.max : m), all[0].max);
      return { from: min.toString(), to: (max + 1n).toString() };
    },

    /**
     * Compares up to maxRanges ranges from `from`: bucket checksums on both regions, rows read only
     * in buckets that differ, every differing key resolved by the policy and written to the plan.
     * Heartbeats its cursor after each range; a retry resumes there.
     */
    async compareRanges(req: CompareRequest): Promise<CompareResult> {
      const ds = dataset(req.dataset);
      const plan = new PlanStore(deps.statePool, req.mergeId, ds.name);
      const watermark = BigInt(req.watermark);
      const end = BigInt(req.end);
      const size = BigInt(req.rangeSize);
      const width = BigInt(req.bucketSize);
      const resumed = heartbeatDetails<CompareResult & { cursor: string; done: number }>();
      const out: CompareResult = resumed ?? {
        ranges: 0,
        differingRanges: 0,
        rowsRead: 0,
        differingKeys: 0,
        conflicts: 0,
        manual: 0,
        differing: [],
      };
      let lo = BigInt(resumed?.cursor ?? req.from);
      while (out.ranges < req.maxRanges && lo < end) {
        const hi = lo + size < end ? lo + size : end;
        const [sa, sb] = await Promise.all([ds.a.bucketSums(lo, hi, width), ds.b.bucketSums(lo, hi, width)]);
        const buckets = bucketsThatDiffer(sa, sb);
        if (buckets.length > 0) {
          const [ra, rb] = await Promise.all([
            ds.a.rowsInBuckets(lo, hi, width, buckets),
            ds.b.rowsInBuckets(lo, hi, width, buckets),
          ]);
          const ma = byKey(ra);
          const mb = byKey(rb);
          const keys = new Set([...ma.keys(), ...mb.keys()]);
          const entries = resolveAll(ds, keys, ma, mb, watermark);
          await plan.upsert(entries);
          const range: DifferingRange = {
            from: lo.toString(),
            to: hi.toString(),
            differingBuckets: buckets.length,
            differingKeys: entries.length,
            conflicts: entries.filter((e) => e.resolution.conflict).length,
          };
          out.rowsRead += ra.length + rb.length;
          out.differingRanges += 1;
          out.differingKeys += range.differingKeys;
          out.conflicts += range.conflicts;
          out.manual += entries.filter((e) => !e.resolution.merged).length;
          out.differing.push(range);
        }
        out.ranges += 1;
        lo = hi;
        Context.current().heartbeat({ ...out, cursor: lo.toString() });
      }
      return { ...out, next: lo < end ? lo.toString() : undefined };
    },

    /** The held (manual) conflicts with their conflicting values, for the decision's question. */
    async listManualConflicts(req: {
      dataset: string;
      mergeId: string;
      limit: number;
    }): Promise<{ total: number; items: ManualConflictView[] }> {
      const ds = dataset(req.dataset);
      const plan = new PlanStore(deps.statePool, req.mergeId, ds.name);
      const page = await plan.page('held', undefined, req.limit);
      const pick = (r: RegionRow | undefined, fields: string[]) =>
        Object.fromEntries(fields.map((f) => [f, r ? (r.value[f] ?? null) : null])) as Record<string, Json>;
      return {
        total: await plan.countHeld(),
        items: page.map((e) => ({
          key: e.key.toString(),
          fields: e.manualFields,
          values: {
            [ds.a.name]: pick(e.regionA, e.manualFields),
            [ds.b.name]: pick(e.regionB, e.manualFields),
          },
        })),
      };
    },

    /** Applies the one human decision to every held conflict of the plan (re-resolves them). */
    async decideManualConflicts(req: {
      dataset: string;
      mergeId: string;
      watermark: string;
      choice: ManualChoiceName;
    }): Promise<{ decided: number }> {
      const ds = dataset(req.dataset);
      const plan = new PlanStore(deps.statePool, req.mergeId, ds.name);
      let decided = 0;
      let after: bigint | undefined;
      for (;;) {
        const page = await plan.page('held', after, 1_000);
        if (page.length === 0) return { decided };
        const a = new Map(page.filter((e) => e.regionA).map((e) => [e.key, e.regionA!]));
        const b = new Map(page.filter((e) => e.regionB).map((e) => [e.key, e.regionB!]));
        const entries = resolveAll(
          ds,
          page.map((e) => e.key),
          a,
          b,
          BigInt(req.watermark),
          req.choice,
        );
        await plan.upsert(entries);
        decided += entries.filter((e) => e.resolution.merged).length;
        after = page[page.length - 1].key;
        Context.current().heartbeat({ decided });
      }
    },

    /**
     * Applies up to maxBatches batches of planned rows, in key order, to both regions (one
     * transaction per region per batch, each row only over the version the merge read), then marks
     * them applied. Idempotent: a retried batch finds the rows already merged and writes nothing.
     */
    async applyPlan(req: ApplyRequest): Promise<ApplyResult> {
      const ds = dataset(req.dataset);
      const plan = new PlanStore(deps.statePool, req.mergeId, ds.name);
      const resumed = heartbeatDetails<ApplyResult & { cursor?: string }>();
      const out: ApplyResult = resumed ?? { batches: 0, written: {}, changedSince: 0, done: false };
      let cursor = resumed?.cursor ? BigInt(resumed.cursor) : undefined;
      while (out.batches < req.maxBatches) {
        const page = await plan.page('planned', cursor, req.batchSize);
        if (page.length === 0) return { ...out, done: true };
        const r = await applyEntries(ds, page);
        for (const [region, n] of Object.entries(r.written))
          out.written[region] = (out.written[region] ?? 0) + n;
        out.changedSince += r.changedSince;
        await plan.markApplied(page.map((e) => e.key));
        out.batches += 1;
        cursor = page[page.length - 1].key;
        Context.current().heartbeat({ ...out, cursor: cursor.toString() });
      }
      return { ...out, done: (await plan.page('planned', undefined, 1)).length === 0 };
    },

    /**
     * Re-merges every key the application wrote during the merge (the regions' write logs), until
     * the logs are drained: nothing written during the merge is lost, and a key changed after the
     * merge read it gets merged from its current versions.
     */
    async mergeWritesDuringMerge(req: {
      dataset: string;
      mergeId: string;
      watermark: string;
      choice?: ManualChoiceName;
    }): Promise<DrainResult> {
      const ds = dataset(req.dataset);
      const plan = new PlanStore(deps.statePool, req.mergeId, ds.name);
      const out: DrainResult = { rounds: 0, keys: 0, written: {}, held: 0 };
      for (let round = 0; round < 50; round += 1) {
        const [la, lb] = await Promise.all([
          ds.a.pendingWrites(req.mergeId, 5_000),
          ds.b.pendingWrites(req.mergeId, 5_000),
        ]);
        if (la.length + lb.length === 0) break;
        const keys = [...new Set([...la, ...lb].map((x) => x.key))];
        const [ra, rb] = await Promise.all([ds.a.rowsByKeys(keys), ds.b.rowsByKeys(keys)]);
        const entries = resolveAll(ds, keys, byKey(ra), byKey(rb), BigInt(req.watermark), req.choice);
        await plan.upsertAfterMerge(entries);
        const planned: PlanEntry[] = entries
          .filter((e) => e.resolution.merged)
          .map((e) => ({
            key: e.resolution.key,
            regionA: e.a,
            regionB: e.b,
            merged: e.resolution.merged,
            rule: e.resolution.rule,
            conflict: e.resolution.conflict,
            manualFields: e.resolution.manualFields,
            status: 'planned',
            resolution: e.text,
          }));
        const r = await applyEntries(ds, planned);
        await plan.markApplied(planned.map((e) => e.key));
        await Promise.all([ds.a.markProcessed(la.map((x) => x.id)), ds.b.markProcessed(lb.map((x) => x.id))]);
        for (const [region, n] of Object.entries(r.written))
          out.written[region] = (out.written[region] ?? 0) + n;
        out.rounds += 1;
        out.keys += keys.length;
        out.held += entries.length - planned.length;
        Context.current().heartbeat(out);
      }
      return out;
    },

    /**
     * Range checksums of both regions over up to maxRanges ranges from `from` (held keys, which
     * keep their two values until a human decides, excluded): the ranges that still differ.
     */
    async verifyRanges(req: VerifyRequest): Promise<VerifyResult> {
      const ds = dataset(req.dataset);
      const held = await new PlanStore(deps.statePool, req.mergeId, ds.name).heldKeys();
      const from = BigInt(req.from);
      const end = BigInt(req.end);
      const size = BigInt(req.rangeSize);
      const span = size * BigInt(req.maxRanges);
      const to = from + span < end ? from + span : end;
      const [sa, sb] = await Promise.all([
        ds.a.bucketSums(from, to, size, held),
        ds.b.bucketSums(from, to, size, held),
      ]);
      const mismatched = bucketsThatDiffer(sa, sb).map((i) => {
        const lo = from + BigInt(i) * size;
        const hi = lo + size < to ? lo + size : to;
        return { from: lo.toString(), to: hi.toString() };
      });
      const ranges = Number((to - from + size - 1n) / size);
      return { next: to < end ? to.toString() : undefined, ranges, mismatched };
    },

    /** Logs every true conflict and its resolution to the conflict table. */
    async recordConflicts(req: {
      dataset: string;
      mergeId: string;
    }): Promise<{ recorded: number; held: number }> {
      const ds = dataset(req.dataset);
      return new PlanStore(deps.statePool, req.mergeId, ds.name).recordConflicts();
    },

    /** Back to normal mode on both regions: in sync through the highest HLC either holds. */
    async resumeNormalMode(req: { dataset: string; mergeId: string }): Promise<{ syncedThrough: string }> {
      const ds = dataset(req.dataset);
      const [ha, hb] = await Promise.all([ds.a.maxHlc(), ds.b.maxHlc()]);
      const hlc = ha > hb ? ha : hb;
      await Promise.all([ds.a.resumeNormal(req.mergeId, hlc), ds.b.resumeNormal(req.mergeId, hlc)]);
      return { syncedThrough: hlc.toString() };
    },
  };
}

export type PartitionMergeActivities = ReturnType<typeof createPartitionMergeActivities>;
