// Alert-storm ingestion benchmark (a command, not a test):
//   npx tsx bench/alert-storm.ts [--alerts 2000] [--fingerprints 200] [--concurrency 32] [--out FILE]
// 1. Rebound: POSTs N Alertmanager v4 notifications (one alert each, K distinct fingerprints,
//    duplicates shuffled) to the real API (in-process, real Temporal server) at fixed concurrency.
// 2. Raw: the same N alerts as plain `signalWithStart` calls from a Temporal client, same
//    concurrency, same workflow type and id scheme.
// Reports alerts/s, p50/p99 acknowledgement latency and incidents created (Temporal's own count,
// must equal K) for both, and the ratio (target ≥ 0.8). No worker polls the benchmark's task
// queues, so both sides measure intake only; every workflow it started is terminated at the end.
import { parseArgs } from 'node:util';
import { mkdtempSync, writeFileSync } from 'node:fs';
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

interface Run {
  seconds: number;
  latenciesMs: number[];
  failures: number;
}

const { values } = parseArgs({
  options: {
    alerts: { type: 'string', default: '2000' },
    fingerprints: { type: 'string', default: '200' },
    concurrency: { type: 'string', default: '32' },
    out: { type: 'string' },
  },
});
const N = Number(values.alerts);
const K = Number(values.fingerprints);
const C = Number(values.concurrency);

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** Runs `send(i)` for i in 0..n-1 with `c` in flight at a time, timing each. */
async function drive(n: number, c: number, send: (i: number) => Promise<boolean>): Promise<Run> {
  const latenciesMs: number[] = [];
  let failures = 0;
  let next = 0;
  const start = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: c }, async () => {
      while (next < n) {
        const i = next++;
        const t0 = process.hrtime.bigint();
        const ok = await send(i).catch(() => false);
        latenciesMs.push(Number(process.hrtime.bigint() - t0) / 1e6);
        if (!ok) failures += 1;
      }
    }),
  );
  return {
    seconds: Number(process.hrtime.bigint() - start) / 1e9,
    latenciesMs: latenciesMs.sort((a, b) => a - b),
    failures,
  };
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

async function countIncidents(client: Client, prefix: string): Promise<number> {
  const query = `WorkflowType = '${INCIDENT_WORKFLOW_TYPE}' AND TaskQueue = '${workflowTaskQueue(prefix)}'`;
  // Visibility is eventually consistent: wait until the count stops changing.
  let last = -1;
  for (let i = 0; i < 60; i++) {
    const { count } = await client.workflow.count(query);
    if (count === last && count > 0) return count;
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

function report(name: string, run: Run, incidents: number) {
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
    `alert storm: ${N} notifications, ${K} fingerprints, concurrency ${C}, Temporal ${config.temporal.address}`,
  );
  try {
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
        alerts: [alertOf(`${tag}-a`, i)],
      }),
    );
    const viaApi = await drive(N, C, async (i) => {
      const res = await fetch(`${url}/v1/alerts/alertmanager`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: bodies[i],
      });
      await res.arrayBuffer();
      return res.status === 202;
    });

    const queue = workflowTaskQueue(rawPrefix);
    const raw = await drive(N, C, async (i) => {
      const alert = alertOf(`${tag}-r`, i);
      await client.workflow.signalWithStart(INCIDENT_WORKFLOW_TYPE, {
        workflowId: `alert:${alert.fingerprint}`,
        taskQueue: queue,
        args: [{ incidentId: `alert:${alert.fingerprint}`, alert }],
        signal: alertFiredSignal,
        signalArgs: [{ ...alert, alertname: alert.labels.alertname, receivedAt: new Date().toISOString() }],
      });
      return true;
    });

    const apiIncidents = await countIncidents(client, apiPrefix);
    const apiRate = report('rebound API (HTTP)', viaApi, apiIncidents);
    const rawRate = report('raw signalWithStart', raw, await countIncidents(client, rawPrefix));
    console.log(`intake ratio: ${(apiRate / rawRate).toFixed(2)}× the raw rate (target ≥ 0.80)`);
    writeRows(values.out, [
      {
        workload: `alert storm intake, ${N} alerts, ${K} fingerprints, concurrency ${C}`,
        rebound: apiRate,
        baseline: rawRate,
        unit: 'alerts/s',
        ratio: ratioOf(apiRate, rawRate),
        target: 'ratio ≥ 0.8, one incident per fingerprint, no failure',
        pass: apiRate / rawRate >= 0.8 && apiIncidents === K && viaApi.failures === 0,
        notes: `p99 ${percentile(viaApi.latenciesMs, 99).toFixed(0)} ms vs ${percentile(raw.latenciesMs, 99).toFixed(0)} ms; incidents ${apiIncidents}/${K}`,
      },
    ]);
  } finally {
    await Promise.allSettled([terminateAll(client, apiPrefix), terminateAll(client, rawPrefix)]);
    await api.close();
    await client.connection.close();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
