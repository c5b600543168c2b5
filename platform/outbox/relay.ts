// The outbox relay: publishes unpublished outbox rows to Kafka, at most once per idempotency key,
// in batches, in order per aggregate (the message key). The platform's own relay, the org
// deletion saga and the `outbox-replay` playbook all publish through this one implementation.
//
// Per batch it (1) takes a session advisory lock per row (one relay per row; a crash releases
// them), (2) commits its intent before producing: ONE record per batch (outbox_relay_intents: the
// batch's row ids, and the end offset of each partition it produces to), not an update of each row,
// (3) produces the batch with an idempotent producer and `acks: -1`, the idempotency key as a
// header, (4) only after the broker acknowledged it, marks the rows published and deletes the
// record in one statement. A relay that finds rows named by a record of an earlier attempt (or
// with the per-row intent columns an older relay wrote) scans those partitions from the recorded
// offsets for their keys first, so a crash between (3) and (4) never publishes an event twice.
import { type Admin, type Kafka, type Message, type Producer } from 'kafkajs';
import { type Pool, type PoolClient } from 'pg';
import { scanTopic } from './topic-scan';
import { ensureTopic, partitionCount, partitionForKey } from './topics';

export const IDEMPOTENCY_HEADER = 'idempotency-key';
/** Advisory lock class of outbox rows: (LOCK_CLASS, id mod 2^31-1) is held while a row is relayed. */
export const LOCK_CLASS = 0x6f627278; // 'obrx'
/** Rows per produce request unless the caller says otherwise. */
export const DEFAULT_RELAY_BATCH = 500;

export interface OutboxRow {
  id: string;
  idempotency_key: string;
  topic: string;
  message_key: string | null;
  event_type: string;
  /** The event's JSON as stored (read as text: it is sent as it is, never parsed here). */
  payload: string;
  published_at: Date | null;
  relay_partition: number | null;
  relay_from_offset: string | null;
}

const ROW_COLUMNS = `id, idempotency_key, topic, message_key, event_type, payload::text AS payload, published_at,
                     relay_partition, relay_from_offset`;

export interface RelayFilter {
  /** Relay only these rows (the saga publishing its own events); default: every unpublished row. */
  idempotencyKeys?: string[];
  /** Rows per batch (default DEFAULT_RELAY_BATCH). */
  limit?: number;
}

export interface RelayResult {
  /** Produced by this call. */
  produced: string[];
  /** Found already on the topic (an earlier attempt produced them) and marked published. */
  recovered: string[];
  /** Published before this call. */
  alreadyPublished: string[];
  /**
   * Locked by another relay right now, or held back because an earlier row of the same aggregate
   * was (publishing it would overtake that row).
   */
  busy: string[];
}

export interface RelayHooks {
  /** Test hook: runs after producing and before marking published (to simulate a crash there). */
  afterProduce?: (idempotencyKey: string) => Promise<void>;
}

export interface RelayDeps {
  pool: Pool;
  kafka: Kafka;
  hooks?: RelayHooks;
}

/** A connected relay: one producer, one admin and one lock connection reused across batches. */
export interface RelaySession {
  /** Relays one batch of rows; throws (rows left unpublished, intent kept) if producing fails. */
  relayBatch(filter?: RelayFilter): Promise<RelayResult>;
  /**
   * Relays every unpublished row in outbox order, batch after batch, pipelined: while batch N is
   * on its way to the broker, batch N+1 is locked and its intent committed, and batch N-1 is
   * marked published. Sends stay strictly one after another (order per aggregate); an aggregate
   * held back once stays held back for the rest of the call. Stops when the outbox is drained or
   * `shouldContinue` says so; throws on the first failure (what was acknowledged stays marked).
   */
  relayAll(opts: RelayAllOptions): Promise<RelayResult>;
  close(): Promise<void>;
}

export interface RelayAllOptions {
  /** Rows per batch. */
  limit: number;
  /** Asked before each new batch is started. */
  shouldContinue?: () => boolean;
  /** Called after each batch is marked published, with the running totals. */
  onBatch?: (total: RelayResult) => void;
}

/**
 * Connects a relay session. Everything it acquires is released again if a later acquisition fails
 * (issue 14, known fault 2: a relay run while Kafka is down used to leak its pool client).
 */
