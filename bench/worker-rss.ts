// Worker memory benchmark (a command, not a test):
//   npx tsx bench/worker-rss.ts [--incidents 1000] [--concurrency 16] [--replay-rows 0] [--out FILE]
// Starts a real Rebound worker process (tsx workers/main.ts) on its own task-queue prefix, opens N
// incidents the way the API does (signalWithStart with the alert), each classified `security`
// so that it stops at its approval gate (security incidents always need approval), waits until
// every one of them reports `awaiting-approval` through its `status` query, and samples the
// worker process's resident memory (VmRSS of the node process that runs the worker, from /proc)
// throughout. Baseline: the same worker idle, before the first incident. Target (issue 14): peak
// ≤ 512 MiB with 1,000 incidents open and waiting. The whole process group (with the tsx launcher
// and its esbuild service, which a built deployment does not have) is reported alongside. Every
// incident it opened is terminated at the end and the worker stopped. With --replay-rows R > 0,
// once every incident waits it also enqueues R outbox rows on a topic of its own and runs the
// `outbox-replay` playbook on the same worker, incidents still waiting: the replay raises V8's heap
// growing factor while it relays (activities/heap-growth.ts), and this reports the peak RSS during
// it as a second row (same target). The replay's rows and topic are removed at the end.
import { type Client } from '@temporalio/client';
import { apiFilesFromEnv } from '../client/api/create-api';
import { startPlaybook } from '../client/start-playbook';
import { connectClient } from '../client/temporal-client';
import { loadConfig, type ReboundConfig } from '../shared/config';
import { alertFiredSignal, INCIDENT_WORKFLOW_TYPE, type IncidentInput } from '../shared/incident';
import { RoutingTable } from '../shared/routing/routing-table';
import { workflowTaskQueue } from '../shared/task-queues';
import { statusQuery, type PlaybookResult } from '../shared/workflow-interface';
import { enqueueSequences } from '../test/support/outbox-fixtures';
import { startWorkerProcess } from '../test/support/worker-process';
import { createKafka, createPool } from '../workers/clients';
import { ratioOf, writeRows, type BenchRow } from './lib/bench-row';
import { groupRssMiB, largestOf, peakMiB, rssMiB } from './lib/process-rss';
import { numberOption, parseCommandLine } from '../scripts/lib/command-line';

const values = parseCommandLine(__filename, {
  incidents: { type: 'string', default: '1000' },
  concurrency: { type: 'string', default: '16' },
  'replay-rows': { type: 'string', default: '0' },
  out: { type: 'string' },
});
const N = numberOption(values.incidents, 'incidents');
const C = numberOption(values.concurrency, 'concurrency');
const REPLAY_ROWS = numberOption(values['replay-rows'], 'replay-rows', { min: 0 });
const TARGET_MIB = 512;
/** The budget of the routing file the worker reads (it inherits this process's environment). */
const ROUTING_BUDGET = RoutingTable.load(apiFilesFromEnv().routingFile).budget;

function inputFor(prefix: string, i: number): IncidentInput {
  const incidentId = `incident:bench-rss:${prefix}:${i}`;
  const labels = { alertname: 'ReboundBenchRss', stack: `${prefix}-${i}`, category: 'security' };
  return {
    incidentId,
    source: 'alertmanager',
    initiator: 'alertmanager',
    reason: 'ReboundBenchRss',
    dryRun: false,
    route: {
      rule: 'dependency-health',
      playbook: 'health-probe',
      workflowType: 'healthProbeWorkflow',
      resource: `stack:${prefix}-${i}`,
      params: { dependencies: ['postgres'] },
      classification: { severity: 'CRITICAL', category: 'security', recoverability: 'automatic' },
      approvalPolicy: {
        allowedPrincipals: [],
        allowedRoles: ['approver'],
        quorum: 1,
        timeout: '1h',
        required: true,
      },
    },
    alert: {
      fingerprint: `${prefix}-${i}`,
      alertname: 'ReboundBenchRss',
      status: 'firing',
      labels,
      annotations: {},
      startsAt: new Date().toISOString(),
      receivedAt: new Date().toISOString(),
    },
    // The routing file's own budget: the worker refuses a looser one (it failed every incident of
    // this benchmark with `budget.max: may not exceed the routing file's 10`). Past the budget a
    // security incident still stops at the same approval gate, with one more reason.
    budget: ROUTING_BUDGET,
  };
}

