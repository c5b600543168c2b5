// Reconciliation benchmark (a command, not a test), each pair measured side by side in one run:
//   npx tsx bench/reconciliation.ts [--orgs 100000] [--rows 100000] [--batch 500 (≤ 1000)]
//     [--repeat 2 (timed runs of each side, best counts)] [--only resync|outbox] [--out FILE]
// 1. Entitlement resync of N orgs with 2% drift (drifted, missing, extra, removed member):
//    baseline: a plain script doing the same compare-and-repair with a server-side pg cursor
//    (DECLARE/FETCH, what pg-cursor does) and ioredis pipelines, nothing else; then the same drift
//    again and the `entitlement-resync` playbook through Temporal on the stack's worker (breaker,
//    committed cursor, events through the outbox, sample verify). Target: playbook ≤ 1.5× baseline.
// 2. Outbox replay of M rows: M rows are enqueued, read back (untimed) as the messages the relay
//    will send; baseline: raw kafkajs `sendBatch` of exactly those messages (idempotent producer,
//    acks -1, same batch size, a topic with the same partitions); then the `outbox-replay` playbook
//    publishing the M rows with that batch size, end to end through Temporal. Alternating runs after
//    an untimed warm-up, best of each. Target: playbook rate ≥ 0.7× baseline. Each timed run also
//    reports the whole machine's busy CPU time (bench/lib/machine-cpu.ts): on few cores, that
//    time divided by the cores bounds how short the playbook's run can be; and, for the thread
//    that produces (this process's main thread for raw sends, the worker's for the playbook), its
//    time on a core and its time waiting for one (bench/lib/thread-schedstat.ts, Linux).
// Needs `stack up` (the worker must run the current code). Removes what it created.
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { type Redis } from 'ioredis';
import { type Message } from 'kafkajs';
import { type Pool } from 'pg';
import { judgeOrg, type AuthoritativeOrg } from '../activities/entitlements/cache-diff';
import { queueRepairs, readCaches } from '../activities/entitlements/cache-compare';
import { startPlaybook } from '../client/start-playbook';
import { connectClient } from '../client/temporal-client';
import { entitlementCacheKey, membershipCacheKey } from '../platform/caches/org-caches';
import { IDEMPOTENCY_HEADER } from '../platform/outbox/relay';
import { MAX_RELAY_BATCH } from '../platform/outbox/limits';
import { partitionForKey } from '../platform/outbox/topics';
import { loadConfig } from '../shared/config';
import { type PlaybookResult } from '../shared/workflow-interface';
import { createKafka, createPool, createRedis } from '../workers/clients';
import {
  createEntitledOrgs,
  introduceDrift,
  mismatches,
  removeFixtureOrgs,
  type Drift,
  type FixtureOrg,
} from '../test/support/entitlement-fixtures';
import { enqueueSequences } from '../test/support/outbox-fixtures';
import { startCpuWindow, type CpuWindow } from './lib/machine-cpu';
import { stackWorkerPid, startThreadWindow, type ThreadWindow } from './lib/thread-schedstat';
import { choiceOption, numberOption, parseCommandLine } from '../scripts/lib/command-line';

const values = parseCommandLine(__filename, {
  orgs: { type: 'string', default: '100000' },
  rows: { type: 'string', default: '100000' },
  batch: { type: 'string', default: '500' },
  out: { type: 'string', default: 'bench/reconciliation-results.json' },
  /** Run only one pair: resync | outbox. */
  only: { type: 'string' },
  /** Timed runs of each side of each pair (alternating, after an untimed warm-up); the best of each counts. */
  repeat: { type: 'string', default: '2' },
});
const ORGS = numberOption(values.orgs, 'orgs');
const ROWS = numberOption(values.rows, 'rows');
// At most the relay's largest batch (platform/outbox/limits.ts), which the playbook enforces too.
const BATCH = numberOption(values.batch, 'batch', { max: MAX_RELAY_BATCH });
const REPEAT = numberOption(values.repeat, 'repeat');
const ONLY = choiceOption(values.only, 'only', ['resync', 'outbox'] as const);
const config = loadConfig();

