import {
  coalescedRememberedLookup,
  MAX_PAIRS,
  type RememberedPair,
} from '../../../client/service/remembered-batcher';
import { type ClosedAlert } from '../../../shared/lifecycle/closed-memory';

const closed = (fingerprint: string): ClosedAlert => ({
  fingerprint,
  generation: 1,
  status: 'resolved',
  closedAt: 2,
});
const pair = (i: number): RememberedPair => ({ incidentId: `incident:${i}`, fingerprint: `fp${i}` });
const keyOf = (p: RememberedPair) => `${p.incidentId}\n${p.fingerprint}`;

/** A fake query that remembers every even-numbered pair and records each call. */
function fakeQuery() {
  const calls: { pairs: RememberedPair[]; maxAgeMs: number }[] = [];
  const query = (pairs: RememberedPair[], maxAgeMs: number) => {
    calls.push({ pairs, maxAgeMs });
    return Promise.resolve(
      new Map(
        pairs
          .filter((p) => Number(p.fingerprint.slice(2)) % 2 === 0)
          .map((p) => [keyOf(p), [closed(p.fingerprint)]]),
      ),
    );
  };
  return { calls, query };
}

test('lookups made together share one query, and each caller gets only its own pairs', async () => {
  const { calls, query } = fakeQuery();
  const lookup = coalescedRememberedLookup(query);
  const [a, b, c] = await Promise.all([
    lookup([pair(0), pair(1)], 60_000),
    lookup([pair(2)], 60_000),
    lookup([pair(0), pair(3)], 60_000), // pair 0 again: asked once
  ]);
  expect(calls).toHaveLength(1);
  expect(calls[0].pairs.map((p) => p.fingerprint)).toEqual(['fp0', 'fp1', 'fp2', 'fp3']);
  expect([...a.keys()]).toEqual([keyOf(pair(0))]);
  expect([...b.keys()]).toEqual([keyOf(pair(2))]);
  expect([...c.keys()]).toEqual([keyOf(pair(0))]);
  // A later lookup is a new query, never an answer cached from the earlier one.
  await lookup([pair(4)], 60_000);
  expect(calls).toHaveLength(2);
});

test('different ages are separate queries; a full batch goes at once', async () => {
  const { calls, query } = fakeQuery();
  const lookup = coalescedRememberedLookup(query);
  await Promise.all([lookup([pair(0)], 1_000), lookup([pair(1)], 2_000)]);
  expect(calls.map((c) => c.maxAgeMs).sort()).toEqual([1_000, 2_000]);
  calls.length = 0;
  const many = Array.from({ length: MAX_PAIRS }, (_, i) => pair(i));
  const first = lookup(many, 5_000);
  expect(calls).toHaveLength(1); // flushed without waiting for the next turn
  const second = lookup([pair(1)], 5_000);
  await Promise.all([first, second]);
  expect(calls).toHaveLength(2);
});

test('a failed query rejects every caller of its batch, and the next batch is tried afresh', async () => {
  let fail = true;
  const lookup = coalescedRememberedLookup(() =>
    fail ? Promise.reject(new Error('database down')) : Promise.resolve(new Map()),
  );
  const results = await Promise.allSettled([lookup([pair(0)], 1), lookup([pair(1)], 1)]);
  expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
  fail = false;
  await expect(lookup([pair(0)], 1)).resolves.toEqual(new Map());
});

test('lookups arriving within the window share its query (notifications come one per event-loop turn)', async () => {
  const { calls, query } = fakeQuery();
  const lookup = coalescedRememberedLookup(query, 50);
  const first = lookup([pair(0)], 1);
  await new Promise((r) => setTimeout(r, 5)); // a later turn, still inside the window
  const second = lookup([pair(1)], 1);
  await Promise.all([first, second]);
  expect(calls).toHaveLength(1);
  expect(calls[0].pairs).toHaveLength(2);
});
