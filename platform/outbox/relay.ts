// The outbox relay: publishes unpublished outbox rows to Kafka, at most once per idempotency key,
// in batches, in order per aggregate (the message key). The platform's own relay, the org
// deletion saga and the `outbox-replay` playbook all publish through this one implementation.
//
// Per batch it (1) takes a session advisory lock per row (one relay per row; a crash releases
// them), (2) commits its intent before producing: ONE record per batch (outbox_relay_intents: the
// batch's row ids, and the end offset of each partition it produces to), not an update of each row,
// (3) produces the batch with an idempotent producer and `acks: -1`, the idempotency key as a
// header, (4) only after the broker acknowledged it, marks the rows published and deletes the
// record in one statement (draining a backlog, that statement is the next batch's claim). A relay that finds rows named by a record of an earlier attempt (or
// with the per-row intent columns an older relay wrote) scans those partitions from the recorded
// offsets for their keys first, so a crash between (3) and (4) never publishes an event twice.
import { type Admin, type Kafka, type Message, type Producer } from 'kafkajs';
import { MAX_RELAY_BATCH } from './limits';
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

/** How many rows of each kind a relayAll call has seen so far (see RelayResult for the kinds). */
export interface RelayCounts {
  produced: number;
  recovered: number;
  alreadyPublished: number;
  busy: number;
}

/** What relayAll returns: the counts, and the idempotency keys unless the caller declined them. */
export interface RelayAllResult extends RelayResult {
  counts: RelayCounts;
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
   * on its way to the broker, the next batches (up to PREPARED_AHEAD) are locked and their intents
   * committed, each claim statement also marking the batches acknowledged since the last one.
   * Sends stay strictly one after another (order per aggregate); an aggregate held back once stays
   * held back for the rest of the call. Stops when the outbox is drained or `shouldContinue` says
   * so; throws on the first failure (what was acknowledged is still marked if the database
   * answers; if not, its intent record makes the next relay find it on the topic), and a
   * RangeError, before any claim, for a limit outside 1 to MAX_RELAY_BATCH (limits.ts).
   */
  relayAll(opts: RelayAllOptions): Promise<RelayAllResult>;
  close(): Promise<void>;
}

export interface RelayAllOptions {
  /** Rows per batch: a whole number from 1 to MAX_RELAY_BATCH (relayAll throws a RangeError). */
  limit: number;
  /** Asked before each new batch is started. */
  shouldContinue?: () => boolean;
  /**
   * Keep every idempotency key in the result's lists (default true). The replay passes false: a
   * round of up to 60 s relays millions of rows, and their keys take about 130 bytes of heap each
   * (123 MiB per million, measured), most of the worker's 224 MiB heap; with false the lists stay
   * empty and only `counts` are kept.
   */
  keepKeys?: boolean;
  /**
   * Called after each batch is marked published, with the running counts and the highest outbox
   * id this call has published so far (null until it published one).
   */
  onBatch?: (counts: RelayCounts, lastId: string | null) => void;
}

/**
 * Connects a relay session. Everything it acquires is released again if a later acquisition fails
 * (issue 14, known fault 2: a relay run while Kafka is down used to leak its pool client).
 */