export async function openRelaySession(deps: RelayDeps): Promise<RelaySession> {
  const admin = deps.kafka.admin();
  const producer = deps.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  let lockClient: PoolClient | undefined;
  let markClient: PoolClient | undefined;
  try {
    await Promise.all([admin.connect(), producer.connect()]);
    lockClient = await deps.pool.connect();
    markClient = await deps.pool.connect();
    // Marking rows published need not wait for its WAL flush: a mark lost in a database crash
    // leaves the row unpublished with its intent, and the next relay finds it on the topic. The
    // intent, which guards against a second send, stays synchronous. This client is destroyed on
    // close, so the setting never reaches another user of the pool.
    await markClient.query('SET synchronous_commit = off');
  } catch (err) {
    lockClient?.release();
    markClient?.release(true);
    await Promise.allSettled([admin.disconnect(), producer.disconnect()]);
    throw err;
  }
  const conn = lockClient;
  const marks = markClient;
  const known = new Map<string, number>(); // topic → partition count
  const ends = new Map<string, Map<number, string>>(); // topic → partition → end after our last ack
  return {
    relayBatch: (filter = {}) =>
      relayBatch({ ...deps, admin, producer, lockClient: conn, markClient: marks, known, ends }, filter),
    relayAll: (opts) =>
      relayAll({ ...deps, admin, producer, lockClient: conn, markClient: marks, known, ends }, opts),
    close: async () => {
      // A client whose locks could not be released is destroyed, which releases them.
      const unlocked = await conn.query('SELECT pg_advisory_unlock_all()').then(
        () => true,
        () => false,
      );
      conn.release(!unlocked);
      marks.release(true);
      await Promise.allSettled([admin.disconnect(), producer.disconnect()]);
    },
  };
}

/** Relays one batch with a session of its own (opened and closed around it). */
export async function relayOutbox(deps: RelayDeps, filter: RelayFilter = {}): Promise<RelayResult> {
  const rows = await selectRows(deps.pool, filter);
  if (rows.length === 0) return emptyResult();
  const session = await openRelaySession(deps);
  try {
    return await session.relayBatch(filter);
  } finally {
    await session.close();
  }
}

interface BatchDeps extends RelayDeps {
  admin: Admin;
  producer: Producer;
  lockClient: PoolClient;
  /** Marks rows published (asynchronous commit, see openRelaySession). */
  markClient: PoolClient;
  known: Map<string, number>;
  /**
   * Per topic and partition, the end offset right after this session's last acknowledged batch
   * there. Sends are strictly one after another, so every later batch of the session lands at or
   * after it: a valid start for an intent's scan, known without asking the broker.
   */
  ends: Map<string, Map<number, string>>;
}

function emptyResult(): RelayResult {
  return { produced: [], recovered: [], alreadyPublished: [], busy: [] };
}

/** Unpublished rows (or the named ones) in outbox order, which is each aggregate's order. */
export async function selectRows(pool: Pool, filter: RelayFilter): Promise<OutboxRow[]> {
  if (filter.idempotencyKeys) {
    const r = await pool.query<OutboxRow>(
      `SELECT ${ROW_COLUMNS} FROM outbox WHERE idempotency_key = ANY($1) ORDER BY id`,
      [filter.idempotencyKeys],
    );
    return r.rows;
  }
  const r = await pool.query<OutboxRow>(
    `SELECT ${ROW_COLUMNS} FROM outbox WHERE published_at IS NULL ORDER BY id LIMIT $1`,
    [filter.limit ?? DEFAULT_RELAY_BATCH],
  );
  return r.rows;
}

/** A batch locked, checked and with its intent committed: ready to send. */
interface PreparedBatch {
  result: RelayResult;
  lockedIds: string[];
  /** Rows to produce, in outbox order. */
  rows: OutboxRow[];
  messages: Map<string, Message[]>;
  /** The batch's intent record (outbox_relay_intents.id), deleted when the rows are marked. */
  intentId: string | null;
}

/** Rows as read under this relay's locks (or found published), ready for prepare(). */
interface Claimed {
  rows: (OutboxRow & { locked: boolean })[];
  /** Whether an earlier attempt's intent record may name one of them (look it up if so). */
  hasIntents: boolean;
}