async function forEach(n: number, concurrency: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, n) }, async () => {
      while (next < n) await fn(next++);
    }),
  );
}

async function terminateAll(client: Client, ids: string[]): Promise<void> {
  await forEach(ids.length, 16, async (i) => {
    await client.workflow
      .getHandle(ids[i])
      .terminate('worker-rss benchmark cleanup')
      .catch(() => undefined);
  });
}

/**
 * Enqueues `rows` outbox rows (rounded up to whole sequences of 1,000 aggregates) on a topic of
 * its own and runs the outbox-replay playbook on the worker of `prefix` until it closes; removes
 * the rows and the topic. Rows another relay takes meanwhile (the stack's schedule) are not
 * produced by this replay, so `produced` can be lower than `rows`.
 */
async function replayOnWorker(
  config: ReboundConfig,
  client: Client,
  prefix: string,
  rows: number,
): Promise<{ rows: number; produced: number; outcome: string; seconds: number }> {
  const pool = createPool(config, 'platform', 2);
  const admin = createKafka(config, 'bench-worker-rss').admin();
  const topic = `bench.rss-${prefix}`;
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
    const aggregates = Math.min(1000, rows);
    const enqueued = await enqueueSequences(pool, {
      topic,
      aggregates,
      perAggregate: Math.ceil(rows / aggregates),
      prefix,
    });
    console.error(`[bench] ${enqueued.length} outbox rows enqueued; replaying them on the worker…`);
    const t0 = Date.now();
    const handle = await startPlaybook(client, {
      playbook: 'outbox-replay',
      params: { outbox: 'platform', batchSize: 500 },
      context: { resource: 'outbox:platform', initiator: 'bench-worker-rss' },
      taskQueuePrefix: prefix,
      workflowId: `outbox-replay/bench-rss/${prefix}`,
    });
    const result = (await handle.result()) as PlaybookResult;
    return {
      rows: enqueued.length,
      produced: Number((result.details as { produced?: number }).produced ?? 0),
      outcome: result.outcome,
      seconds: (Date.now() - t0) / 1000,
    };
  } finally {
    await pool.query('DELETE FROM outbox WHERE topic = $1', [topic]).catch(() => undefined);
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
    await pool.end();
  }
}

