// The batch relay against real PostgreSQL and Kafka: order per aggregate inside and across
// batches, a row held by another relay holds back the rest of its aggregate, a crash after the
// batch was produced publishes nothing twice (nor does the relay's database connection lost
// before its marks), and a relay run while Kafka is down leaks no pool client (issue 14, known
// fault 2).
// In the faults project: its relay drains every queued row of the platform outbox, so a test
// running beside it would see its own rows published by this one (org/outbox-relay.test.ts did).
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { type Pool } from 'pg';
import {
  IDEMPOTENCY_HEADER,
  LOCK_CLASS,
  openRelaySession,
  relayOutbox,
  type RelayAllOptions,
  type RelayAllResult,
} from '../../../platform/outbox/relay';
import { MAX_RELAY_BATCH } from '../../../platform/outbox/limits';
import { readTopic } from '../../../platform/outbox/topic-scan';
import { loadConfig } from '../../../shared/config';
import { createKafka, createPool } from '../../../workers/clients';
import { enqueueSequences, removeOutboxTopic } from '../../support/outbox-fixtures';

const config = loadConfig();
let pool: Pool;
let kafka: Kafka;
const topic = `t-outbox-batch-${randomUUID()}`;

beforeAll(() => {
  pool = createPool(config, 'platform', 4);
  kafka = createKafka(config, 'rebound-test-outbox-batch');
});
afterAll(async () => {
  await removeOutboxTopic(pool, kafka, topic);
  await pool.end();
});

async function onTopic(keys: Set<string>): Promise<{ key: string; aggregate: string }[]> {
  const seen: { key: string; aggregate: string; partition: number; offset: number }[] = [];
  await readTopic(kafka, topic, (m, partition) => {
    const key = m.headers?.[IDEMPOTENCY_HEADER]?.toString() ?? '';
    if (keys.has(key))
      seen.push({ key, aggregate: m.key?.toString() ?? '', partition, offset: Number(m.offset) });
  });
  return seen.sort((a, b) => a.partition - b.partition || a.offset - b.offset);
}

/** One relayAll call on a session of its own, closed after it. */
async function relayAllOnce(opts: RelayAllOptions): Promise<RelayAllResult> {
  const session = await openRelaySession({ pool, kafka });
  try {
    return await session.relayAll(opts);
  } finally {
    await session.close();
  }
}