export async function openRelaySession(deps: RelayDeps): Promise<RelaySession> {
  const admin = deps.kafka.admin();
  const producer = deps.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  let lockClient: PoolClient | undefined;
  try {
    await Promise.all([admin.connect(), producer.connect()]);
    lockClient = await deps.pool.connect();
  } catch (err) {
    lockClient?.release();
    await Promise.allSettled([admin.disconnect(), producer.disconnect()]);
    throw err;
  }
  const conn = lockClient;
  const known = new Map<string, number>(); // topic → partition count
  const ends = new Map<string, Map<number, string>>(); // topic → partition → end after our last ack
  return {
    relayBatch: (filter = {}) =>
      relayBatch({ ...deps, admin, producer, lockClient: conn, known, ends }, filter),
    relayAll: (opts) => relayAll({ ...deps, admin, producer, lockClient: conn, known, ends }, opts),
    close: async () => {
      // A client whose locks could not be released is destroyed, which releases them.
      const unlocked = await conn.query('SELECT pg_advisory_unlock_all()').then(
        () => true,
        () => false,
      );
      conn.release(!unlocked);
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
  /** Takes and releases the rows' advisory locks, claims and marks (session locks: one connection). */
  lockClient: PoolClient;
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
  // The queue of unpublished ids (migration 026) may still name rows published by another writer.
  const r = await pool.query<OutboxRow>(
    `SELECT ${ROW_COLUMNS} FROM outbox WHERE id IN (
       SELECT p.id FROM outbox_pending p JOIN outbox o USING (id) WHERE o.published_at IS NULL
        ORDER BY p.id LIMIT $1)
      ORDER BY id`,
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
  /** The batch's intent records (outbox_relay_intents.id), deleted when the rows are marked. */
  intentIds: string[];
}

/** Rows as read under this relay's locks (or found published), ready for prepare(). */
interface Claimed {
  rows: (OutboxRow & { locked: boolean })[];
  /** Whether an earlier attempt's intent record may name one of them (look it up if so). */
  hasIntents: boolean;
  /** Ids locked for rows that turned out to be gone (unlocked with the batch). */
  lockedGone?: string[];
  /**
   * The intent record the claim committed (naming every row it locked) and the (topic, partition)
   * starts it holds; rows going elsewhere get a record of their own before they are sent.
   */
  recorded?: { intentId: string; covers: Map<string, Set<number>> };
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
 * The next queued (unpublished) rows after `cursor`, locked and read under the locks in one round
 * trip (outbox_relay_claim, migrations 025, 026 and 028: a fresh snapshot after the locks were
 * taken). The same statement first marks the `acked` batches published (the broker acknowledged
 * them; their intent records go) and then releases their locks; if it fails, none is marked.
 * `scanned` counts the queued ids looked at and `last` is the highest, stale ones included (their
 * row gone: a NULL idempotency key, after the rows), so the cursor moves past them. Rows found
 * published although queued (published by another writer) leave the queue here.
 */
async function claimNext(
  deps: BatchDeps,
  cursor: string,
  limit: number,
  acked: PreparedBatch[],
): Promise<Claimed & { scanned: number; last: string | null }> {
  type ClaimRow = Omit<OutboxRow, 'idempotency_key'> & {
    idempotency_key: string | null;
    locked: boolean;
    has_intents: boolean;
    intent_id: string | null;
  };
  // Every partition of every topic this session knows a start offset for (see BatchDeps.ends).
  const starts: { topic: string; partition: number; from: string }[] = [];
  for (const [topic, ends] of deps.ends) {
    for (const [partition, from] of ends) starts.push({ topic, partition, from });
  }
  const r = await deps.lockClient.query<ClaimRow>(
    `SELECT * FROM outbox_relay_claim($1, $2, $3, $4::bigint[], $5::bigint[], $6::bigint[],
                                      $7::text[], $8::int[], $9::bigint[])`,
    [
      cursor,
      limit,
      LOCK_CLASS,
      bigintArray(acked.flatMap((b) => b.lockedIds)),
      bigintArray(acked.flatMap((b) => b.rows.map((x) => x.id))),
      bigintArray(acked.flatMap((b) => b.intentIds)),
      starts.map((x) => x.topic),
      starts.map((x) => x.partition),
      starts.map((x) => x.from),
    ],
  );
  let rows = r.rows as Claimed['rows'];
  const lockedGone: string[] = [];
  // Ids are bigint digits read as text: the longer is the larger, and equal lengths compare as
  // strings (no BigInt per row: this loop runs on the thread that also encodes the Kafka batches).
  let last: string | null = null;
  for (const x of r.rows) {
    if (last === null || x.id.length > last.length || (x.id.length === last.length && x.id > last))
      last = x.id;
  }
  if (r.rows.some((x) => x.idempotency_key === null)) {
    rows = [];
    for (const x of r.rows) {
      if (x.idempotency_key !== null) rows.push(x as Claimed['rows'][number]);
      else if (x.locked) lockedGone.push(x.id);
    }
  }
  const published = rows.filter((x) => x.published_at !== null).map((x) => x.id);
  if (published.length > 0) {
    await deps.lockClient.query('DELETE FROM outbox_pending WHERE id = ANY($1::bigint[])', [
      bigintArray(published),
    ]);
  }
  const intentId = r.rows[0]?.intent_id ?? null;
  const covers = new Map<string, Set<number>>();
  for (const x of starts) covers.set(x.topic, (covers.get(x.topic) ?? new Set()).add(x.partition));
  return {
    rows,
    lockedGone,
    hasIntents: r.rows.some((x) => x.has_intents),
    recorded: intentId === null ? undefined : { intentId, covers },
    scanned: r.rows.length,
    last,
  };
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

/**
 * Prepared batches that may wait for the sender. The claim stage runs this far ahead, so a claim
 * that takes longer than one send (a loaded database) does not leave the broker idle. With the
 * batch in the claim stage and the one being sent, the relay holds the row locks of at most
 * PREPARED_AHEAD + 2 batches: MAX_RELAY_BATCH (limits.ts) is sized on that.
 */
const PREPARED_AHEAD = 2;

/**
 * Two stages joined by a queue: claim+prepare, and send (one produce request at a time, in claim
 * order: order per aggregate). Each claim is one statement on the lock connection that first marks
 * the batches acknowledged since the last claim (and releases their locks), then locks, reads and
 * records the intent of the next batch; what is acknowledged after the last claim is marked by one
 * more statement at the end. The first failure stops the claim stage and any further send; batches
 * already acknowledged are still marked (a claim that failed is retried as that final mark),
 * prepared ones not yet sent are unlocked (their intent records, naming rows that were never
 * produced, only make the next relay look for them first).
 */
async function relayAll(deps: BatchDeps, opts: RelayAllOptions): Promise<RelayAllResult> {
  if (!Number.isInteger(opts.limit) || opts.limit < 1 || opts.limit > MAX_RELAY_BATCH) {
    // Checked before any claim: larger batches can exhaust the server's lock table (limits.ts).
    throw new RangeError(`limit must be a whole number from 1 to ${MAX_RELAY_BATCH}, got ${opts.limit}`);
  }
  const total = emptyResult();
  const counts: RelayCounts = { produced: 0, recovered: 0, alreadyPublished: 0, busy: 0 };
  const keepKeys = opts.keepKeys ?? true;
  const held = new Set<string>();
  let failure: { reason: unknown } | undefined;
  const fail = (reason: unknown) => {
    failure ??= { reason };
  };
  const ready = new BatchQueue(PREPARED_AHEAD);
  // Acknowledged by the broker (or with nothing to send), in send order, not yet marked.
  const acked: PreparedBatch[] = [];
  // Batches are claimed in id order and sent in claim order, and a batch's rows are in id order.
  let lastId: string | null = null;
  const settled = (batches: PreparedBatch[]) => {
    for (const b of batches) {
      b.result.produced.push(...b.rows.map((r) => r.idempotency_key));
      for (const k of Object.keys(total) as (keyof RelayResult)[]) {
        counts[k] += b.result[k].length;
        if (keepKeys) total[k].push(...b.result[k]);
      }
      lastId = b.rows.at(-1)?.id ?? lastId;
      opts.onBatch?.(counts, lastId);
    }
  };

  const claimStage = (async () => {
    let cursor = '0';
    try {
      for (;;) {
        const marking = acked.splice(0);
        const claimed = await claimNext(deps, cursor, opts.limit, marking).catch((err: unknown) => {
          acked.unshift(...marking);
          throw err;
        });
        settled(marking);
        if (claimed.last === null) break;
        cursor = claimed.last;
        const batch = await prepare(deps, claimed, held);
        if (!(await ready.put(batch))) {
          await unlockRows(deps.lockClient, batch.lockedIds).catch(() => undefined);
          break;
        }
        if (claimed.scanned < opts.limit || !(opts.shouldContinue?.() ?? true) || failure) break;
      }
    } catch (err) {
      fail(err);
    } finally {
      ready.close();
    }
  })();

  for (let batch = await ready.take(); batch; batch = await ready.take()) {
    if (failure) {
      ready.close();
      await unlockRows(deps.lockClient, batch.lockedIds).catch(() => undefined);
      continue;
    }
    try {
      await send(deps, batch);
      const afterProduce = deps.hooks?.afterProduce;
      if (afterProduce) for (const r of batch.rows) await afterProduce(r.idempotency_key);
    } catch (err) {
      fail(err);
      ready.close();
      await unlockRows(deps.lockClient, batch.lockedIds).catch(() => undefined);
      continue;
    }
    acked.push(batch);
  }
  await claimStage;
  // What the broker acknowledged after the last claim (or what a failed claim did not mark).
  const last = acked.splice(0);
  try {
    await markBatches(deps.lockClient, last);
    settled(last);
  } catch (err) {
    fail(err);
    await unlockRows(
      deps.lockClient,
      last.flatMap((b) => b.lockedIds),
    ).catch(() => undefined);
  }
  if (failure) throw failure.reason;
  return { ...total, counts };
}

/** A bounded first-in first-out queue of prepared batches between the claim and send stages. */
class BatchQueue {
  private readonly items: PreparedBatch[] = [];
  private closed = false;
  private wakeTaker?: () => void;
  private wakePutter?: () => void;

  constructor(private readonly capacity: number) {}

  /** Waits for room; false if the queue was closed (the batch was not taken). */
  async put(batch: PreparedBatch): Promise<boolean> {
    while (!this.closed && this.items.length >= this.capacity) {
      await new Promise<void>((resolve) => (this.wakePutter = resolve));
    }
    if (this.closed) return false;
    this.items.push(batch);
    this.wakeTaker?.();
    return true;
  }

  /** The next batch; undefined once the queue is closed and empty. */
  async take(): Promise<PreparedBatch | undefined> {
    while (this.items.length === 0 && !this.closed) {
      await new Promise<void>((resolve) => (this.wakeTaker = resolve));
    }
    const batch = this.items.shift();
    this.wakePutter?.();
    return batch;
  }

  /** No more puts; what is queued can still be taken. */
  close(): void {
    this.closed = true;
    this.wakeTaker?.();
    this.wakePutter?.();
  }
}

/**
 * From rows read under this relay's locks: holds back what another relay holds (and the rest of
 * its aggregate), checks rows with an earlier intent on their topic, and commits the intent of the
 * rest. `held` carries held-back aggregates from batch to batch. On failure the locks are released.
 */
async function prepare(deps: BatchDeps, claimed: Claimed, held: Set<string>): Promise<PreparedBatch> {
  const result = emptyResult();
  const lockedIds = claimed.rows.filter((r) => r.locked).map((r) => r.id);
  lockedIds.push(...(claimed.lockedGone ?? []));
  try {
    const todo: OutboxRow[] = [];
    // Rows this relay holds and has settled (published already, or recovered or sent below): an
    // earlier attempt's record need no longer name them once this batch's intent is committed.
    const settled: string[] = [];
    for (const row of claimed.rows) {
      // The aggregate's name is only built when some aggregate is held back, or to hold one back.
      const aggregate = () => (row.message_key === null ? null : `${row.topic}\u0000${row.message_key}`);
      if (row.published_at) {
        // Published is final, whoever holds the row.
        result.alreadyPublished.push(row.idempotency_key);
        if (row.locked) settled.push(row.id);
      } else if (!row.locked || (held.size > 0 && held.has(aggregate() ?? ''))) {
        result.busy.push(row.idempotency_key);
        const name = aggregate();
        if (name !== null) held.add(name);
      } else {
        todo.push(row); // (its `locked` flag travels along unused)
        settled.push(row.id);
      }
    }
    const recorded = claimed.recorded ? [claimed.recorded.intentId] : [];
    if (todo.length === 0 && settled.length === 0) {
      return { result, lockedIds, rows: [], messages: new Map(), intentIds: recorded };
    }
    const earlier = claimed.hasIntents ? await earlierIntents(deps.pool, settled) : [];
    const pending = await recoverEarlierAttempts(deps, todo, earlier, result);
    const { messages, intentId } = await commitIntent(
      deps,
      pending,
      earlier.map((e) => e.id),
      settled,
      claimed.recorded?.covers,
    );
    return {
      result,
      lockedIds,
      rows: pending,
      messages,
      intentIds: intentId === null ? recorded : [...recorded, intentId],
    };
  } catch (err) {
    await unlockRows(deps.lockClient, lockedIds).catch(() => undefined);
    throw err;
  }
}

async function lockRows(client: PoolClient, ids: string[]): Promise<Set<string>> {
  const r = await client.query<{ id: string }>(
    `SELECT id::text FROM unnest($2::bigint[]) AS id
      WHERE pg_try_advisory_lock($1, (id % 2147483647)::int)`,
    [LOCK_CLASS, bigintArray(ids)],
  );
  return new Set(r.rows.map((x) => x.id));
}

async function unlockRows(client: PoolClient, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await client.query(
    `SELECT pg_advisory_unlock($1, (id % 2147483647)::int) FROM unnest($2::bigint[]) AS id`,
    [LOCK_CLASS, bigintArray(ids)],
  );
}

/** An earlier attempt's intent record (see migration 024). */
interface EarlierIntent {
  id: string;
  rowIds: Set<string>;
  /** (topic, partition, end offset before that attempt produced). */
  starts: { topic: string; partition: number; from: number }[];
}

/**
 * Intent records of earlier attempts that name any of these rows (normally none). Bounds first
 * (migration 031, indexed in 032): only records whose id range overlaps are compared id by id.
 */
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
       FROM outbox_relay_intents
      WHERE (low_id IS NULL OR (low_id <= (SELECT max(x) FROM unnest($1::bigint[]) AS x)
                                AND high_id >= (SELECT min(x) FROM unnest($1::bigint[]) AS x)))
        AND row_ids && $1::bigint[]`,
    [bigintArray(ids)],
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
 * this relay settled (deleted once they name none). No record is written when the claim already
 * committed one whose starts (`covered`) include every (topic, partition) of the rows and there
 * are no earlier records to trim.
 */
async function commitIntent(
  deps: BatchDeps,
  rows: OutboxRow[],
  earlierIds: string[],
  settled: string[],
  covered?: Map<string, Set<number>>,
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
    const ends = deps.ends.get(topic) ?? new Map<number, string>();
    if (![...used].every((p) => ends.has(p))) {
      // The broker's end offsets now are a valid start for every later batch of this session too,
      // which lets the next claims record the intent themselves (see outbox_relay_claim).
      const offsets = await deps.admin.fetchTopicOffsets(topic);
      for (const o of offsets) if (!ends.has(o.partition)) ends.set(o.partition, o.high);
      deps.ends.set(topic, ends);
    }
    for (const p of used) starts.push({ topic, partition: p, from: ends.get(p) ?? '0' });
  }
  const recorded =
    covered !== undefined &&
    earlierIds.length === 0 &&
    starts.every((x) => covered.get(x.topic)?.has(x.partition));
  let intentId: string | null = null;
  if (!recorded && (rows.length > 0 || earlierIds.length > 0)) {
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
        bigintArray(rows.map((r) => r.id)),
        starts.map((s) => s.topic),
        starts.map((s) => s.partition),
        starts.map((s) => s.from),
        bigintArray(settled),
        bigintArray(earlierIds),
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

/** After the broker acknowledged the batch (relayBatch): the rows are published. */
async function markSent(deps: BatchDeps, b: PreparedBatch): Promise<void> {
  const afterProduce = deps.hooks?.afterProduce;
  if (afterProduce) for (const r of b.rows) await afterProduce(r.idempotency_key);
  await markPublished(
    deps.lockClient,
    b.rows.map((r) => r.id),
    b.intentIds,
  );
  b.result.produced.push(...b.rows.map((r) => r.idempotency_key));
}

/**
 * Marks acknowledged batches published (their rows, their intent records) in one statement, then
 * releases their locks. Throws if the mark fails (the locks are then still held).
 */
async function markBatches(client: PoolClient, batches: PreparedBatch[]): Promise<void> {
  if (batches.length === 0) return;
  await markPublished(
    client,
    batches.flatMap((b) => b.rows.map((r) => r.id)),
    batches.flatMap((b) => b.intentIds),
  );
  await unlockRows(
    client,
    batches.flatMap((b) => b.lockedIds),
  );
}

/**
 * Marks rows published (attempts counts sends, so it is counted here and on a failed send) and, in
 * the same statement, deletes the batch's intent record (a record never outlives its marks, nor do
 * marks exist without the record having been committed first) and the rows' ids from the queue of
 * unpublished rows (migration 026). No index names a column this changes, so each row's new version
 * is a HOT update on its own page; the rows are found by a range scan of the primary key between
 * the lowest and the highest id (a batch is a run of consecutive ids, save for rows held back).
 */
async function markPublished(
  pool: Pool | PoolClient,
  ids: string[],
  intentIds: string[] = [],
): Promise<void> {
  // A batch that sent nothing still has the claim's intent record to delete.
  if (ids.length === 0 && intentIds.length === 0) return;
  await pool.query(
    `WITH done AS (DELETE FROM outbox_relay_intents WHERE id = ANY($2::bigint[])),
     dequeued AS (DELETE FROM outbox_pending WHERE id = ANY($1::bigint[]))
     UPDATE outbox SET published_at = now(), last_error = NULL, attempts = attempts + 1
      WHERE id BETWEEN (SELECT min(x) FROM unnest($1::bigint[]) AS x) AND (SELECT max(x) FROM unnest($1::bigint[]) AS x)
        AND id = ANY($1::bigint[])`,
    [bigintArray(ids), bigintArray(intentIds)],
  );
}

/**
 * A bigint[] parameter as its array literal. The ids are bigint values read back as text (digits
 * only), so nothing needs quoting; this skips pg's per-element escaping of a JavaScript array.
 */
export function bigintArray(ids: readonly string[]): string {
  return `{${ids.join(',')}}`;
}

async function recordError(pool: Pool, ids: string[], err: unknown): Promise<void> {
  await pool
    .query('UPDATE outbox SET last_error = $2, attempts = attempts + 1 WHERE id = ANY($1)', [
      ids,
      (err as Error).message,
    ])
    .catch(() => undefined);
}
