// Properties of the pure merge (issue 12 "Done when"): A-with-B equals B-with-A; merging twice
// changes nothing; every key present on either side is in the result; the result does not depend
// on the batch size nor on where a crash interrupted the apply.
import fc from 'fast-check';
import {
  mergeRegions,
  resolveKey,
  type KeyResolution,
  type MergeContext,
} from '../../../shared/partition-merge/merge';
import { type MergePolicy } from '../../../shared/partition-merge/policy';
import { canonicalJson, rowToJson, rowsEqual, type RegionRow } from '../../../shared/partition-merge/rows';

const WATERMARK = 1000n;
const ORIGINS = ['region-a', 'region-b'];

const counterArb = fc.record({
  inc: fc.dictionary(fc.constantFrom(...ORIGINS), fc.integer({ min: 0, max: 50 })),
  dec: fc.dictionary(fc.constantFrom(...ORIGINS), fc.integer({ min: 0, max: 50 })),
});
const valueArb = fc.record(
  {
    name: fc.constantFrom('ann', 'bob', 'cy'),
    balance: fc.oneof({ weight: 5, arbitrary: counterArb }, { weight: 1, arbitrary: fc.constant('oops') }),
    tags: fc.uniqueArray(fc.constantFrom('x', 'y', 'z', 1, 2)),
    owner: fc.constantFrom('ops', 'eng'),
  },
  { requiredKeys: [] },
);
const rowArb = (key: bigint) =>
  fc.record({
    key: fc.constant(key),
    value: valueArb,
    // Around the watermark: one-sided changes and true conflicts, and equal HLCs for ties.
    hlc: fc.bigInt({ min: 990n, max: 1010n }),
    origin: fc.constantFrom(...ORIGINS),
    tombstone: fc.boolean(),
  }) as fc.Arbitrary<RegionRow>;

const policyArb: fc.Arbitrary<MergePolicy> = fc.record({
  default: fc.constantFrom('lww' as const),
  fields: fc.constant({ balance: 'counter' as const, tags: 'set' as const, owner: 'manual' as const }),
  deleteVsUpdate: fc.constantFrom('update-wins' as const, 'delete-wins' as const, 'lww' as const),
});

/** Two regions over keys 0..n with shared, one-sided and conflicting versions. */
const regionsArb = fc
  .integer({ min: 1, max: 25 })
  .chain((n) =>
    fc.tuple(
      ...Array.from({ length: n }, (_, i) =>
        fc.tuple(
          fc.option(rowArb(BigInt(i)), { freq: 4 }),
          fc.option(rowArb(BigInt(i)), { freq: 4 }),
          fc.boolean(),
        ),
      ),
    ),
  )
  .map((keys) => {
    const a = new Map<bigint, RegionRow>();
    const b = new Map<bigint, RegionRow>();
    for (const [ra, rb, same] of keys) {
      if (ra) a.set(ra.key, ra);
      if (same && ra) b.set(ra.key, ra);
      else if (rb) b.set(rb.key, rb);
    }
    return { a, b };
  });

/** Every manual field decided by a fixed value, as the batched human decision would. */
function decideAll(a: Map<bigint, RegionRow>, b: Map<bigint, RegionRow>, ctx: MergeContext): MergeContext {
  const decisions = new Map<bigint, Record<string, string>>();
  for (const r of mergeRegions(a, b, ctx).values()) {
    if (r.manualFields.length)
      decisions.set(r.key, Object.fromEntries(r.manualFields.map((f) => [f, `decided-${f}`])));
  }
  return { ...ctx, decisions };
}

function text(res: Map<bigint, KeyResolution>): string {
  return [...res.values()]
    .sort((x, y) => (x.key < y.key ? -1 : 1))
    .map((r) => `${r.key}:${r.rule}:${r.merged ? canonicalJson({ ...rowToJson(r.merged) }) : 'held'}`)
    .join('\n');
}

/** The state after applying: every resolved key holds its merged row; held keys keep their sides. */
function applied(side: Map<bigint, RegionRow>, res: Map<bigint, KeyResolution>, keys?: Set<bigint>) {
  const out = new Map(side);
  for (const r of res.values()) if (r.merged && (!keys || keys.has(r.key))) out.set(r.key, r.merged);
  return out;
}

const RUNS = { numRuns: 300 };

test('A with B equals B with A', () => {
  fc.assert(
    fc.property(regionsArb, policyArb, ({ a, b }, policy) => {
      const ctx = { policy, watermark: WATERMARK };
      expect(text(mergeRegions(a, b, ctx))).toBe(text(mergeRegions(b, a, ctx)));
      const decided = decideAll(a, b, ctx);
      expect(text(mergeRegions(a, b, decided))).toBe(text(mergeRegions(b, a, decided)));
    }),
    RUNS,
  );
});

