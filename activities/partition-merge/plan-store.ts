// The merge plan and conflict table in Rebound's own database (migrations/rebound/020).
import { type Pool } from 'pg';
import { type KeyResolution } from '../../shared/partition-merge/merge';
import { rowFromJson, rowToJson, type RegionRow, type RowJson } from '../../shared/partition-merge/rows';

export interface PlanEntry {
  key: bigint;
  regionA: RegionRow | undefined;
  regionB: RegionRow | undefined;
  merged: RegionRow | undefined;
  rule: string;
  conflict: boolean;
  manualFields: string[];
  status: 'planned' | 'held' | 'applied';
  resolution: string;
}

interface PlanDbRow {
  key: string;
  region_a: RowJson | null;
  region_b: RowJson | null;
  merged: RowJson | null;
  rule: string;
  conflict: boolean;
  manual_fields: string[];
  status: PlanEntry['status'];
  resolution: string;
}

function fromDb(r: PlanDbRow): PlanEntry {
  return {
    key: BigInt(r.key),
    regionA: r.region_a ? rowFromJson(r.region_a) : undefined,
    regionB: r.region_b ? rowFromJson(r.region_b) : undefined,
    merged: r.merged ? rowFromJson(r.merged) : undefined,
    rule: r.rule,
    conflict: r.conflict,
    manualFields: r.manual_fields,
    status: r.status,
    resolution: r.resolution,
  };
}

const COLUMNS = 'key::text, region_a, region_b, merged, rule, conflict, manual_fields, status, resolution';

/** How a resolution is described in the plan and the conflict table. */
export function resolutionText(r: KeyResolution, manualChoice?: string): string {
  if (!r.merged) return 'held: waiting for a manual decision';
  if (r.manualFields.length > 0) return `manual: ${manualChoice ?? 'decided'}`;
  return r.conflict ? `auto: ${r.rule}` : r.rule;
}

/** One resolved key as a plan table record (the JSON fed to jsonb_to_recordset). */
function planRecord({
  resolution: r,
  a,
  b,
  text,
}: {
  resolution: KeyResolution;
  a?: RegionRow;
  b?: RegionRow;
  text: string;
}) {
  return {
    key: r.key.toString(),
    region_a: a ? rowToJson(a) : null,
    region_b: b ? rowToJson(b) : null,
    merged: r.merged ? rowToJson(r.merged) : null,
    rule: r.rule,
    conflict: r.conflict,
    manual_fields: r.manualFields,
    status: r.merged ? 'planned' : 'held',
    resolution: text,
  };
}

export class PlanStore {
  constructor(
    private readonly pool: Pool,
    readonly mergeId: string,
    readonly dataset: string,
  ) {}

  /** Records resolutions (re-planning a key replaces its entry: the last read wins). */
  async upsert(
    entries: { resolution: KeyResolution; a?: RegionRow; b?: RegionRow; text: string }[],
  ): Promise<void> {
    if (entries.length === 0) return;
    const records = entries.map(planRecord);
    await this.pool.query(
      `INSERT INTO partition_merge_plan (merge_id, dataset, key, region_a, region_b, merged, rule, conflict, manual_fields, status, resolution)
       SELECT $1, $2, t.key, t.region_a, t.region_b, t.merged, t.rule, t.conflict, t.manual_fields, t.status, t.resolution
         FROM jsonb_to_recordset($3::jsonb) AS t(key bigint, region_a jsonb, region_b jsonb, merged jsonb, rule text,
              conflict boolean, manual_fields text[], status text, resolution text)
       ON CONFLICT (merge_id, key) DO UPDATE SET region_a = excluded.region_a, region_b = excluded.region_b,
         merged = excluded.merged, rule = excluded.rule, conflict = excluded.conflict,
         manual_fields = excluded.manual_fields, status = excluded.status, resolution = excluded.resolution,
         updated_at = now()`,
      [this.mergeId, this.dataset, JSON.stringify(records)],
    );
  }

