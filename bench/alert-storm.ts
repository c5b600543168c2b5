// Alert-storm ingestion benchmark (a command, not a test):
//   npx tsx bench/alert-storm.ts [--alerts 2000] [--fingerprints 200] [--concurrency 32] [--rounds 3] [--out FILE]
// 1. Rebound: POSTs N Alertmanager v4 notifications (one alert each, K distinct fingerprints,
//    duplicates shuffled) to the real API (in this process, real Temporal server) at fixed
//    concurrency, from a load process of its own (bench/lib/alert-storm-load.ts), as Alertmanager
//    is one: sharing the API's event loop, the HTTP client's work was counted as the API's.
// 2. Raw: the same N alerts as plain `signalWithStart` calls from a Temporal client, same
//    concurrency, same workflow type and id scheme.
// Reports alerts/s, p50/p99 acknowledgement latency and incidents created (Temporal's own count,
// must equal K) for both, per round; rounds alternate which side goes first, and the ratio
// (target ≥ 0.8) is of the median rates. No worker polls the benchmark's task
// queues, so both sides measure intake only; every workflow it started is terminated at the end.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Client } from '@temporalio/client';
import { createApi } from '../client/api/create-api';
import { hashToken } from '../client/auth/token-hash';
import { TokenStore } from '../client/auth/token-store';
import { connectClient } from '../client/temporal-client';
import { loadConfig } from '../shared/config';
import { INCIDENT_WORKFLOW_TYPE, alertFiredSignal } from '../shared/incident';
import { REPO_ROOT } from '../shared/paths';
import { workflowTaskQueue } from '../shared/task-queues';
import { ratioOf, writeRows } from './lib/bench-row';
import { drive, type Run } from './lib/drive';
import { numberOption, parseCommandLine } from '../scripts/lib/command-line';

const execFileAsync = promisify(execFile);

const values = parseCommandLine(__filename, {
  alerts: { type: 'string', default: '2000' },
  fingerprints: { type: 'string', default: '200' },
  concurrency: { type: 'string', default: '32' },
  /** Rounds of both sides, in alternating order; the median rate of each side counts. */
  rounds: { type: 'string', default: '3' },
  out: { type: 'string' },
});
const N = numberOption(values.alerts, 'alerts');
const K = numberOption(values.fingerprints, 'fingerprints');
const C = numberOption(values.concurrency, 'concurrency');
const ROUNDS = numberOption(values.rounds, 'rounds');

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** Fingerprint of the i-th delivery: every fingerprint once first, then duplicates, shuffled by a fixed stride. */
function faultOf(i: number): number {
  return i < K ? i : (i * 7919) % K;
}

function alertOf(tag: string, i: number) {
  const f = faultOf(i);
  return {
    status: 'firing' as const,
    labels: { alertname: 'ReboundBenchStorm', instance: `node-${f}` },
    annotations: { summary: 'benchmark alert' },
    startsAt: '2026-01-01T00:00:00Z',
    endsAt: '0001-01-01T00:00:00Z',
    generatorURL: 'http://prometheus.bench/graph',
    fingerprint: `${tag}-${f}`,
  };
}

/** Incidents on the prefix's task queue, once visibility shows `expected` or stops changing. */
/**
 * Sends the notifications from a process of its own (bench/lib/alert-storm-load.ts), as
 * Alertmanager does: the HTTP client's work does not share the API's event loop. Throws if that
 * process fails.
 */
async function loadFromOwnProcess(dir: string, url: string, token: string, bodies: string[]): Promise<Run> {
  const file = join(dir, 'bodies.json'); // the run's own folder, rewritten each round
  writeFileSync(file, JSON.stringify(bodies));
  const { stdout } = await execFileAsync(
    join(REPO_ROOT, 'node_modules/.bin/tsx'),
    [join(REPO_ROOT, 'bench/lib/alert-storm-load.ts'), url, token, String(bodies.length), String(C), file],
    { maxBuffer: 64 * 1024 * 1024 },
  );
  return JSON.parse(stdout.trim().split('\n').pop()!) as Run;
}

