// SQL on one region's replicated table (partition-merge). Identifiers go through pg's
// escapeIdentifier; every statement is bounded by a key range, a key list or a LIMIT.
import { escapeIdentifier, type Pool, type PoolClient } from 'pg';
import { type JsonObject, type RegionRow } from '../../shared/partition-merge/rows';

interface DbRow {
  key: string;
  value: JsonObject;
  hlc: string;
  origin: string;
  tombstone: boolean;
}

function toRow(r: DbRow): RegionRow {
  return { key: BigInt(r.key), value: r.value, hlc: BigInt(r.hlc), origin: r.origin, tombstone: r.tombstone };
}

/** Row content hash, the same expression on both regions: equal rows, equal hashes. */
const ROW_HASH = `hashtextextended(key::text || '|' || value::text || '|' || hlc::text || '|' || origin || '|' || tombstone::text, 0)`;

export interface BucketSum {
  bucket: number;
  rows: number;
  hash: string;
}

/** A row to write and the version the merge read from this region (undefined: it had none). */
export interface ApplyRow {
  merged: RegionRow;
  expected: RegionRow | undefined;
}

export class RegionStore {
  private readonly t: string;

  /** `name` is the region's; replication state and the write log are keyed by `table`. */
  constructor(
    readonly name: string,
    private readonly pool: Pool,
    readonly table: string,
  ) {
    this.t = escapeIdentifier(table);
  }

  async ping(): Promise<void> {
    await this.pool.query('SELECT 1');
  }

  async bounds(): Promise<{ min: bigint; max: bigint } | undefined> {
    const r = await this.pool.query<{ min: string | null; max: string | null }>(
      `SELECT min(key)::text AS min, max(key)::text AS max FROM ${this.t}`,
    );
    const { min, max } = r.rows[0];
    return min === null || max === null ? undefined : { min: BigInt(min), max: BigInt(max) };
  }

  /**
   * Checksums of [lo, hi) in buckets of `width` keys (bucket = (key - lo) / width): row count and
   * XOR of 64-bit row hashes, computed by the database so only one row per bucket crosses the wire.
   */
  async bucketSums(lo: bigint, hi: bigint, width: bigint, exclude: bigint[] = []): Promise<BucketSum[]> {
    const r = await this.pool.query<{ bucket: string; rows: string; hash: string }>(
      `SELECT ((key - $1::bigint) / $3::bigint)::text AS bucket, count(*)::text AS rows, bit_xor(${ROW_HASH})::text AS hash
         FROM ${this.t} WHERE key >= $1::bigint AND key < $2::bigint AND key <> ALL($4::bigint[])
        GROUP BY 1`,
      [lo.toString(), hi.toString(), width.toString(), exclude.map(String)],
    );
    return r.rows.map((x) => ({ bucket: Number(x.bucket), rows: Number(x.rows), hash: x.hash }));
  }

  async rowsInBuckets(lo: bigint, hi: bigint, width: bigint, buckets: number[]): Promise<RegionRow[]> {
    if (buckets.length === 0) return [];
    const r = await this.pool.query<DbRow>(
      `SELECT key::text, value, hlc::text, origin, tombstone FROM ${this.t}
        WHERE key >= $1::bigint AND key < $2::bigint AND ((key - $1::bigint) / $3::bigint) = ANY($4::bigint[])`,
      [lo.toString(), hi.toString(), width.toString(), buckets.map(String)],
    );
    return r.rows.map(toRow);
  }

  async rowsByKeys(keys: bigint[]): Promise<RegionRow[]> {
    if (keys.length === 0) return [];
    const r = await this.pool.query<DbRow>(
      `SELECT key::text, value, hlc::text, origin, tombstone FROM ${this.t} WHERE key = ANY($1::bigint[])`,
      [keys.map(String)],
    );
    return r.rows.map(toRow);
  }