/** Locks the selected rows and re-reads them under the locks (the saga's path, by keys). */
async function claimSelected(deps: BatchDeps, selected: OutboxRow[]): Promise<Claimed> {
  const candidates = selected.filter((r) => !r.published_at);
  const lockedIds =
    candidates.length > 0
      ? await lockRows(
          deps.lockClient,
          candidates.map((r) => r.id),
        )
      : new Set<string>();
  try {
    // Re-read under the locks: another relay may have finished some rows since the selection.
    const current = new Map(
      (
        await deps.pool.query<
          Pick<OutboxRow, 'id' | 'published_at' | 'relay_partition' | 'relay_from_offset'>
        >('SELECT id, published_at, relay_partition, relay_from_offset FROM outbox WHERE id = ANY($1)', [
          [...lockedIds],
        ])
      ).rows.map((r) => [r.id, r]),
    );
    return {
      rows: selected.map((r) => ({ ...r, ...current.get(r.id), locked: lockedIds.has(r.id) })),
      hasIntents: true,
    };
  } catch (err) {
    await unlockRows(deps.lockClient, [...lockedIds]).catch(() => undefined);
    throw err;
  }
}

/**
 * The next unpublished rows after `cursor`, locked and read under the locks in one round trip
 * (migration 025's outbox_relay_claim: a fresh snapshot after the locks were taken).
 */
async function claimNext(deps: BatchDeps, cursor: string, limit: number): Promise<Claimed> {
  const r = await deps.lockClient.query<OutboxRow & { locked: boolean; has_intents: boolean }>(
    'SELECT * FROM outbox_relay_claim($1, $2, $3)',
    [cursor, limit, LOCK_CLASS],
  );
  return { rows: r.rows, hasIntents: r.rows.some((x) => x.has_intents) };
}

async function relayBatch(deps: BatchDeps, filter: RelayFilter): Promise<RelayResult> {
  const prepared = await prepare(
    deps,
    await claimSelected(deps, await selectRows(deps.pool, filter)),
    new Set(),
  );
  try {
    await send(deps, prepared);
    await markSent(deps, prepared);
    return prepared.result;
  } finally {
    await unlockRows(deps.lockClient, prepared.lockedIds);
  }
}

/** The next batch, prepared while the current one is sent. */
type Lookahead = { selected: number; batch?: PreparedBatch };

async function relayAll(deps: BatchDeps, opts: RelayAllOptions): Promise<RelayResult> {
  const total = emptyResult();
  const held = new Set<string>();
  let cursor = '0';
  const prepareNext = async (): Promise<Lookahead> => {
    const claimed = await claimNext(deps, cursor, opts.limit);
    if (claimed.rows.length === 0) return { selected: 0 };
    cursor = claimed.rows[claimed.rows.length - 1].id;
    return { selected: claimed.rows.length, batch: await prepare(deps, claimed, held) };
  };
  const finish = async (b: PreparedBatch) => {
    try {
      await markSent(deps, b);
    } finally {
      await unlockRows(deps.lockClient, b.lockedIds);
    }
    for (const k of Object.keys(total) as (keyof RelayResult)[]) total[k].push(...b.result[k]);
    opts.onBatch?.(total);
  };

  let current = await prepareNext();
  let finishing: Promise<void> = Promise.resolve();
  try {
    while (current.batch) {
      const batch = current.batch;
      const more = current.selected === opts.limit && (opts.shouldContinue?.() ?? true);
      const next = more ? prepareNext() : Promise.resolve<Lookahead>({ selected: 0 });
      // The previous batch's mark, this batch's send and the next batch's preparation overlap.
      const [sent, marked, prepared] = await Promise.allSettled([send(deps, batch), finishing, next]);
      if (
        prepared.status === 'fulfilled' &&
        prepared.value.batch &&
        (sent.status === 'rejected' || marked.status === 'rejected')
      ) {
        await unlockRows(deps.lockClient, prepared.value.batch.lockedIds).catch(() => undefined);
      }
      if (sent.status === 'rejected') {
        await unlockRows(deps.lockClient, batch.lockedIds).catch(() => undefined);
        throw sent.reason;
      }
      if (marked.status === 'rejected') {
        await unlockRows(deps.lockClient, batch.lockedIds).catch(() => undefined);
        throw marked.reason;
      }
      if (prepared.status === 'rejected') {
        await finish(batch);
        throw prepared.reason;
      }
      finishing = finish(batch);
      current = prepared.value;
    }
  } finally {
    await finishing;
  }
  return total;
}