test('pipelined batches publish every row once, in order per aggregate', async () => {
  const rows = await enqueueSequences(pool, { topic, aggregates: 7, perAggregate: 9, prefix: randomUUID() });
  const session = await openRelaySession({ pool, kafka });
  let batches = 0;
  const lastIds: bigint[] = [];
  try {
    const total = await session.relayAll({
      limit: 10,
      onBatch: (_, lastId) => {
        batches += 1;
        if (lastId !== null) lastIds.push(BigInt(lastId));
      },
    });
    expect(total.produced.length).toBeGreaterThanOrEqual(rows.length);
    expect(total.counts.produced).toBe(total.produced.length);
  } finally {
    await session.close();
  }
  expect(batches).toBeGreaterThanOrEqual(7);
  // The highest id published so far, batch after batch: never going back, and at the end at
  // least the highest of these rows (other queued rows may come after them), itself published.
  expect(lastIds).toEqual([...lastIds].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
  const ours = await pool.query<{ max: string }>(
    'SELECT max(id)::text AS max FROM outbox WHERE idempotency_key = ANY($1)',
    [rows.map((r) => r.key)],
  );
  const final = lastIds.at(-1)!;
  expect(final >= BigInt(ours.rows[0].max)).toBe(true);
  const marked = await pool.query('SELECT 1 FROM outbox WHERE id = $1 AND published_at IS NOT NULL', [
    final.toString(),
  ]);
  expect(marked.rowCount).toBe(1);
  const seen = await onTopic(new Set(rows.map((r) => r.key)));
  expect(seen).toHaveLength(rows.length);
  for (const agg of new Set(rows.map((r) => r.aggregate))) {
    expect(seen.filter((s) => s.aggregate === agg).map((s) => s.key)).toEqual(
      rows.filter((r) => r.aggregate === agg).map((r) => r.key),
    );
  }
}, 90_000);

test('a relay that declines the keys keeps counts only, and they match what reached the topic', async () => {
  // The replay's rounds relay millions of rows; their keys would fill the worker's heap (issue 11).
  const rows = await enqueueSequences(pool, { topic, aggregates: 3, perAggregate: 5, prefix: randomUUID() });
  const reported: number[] = [];
  const total = await relayAllOnce({
    limit: 4,
    keepKeys: false,
    onBatch: (counts) => reported.push(counts.produced),
  });
  expect(total.produced).toEqual([]);
  expect(total.recovered).toEqual([]);
  expect(total.alreadyPublished).toEqual([]);
  expect(total.busy).toEqual([]);
  // Other queued rows of the platform outbox may be relayed by the same call.
  expect(total.counts.produced).toBeGreaterThanOrEqual(rows.length);
  expect(reported.at(-1)).toBe(total.counts.produced);
  expect(reported).toEqual([...reported].sort((a, b) => a - b));
  expect(await onTopic(new Set(rows.map((r) => r.key)))).toHaveLength(rows.length);
}, 90_000);

test('an aggregate held back in one batch stays held back in the later batches of the call', async () => {
  const rows = await enqueueSequences(pool, { topic, aggregates: 3, perAggregate: 6, prefix: randomUUID() });
  const first = rows[0];
  const id = (
    await pool.query<{ id: string }>('SELECT id::text FROM outbox WHERE idempotency_key = $1', [first.key])
  ).rows[0].id;
  const other = await pool.connect();
  const session = await openRelaySession({ pool, kafka });
  try {
    await other.query('SELECT pg_advisory_lock($1, ($2::bigint % 2147483647)::int)', [LOCK_CLASS, id]);
    const total = await session.relayAll({ limit: 4 });
    const mine = new Set(rows.map((r) => r.key));
    const heldBack = rows.filter((r) => r.aggregate === first.aggregate).map((r) => r.key);
    expect(total.busy.filter((k) => mine.has(k)).sort()).toEqual([...heldBack].sort());
    expect(total.produced.filter((k) => mine.has(k))).toHaveLength(rows.length - heldBack.length);
  } finally {
    await session.close();
    await other.query('SELECT pg_advisory_unlock_all()');
    other.release();
  }
  await relayOutbox({ pool, kafka }, { idempotencyKeys: rows.map((r) => r.key) });
  const seen = await onTopic(new Set(rows.map((r) => r.key)));
  expect(seen).toHaveLength(rows.length);
  expect(seen.filter((s) => s.aggregate === first.aggregate).map((s) => s.key)).toEqual(
    rows.filter((r) => r.aggregate === first.aggregate).map((r) => r.key),
  );
}, 90_000);

test('a row locked by another relay holds back the later rows of its aggregate only', async () => {
  const rows = await enqueueSequences(pool, { topic, aggregates: 2, perAggregate: 3, prefix: randomUUID() });
  const first = rows[0];
  const ids = await pool.query<{ id: string; idempotency_key: string }>(
    'SELECT o.id::text, o.idempotency_key FROM outbox o WHERE o.idempotency_key = ANY($1) ORDER BY o.id',
    [rows.map((r) => r.key)],
  );
  const firstId = ids.rows.find((r) => r.idempotency_key === first.key)!.id;
  const other = await pool.connect();
  try {
    await other.query('SELECT pg_advisory_lock($1, ($2::bigint % 2147483647)::int)', [LOCK_CLASS, firstId]);
    const r = await relayOutbox({ pool, kafka }, { idempotencyKeys: rows.map((x) => x.key) });
    const heldBack = rows.filter((x) => x.aggregate === first.aggregate).map((x) => x.key);
    expect(r.busy.sort()).toEqual(heldBack.sort());
    expect(r.produced.sort()).toEqual(
      rows
        .filter((x) => x.aggregate !== first.aggregate)
        .map((x) => x.key)
        .sort(),
    );
  } finally {
    await other.query('SELECT pg_advisory_unlock_all()');
    other.release();
  }
  const again = await relayOutbox({ pool, kafka }, { idempotencyKeys: rows.map((x) => x.key) });
  expect(again.produced).toHaveLength(3);
  const seen = await onTopic(new Set(rows.map((r) => r.key)));
  expect(seen.filter((s) => s.aggregate === first.aggregate).map((s) => s.key)).toEqual(
    rows.filter((x) => x.aggregate === first.aggregate).map((x) => x.key),
  );
}, 90_000);

test('a crash after a batch was produced publishes none of it again', async () => {
  const rows = await enqueueSequences(pool, { topic, aggregates: 3, perAggregate: 4, prefix: randomUUID() });
  const keys = rows.map((r) => r.key);
  const crash = new Error('relay died after producing');
  await expect(
    relayOutbox(
      { pool, kafka, hooks: { afterProduce: () => Promise.reject(crash) } },
      { idempotencyKeys: keys },
    ),
  ).rejects.toBe(crash);
  const retry = await relayOutbox({ pool, kafka }, { idempotencyKeys: keys });
  expect(retry.recovered.sort()).toEqual([...keys].sort());
  expect(retry.produced).toEqual([]);
  expect(await onTopic(new Set(keys))).toHaveLength(keys.length);
}, 90_000);

test('the database connection lost while acknowledged batches wait for their mark: none is sent again', async () => {
  // Marks ride on the next batch's claim (migration 028). Here the relay's connection is killed
  // right after a batch was acknowledged, so that claim fails with the marks in it: those batches
  // stay unpublished behind their intent record, and the next relay must find them on the topic.
  const rows = await enqueueSequences(pool, { topic, aggregates: 5, perAggregate: 12, prefix: randomUUID() });
  const keys = new Set(rows.map((r) => r.key));
  let produced = 0;
  const killRelayConnection = async () => {
    produced += 1;
    if (produced !== 25) return;
    await pool.query(
      `SELECT pg_terminate_backend(pid) FROM pg_locks
        WHERE locktype = 'advisory' AND classid = $1 AND pid <> pg_backend_pid()`,
      [LOCK_CLASS],
    );
  };
  const first = await openRelaySession({ pool, kafka, hooks: { afterProduce: killRelayConnection } });
  await expect(first.relayAll({ limit: 10 })).rejects.toThrow();
  await first.close();
  const published = await pool.query<{ key: string }>(
    'SELECT idempotency_key AS key FROM outbox WHERE topic = $1 AND published_at IS NOT NULL',
    [topic],
  );
  const markedBefore = published.rows.filter((r) => keys.has(r.key)).length;
  expect(markedBefore).toBeLessThan(rows.length);

  const total = await relayAllOnce({ limit: 10 });
  const mine = (list: string[]) => list.filter((k) => keys.has(k));
  // The batch acknowledged when the connection died (at least) is found on the topic, not resent.
  expect(mine(total.recovered).length).toBeGreaterThanOrEqual(5);
  expect(markedBefore + mine(total.recovered).length + mine(total.produced).length).toBe(rows.length);
  const seen = await onTopic(keys);
  expect(seen.map((s) => s.key).sort()).toEqual([...keys].sort());
  const left = await pool.query<{ n: string }>(
    'SELECT count(*) AS n FROM outbox WHERE topic = $1 AND published_at IS NULL',
    [topic],
  );
  expect(Number(left.rows[0].n)).toBe(0);
}, 120_000);

test('sparse records of crashed attempts, spanning several batches of the claim, are found on the topic', async () => {
  // Migration 031: the claim compares a record's id bounds before its ids. Each crashed attempt
  // here names rows far apart, so its bounds enclose batches that hold none of its rows, and cut
  // others at their first or last row only: those ids must still be found, and the rest sent once.
  const rows = await enqueueSequences(pool, { topic, aggregates: 4, perAggregate: 6, prefix: randomUUID() });
  const crashedKeys = [
    [rows[1].key, rows[22].key], // bounds enclosing nearly every batch, two ids inside
    [rows[5].key, rows[9].key], // the last row of one batch of 4... and the second of a later one
  ];
  const crash = new Error('relay died after producing');
  for (const keys of crashedKeys) {
    await expect(
      relayOutbox(
        { pool, kafka, hooks: { afterProduce: () => Promise.reject(crash) } },
        { idempotencyKeys: keys },
      ),
    ).rejects.toBe(crash);
  }
  const bounds = await pool.query<{ low: string; high: string; first: string; last: string }>(
    `SELECT b.low_id::text AS low, b.high_id::text AS high,
            (SELECT min(x) FROM unnest(b.row_ids) x)::text AS first, (SELECT max(x) FROM unnest(b.row_ids) x)::text AS last
       FROM outbox_relay_intents b
      WHERE b.row_ids && (SELECT array_agg(id) FROM outbox WHERE idempotency_key = ANY($1))`,
    [crashedKeys.flat()],
  );
  expect(bounds.rows).toHaveLength(2);
  for (const b of bounds.rows) expect([b.low, b.high]).toEqual([b.first, b.last]);

  const total = await relayAllOnce({ limit: 4 });
  const keys = new Set(rows.map((r) => r.key));
  const mine = (list: string[]) => list.filter((k) => keys.has(k)).sort();
  expect(mine(total.recovered)).toEqual(crashedKeys.flat().sort());
  expect(mine(total.produced)).toEqual(
    rows
      .map((r) => r.key)
      .filter((k) => !crashedKeys.flat().includes(k))
      .sort(),
  );
  const seen = await onTopic(keys);
  expect(seen.map((s) => s.key).sort()).toEqual([...keys].sort());
  const left = await pool.query<{ n: string }>(
    `SELECT count(*) AS n FROM outbox_relay_intents b
      WHERE b.row_ids && (SELECT array_agg(id) FROM outbox WHERE idempotency_key = ANY($1))`,
    [[...keys]],
  );
  expect(Number(left.rows[0].n)).toBe(0);
}, 120_000);

test('a relay holds the row locks of at most four batches, and refuses batches over MAX_RELAY_BATCH', async () => {
  await enqueueSequences(pool, { topic, aggregates: 100, perAggregate: 100, prefix: randomUUID() });
  // The relay's own pool, so that its backends' locks can be told from the rest of the server's.
  const relayPool = createPool(config, 'platform', 2);
  const pids = new Set<number>();
  relayPool.on('connect', (c) => {
    void c.query<{ pid: number }>('SELECT pg_backend_pid() AS pid').then((r) => pids.add(r.rows[0].pid));
  });
  // A slow broker (each batch held 50 ms after it was produced): the claim stage runs as far
  // ahead as the pipeline lets it, so the peak is the pipeline's bound, not its usual depth.
  let produced = 0;
  const hooks = {
    afterProduce: async () => {
      if (produced++ % MAX_RELAY_BATCH === 0) await new Promise((resolve) => setTimeout(resolve, 50));
    },
  };
  const session = await openRelaySession({ pool: relayPool, kafka, hooks });
  let peak = 0;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const r = await pool.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_locks
          WHERE locktype = 'advisory' AND classid::bigint = $1 AND pid = ANY($2::int[])`,
        [LOCK_CLASS, [...pids]],
      );
      peak = Math.max(peak, r.rows[0].n);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  })();
  try {
    for (const bad of [0, MAX_RELAY_BATCH + 1, 2.5]) {
      await expect(session.relayAll({ limit: bad })).rejects.toThrow(RangeError);
    }
    const total = await session.relayAll({ limit: MAX_RELAY_BATCH, keepKeys: false });
    expect(total.counts.produced).toBeGreaterThanOrEqual(10_000);
  } finally {
    sampling = false;
    await sampler;
    await session.close();
    await relayPool.end();
  }
  // Seen at all (the sampler works), and never more than four batches' worth (limits.ts): with
  // eight batches prepared ahead instead of two, this peak was 7,000.
  expect(peak).toBeGreaterThan(0);
  expect(peak).toBeLessThanOrEqual(4 * MAX_RELAY_BATCH);
}, 120_000);

test("an intent record's id bounds are its lowest and highest id, whoever writes or trims it", async () => {
  // Written the way an older relay writes it (no bounds named), ids out of order; then trimmed
  // the way commitIntent trims a record whose rows another relay settled.
  const r = await pool.query<{ id: string; low_id: string; high_id: string }>(
    `INSERT INTO outbox_relay_intents (row_ids, topics, partitions, from_offsets)
     VALUES ('{-9007,-9003,-9011,-9005}', '{t}', '{0}', '{0}') RETURNING id::text, low_id::text, high_id::text`,
  );
  const id = r.rows[0].id;
  try {
    expect([r.rows[0].low_id, r.rows[0].high_id]).toEqual(['-9011', '-9003']);
    const trimmed = await pool.query<{ low_id: string; high_id: string }>(
      `UPDATE outbox_relay_intents SET row_ids = ARRAY(SELECT x FROM unnest(row_ids) AS x WHERE x <> ALL('{-9011,-9003}'))
        WHERE id = $1 RETURNING low_id::text, high_id::text`,
      [id],
    );
    expect(trimmed.rows[0]).toEqual({ low_id: '-9007', high_id: '-9005' });
    await expect(
      pool.query('UPDATE outbox_relay_intents SET low_id = 0 WHERE id = $1', [id]),
    ).rejects.toThrow(/can only be updated to DEFAULT/);
  } finally {
    await pool.query('DELETE FROM outbox_relay_intents WHERE id = $1', [id]);
  }
}, 30_000);

test('a claim finds earlier intent records through their index, never by reading the whole table', async () => {
  const rows = await enqueueSequences(pool, { topic, aggregates: 2, perAggregate: 2, prefix: randomUUID() });
  const ids = (
    await pool.query<{ id: string }>(
      'SELECT o.id::text AS id FROM outbox o WHERE o.idempotency_key = ANY($1) ORDER BY o.id',
      [rows.map((r) => r.key)],
    )
  ).rows.map((r) => r.id);
  // Many pages of records far from the claimed ids (a used relay's table: every batch writes a
  // record of about 4 KB and deletes it soon after), analysed so the planner knows them.
  const far = await pool.query<{ id: string }>(
    `INSERT INTO outbox_relay_intents (row_ids, topics, partitions, from_offsets)
     SELECT ARRAY(SELECT -(g * 1000 + x)::bigint FROM generate_series(1, 500) x), '{t}', '{0}', '{0}'
       FROM generate_series(1, 300) g
     RETURNING id::text`,
  );
  const recordIds = far.rows.map((r) => r.id);
  await pool.query('ANALYZE outbox_relay_intents');
  const client = await pool.connect();
  let broken = false;
  // One claim of these rows in a transaction rolled back (and its locks released), with how this
  // transaction read outbox_relay_intents.
  const claim = async () => {
    await client.query('BEGIN');
    try {
      const r = await client.query<{ id: string; has_intents: boolean }>(
        `SELECT id::text, has_intents FROM outbox_relay_claim($1, $2, $3, '{}', '{}', '{}', '{t}', '{0}', '{0}')`,
        [String(BigInt(ids[0]) - 1n), ids.length, LOCK_CLASS],
      );
      const scans = await client.query<{ seq_scan: string; idx_scan: string }>(
        "SELECT seq_scan, idx_scan FROM pg_stat_xact_user_tables WHERE relname = 'outbox_relay_intents'",
      );
      return {
        ids: r.rows.map((x) => x.id),
        hasIntents: r.rows.map((x) => x.has_intents),
        seqScans: Number(scans.rows[0].seq_scan),
        indexScans: Number(scans.rows[0].idx_scan),
      };
    } finally {
      await client.query('ROLLBACK');
      await client.query('SELECT pg_advisory_unlock_all()');
    }
  };
  try {
    const clean = await claim();
    expect(clean.ids).toEqual(ids);
    expect(clean.hasIntents).toEqual(ids.map(() => false));
    expect(clean.seqScans).toBe(0);
    expect(clean.indexScans).toBeGreaterThan(0);
    // An earlier attempt's record naming one claimed row among far ones is still found.
    const earlier = await pool.query<{ id: string }>(
      `INSERT INTO outbox_relay_intents (row_ids, topics, partitions, from_offsets)
       VALUES ($1::bigint[], '{t}', '{0}', '{0}') RETURNING id::text`,
      [`{-5,${ids[2]},-3}`],
    );
    recordIds.push(earlier.rows[0].id);
    const found = await claim();
    expect(found.hasIntents).toEqual(ids.map(() => true));
    expect(found.seqScans).toBe(0);
  } catch (err) {
    broken = true;
    throw err;
  } finally {
    client.release(broken);
    await pool.query('DELETE FROM outbox_relay_intents WHERE id = ANY($1::bigint[])', [recordIds]);
  }
}, 60_000);

test('relays failing while Kafka is unreachable leak no pool client', async () => {
  const small = createPool(config, 'platform', 2);
  const deadKafka = new Kafka({
    clientId: 'rebound-test-dead-kafka',
    brokers: ['127.0.0.1:1'],
    logLevel: logLevel.NOTHING,
    retry: { retries: 0 },
    connectionTimeout: 200,
  });
  const [row] = await enqueueSequences(pool, { topic, aggregates: 1, perAggregate: 1, prefix: randomUUID() });
  try {
    for (let i = 0; i < 5; i++) {
      await expect(
        relayOutbox({ pool: small, kafka: deadKafka }, { idempotencyKeys: [row.key] }),
      ).rejects.toThrow();
    }
    expect(small.totalCount - small.idleCount).toBe(0);
    const client = await small.connect();
    client.release();
  } finally {
    await small.end();
  }
}, 60_000);