  /**
   * Writes merged rows in one transaction, each only if the region still holds the version the
   * merge read (optimistic concurrency): a row the application changed since is left alone, and
   * the write log brings that key back for another merge. The merge's own writes are not logged.
   * Returns how many rows were written and how many were left to the write log.
   */
  async apply(rows: ApplyRow[]): Promise<{ written: number; changedSince: number }> {
    if (rows.length === 0) return { written: 0, changedSince: 0 };
    const updates = rows.filter((r) => r.expected);
    const inserts = rows.filter((r) => !r.expected);
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query(`SET LOCAL rebound.merge_apply = 'on'`);
      let written = 0;
      if (updates.length > 0) {
        const res = await client.query(
          `UPDATE ${this.t} AS cur SET value = u.value, hlc = u.hlc, origin = u.origin, tombstone = u.tombstone
             FROM unnest($1::bigint[], $2::jsonb[], $3::bigint[], $4::text[], $5::bool[], $6::bigint[], $7::text[], $8::bool[])
                  AS u(key, value, hlc, origin, tombstone, exp_hlc, exp_origin, exp_tombstone)
            WHERE cur.key = u.key AND cur.hlc = u.exp_hlc AND cur.origin = u.exp_origin AND cur.tombstone = u.exp_tombstone`,
          columns(updates, true),
        );
        written += res.rowCount ?? 0;
      }
      if (inserts.length > 0) written += await insertMissing(client, this.t, inserts);
      await client.query('COMMIT');
      return { written, changedSince: rows.length - written };
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  /** Enters partition-recovery mode for `mergeId` (idempotent); returns this region's watermark. */
  async enterRecovery(mergeId: string): Promise<bigint> {
    const r = await this.pool.query<{ hlc: string }>(
      `INSERT INTO replication_state (table_name, mode, merge_id, entered_at) VALUES ($1, 'partition-recovery', $2, now())
       ON CONFLICT (table_name) DO UPDATE SET mode = 'partition-recovery', merge_id = $2,
         entered_at = CASE WHEN replication_state.merge_id = $2 THEN replication_state.entered_at ELSE now() END
       RETURNING replicated_through_hlc::text AS hlc`,
      [this.table, mergeId],
    );
    return BigInt(r.rows[0].hlc);
  }

  /** Back to normal mode; the regions are in sync through `hlc`. */
  async resumeNormal(mergeId: string, hlc: bigint): Promise<boolean> {
    const r = await this.pool.query(
      `UPDATE replication_state SET mode = 'normal', merge_id = NULL,
              replicated_through_hlc = greatest(replicated_through_hlc, $3::bigint)
        WHERE table_name = $1 AND (merge_id = $2 OR mode = 'normal')`,
      [this.table, mergeId, hlc.toString()],
    );
    return (r.rowCount ?? 0) > 0;
  }

  /** The HLC through which this region had the other's writes (read-only; 0 when unknown). */
  async watermark(): Promise<bigint> {
    const r = await this.pool.query<{ hlc: string }>(
      `SELECT replicated_through_hlc::text AS hlc FROM replication_state WHERE table_name = $1`,
      [this.table],
    );
    return BigInt(r.rows[0]?.hlc ?? '0');
  }

  async maxHlc(): Promise<bigint> {
    const r = await this.pool.query<{ hlc: string | null }>(`SELECT max(hlc)::text AS hlc FROM ${this.t}`);
    return BigInt(r.rows[0].hlc ?? '0');
  }

  /** Application writes logged during the merge and not yet re-merged, oldest first. */
  async pendingWrites(mergeId: string, limit: number): Promise<{ id: string; key: bigint }[]> {
    const r = await this.pool.query<{ id: string; key: string }>(
      `SELECT id::text, key::text FROM merge_write_log WHERE merge_id = $1 AND table_name = $2 AND NOT processed
        ORDER BY merge_write_log.id LIMIT $3`,
      [mergeId, this.table, limit],
    );
    return r.rows.map((x) => ({ id: x.id, key: BigInt(x.key) }));
  }

  async markProcessed(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.pool.query(`UPDATE merge_write_log SET processed = true WHERE id = ANY($1::bigint[])`, [ids]);
  }
}

function columns(rows: ApplyRow[], withExpected: boolean): unknown[] {
  const cols: unknown[] = [
    rows.map((r) => r.merged.key.toString()),
    rows.map((r) => JSON.stringify(r.merged.value)),
    rows.map((r) => r.merged.hlc.toString()),
    rows.map((r) => r.merged.origin),
    rows.map((r) => r.merged.tombstone),
  ];
  if (withExpected) {
    cols.push(
      rows.map((r) => r.expected!.hlc.toString()),
      rows.map((r) => r.expected!.origin),
      rows.map((r) => r.expected!.tombstone),
    );
  }
  return cols;
}

async function insertMissing(client: PoolClient, table: string, rows: ApplyRow[]): Promise<number> {
  const res = await client.query(
    `INSERT INTO ${table} (key, value, hlc, origin, tombstone)
     SELECT * FROM unnest($1::bigint[], $2::jsonb[], $3::bigint[], $4::text[], $5::bool[])
     ON CONFLICT (key) DO NOTHING`,
    columns(rows, false),
  );
  return res.rowCount ?? 0;
}