  /**
   * Re-plans keys written during the merge: a key already in the plan keeps the sides the compare
   * read and its conflict flag (the conflict table reports the partition's conflicts), and takes
   * the new merged row; a key new to the plan is inserted as resolved now.
   */
  async upsertAfterMerge(
    entries: { resolution: KeyResolution; a?: RegionRow; b?: RegionRow; text: string }[],
  ): Promise<void> {
    if (entries.length === 0) return;
    const records = entries.map(planRecord);
    await this.pool.query(
      `INSERT INTO partition_merge_plan AS p (merge_id, dataset, key, region_a, region_b, merged, rule, conflict, manual_fields, status, resolution)
       SELECT $1, $2, t.key, t.region_a, t.region_b, t.merged, t.rule, t.conflict, t.manual_fields, t.status, t.resolution
         FROM jsonb_to_recordset($3::jsonb) AS t(key bigint, region_a jsonb, region_b jsonb, merged jsonb, rule text,
              conflict boolean, manual_fields text[], status text, resolution text)
       ON CONFLICT (merge_id, key) DO UPDATE SET merged = excluded.merged, status = excluded.status,
         resolution = CASE WHEN p.resolution LIKE '%; then re-merged after a write during the merge' THEN p.resolution
                      ELSE p.resolution || '; then re-merged after a write during the merge' END,
         updated_at = now()`,
      [this.mergeId, this.dataset, JSON.stringify(records)],
    );
  }

  /** Entries with the given status after `afterKey`, in key order. */
  async page(status: PlanEntry['status'], afterKey: bigint | undefined, limit: number): Promise<PlanEntry[]> {
    const r = await this.pool.query<PlanDbRow>(
      `SELECT ${COLUMNS} FROM partition_merge_plan
        WHERE merge_id = $1 AND status = $2 AND ($3::bigint IS NULL OR key > $3::bigint)
        ORDER BY partition_merge_plan.key LIMIT $4`,
      [this.mergeId, status, afterKey?.toString() ?? null, limit],
    );
    return r.rows.map(fromDb);
  }

  async markApplied(keys: bigint[]): Promise<void> {
    if (keys.length === 0) return;
    await this.pool.query(
      `UPDATE partition_merge_plan SET status = 'applied', updated_at = now()
        WHERE merge_id = $1 AND key = ANY($2::bigint[]) AND status = 'planned'`,
      [this.mergeId, keys.map(String)],
    );
  }

  /** The first `limit` true conflicts (or all differences) with how each is resolved. */
  async resolutions(limit: number, conflictsOnly: boolean): Promise<PlanEntry[]> {
    const r = await this.pool.query<PlanDbRow>(
      `SELECT ${COLUMNS} FROM partition_merge_plan WHERE merge_id = $1 AND (conflict OR NOT $3) ORDER BY partition_merge_plan.key LIMIT $2`,
      [this.mergeId, limit, conflictsOnly],
    );
    return r.rows.map(fromDb);
  }

  async heldKeys(): Promise<bigint[]> {
    const r = await this.pool.query<{ key: string }>(
      `SELECT key::text FROM partition_merge_plan WHERE merge_id = $1 AND status = 'held' ORDER BY partition_merge_plan.key`,
      [this.mergeId],
    );
    return r.rows.map((x) => BigInt(x.key));
  }

  async countHeld(): Promise<number> {
    const r = await this.pool.query<{ n: string }>(
      `SELECT count(*)::text AS n FROM partition_merge_plan WHERE merge_id = $1 AND status = 'held'`,
      [this.mergeId],
    );
    return Number(r.rows[0].n);
  }

  /** Copies every true conflict of the plan, with its resolution, into the conflict table. */
  async recordConflicts(): Promise<{ recorded: number; held: number }> {
    const r = await this.pool.query(
      `INSERT INTO partition_merge_conflicts (merge_id, dataset, key, rule, manual_fields, region_a, region_b, merged, resolution)
       SELECT merge_id, dataset, key, rule, manual_fields, region_a, region_b, merged,
              CASE WHEN status = 'held' THEN 'held: not decided, both regions keep their values' ELSE resolution END
         FROM partition_merge_plan WHERE merge_id = $1 AND conflict
       ON CONFLICT (merge_id, key) DO UPDATE SET rule = excluded.rule, manual_fields = excluded.manual_fields,
         region_a = excluded.region_a, region_b = excluded.region_b, merged = excluded.merged,
         resolution = excluded.resolution, recorded_at = now()`,
      [this.mergeId],
    );
    return { recorded: r.rowCount ?? 0, held: await this.countHeld() };
  }
}
