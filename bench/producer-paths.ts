// Producer paths for the outbox relay (issue 11), measured side by side (a command, not a test):
//   npx tsx bench/producer-paths.ts [--rows 100000] [--batch 500] [--rounds 3]
// Where should the relay's kafkajs producer run? Each round enqueues --rows outbox rows on a topic
// of its own and sends them three ways, each to its own 3-partition topic with an idempotent
// producer, acks -1 and --batch messages per produce request:
//   raw     the messages built before timing, then sent (the reconciliation benchmark's baseline);
//   inline  each batch read from PostgreSQL (the next read started while this batch is sent), its
//           messages built and sent, all on this one thread: what the relay does today;
//   thread  each batch read the same way, packed into one buffer and transferred (not copied) to
//           a worker thread whose producer sends zero-copy slices of it (bench/lib/packed-batch.ts);
//           at most two batches wait there.
// Reads only: no locks, no intent records, no published marks (those are PostgreSQL's work and
// the same on both relay paths). The rows are written already marked published (the same shape as
// the reconciliation benchmark's: a UUID key per aggregate, a small JSON event), so the stack's own
// relay and its outbox-replay schedule leave them alone while they are timed. Prints each round and the best of each path; checks that every
// topic got exactly what was enqueued; removes its rows and topics. Needs `stack up`.
import { randomUUID } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { type Message } from 'kafkajs';
import { type Pool } from 'pg';
import { IDEMPOTENCY_HEADER } from '../platform/outbox/relay';
import { partitionForKey } from '../platform/outbox/topics';
import { loadConfig } from '../shared/config';
import { createKafka, createPool } from '../workers/clients';
import { numberOption, parseCommandLine } from '../scripts/lib/command-line';
import { packBatch, type BatchReply, type PlainMessage } from './lib/packed-batch';

const values = parseCommandLine(__filename, {
  rows: { type: 'string', default: '100000' },
  batch: { type: 'string', default: '500' },
  rounds: { type: 'string', default: '3' },
});
const ROWS = numberOption(values.rows, 'rows');
const BATCH = numberOption(values.batch, 'batch');
const ROUNDS = numberOption(values.rounds, 'rounds');
const PARTITIONS = 3;
const config = loadConfig();

interface Row {
  id: string;
  message_key: string;
  payload: string;
  idempotency_key: string;
  event_type: string;
}
const COLUMNS = 'id::text, message_key, payload::text AS payload, idempotency_key, event_type';

const seconds = (from: bigint) => Number(process.hrtime.bigint() - from) / 1e9;
const plain = (r: Row): PlainMessage => ({
  partition: partitionForKey(r.message_key, PARTITIONS),
  key: r.message_key,
  value: r.payload,
  idempotencyKey: r.idempotency_key,
  eventType: r.event_type,
});
const message = (r: Row): Message => ({
  partition: partitionForKey(r.message_key, PARTITIONS),
  key: r.message_key,
  value: r.payload,
  headers: { [IDEMPOTENCY_HEADER]: r.idempotency_key, 'event-type': r.event_type },
});

/**
 * Writes `rows` outbox rows on `topic` (`aggregates` interleaved sequences), already marked
 * published; returns the id range they got.
 */
async function writeRows(pool: Pool, topic: string, rows: number, aggregates: number) {
  const r = await pool.query<{ lo: string; hi: string }>(
    `WITH added AS (
       INSERT INTO outbox (idempotency_key, topic, message_key, event_type, payload, published_at)
       SELECT $2 || ':' || n, $1, a, 'BenchSequenced',
              jsonb_build_object('eventId', $2 || ':' || n, 'orgId', a, 'type', 'BenchSequenced',
                                 'seq', n / $4), now()
         FROM generate_series(0, $3 - 1) AS n, LATERAL (SELECT md5($2 || (n % $4))::uuid::text AS a) k
        ORDER BY n
       RETURNING id)
     SELECT min(id)::text AS lo, max(id)::text AS hi FROM added`,
    [topic, randomUUID(), rows, aggregates],
  );
  return r.rows[0];
}

/** The rows of `topic` with ids from `lo` to `hi`, in id order. */
async function readRange(pool: Pool, topic: string, lo: string, hi: string): Promise<Row[]> {
  const r = await pool.query<Row>(
    `SELECT ${COLUMNS} FROM outbox WHERE id BETWEEN $2 AND $3 AND topic = $1 ORDER BY id`,
    [topic, lo, hi],
  );
  return r.rows;
}

/**
 * The rows of `topic` batch by batch, each batch read by its id range (the ranges of `all`'s
 * batches, as the relay's claim reads its batch by the range of its queued ids), the next read
 * started while the caller sends this one.
 */
async function* batches(pool: Pool, topic: string, all: Row[]): AsyncGenerator<Row[]> {
  const read = (i: number) => readRange(pool, topic, all[i].id, all[Math.min(i + BATCH, all.length) - 1].id);
  let next = all.length > 0 ? read(0) : undefined;
  for (let i = 0; next; i += BATCH) {
    const rows = await next;
    next = i + BATCH < all.length ? read(i + BATCH) : undefined;
    yield rows;
  }
}

