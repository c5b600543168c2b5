// The pure merge of two regions' versions of a key (issue 12; seed 001 scenario 6: "detect and
// resolve conflicts, merge"). Symmetric in its two sides, idempotent, and absorbing (merging the
// result with either input gives the result again), so a merge interrupted after applying some
// rows to one region converges to the same state when it runs again. Property-tested in
// test/unit/partition-merge/merge.property.test.ts.
import { fieldPolicy, type MergePolicy } from './policy';
import { compareRows, jsonEqual, rowsEqual, type Json, type JsonObject, type RegionRow } from './rows';

export type MergeRule =
  'only-one-side' | 'one-sided-change' | 'lww' | 'delete-wins' | 'update-wins' | 'field-merge' | 'manual';

/** A human's value for each manual field of a key (from the batched decision). */
export type ManualDecisions = ReadonlyMap<bigint, Readonly<Record<string, Json | undefined>>>;

export interface KeyResolution {
  key: bigint;
  /** The merged row; undefined while a manual field waits for a decision. */
  merged: RegionRow | undefined;
  /** Both regions changed the key since the partition began (a true conflict). */
  conflict: boolean;
  rule: MergeRule;
  /** Fields whose values differ and whose policy is manual (decided or not). */
  manualFields: string[];
}

export interface MergeContext {
  policy: MergePolicy;
  /** Rows with an HLC above this changed during the partition (the replication watermark). */
  watermark: bigint;
  decisions?: ManualDecisions;
}

interface Counter {
  inc: Record<string, number>;
  dec: Record<string, number>;
}

function asCounter(v: Json | undefined): Counter | undefined {
  if (v === undefined) return { inc: {}, dec: {} };
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return undefined;
  const parts: Counter = { inc: {}, dec: {} };
  for (const [k, part] of Object.entries(v)) {
    if (k !== 'inc' && k !== 'dec') return undefined;
    if (part === null || typeof part !== 'object' || Array.isArray(part)) return undefined;
    for (const [origin, n] of Object.entries(part)) {
      if (typeof n !== 'number' || !Number.isFinite(n)) return undefined;
      parts[k][origin] = n;
    }
  }
  return parts;
}

function maxPerOrigin(a: Record<string, number>, b: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const origin of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
    out[origin] = Math.max(a[origin] ?? -Infinity, b[origin] ?? -Infinity);
  }
  return out;
}

/** The counter's value: the sum of every origin's increments minus its decrements. */
export function counterValue(v: Json | undefined): number | undefined {
  const c = asCounter(v);
  if (!c) return undefined;
  const sum = (m: Record<string, number>) => Object.values(m).reduce((s, n) => s + n, 0);
  return sum(c.inc) - sum(c.dec);
}

function mergeCounter(a: Json | undefined, b: Json | undefined): Json | undefined {
  const ca = asCounter(a);
  const cb = asCounter(b);
  if (!ca || !cb) return undefined;
  return { inc: maxPerOrigin(ca.inc, cb.inc), dec: maxPerOrigin(ca.dec, cb.dec) };
}

function mergeSet(a: Json | undefined, b: Json | undefined): Json | undefined {
  const items = (v: Json | undefined): Json[] | undefined => {
    if (v === undefined) return [];
    if (!Array.isArray(v) || v.some((x) => x !== null && typeof x === 'object')) return undefined;
    return v;
  };
  const ia = items(a);
  const ib = items(b);
  if (!ia || !ib) return undefined;
  const byText = new Map<string, Json>();
  for (const x of [...ia, ...ib]) byText.set(JSON.stringify(x), x);
  return [...byText.keys()].sort().map((k) => byText.get(k)!);
}

/**
 * Resolves one key from the two regions' versions (either may be missing, not both).
 * Symmetric: resolveKey(k, a, b) and resolveKey(k, b, a) give the same result.
 * Counter or set fields whose values do not have the policy's shape are left to a human
 * (treated as manual), never guessed.
 */