const seconds = (from: bigint) => Number(process.hrtime.bigint() - from) / 1e9;

/** Puts the same cache-side drift back (the database side of it is still in place). */
async function reapplyDrift(redis: Redis, orgs: Map<string, FixtureOrg>, d: Drift): Promise<void> {
  const p = redis.pipeline();
  for (const id of d.drifted) p.hset(entitlementCacheKey(id), 'seats', '999999');
  for (const id of d.missing) p.del(entitlementCacheKey(id));
  for (const id of d.extra) p.hset(entitlementCacheKey(id), orgs.get(id)!.entitlements);
  for (const id of d.removedMember) p.hset(membershipCacheKey(id), orgs.get(id)!.members);
  for (const k of d.orphanKeys) p.hset(k, 'seats', '1');
  await p.exec();
}

/** The baseline: a pg cursor over the same query and ioredis pipelines, the same rules. */
async function plainResync(pool: Pool, redis: Redis, pageSize: number): Promise<number> {
  const client = await pool.connect();
  let repaired = 0;
  try {
    await client.query('BEGIN');
    await client.query(`DECLARE orgs_cur NO SCROLL CURSOR FOR
      SELECT o.id::text, o.status,
        (SELECT json_object_agg(e.feature, e.limit_value) FROM entitlements e WHERE e.org_id = o.id) AS entitlements,
        (SELECT json_object_agg(m.user_id, m.role) FROM memberships m WHERE m.org_id = o.id) AS members
      FROM orgs o ORDER BY o.id`);
    for (;;) {
      const r = await client.query<{
        id: string;
        status: AuthoritativeOrg['status'];
        entitlements: Record<string, number> | null;
        members: Record<string, string> | null;
      }>(`FETCH ${pageSize} FROM orgs_cur`);
      if (r.rows.length === 0) break;
      const ids = r.rows.map((x) => x.id);
      const cached = await readCaches(redis, ids);
      const verdicts = r.rows.map((x, i) =>
        judgeOrg(
          {
            orgId: x.id,
            exists: true,
            status: x.status,
            entitlements: Object.fromEntries(
              Object.entries(x.entitlements ?? {}).map(([k, v]) => [k, String(v)]),
            ),
            members: x.members ?? {},
          },
          cached[i],
        ),
      );
      const p = redis.pipeline();
      queueRepairs(p, verdicts);
      if (p.length > 0) await p.exec();
      repaired += verdicts.filter(
        (v) => v.entitlements.action !== 'none' || v.memberships.action !== 'none',
      ).length;
    }
    await client.query('COMMIT');
  } finally {
    client.release();
  }
  // The orphan keys (orgs with no row): the same SCAN the playbook does.
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', 'platform:org:*:*', 'COUNT', 1_000);
    cursor = next;
    const orgIds = [...new Set(keys.map((k) => k.split(':')[2]))];
    if (orgIds.length > 0) {
      const known = await pool.query<{ id: string }>('SELECT id::text FROM orgs WHERE id = ANY($1::uuid[])', [
        orgIds,
      ]);
      const gone = orgIds.filter((id) => !known.rows.some((k) => k.id === id));
      if (gone.length > 0) {
        repaired += await redis.del(
          ...gone.flatMap((id) => [entitlementCacheKey(id), membershipCacheKey(id)]),
        );
      }
    }
  } while (cursor !== '0');
  return repaired;
}