/**
 * From rows read under this relay's locks: holds back what another relay holds (and the rest of
 * its aggregate), checks rows with an earlier intent on their topic, and commits the intent of the
 * rest. `held` carries held-back aggregates from batch to batch. On failure the locks are released.
 */
async function prepare(deps: BatchDeps, claimed: Claimed, held: Set<string>): Promise<PreparedBatch> {
  const result = emptyResult();
  const lockedIds = claimed.rows.filter((r) => r.locked).map((r) => r.id);
  try {
    const todo: OutboxRow[] = [];
    // Rows this relay holds and has settled (published already, or recovered or sent below): an
    // earlier attempt's record need no longer name them once this batch's intent is committed.
    const settled: string[] = [];
    for (const row of claimed.rows) {
      const aggregate = row.message_key === null ? null : `${row.topic}\u0000${row.message_key}`;
      if (row.published_at) {
        // Published is final, whoever holds the row.
        result.alreadyPublished.push(row.idempotency_key);
        if (row.locked) settled.push(row.id);
      } else if (!row.locked || (aggregate !== null && held.has(aggregate))) {
        result.busy.push(row.idempotency_key);
        if (aggregate !== null) held.add(aggregate);
      } else {
        const { locked: _locked, ...plain } = row;
        todo.push(plain);
        settled.push(row.id);
      }
    }
    if (todo.length === 0 && settled.length === 0) {
      return { result, lockedIds, rows: [], messages: new Map(), intentId: null };
    }
    const earlier = claimed.hasIntents ? await earlierIntents(deps.pool, settled) : [];
    const pending = await recoverEarlierAttempts(deps, todo, earlier, result);
    const { messages, intentId } = await commitIntent(
      deps,
      pending,
      earlier.map((e) => e.id),
      settled,
    );
    return { result, lockedIds, rows: pending, messages, intentId };
  } catch (err) {
    await unlockRows(deps.lockClient, lockedIds).catch(() => undefined);
    throw err;
  }
}

async function lockRows(client: PoolClient, ids: string[]): Promise<Set<string>> {
  const r = await client.query<{ id: string }>(
    `SELECT id::text FROM unnest($2::bigint[]) AS id
      WHERE pg_try_advisory_lock($1, (id % 2147483647)::int)`,
    [LOCK_CLASS, ids],
  );
  return new Set(r.rows.map((x) => x.id));
}

async function unlockRows(client: PoolClient, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await client.query(
    `SELECT pg_advisory_unlock($1, (id % 2147483647)::int) FROM unnest($2::bigint[]) AS id`,
    [LOCK_CLASS, ids],
  );
}

/** An earlier attempt's intent record (see migration 024). */
interface EarlierIntent {
  id: string;
  rowIds: Set<string>;
  /** (topic, partition, end offset before that attempt produced). */
  starts: { topic: string; partition: number; from: number }[];
}

/** Intent records of earlier attempts that name any of these rows (normally none: a tiny table). */
async function earlierIntents(pool: Pool, ids: string[]): Promise<EarlierIntent[]> {
  if (ids.length === 0) return [];
  const r = await pool.query<{
    id: string;
    row_ids: string[];
    topics: string[];
    partitions: number[];
    from_offsets: string[];
  }>(
    `SELECT id::text, row_ids::text[] AS row_ids, topics, partitions, from_offsets::text[] AS from_offsets
       FROM outbox_relay_intents WHERE row_ids && $1::bigint[]`,
    [ids],
  );
  return r.rows.map((x) => ({
    id: x.id,
    rowIds: new Set(x.row_ids),
    starts: x.topics.map((topic, i) => ({
      topic,
      partition: x.partitions[i],
      from: Number(x.from_offsets[i]),
    })),
  }));
}

/**
 * Rows an earlier attempt recorded an intent for (a batch record, or the per-row columns of an
 * older relay) may already be on their topic: one scan per topic from the earliest recorded offset
 * of each partition finds them; they are marked published. Returns the rows still to produce, in
 * order.
 */