export function resolveKey(
  key: bigint,
  a: RegionRow | undefined,
  b: RegionRow | undefined,
  ctx: MergeContext,
): KeyResolution {
  const base = { key, conflict: false, manualFields: [] as string[] };
  if (!a && !b) throw new Error(`key ${key} has no version on either side`);
  if (!a || !b) return { ...base, merged: a ?? b, rule: 'only-one-side' };
  if (rowsEqual(a, b)) return { ...base, merged: a, rule: 'only-one-side' };
  const [winner, loser] = compareRows(a, b) > 0 ? [a, b] : [b, a];
  if (!(a.hlc > ctx.watermark && b.hlc > ctx.watermark)) {
    return { ...base, merged: winner, rule: 'one-sided-change' };
  }
  const conflict = { key, conflict: true, manualFields: [] as string[] };
  if (winner.tombstone && loser.tombstone) return { ...conflict, merged: winner, rule: 'lww' };
  if (winner.tombstone || loser.tombstone) {
    const rule = ctx.policy.deleteVsUpdate;
    if (rule === 'lww') return { ...conflict, merged: winner, rule: 'lww' };
    const dead = winner.tombstone ? winner : loser;
    const live = winner.tombstone ? loser : winner;
    return { ...conflict, merged: rule === 'delete-wins' ? dead : live, rule };
  }
  return mergeFields(key, winner, loser, ctx);
}

function mergeFields(key: bigint, winner: RegionRow, loser: RegionRow, ctx: MergeContext): KeyResolution {
  const value: JsonObject = {};
  const manualFields: string[] = [];
  let undecided = false;
  const decided = ctx.decisions?.get(key);
  const fields = [...new Set([...Object.keys(winner.value), ...Object.keys(loser.value)])].sort();
  for (const f of fields) {
    const w = winner.value[f];
    const l = loser.value[f];
    let out: Json | undefined;
    const policy = fieldPolicy(ctx.policy, f);
    if (jsonEqual(w, l)) out = w;
    else if (policy === 'lww') out = w;
    else {
      out = policy === 'counter' ? mergeCounter(w, l) : policy === 'set' ? mergeSet(w, l) : undefined;
      if (out === undefined) {
        manualFields.push(f);
        if (decided && f in decided) out = decided[f];
        else undecided = true;
      }
    }
    if (out !== undefined) value[f] = out;
  }
  const rule: MergeRule = manualFields.length > 0 ? 'manual' : 'field-merge';
  if (undecided) return { key, merged: undefined, conflict: true, rule, manualFields };
  if (jsonEqual(value, winner.value)) return { key, merged: winner, conflict: true, rule, manualFields };
  if (jsonEqual(value, loser.value)) return { key, merged: loser, conflict: true, rule, manualFields };
  // A value neither region wrote: it gets an HLC just past both, so it wins against either input
  // if the merge runs again (absorption), and the winner's origin for the tie-break.
  const merged: RegionRow = { key, value, hlc: winner.hlc + 1n, origin: winner.origin, tombstone: false };
  return { key, merged, conflict: true, rule, manualFields };
}

/** The values a batched manual choice gives each manual field of a key. */
export type ManualChoice = { prefer: string } | { lastWriterWins: true };

/**
 * Turns one batched human choice into per-key field values: `prefer` takes the named region's
 * value (the row whose origin is that region, else the region's own version passed as `ofRegion`),
 * `lastWriterWins` the LWW winner's value.
 */
export function decideManualFields(
  resolution: KeyResolution,
  sides: { region: string; row: RegionRow }[],
  choice: ManualChoice,
): Record<string, Json | undefined> {
  const rows = sides.map((s) => s.row);
  const chosen =
    'prefer' in choice
      ? (sides.find((s) => s.region === choice.prefer)?.row ?? rows[0])
      : rows.reduce((w, r) => (compareRows(r, w) > 0 ? r : w));
  const out: Record<string, Json | undefined> = {};
  for (const f of resolution.manualFields) out[f] = chosen.value[f];
  return out;
}

/** Merges two whole regions (maps by key): the reference the property tests check against. */
export function mergeRegions(
  a: ReadonlyMap<bigint, RegionRow>,
  b: ReadonlyMap<bigint, RegionRow>,
  ctx: MergeContext,
): Map<bigint, KeyResolution> {
  const out = new Map<bigint, KeyResolution>();
  for (const key of new Set([...a.keys(), ...b.keys()]))
    out.set(key, resolveKey(key, a.get(key), b.get(key), ctx));
  return out;
}