async function benchResync(pool: Pool, redis: Redis) {
  console.error(`[bench] creating ${ORGS} orgs with entitlements, members and caches…`);
  const orgs = await createEntitledOrgs(pool, redis, ORGS);
  const byId = new Map(orgs.map((o) => [o.orgId, o]));
  try {
    const drift = await introduceDrift(pool, redis, orgs, 0.02);
    const ids = orgs.map((o) => o.orgId);
    const before = (await mismatches(pool, redis, ids)).length;

    // Warm-up (untimed): both sides then read a warm database and cache.
    await plainResync(pool, redis, BATCH);
    const client = await connectClient(config);
    const baselineRuns: number[] = [];
    const reboundRuns: number[] = [];
    let baselineRepaired = 0;
    let afterBaseline = 0;
    let result: PlaybookResult | undefined;
    for (let i = 0; i < REPEAT; i++) {
      await reapplyDrift(redis, byId, drift);
      let t = process.hrtime.bigint();
      baselineRepaired = await plainResync(pool, redis, BATCH);
      baselineRuns.push(seconds(t));
      afterBaseline = (await mismatches(pool, redis, ids)).length;
      await reapplyDrift(redis, byId, drift);
      t = process.hrtime.bigint();
      const handle = await startPlaybook(client, {
        playbook: 'entitlement-resync',
        params: { namespace: 'entitlements', pageSize: BATCH },
        context: { resource: 'namespace:entitlements', initiator: 'bench' },
        taskQueuePrefix: config.temporal.taskQueuePrefix,
        workflowId: `entitlement-resync/bench/${randomUUID()}`,
      });
      result = (await handle.result()) as PlaybookResult;
      reboundRuns.push(seconds(t));
    }
    await client.connection.close();
    const baseline = Math.min(...baselineRuns);
    const rebound = Math.min(...reboundRuns);
    const afterRebound = (await mismatches(pool, redis, ids)).length;
    return {
      workload: `entitlement resync, ${ORGS} orgs, 2% drift, page ${BATCH}`,
      baselineSeconds: baseline,
      reboundSeconds: rebound,
      ratio: rebound / baseline,
      target: '≤ 1.5× baseline time',
      met: rebound / baseline <= 1.5,
      check: {
        baselineRuns,
        reboundRuns,
        mismatchesBefore: before,
        afterBaseline,
        afterRebound,
        baselineRepaired,
        outcome: result!.outcome,
        counts: (result!.details as { counts?: unknown })?.counts,
      },
    };
  } finally {
    await removeFixtureOrgs(
      pool,
      redis,
      orgs.map((o) => o.orgId),
    );
  }
}

/** The unpublished outbox rows of `topic` as the relay sends them (key, value, headers, partition). */
async function rowsAsMessages(pool: Pool, topic: string, partitions: number): Promise<Message[]> {
  const r = await pool.query<{
    message_key: string | null;
    payload: string;
    idempotency_key: string;
    event_type: string;
  }>(
    `SELECT message_key, payload::text AS payload, idempotency_key, event_type FROM outbox
      WHERE topic = $1 AND published_at IS NULL ORDER BY id`,
    [topic],
  );
  return r.rows.map((x) => ({
    key: x.message_key,
    value: x.payload,
    partition: partitionForKey(x.message_key, partitions),
    headers: { [IDEMPOTENCY_HEADER]: x.idempotency_key, 'event-type': x.event_type },
  }));
}