async function countIncidents(client: Client, prefix: string, expected: number): Promise<number> {
  const query = `WorkflowType = '${INCIDENT_WORKFLOW_TYPE}' AND TaskQueue = '${workflowTaskQueue(prefix)}'`;
  // Visibility is eventually consistent: wait until the count stops changing.
  let last = -1;
  for (let i = 0; i < 60; i++) {
    const { count } = await client.workflow.count(query);
    if (count === expected || (count === last && count > 0)) return count;
    last = count;
    await new Promise((r) => setTimeout(r, 500));
  }
  return last;
}

async function terminateAll(client: Client, prefix: string): Promise<void> {
  const query = `TaskQueue = '${workflowTaskQueue(prefix)}' AND ExecutionStatus = 'Running'`;
  const ids: { id: string; run?: string }[] = [];
  for await (const wf of client.workflow.list({ query })) ids.push({ id: wf.workflowId, run: wf.runId });
  await drive(ids.length, 16, async (i) => {
    await client.workflow.getHandle(ids[i].id, ids[i].run).terminate('alert-storm benchmark cleanup');
    return true;
  });
}

interface Side {
  run: Run;
  /** Incidents this side's deliveries created (Temporal's count; must equal K). */
  incidents: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function report(name: string, { run, incidents }: Side) {
  const rate = N / run.seconds;
  console.log(
    `${name.padEnd(22)} ${rate.toFixed(0).padStart(6)} alerts/s   p50 ${percentile(run.latenciesMs, 50).toFixed(1).padStart(6)} ms   p99 ${percentile(run.latenciesMs, 99).toFixed(1).padStart(6)} ms   failures ${run.failures}   incidents ${incidents}${incidents === K ? '' : ` (expected ${K}!)`}`,
  );
  return rate;
}

async function main(): Promise<void> {
  const config = loadConfig();
  const tag = `bench-${process.pid}-${Date.now().toString(36)}`;
  const apiPrefix = `${tag}-api`;
  const rawPrefix = `${tag}-raw`;
  const token = `${tag}-token`;
  const dir = mkdtempSync(join(tmpdir(), 'rebound-bench-'));
  // No route matches the benchmark alert, as in a storm of unexpected alerts: one needs-human
  // incident per fingerprint (the default routing would work the same way).
  writeFileSync(join(dir, 'routing.yaml'), 'routes: []\n');
  const api = await createApi({
    config,
    tokens: TokenStore.fromDocument(
      {
        version: 1,
        principals: [{ name: 'alertmanager', tokenSha256: hashToken(token), roles: ['alerts:write'] }],
      },
      'bench',
    ),
    files: {
      routingFile: join(dir, 'routing.yaml'),
      schedulesFile: join(REPO_ROOT, 'config/schedules.yaml'),
      policyFile: join(REPO_ROOT, 'config/policy.yaml'),
    },
    taskQueuePrefix: apiPrefix,
  });
  const url = await api.app.listen({ host: '127.0.0.1', port: 0 });
  const client = await connectClient(config);
  console.log(
    `alert storm: ${N} notifications, ${K} fingerprints, concurrency ${C}, ${ROUNDS} rounds, Temporal ${config.temporal.address}`,
  );
  const prefixes: string[] = [apiPrefix];
  let apiIncidentsSoFar = 0;
  /** One side of one round: N deliveries on a task queue of its own; its rate and incidents. */
  const viaApi = async (round: number): Promise<Side> => {
    const routeTag = `${tag}-a${round}`;
    const bodies = Array.from({ length: N }, (_, i) =>
      JSON.stringify({
        version: '4',
        groupKey: '{}:{alertname="ReboundBenchStorm"}',
        truncatedAlerts: 0,
        status: 'firing',
        receiver: 'rebound',
        groupLabels: { alertname: 'ReboundBenchStorm' },
        commonLabels: {},
        commonAnnotations: {},
        externalURL: 'http://alertmanager.bench',
        alerts: [alertOf(routeTag, i)],
      }),
    );
    const run = await loadFromOwnProcess(dir, url, token, bodies);
    // The API has one task queue for every round: its incidents so far, less the earlier rounds'.
    const total = await countIncidents(client, apiPrefix, apiIncidentsSoFar + K);
    const incidents = total - apiIncidentsSoFar;
    apiIncidentsSoFar = total;
    return { run, incidents };
  };
  const raw = async (round: number): Promise<Side> => {
    const prefix = `${rawPrefix}${round}`;
    prefixes.push(prefix);
    const queue = workflowTaskQueue(prefix);
    const run = await drive(N, C, async (i) => {
      const alert = alertOf(`${tag}-r${round}`, i);
      await client.workflow.signalWithStart(INCIDENT_WORKFLOW_TYPE, {
        workflowId: `alert:${alert.fingerprint}`,
        taskQueue: queue,
        args: [{ incidentId: `alert:${alert.fingerprint}`, alert }],
        signal: alertFiredSignal,
        signalArgs: [{ ...alert, alertname: alert.labels.alertname, receivedAt: new Date().toISOString() }],
      });
      return true;
    });
    return { run, incidents: await countIncidents(client, prefix, K) };
  };
  try {
    const apiSides: Side[] = [];
    const rawSides: Side[] = [];
    // Alternating order (API first in odd rounds, raw first in even ones): neither side always
    // meets the Temporal server's state the other one left.
    for (let round = 1; round <= ROUNDS; round++) {
      if (round % 2 === 1) {
        apiSides.push(await viaApi(round));
        rawSides.push(await raw(round));
      } else {
        rawSides.push(await raw(round));
        apiSides.push(await viaApi(round));
      }
      report(`round ${round} rebound API`, apiSides[round - 1]);
      report(`round ${round} raw`, rawSides[round - 1]);
    }
    const apiRate = median(apiSides.map((x) => N / x.run.seconds));
    const rawRate = median(rawSides.map((x) => N / x.run.seconds));
    const allIncidents = [...apiSides, ...rawSides].every((x) => x.incidents === K);
    const failures = apiSides.reduce((n, x) => n + x.run.failures, 0);
    const apiLatencies = apiSides.flatMap((x) => x.run.latenciesMs).sort((a, b) => a - b);
    const rawLatencies = rawSides.flatMap((x) => x.run.latenciesMs).sort((a, b) => a - b);
    console.log(
      `median of ${ROUNDS} rounds: rebound API ${apiRate.toFixed(0)} alerts/s, raw ${rawRate.toFixed(0)} alerts/s; ` +
        `intake ratio ${(apiRate / rawRate).toFixed(2)}× the raw rate (target ≥ 0.80)`,
    );
    writeRows(values.out, [
      {
        workload: `alert storm intake, ${N} alerts, ${K} fingerprints, concurrency ${C}, median of ${ROUNDS} rounds`,
        rebound: apiRate,
        baseline: rawRate,
        unit: 'alerts/s',
        ratio: ratioOf(apiRate, rawRate),
        target: 'ratio ≥ 0.8, one incident per fingerprint, no failure',
        pass: apiRate / rawRate >= 0.8 && allIncidents && failures === 0,
        notes: `p99 ${percentile(apiLatencies, 99).toFixed(0)} ms vs ${percentile(rawLatencies, 99).toFixed(0)} ms; rounds ${apiSides.map((x) => (N / x.run.seconds).toFixed(0)).join('/')} vs ${rawSides.map((x) => (N / x.run.seconds).toFixed(0)).join('/')} alerts/s; ${allIncidents ? `${K} incidents each` : 'incident counts wrong'}`,
      },
    ]);
  } finally {
    await Promise.allSettled(prefixes.map((p) => terminateAll(client, p)));
    await api.close();
    await client.connection.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
