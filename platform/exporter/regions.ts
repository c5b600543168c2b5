// The regions of each replicated dataset (config/datasets.yaml; seed 001 scenario 6, seed 003
// "network partition"): whether each region's database answers, and whether the regions hold the
// same rows. Rows are compared by key, value and tombstone (the HLC and origin of a replicated row
// are the same on both sides once replication caught up; comparing the value keeps the check
// about what readers see). A digest per region first; keys are compared only when digests differ.
import { escapeIdentifier, type Pool } from 'pg';
import { type DatasetsFile } from '../../shared/partition-merge/policy';
import { sample, type Collector, type Sample } from './samples';

type Datasets = DatasetsFile['datasets'];
type PoolOf = (database: string) => Pool;

/** Above this many rows per region, divergence is reported as a flag only, not counted per key. */
const MAX_COMPARED_ROWS = 200_000;

const rowDigest = `md5(key::text || '|' || value::text || '|' || tombstone::text)`;

/** Keys whose row differs between two regions' `key → digest` maps (pure, for the unit test). */
export function divergentKeys(a: Map<string, string>, b: Map<string, string>): number {
  let n = 0;
  for (const [k, d] of a) if (b.get(k) !== d) n += 1;
  for (const k of b.keys()) if (!a.has(k)) n += 1;
  return n;
}

export function regionsCollector(datasets: Datasets, poolOf: PoolOf, intervalMs: number): Collector {
  return {
    name: 'regions',
    intervalMs,
    async collect() {
      const out: Sample[] = [];
      for (const [dataset, ds] of Object.entries(datasets)) {
        const table = escapeIdentifier(ds.table);
        const summaries = await Promise.all(
          ds.regions.map(async (region) => {
            try {
              const r = await poolOf(region.database).query<{ n: number; h: string }>(
                `SELECT count(*)::int AS n, coalesce(md5(string_agg(${rowDigest}, ',' ORDER BY key)), '') AS h FROM ${table}`,
              );
              return { region: region.name, database: region.database, up: true, ...r.rows[0] };
            } catch {
              return { region: region.name, database: region.database, up: false, n: 0, h: '' };
            }
          }),
        );
        for (const s of summaries) {
          out.push(sample('platform_region_up', { dataset, region: s.region }, s.up ? 1 : 0));
          if (s.up) out.push(sample('platform_region_rows', { dataset, region: s.region }, s.n));
        }
        const up = summaries.filter((s) => s.up);
        // Divergence is only known while both regions answer (a partition is region_up's alert).
        if (up.length !== summaries.length || up.length < 2) continue;
        const diverged = up.some((s) => s.h !== up[0].h);
        out.push(sample('platform_regions_diverged', { dataset }, diverged ? 1 : 0));
        if (!diverged) {
          out.push(sample('platform_regions_divergent_keys', { dataset }, 0));
        } else if (up.every((s) => s.n <= MAX_COMPARED_ROWS)) {
          const maps = await Promise.all(
            up.slice(0, 2).map(async (s) => {
              const r = await poolOf(s.database).query<{ k: string; d: string }>(
                `SELECT key::text AS k, ${rowDigest} AS d FROM ${table}`,
              );
              return new Map(r.rows.map((row) => [row.k, row.d]));
            }),
          );
          out.push(sample('platform_regions_divergent_keys', { dataset }, divergentKeys(maps[0], maps[1])));
        }
      }
      return out;
    },
  };
}