async function benchOutbox(pool: Pool) {
  const kafka = createKafka(config, 'rebound-bench');
  const admin = kafka.admin();
  await admin.connect();
  const rawTopic = `bench.raw-${randomUUID()}`;
  const outboxTopic = `bench.outbox-${randomUUID()}`;
  const PARTITIONS = 3;
  await admin.createTopics({
    topics: [rawTopic, outboxTopic].map((topic) => ({ topic, numPartitions: PARTITIONS })),
    waitForLeaders: true,
  });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  const client = await connectClient(config);
  try {
    await producer.connect();
    const baselineRuns: number[] = [];
    const reboundRuns: number[] = [];
    const producedRuns: number[] = [];
    const outcomes: string[] = [];
    // The whole machine's busy CPU time in each timed window (see bench/lib/machine-cpu.ts).
    const baselineCpu: CpuWindow[] = [];
    const reboundCpu: CpuWindow[] = [];
    // The producing thread of each side per timed run (null where the counters cannot be read).
    const workerPid = stackWorkerPid();
    const baselineThread: (ThreadWindow | null)[] = [];
    const reboundThread: (ThreadWindow | null)[] = [];
    // Warm-up (untimed): one batch through each side's connections.
    for (let i = 0; i <= REPEAT; i++) {
      const rows = i === 0 ? BATCH : ROWS;
      console.error(`[bench] ${i === 0 ? 'warm-up' : `run ${i}`}: enqueueing ${rows} outbox rows…`);
      await enqueueSequences(pool, {
        topic: outboxTopic,
        aggregates: Math.min(1000, rows),
        perAggregate: rows / Math.min(1000, rows),
        prefix: `bench-${randomUUID()}`,
      });
      // The bulk insert leaves maintenance due (autovacuum's insert threshold, dirty pages for the
      // checkpointer). Done now, untimed, so that it lands in neither side's timed window: before
      // this, it ran during whichever side came next, and on two cores took CPU from it.
      await pool.query('VACUUM (ANALYZE) outbox, outbox_pending, outbox_relay_intents');
      await pool.query('CHECKPOINT');
      // Baseline: exactly the messages the relay is about to send (read before timing), as raw
      // batches of the same size through an idempotent producer with acks -1, to a topic of the
      // same partition count.
      const messages = await rowsAsMessages(pool, outboxTopic, PARTITIONS);
      let cpu = startCpuWindow();
      let thread = startThreadWindow(process.pid);
      let t = process.hrtime.bigint();
      for (let j = 0; j < messages.length; j += BATCH) {
        await producer.sendBatch({
          acks: -1,
          topicMessages: [{ topic: rawTopic, messages: messages.slice(j, j + BATCH) }],
        });
      }
      const raw = seconds(t);
      const rawCpu = cpu();
      const rawThread = thread();
      cpu = startCpuWindow();
      thread = workerPid === null ? () => null : startThreadWindow(workerPid);
      t = process.hrtime.bigint();
      const handle = await startPlaybook(client, {
        playbook: 'outbox-replay',
        params: { outbox: 'platform', batchSize: BATCH },
        context: { resource: 'outbox:platform', initiator: 'bench' },
        taskQueuePrefix: config.temporal.taskQueuePrefix,
        workflowId: `outbox-replay/bench/${randomUUID()}`,
      });
      const result = (await handle.result()) as PlaybookResult;
      const rebound = seconds(t);
      const playbookCpu = cpu();
      const playbookThread = thread();
      if (i === 0) continue;
      baselineRuns.push(raw);
      reboundRuns.push(rebound);
      baselineCpu.push(rawCpu);
      reboundCpu.push(playbookCpu);
      baselineThread.push(rawThread);
      reboundThread.push(playbookThread);
      producedRuns.push(Number((result.details as { produced?: number }).produced ?? 0));
      outcomes.push(result.outcome);
    }
    const offsets = await admin.fetchTopicOffsets(outboxTopic);
    const onTopic = offsets.reduce((n, o) => n + Number(o.high), 0);
    const rawRate = ROWS / Math.min(...baselineRuns);
    const reboundRate = ROWS / Math.min(...reboundRuns);
    const twoPlaces = (x: number) => Number(x.toFixed(2));
    return {
      workload: `outbox replay, ${ROWS} rows, batch ${BATCH}, acks -1, idempotent producer, ${PARTITIONS} partitions`,
      baselineRowsPerSecond: rawRate,
      reboundRowsPerSecond: reboundRate,
      ratio: reboundRate / rawRate,
      target: '≥ 0.7× baseline rate',
      met: reboundRate / rawRate >= 0.7,
      check: {
        outcomes,
        producedRuns,
        messagesPerRun: ROWS,
        onTopic,
        expectedOnTopic: BATCH + ROWS * REPEAT,
        baselineRuns,
        reboundRuns,
      },
      // Per timed run, every process's CPU time on the machine; the playbook's floor is the
      // shortest its run could have been with all cores busy the whole time.
      machineCpu: {
        cores: reboundCpu[0]?.cores ?? 0,
        baselineBusyCpuSeconds: baselineCpu.map((x) => twoPlaces(x.busyCpuSeconds)),
        reboundBusyCpuSeconds: reboundCpu.map((x) => twoPlaces(x.busyCpuSeconds)),
        reboundFloorSeconds: reboundCpu.map((x) => twoPlaces(x.floorSeconds)),
        reboundCoresBusy: reboundCpu.map((x, k) => twoPlaces(x.busyCpuSeconds / reboundRuns[k])),
      },
      // Per timed run, the producing thread's time on a core and time ready but waiting for one
      // (s): this process's main thread for raw sends, the stack worker's main thread (where the
      // replay's activity runs) for the playbook. Null where the counters could not be read.
      producingThread: {
        workerPid,
        baselineCpuSeconds: baselineThread.map((x) => (x ? twoPlaces(x.cpuSeconds) : null)),
        baselineWaitSeconds: baselineThread.map((x) => (x ? twoPlaces(x.waitSeconds) : null)),
        reboundCpuSeconds: reboundThread.map((x) => (x ? twoPlaces(x.cpuSeconds) : null)),
        reboundWaitSeconds: reboundThread.map((x) => (x ? twoPlaces(x.waitSeconds) : null)),
      },
    };
  } finally {
    await client.connection.close();
    await producer.disconnect();
    await pool.query('DELETE FROM outbox WHERE topic = $1', [outboxTopic]);
    await admin.deleteTopics({ topics: [rawTopic, outboxTopic] }).catch(() => undefined);
    await admin.disconnect();
  }
}

