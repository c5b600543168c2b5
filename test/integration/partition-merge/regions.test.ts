// The reference setup and the region-side SQL on real PostgreSQL: the generator's divergence
// (conflicts really changed on both sides since the watermark, deletes against updates), the
// write log (application writes logged only in partition-recovery mode, the merge's own writes
// never), the apply's optimistic concurrency (a row changed since the compare read it is left
// alone), and the bucket checksums (equal rows, equal sums; one changed row, one differing bucket).
import { type Pool } from 'pg';
import { RegionStore } from '../../../activities/partition-merge/region-store';
import { diverge, type DivergeReport } from '../../../platform/regions/generator';
import { regionsDivergeCommand } from '../../../platform/regions/diverge-command';
import { hlcOf } from '../../../shared/partition-merge/hlc';
import { type DatasetConfig } from '../../../shared/partition-merge/policy';
import { isolatedRegions, readRegion } from '../../e2e/partition-merge/merge-support';

let dataset: DatasetConfig;
let pools: [Pool, Pool];
let report: DivergeReport;
let DATASET: string;

beforeAll(async () => {
  ({ name: DATASET, dataset, pools } = await isolatedRegions('pm_it_regions'));
  report = await diverge(DATASET, dataset, pools, {
    keys: 2000,
    divergence: 0.1,
    conflictShare: 0.4,
    deleteShare: 0.25,
    manualShare: 0.1,
    seed: 99,
  });
}, 60_000);

afterAll(async () => {
  await Promise.all((pools ?? []).map((p) => p.end()));
});

function stores(): [RegionStore, RegionStore] {
  return [
    new RegionStore('region-a', pools[0], dataset.table),
    new RegionStore('region-b', pools[1], dataset.table),
  ];
}

test('the generator diverges the regions as reported: conflicts changed on both sides since the watermark', async () => {
  const [a, b] = await Promise.all([
    readRegion(pools[0], dataset.table),
    readRegion(pools[1], dataset.table),
  ]);
  const watermark = BigInt(report.partitionStartHlc);
  expect(report.conflicts).toBeGreaterThan(50);
  for (const key of report.conflictKeys.map(BigInt)) {
    expect(a.get(key)!.hlc).toBeGreaterThan(watermark);
    expect(b.get(key)!.hlc).toBeGreaterThan(watermark);
  }
  const deleteVsUpdate = report.conflictKeys.filter(
    (k) => a.get(BigInt(k))!.tombstone !== b.get(BigInt(k))!.tombstone,
  );
  expect(deleteVsUpdate).toHaveLength(report.deleteVsUpdate);
  for (const key of report.manualKeys.map(BigInt)) {
    expect(a.get(key)!.value.owner).not.toEqual(b.get(key)!.value.owner);
  }
  // Keys nobody changed are identical and older than the watermark.
  const untouched = [...a.keys()].filter(
    (k) => a.get(k)!.hlc <= watermark && b.get(k) && b.get(k)!.hlc <= watermark,
  );
  expect(untouched.length).toBeGreaterThan(1500);
  for (const k of untouched.slice(0, 100)) expect(b.get(k)).toEqual(a.get(k));
});

test('bucket checksums: equal buckets agree, a changed row shows up in exactly its bucket', async () => {
  const [sa] = stores();
  const before = await sa.bucketSums(1n, 2001n, 16n);
  await pools[0].query(`UPDATE accounts SET value = value || '{"probe": 1}' WHERE key = 1000`);
  const after = await sa.bucketSums(1n, 2001n, 16n);
  const changed = after.filter((x, i) => x.hash !== before[i].hash || x.rows !== before[i].rows);
  expect(changed.map((x) => x.bucket)).toEqual([Math.floor((1000 - 1) / 16)]);
});

test('only application writes during partition-recovery mode are logged; the merge skips rows changed since it read them', async () => {
  const [sa] = stores();
  const mergeId = `test-${Date.now()}`;
  const write = (key: number, name: string, hlc: bigint) =>
    pools[0].query(
      `UPDATE accounts SET value = jsonb_build_object('name', $2::text), hlc = $3 WHERE key = $1`,
      [key, name, hlc.toString()],
    );
  await write(11, 'before recovery mode', hlcOf(Date.now(), 1));
  expect(await sa.pendingWrites(mergeId, 10)).toEqual([]);

  await sa.enterRecovery(mergeId);
  const read = (await sa.rowsByKeys([12n, 13n])).sort((x, y) => Number(x.key - y.key));
  await write(12, 'during the merge', hlcOf(Date.now(), 2));
  // The merge writes both keys over the versions it read: key 13 is written, key 12 (changed by
  // the application since) is left alone, and the merge's own write is not logged.
  const merged = read.map((r) => ({ ...r, value: { name: 'merged' }, hlc: r.hlc + 1n }));
  const res = await sa.apply(merged.map((m, i) => ({ merged: m, expected: read[i] })));
  expect(res).toEqual({ written: 1, changedSince: 1 });
  const now = await sa.rowsByKeys([12n, 13n]);
  expect(now.find((r) => r.key === 12n)!.value).toEqual({ name: 'during the merge' });
  expect(now.find((r) => r.key === 13n)!.value).toEqual({ name: 'merged' });
  const logged = await sa.pendingWrites(mergeId, 10);
  expect(logged.map((l) => l.key)).toEqual([12n]);
  await sa.markProcessed(logged.map((l) => l.id));
  expect(await sa.pendingWrites(mergeId, 10)).toEqual([]);

  // Back to normal: application writes are no longer logged.
  expect(await sa.resumeNormal(mergeId, hlcOf(Date.now(), 3))).toBe(true);
  await write(14, 'after the merge', hlcOf(Date.now(), 4));
  expect(await sa.pendingWrites(mergeId, 10)).toEqual([]);
});

test('the CLI refuses bad arguments with a usage error and touches nothing', async () => {
  const errors: string[] = [];
  const spy = jest.spyOn(console, 'error').mockImplementation((m: string) => void errors.push(m));
  try {
    expect(await regionsDivergeCommand(['--keys', '10'])).toBe(2);
    expect(await regionsDivergeCommand(['--keys', '-5', '--divergence', '0.1'])).toBe(2);
    expect(await regionsDivergeCommand(['--keys', '10', '--divergence', 'lots'])).toBe(2);
    expect(await regionsDivergeCommand(['--keys', '10', '--divergence', '1.5'])).toBe(1);
    expect(await regionsDivergeCommand(['--keys', '10', '--divergence', '0.1', '--dataset', 'nope'])).toBe(2);
  } finally {
    spy.mockRestore();
  }
  expect(errors.join('\n')).toMatch(/--keys and --divergence are required/);
  const count = await pools[0].query<{ n: string }>('SELECT count(*)::text AS n FROM accounts');
  expect(Number(count.rows[0].n)).toBeGreaterThan(2000);
});