async function recoverEarlierAttempts(
  deps: BatchDeps,
  rows: OutboxRow[],
  earlier: EarlierIntent[],
  result: RelayResult,
): Promise<OutboxRow[]> {
  const starts = new Map<string, Map<number, number>>(); // topic → partition → first offset
  const addStart = (topic: string, partition: number, from: number) => {
    const t = starts.get(topic) ?? new Map<number, number>();
    t.set(partition, Math.min(t.get(partition) ?? Infinity, from));
    starts.set(topic, t);
  };
  const attempted: OutboxRow[] = [];
  for (const r of rows) {
    let seen = false;
    if (r.relay_partition !== null && r.relay_from_offset !== null) {
      addStart(r.topic, r.relay_partition, Number(r.relay_from_offset));
      seen = true;
    }
    for (const e of earlier) {
      if (!e.rowIds.has(r.id)) continue;
      for (const s of e.starts) if (s.topic === r.topic) addStart(s.topic, s.partition, s.from);
      seen = true;
    }
    if (seen) attempted.push(r);
  }
  if (attempted.length === 0) return rows;
  const found = new Set<string>();
  for (const [topic, from] of starts) {
    await ensureKnown(deps, topic);
    const offsets = await deps.admin.fetchTopicOffsets(topic);
    const wanted = new Set(attempted.filter((x) => x.topic === topic).map((x) => x.idempotency_key));
    if (wanted.size === 0) continue;
    const foundHere = new Set<string>();
    await scanTopic(
      deps.kafka,
      topic,
      [...from].map(([partition, start]) => ({
        partition,
        from: start,
        to: Number(offsets.find((o) => o.partition === partition)?.high ?? start),
      })),
      (m) => {
        const key = m.headers?.[IDEMPOTENCY_HEADER]?.toString();
        if (key && wanted.has(key)) {
          found.add(key);
          foundHere.add(key);
        }
        return foundHere.size === wanted.size;
      },
    );
  }
  const recovered = attempted.filter((r) => found.has(r.idempotency_key));
  if (recovered.length > 0) {
    await markPublished(
      deps.pool,
      recovered.map((r) => r.id),
    );
    result.recovered.push(...recovered.map((r) => r.idempotency_key));
  }
  return rows.filter((r) => !found.has(r.idempotency_key));
}

async function ensureKnown(deps: BatchDeps, topic: string): Promise<number> {
  let n = deps.known.get(topic);
  if (n === undefined) {
    await ensureTopic(deps.admin, topic);
    n = await partitionCount(deps.admin, topic);
    deps.known.set(topic, n);
  }
  return n;
}

/**
 * Commits the batch's intent record (its row ids, and each target partition's end offset) and
 * builds its messages. In the same statement the earlier attempts' records stop naming the rows
 * this relay settled (deleted once they name none).
 */