/** The producer thread, connected; `send` resolves when the broker acknowledged that batch. */
async function startProducerThread(): Promise<{
  send: (topic: string, rows: Row[]) => Promise<void>;
  close: () => Promise<void>;
}> {
  // A worker thread does not inherit tsx's loader: it registers it before loading the file.
  const file = require.resolve('./lib/batch-producer-thread');
  const thread = new Worker(`require('tsx/cjs'); require(${JSON.stringify(file)});`, {
    eval: true,
    workerData: { clientId: 'rebound-bench-thread' },
  });
  const waiting = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
  await new Promise<void>((resolve, reject) => {
    // A thread that dies fails whatever still waits on it (and the start, if it died first).
    thread.on('error', (err) => {
      reject(err);
      for (const w of waiting.values()) w.reject(err);
      waiting.clear();
    });
    thread.on('message', (m: 'ready' | BatchReply) => {
      if (m === 'ready') return resolve();
      if (m.seq === -1 && !m.ok) return reject(new Error(`producer thread: ${m.error}`));
      const w = waiting.get(m.seq);
      waiting.delete(m.seq);
      if (m.ok) w?.resolve();
      else w?.reject(new Error(m.error));
    });
  });
  let seq = 0;
  return {
    send: (topic, rows) => {
      const packed = packBatch(rows.map(plain));
      const s = seq++;
      const acked = new Promise<void>((resolve, reject) => waiting.set(s, { resolve, reject }));
      thread.postMessage({ seq: s, topic, packed, count: rows.length }, [packed]);
      return acked;
    },
    close: async () => {
      thread.postMessage('close');
      await new Promise((resolve) => thread.once('exit', resolve));
    },
  };
}

async function main(): Promise<void> {
  const pool = createPool(config, 'platform', 4);
  const kafka = createKafka(config, 'rebound-bench');
  const admin = kafka.admin();
  await admin.connect();
  const source = `bench.paths-source-${randomUUID()}`;
  const targets = { raw: '', inline: '', thread: '' };
  for (const k of Object.keys(targets) as (keyof typeof targets)[])
    targets[k] = `bench.paths-${k}-${randomUUID()}`;
  await admin.createTopics({
    topics: Object.values(targets).map((topic) => ({ topic, numPartitions: PARTITIONS })),
    waitForLeaders: true,
  });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const thread = await startProducerThread();
  const times = { raw: [] as number[], inline: [] as number[], thread: [] as number[] };
  let sent = 0;
  try {
    // Round 0 is an untimed warm-up of one batch through every path.
    for (let round = 0; round <= ROUNDS; round++) {
      const rows = round === 0 ? BATCH : ROWS;
      const { lo, hi } = await writeRows(pool, source, rows, Math.min(1000, rows));
      const all = await readRange(pool, source, lo, hi);
      sent += all.length;
      const messages = all.map(message);
      let t = process.hrtime.bigint();
      for (let i = 0; i < messages.length; i += BATCH) {
        await producer.sendBatch({
          acks: -1,
          topicMessages: [{ topic: targets.raw, messages: messages.slice(i, i + BATCH) }],
        });
      }
      const raw = seconds(t);
      t = process.hrtime.bigint();
      for await (const batch of batches(pool, source, all)) {
        await producer.sendBatch({
          acks: -1,
          topicMessages: [{ topic: targets.inline, messages: batch.map(message) }],
        });
      }
      const inline = seconds(t);
      t = process.hrtime.bigint();
      const inFlight: Promise<void>[] = [];
      for await (const batch of batches(pool, source, all)) {
        inFlight.push(thread.send(targets.thread, batch));
        while (inFlight.length > 2) await inFlight.shift();
      }
      await Promise.all(inFlight);
      const threaded = seconds(t);
      if (round === 0) continue;
      times.raw.push(raw);
      times.inline.push(inline);
      times.thread.push(threaded);
      console.log(
        `round ${round}: ${all.length} rows: raw ${raw.toFixed(2)} s, inline ${inline.toFixed(2)} s, thread ${threaded.toFixed(2)} s`,
      );
    }
    const best = (xs: number[]) => Math.min(...xs);
    console.log(
      `best of ${ROUNDS}: raw ${best(times.raw).toFixed(2)} s, inline ${best(times.inline).toFixed(2)} s ` +
        `(${(best(times.raw) / best(times.inline)).toFixed(2)}× raw's rate), thread ${best(times.thread).toFixed(2)} s ` +
        `(${(best(times.raw) / best(times.thread)).toFixed(2)}× raw's rate)`,
    );
    for (const [path, topic] of Object.entries(targets)) {
      const onTopic = (await admin.fetchTopicOffsets(topic)).reduce((n, o) => n + Number(o.high), 0);
      if (onTopic !== sent) throw new Error(`${path}: ${onTopic} messages on its topic, ${sent} enqueued`);
    }
    console.log(`every path put all ${sent} messages on its topic`);
  } finally {
    await thread.close();
    await producer.disconnect();
    await pool.query('DELETE FROM outbox WHERE topic = $1', [source]);
    await admin.deleteTopics({ topics: Object.values(targets) }).catch(() => undefined);
    await admin.disconnect();
    await pool.end();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