async function main(): Promise<void> {
  const config = loadConfig();
  const prefix = `bench-rss-${Date.now().toString(36)}`;
  const worker = await startWorkerProcess(prefix);
  const pgid = worker.child.pid!;
  const client = await connectClient(config);
  const ids: string[] = [];
  let peak = 0;
  let groupPeak = 0;
  let sampler: NodeJS.Timeout | undefined;
  try {
    await new Promise((r) => setTimeout(r, 3_000));
    const pid = largestOf(pgid);
    const idle = rssMiB(pid);
    const sample = () => {
      peak = Math.max(peak, rssMiB(pid));
      groupPeak = Math.max(groupPeak, groupRssMiB(pgid));
    };
    sample();
    sampler = setInterval(sample, 200);
    console.log(
      `worker process ${pid} idle: ${idle.toFixed(0)} MiB (since start, bundling included: ${peakMiB(pid).toFixed(0)} MiB); opening ${N} incidents that wait for approval…`,
    );
    const t0 = Date.now();
    await forEach(N, C, async (i) => {
      const input = inputFor(prefix, i);
      ids.push(input.incidentId);
      await client.workflow.signalWithStart(INCIDENT_WORKFLOW_TYPE, {
        workflowId: input.incidentId,
        taskQueue: workflowTaskQueue(prefix),
        args: [input],
        signal: alertFiredSignal,
        signalArgs: [input.alert!],
      });
    });
    console.error(
      `[bench] ${N} incidents started in ${((Date.now() - t0) / 1000).toFixed(1)} s; waiting for each at its gate…`,
    );
    // Every incident must be at its gate: polled through each one's status query.
    const waiting = new Set<string>();
    const deadline = Date.now() + Math.max(600_000, N * 1_500);
    let reported = 0;
    while (waiting.size < N) {
      if (Date.now() > deadline) {
        throw new Error(
          `only ${waiting.size} of ${N} incidents reached their gate; worker RSS peak so far ${peak.toFixed(0)} MiB`,
        );
      }
      // Progress on long runs (1,000 incidents take minutes on a loaded machine): at most every 10 s.
      if (Date.now() - reported >= 10_000) {
        reported = Date.now();
        console.error(
          `[bench] ${waiting.size} of ${N} at their gate after ${((Date.now() - t0) / 1000).toFixed(0)} s; ` +
            `worker RSS ${rssMiB(pid).toFixed(0)} MiB, peak ${peak.toFixed(0)} MiB`,
        );
      }
      await forEach(N, C, async (i) => {
        if (waiting.has(ids[i])) return;
        const s = await client.workflow
          .getHandle(ids[i])
          .query(statusQuery)
          .catch(() => undefined);
        if (s?.phase === 'awaiting-approval' && s.pendingApproval) waiting.add(ids[i]);
      });
      if (waiting.size < N) await new Promise((r) => setTimeout(r, 1_000));
    }
    const openSeconds = (Date.now() - t0) / 1000;
    // Let the worker settle with all of them cached, sampling on.
    await new Promise((r) => setTimeout(r, 5_000));
    sample();
    const now = rssMiB(pid);
    const hwm = peakMiB(pid);
    console.log(
      `${N} incidents waiting for approval after ${openSeconds.toFixed(1)} s; worker RSS now ${now.toFixed(0)} MiB, ` +
        `sampled peak ${peak.toFixed(0)} MiB (target ≤ ${TARGET_MIB} MiB); VmHWM since start ${hwm.toFixed(0)} MiB; ` +
        `whole group (tsx launcher, esbuild) peak ${groupPeak.toFixed(0)} MiB`,
    );
    const rows: BenchRow[] = [
      {
        workload: `worker peak RSS, ${N} incidents open and waiting for approval`,
        rebound: peak,
        baseline: idle,
        unit: 'MiB',
        ratio: ratioOf(peak, idle),
        target: `≤ ${TARGET_MIB} MiB (baseline: the same worker idle)`,
        pass: peak <= TARGET_MIB,
        notes:
          `all ${N} at their gate in ${openSeconds.toFixed(1)} s; VmHWM since start (workflow bundling included) ` +
          `${hwm.toFixed(0)} MiB; with the tsx launcher and esbuild ${groupPeak.toFixed(0)} MiB`,
      },
    ];
    if (REPLAY_ROWS > 0) {
      const before = rssMiB(pid);
      peak = 0; // from here on, the peak during the replay
      const replay = await replayOnWorker(config, client, prefix, REPLAY_ROWS);
      sample();
      console.log(
        `outbox replay of ${replay.rows} rows on the same worker, ${N} incidents still waiting: ${replay.outcome} ` +
          `in ${replay.seconds.toFixed(1)} s (${replay.produced} produced by it); worker RSS before ${before.toFixed(0)} MiB, ` +
          `sampled peak during it ${peak.toFixed(0)} MiB (target ≤ ${TARGET_MIB} MiB)`,
      );
      rows.push({
        workload: `worker peak RSS while replaying ${replay.rows} outbox rows, ${N} incidents open and waiting`,
        rebound: peak,
        baseline: before,
        unit: 'MiB',
        ratio: ratioOf(peak, before),
        target: `≤ ${TARGET_MIB} MiB (baseline: the same worker with the incidents waiting, before the replay)`,
        pass: peak <= TARGET_MIB && replay.outcome === 'recovered',
        notes: `replay ${replay.outcome} in ${replay.seconds.toFixed(1)} s, ${replay.produced} rows produced by it`,
      });
    }
    writeRows(values.out, rows);
  } finally {
    if (sampler) clearInterval(sampler);
    await terminateAll(client, ids);
    await worker.kill('SIGTERM');
    await client.connection.close();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
