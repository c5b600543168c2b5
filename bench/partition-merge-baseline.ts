// The plain baseline the partition-merge benchmark compares against: both regions' tables read
// in key order (server-side cursors), merge-joined in this one Node process with the same policy
// resolution, and the differences written back to each region with COPY (psql's COPY FROM STDIN
// into a temporary table, then one upsert). No checksums, no durability, no write log.
import { spawn } from 'node:child_process';
import { escapeIdentifier, type Pool, type PoolClient } from 'pg';
import { type ReboundConfig } from '../shared/config';
import { resolveKey, type MergeContext } from '../shared/partition-merge/merge';
import { type DatasetConfig } from '../shared/partition-merge/policy';
import { rowsEqual, type RegionRow } from '../shared/partition-merge/rows';

const FETCH = 20_000;

async function* ordered(client: PoolClient, table: string): AsyncGenerator<RegionRow> {
  await client.query('BEGIN');
  await client.query(
    `DECLARE rows NO SCROLL CURSOR FOR SELECT key::text, value, hlc::text, origin, tombstone FROM ${escapeIdentifier(table)} AS t ORDER BY t.key`,
  );
  for (;;) {
    const r = await client.query<{
      key: string;
      value: RegionRow['value'];
      hlc: string;
      origin: string;
      tombstone: boolean;
    }>(`FETCH ${FETCH} FROM rows`);
    for (const x of r.rows)
      yield {
        key: BigInt(x.key),
        value: x.value,
        hlc: BigInt(x.hlc),
        origin: x.origin,
        tombstone: x.tombstone,
      };
    if (r.rows.length < FETCH) break;
  }
  await client.query('COMMIT');
}

function tsv(r: RegionRow): string {
  const esc = (s: string) => s.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n');
  return `${r.key}\t${esc(JSON.stringify(r.value))}\t${r.hlc}\t${esc(r.origin)}\t${r.tombstone ? 't' : 'f'}\n`;
}

function copyBack(config: ReboundConfig, database: string, table: string, rows: RegionRow[]): Promise<void> {
  const t = escapeIdentifier(table);
  const script =
    `BEGIN;\nSET LOCAL rebound.merge_apply = 'on';\nCREATE TEMP TABLE merged (LIKE ${t}) ON COMMIT DROP;\nCOPY merged FROM STDIN;\n` +
    rows.map(tsv).join('') +
    `\\.\nINSERT INTO ${t} SELECT * FROM merged ON CONFLICT (key) DO UPDATE SET value = excluded.value, hlc = excluded.hlc, origin = excluded.origin, tombstone = excluded.tombstone;\nCOMMIT;\n`;
  return new Promise((resolve, reject) => {
    const pg = config.postgres;
    const child = spawn(
      'psql',
      [
        '-X',
        '-q',
        '-v',
        'ON_ERROR_STOP=1',
        '-h',
        pg.host,
        '-p',
        String(pg.port),
        '-U',
        pg.user,
        '-d',
        database,
      ],
      {
        env: { ...process.env, PGPASSWORD: pg.password },
        stdio: ['pipe', 'ignore', 'pipe'],
      },
    );
    let err = '';
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`psql COPY failed (${code}): ${err}`)),
    );
    child.stdin.end(script);
  });
}

/** Runs the baseline merge; returns the number of differing keys and rows written per region. */
export async function baselineMerge(
  config: ReboundConfig,
  dataset: DatasetConfig,
  pools: [Pool, Pool],
  watermark: bigint,
): Promise<{ differing: number; written: [number, number] }> {
  const ctx: MergeContext = { policy: dataset.policy, watermark };
  const [ca, cb] = await Promise.all([pools[0].connect(), pools[1].connect()]);
  const toA: RegionRow[] = [];
  const toB: RegionRow[] = [];
  let differing = 0;
  try {
    const ia = ordered(ca, dataset.table);
    const ib = ordered(cb, dataset.table);
    let a = await ia.next();
    let b = await ib.next();
    while (!a.done || !b.done) {
      const ka = a.done ? undefined : a.value.key;
      const kb = b.done ? undefined : b.value.key;
      const key = ka === undefined ? kb! : kb === undefined ? ka : ka < kb ? ka : kb;
      const ra = ka === key ? (a.value as RegionRow) : undefined;
      const rb = kb === key ? (b.value as RegionRow) : undefined;
      if (!(ra && rb && rowsEqual(ra, rb))) {
        differing += 1;
        const merged = resolveKey(key, ra, rb, ctx).merged;
        if (merged) {
          if (!ra || !rowsEqual(ra, merged)) toA.push(merged);
          if (!rb || !rowsEqual(rb, merged)) toB.push(merged);
        }
      }
      if (ra) a = await ia.next();
      if (rb) b = await ib.next();
    }
  } finally {
    ca.release();
    cb.release();
  }
  await Promise.all([
    copyBack(config, dataset.regions[0].database, dataset.table, toA),
    copyBack(config, dataset.regions[1].database, dataset.table, toB),
  ]);
  return { differing, written: [toA.length, toB.length] };
}