async function main(): Promise<void> {
  const pool = createPool(config, 'platform', 4);
  const redis = createRedis(config, 'rebound-bench');
  try {
    const resync = ONLY === 'outbox' ? undefined : await benchResync(pool, redis);
    if (resync) console.log(JSON.stringify(resync, null, 2));
    const outbox = ONLY === 'resync' ? undefined : await benchOutbox(pool);
    if (outbox) console.log(JSON.stringify(outbox, null, 2));
    writeFileSync(
      values.out,
      JSON.stringify({ at: new Date().toISOString(), resync, outbox }, null, 2) + '\n',
    );
    if (resync) {
      console.log(
        `resync ${ORGS} orgs: baseline ${resync.baselineSeconds.toFixed(1)} s, playbook ${resync.reboundSeconds.toFixed(1)} s, ${resync.ratio.toFixed(2)}× (target ≤ 1.5×)`,
      );
    }
    if (outbox) {
      console.log(
        `outbox ${ROWS} rows: baseline ${outbox.baselineRowsPerSecond.toFixed(0)}/s, playbook ${outbox.reboundRowsPerSecond.toFixed(0)}/s, ${outbox.ratio.toFixed(2)}× (target ≥ 0.7×)`,
      );
      const m = outbox.machineCpu;
      console.log(
        `outbox machine CPU per run (${m.cores} cores): baseline ${m.baselineBusyCpuSeconds.join(' / ')} CPU-s, playbook ${m.reboundBusyCpuSeconds.join(' / ')} CPU-s (cores busy ${m.reboundCoresBusy.join(' / ')}; floor ${m.reboundFloorSeconds.join(' / ')} s)`,
      );
      const p = outbox.producingThread;
      const list = (xs: (number | null)[]) => xs.map((x) => (x === null ? 'n/a' : x)).join(' / ');
      console.log(
        `outbox producing thread per run: baseline (this process) on a core ${list(p.baselineCpuSeconds)} s, waiting for one ${list(p.baselineWaitSeconds)} s; playbook (worker ${p.workerPid ?? 'not found'}) on a core ${list(p.reboundCpuSeconds)} s, waiting for one ${list(p.reboundWaitSeconds)} s`,
      );
    }
  } finally {
    await pool.end();
    redis.disconnect();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
