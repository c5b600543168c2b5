// Rows of a replicated table as the merge sees them, canonical JSON, and the total order that
// last-writer-wins uses. Sandbox-safe and dependency-free (fast-check tests it).

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type JsonObject = { [k: string]: Json };

export interface RegionRow {
  key: bigint;
  value: JsonObject;
  /** Hybrid logical clock: physical milliseconds << 16 | logical counter. */
  hlc: bigint;
  /** The region that wrote this version. */
  origin: string;
  tombstone: boolean;
}

/** JSON with object keys sorted at every level: equal values have equal text. */
export function canonicalJson(value: Json | undefined): string {
  if (value === undefined) return 'undefined';
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v)).join(',')}]`;
  const keys = Object.keys(value).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(',')}}`;
}

export function jsonEqual(a: Json | undefined, b: Json | undefined): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

function cmp<T extends string | bigint>(a: T, b: T): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The last-writer-wins order: higher HLC wins; equal HLCs (two regions' clocks agreeing) are
 * broken by origin name, then tombstone over live, then canonical value, so every pair of
 * distinct rows has one deterministic winner whichever side it came from.
 */
export function compareRows(a: RegionRow, b: RegionRow): number {
  return (
    cmp(a.hlc, b.hlc) ||
    cmp(a.origin, b.origin) ||
    (a.tombstone === b.tombstone ? 0 : a.tombstone ? 1 : -1) ||
    cmp(canonicalJson(a.value), canonicalJson(b.value))
  );
}

export function rowsEqual(a: RegionRow, b: RegionRow): boolean {
  return a.key === b.key && compareRows(a, b) === 0;
}

/** The row as stored in JSON columns and activity payloads (bigints as decimal strings). */
export interface RowJson {
  key: string;
  value: JsonObject;
  hlc: string;
  origin: string;
  tombstone: boolean;
}

export function rowToJson(r: RegionRow): RowJson {
  return {
    key: r.key.toString(),
    value: r.value,
    hlc: r.hlc.toString(),
    origin: r.origin,
    tombstone: r.tombstone,
  };
}

export function rowFromJson(r: RowJson): RegionRow {
  return { key: BigInt(r.key), value: r.value, hlc: BigInt(r.hlc), origin: r.origin, tombstone: r.tombstone };
}