async function commitIntent(
  deps: BatchDeps,
  rows: OutboxRow[],
  earlierIds: string[],
  settled: string[],
): Promise<{ messages: Map<string, Message[]>; intentId: string | null }> {
  const partitions = new Map<string, number>();
  const starts: { topic: string; partition: number; from: string }[] = [];
  for (const topic of new Set(rows.map((r) => r.topic))) {
    const count = await ensureKnown(deps, topic);
    const used = new Set<number>();
    for (const r of rows.filter((x) => x.topic === topic)) {
      // A row an older relay attempted goes where that attempt went (its per-row intent).
      const p = r.relay_partition ?? partitionForKey(r.message_key, count);
      partitions.set(r.id, p);
      used.add(p);
    }
    // Where this session's last acknowledged batch ended, else the broker's end offset. Either is
    // taken while an earlier batch may still be in flight: it can only be lower than where this
    // batch lands, still a valid start for a scan.
    const ends = deps.ends.get(topic);
    const offsets = [...used].every((p) => ends?.has(p)) ? [] : await deps.admin.fetchTopicOffsets(topic);
    for (const p of used) {
      const from = ends?.get(p) ?? offsets.find((o) => o.partition === p)?.high ?? '0';
      starts.push({ topic, partition: p, from });
    }
  }
  let intentId: string | null = null;
  if (rows.length > 0 || earlierIds.length > 0) {
    // The intent is committed (synchronously) before producing: it is what a later attempt scans
    // from. Data-modifying CTEs make the trim of earlier records and the insert one atomic step.
    const r = await deps.pool.query<{ id: string }>(
      `WITH trimmed AS (
         UPDATE outbox_relay_intents
            SET row_ids = ARRAY(SELECT x FROM unnest(row_ids) AS x WHERE x <> ALL($5::bigint[]))
          WHERE id = ANY($6::bigint[]) AND NOT row_ids <@ $5::bigint[]),
       emptied AS (
         DELETE FROM outbox_relay_intents WHERE id = ANY($6::bigint[]) AND row_ids <@ $5::bigint[])
       INSERT INTO outbox_relay_intents (row_ids, topics, partitions, from_offsets)
       SELECT $1::bigint[], $2::text[], $3::int[], $4::bigint[] WHERE cardinality($1::bigint[]) > 0
       RETURNING id::text`,
      [
        rows.map((r) => r.id),
        starts.map((s) => s.topic),
        starts.map((s) => s.partition),
        starts.map((s) => s.from),
        settled,
        earlierIds,
      ],
    );
    intentId = r.rows[0]?.id ?? null;
  }
  const byTopic = new Map<string, Message[]>();
  for (const r of rows) {
    const list = byTopic.get(r.topic) ?? [];
    list.push({
      partition: partitions.get(r.id),
      key: r.message_key,
      value: r.payload,
      headers: { [IDEMPOTENCY_HEADER]: r.idempotency_key, 'event-type': r.event_type },
    });
    byTopic.set(r.topic, list);
  }
  return { messages: byTopic, intentId };
}

/** One produce request for the batch (idempotent producer, acks -1). */
async function send(deps: BatchDeps, b: PreparedBatch): Promise<void> {
  if (b.rows.length === 0) return;
  try {
    const acked = await deps.producer.sendBatch({
      acks: -1,
      topicMessages: [...b.messages].map(([topic, messages]) => ({ topic, messages })),
    });
    for (const [topic, messages] of b.messages) {
      const counts = new Map<number, number>();
      for (const m of messages) counts.set(m.partition!, (counts.get(m.partition!) ?? 0) + 1);
      for (const meta of acked.filter((x) => x.topicName === topic && x.errorCode === 0)) {
        const n = counts.get(meta.partition);
        if (n === undefined || meta.baseOffset === undefined) continue;
        const ends = deps.ends.get(topic) ?? new Map<number, string>();
        ends.set(meta.partition, (BigInt(meta.baseOffset) + BigInt(n)).toString());
        deps.ends.set(topic, ends);
      }
    }
  } catch (err) {
    await recordError(
      deps.pool,
      b.rows.map((r) => r.id),
      err,
    );
    throw err;
  }
}

/** After the broker acknowledged the batch: the rows are published. */
async function markSent(deps: BatchDeps, b: PreparedBatch): Promise<void> {
  if (b.rows.length === 0) return;
  for (const r of b.rows) await deps.hooks?.afterProduce?.(r.idempotency_key);
  await markPublished(
    deps.markClient,
    b.rows.map((r) => r.id),
    b.intentId,
  );
  b.result.produced.push(...b.rows.map((r) => r.idempotency_key));
}

/**
 * Marks rows published (attempts counts sends, so it is counted here and on a failed send) and, in
 * the same statement, deletes the batch's intent record: a record never outlives its marks, nor
 * do marks exist without the record having been committed first.
 */
async function markPublished(
  pool: Pool | PoolClient,
  ids: string[],
  intentId: string | null = null,
): Promise<void> {
  await pool.query(
    `WITH done AS (DELETE FROM outbox_relay_intents WHERE id = $2::bigint)
     UPDATE outbox SET published_at = now(), last_error = NULL, attempts = attempts + 1 WHERE id = ANY($1)`,
    [ids, intentId],
  );
}

async function recordError(pool: Pool, ids: string[], err: unknown): Promise<void> {
  await pool
    .query('UPDATE outbox SET last_error = $2, attempts = attempts + 1 WHERE id = ANY($1)', [
      ids,
      (err as Error).message,
    ])
    .catch(() => undefined);
}