test('merging twice changes nothing (and the result absorbs either input)', () => {
  fc.assert(
    fc.property(regionsArb, policyArb, ({ a, b }, policy) => {
      const ctx = decideAll(a, b, { policy, watermark: WATERMARK });
      const first = mergeRegions(a, b, ctx);
      const ma = applied(a, first);
      const mb = applied(b, first);
      // Both regions now hold the same rows; a second merge finds nothing to change.
      for (const [key, r] of mergeRegions(ma, mb, ctx)) {
        expect(r.merged && rowsEqual(r.merged, ma.get(key)!)).toBe(true);
      }
      for (const [key, r] of first) {
        const m = r.merged!;
        for (const side of [a.get(key), b.get(key)]) {
          const again = resolveKey(key, m, side, ctx).merged!;
          expect(canonicalJson(again.value)).toBe(canonicalJson(m.value));
          expect(rowsEqual(again, m)).toBe(true);
        }
      }
    }),
    RUNS,
  );
});

test('every key present on either side is in the result; held keys only with undecided manual fields', () => {
  fc.assert(
    fc.property(regionsArb, policyArb, ({ a, b }, policy) => {
      const res = mergeRegions(a, b, { policy, watermark: WATERMARK });
      for (const key of [...a.keys(), ...b.keys()]) {
        const r = res.get(key);
        expect(r).toBeDefined();
        if (!r!.merged) expect(r!.manualFields.length).toBeGreaterThan(0);
      }
      expect(res.size).toBe(new Set([...a.keys(), ...b.keys()]).size);
    }),
    RUNS,
  );
});

test('the result does not depend on the batch size nor on where a crash interrupted the apply', () => {
  fc.assert(
    fc.property(
      regionsArb,
      policyArb,
      fc.integer({ min: 1, max: 10 }),
      fc.nat(),
      fc.nat(),
      ({ a, b }, policy, batch, crashA, crashB) => {
        const ctx = decideAll(a, b, { policy, watermark: WATERMARK });
        const expected = applied(a, mergeRegions(a, b, ctx));
        const keys = [...new Set([...a.keys(), ...b.keys()])].sort((x, y) => (x < y ? -1 : 1));
        // Apply in batches of `batch` keys; the crash leaves region A with the first crashA keys
        // applied and region B with the first crashB keys (one side ahead of the other mid-batch).
        const batches: bigint[][] = [];
        for (let i = 0; i < keys.length; i += batch) batches.push(keys.slice(i, i + batch));
        const flat = batches.flat();
        const first = mergeRegions(a, b, ctx);
        const partA = applied(a, first, new Set(flat.slice(0, crashA % (flat.length + 1))));
        const partB = applied(b, first, new Set(flat.slice(0, crashB % (flat.length + 1))));
        // A new worker runs the whole merge again from the interrupted state.
        const again = mergeRegions(partA, partB, ctx);
        const finalA = applied(partA, again);
        const finalB = applied(partB, again);
        for (const key of keys) {
          expect(rowsEqual(finalA.get(key)!, expected.get(key)!)).toBe(true);
          expect(rowsEqual(finalB.get(key)!, expected.get(key)!)).toBe(true);
        }
      },
    ),
    RUNS,
  );
});

test('counters merge as per-origin sums, sets as unions, lww by HLC with a deterministic tie-break', () => {
  const policy: MergePolicy = {
    default: 'lww',
    fields: { balance: 'counter', tags: 'set' },
    deleteVsUpdate: 'update-wins',
  };
  const row = (origin: string, hlc: bigint, value: RegionRow['value'], tombstone = false): RegionRow => ({
    key: 1n,
    value,
    hlc,
    origin,
    tombstone,
  });
  const a = row('region-a', 1005n, {
    name: 'ann',
    balance: { inc: { 'region-a': 7, 'region-b': 2 } },
    tags: ['x'],
  });
  const b = row('region-b', 1003n, {
    name: 'bob',
    balance: { inc: { 'region-a': 5, 'region-b': 4 } },
    tags: ['y'],
  });
  const r = resolveKey(1n, a, b, { policy, watermark: WATERMARK });
  expect(r.rule).toBe('field-merge');
  expect(r.merged!.value).toEqual({
    name: 'ann',
    balance: { inc: { 'region-a': 7, 'region-b': 4 }, dec: {} },
    tags: ['x', 'y'],
  });
  expect(r.merged!.hlc).toBe(1006n);
  // Equal HLCs: the origin breaks the tie, whichever side is first.
  const tieA = row('region-a', 1005n, { name: 'ann' });
  const tieB = row('region-b', 1005n, { name: 'bob' });
  expect(resolveKey(1n, tieA, tieB, { policy, watermark: WATERMARK }).merged!.value.name).toBe('bob');
  expect(resolveKey(1n, tieB, tieA, { policy, watermark: WATERMARK }).merged!.value.name).toBe('bob');
  // Delete against update follows the stated rule, not the clock.
  const del = row('region-b', 1009n, {}, true);
  expect(resolveKey(1n, a, del, { policy, watermark: WATERMARK }).merged).toBe(a);
  expect(
    resolveKey(1n, a, del, { policy: { ...policy, deleteVsUpdate: 'delete-wins' }, watermark: WATERMARK })
      .merged,
  ).toBe(del);
  // Only one side changed since the partition: no conflict, the changed side wins.
  const old = row('region-b', 900n, { name: 'old' });
  expect(resolveKey(1n, old, tieA, { policy, watermark: WATERMARK })).toMatchObject({
    conflict: false,
    merged: tieA,
  });
});
