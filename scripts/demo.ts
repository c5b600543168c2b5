// The demo (`npm run demo`, after scripts/demo.sh started the stack): real faults, one scenario
// after another, and the real path acts on each: the platform exporter measures the fault,
// Prometheus fires its rule, Alertmanager delivers the alert to Rebound's webhook, Rebound runs
// the playbook (approvals as the demo approver after a pause, or by a person with --interactive),
// and the alert resolves. The scenarios are in scripts/demo/scenarios/, the runner in
// scripts/demo/scenario.ts; this file keeps the preflight and the command line.
//
// Every run is independent of what ran before (npm test, an earlier demo that failed halfway, a
// restarted stack): a preflight waits for the reference consumer, releases a kill switch left
// engaged, closes recoveries a failed run left open, lets Rebound recover a poison message a
// failed run left on the topic and expires a silence an interrupted npm test left; each run uses
// resources of its own (consumer group and topic, orgs, cache keys, outbox topic) and removes them.
//
// Usage: npm run demo -- [--quick] [--interactive] [--only NAME[,NAME]] [--approval-pause S]
//   --quick             skip the two org scenarios (the slowest)
//   --interactive       at an approval gate, print the command and wait for a person instead
//   --only NAME[,NAME]  run only these scenarios (an unknown name is refused with the list)
//   --approval-pause S  seconds the demo approver waits before approving a gate (default 3)
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { type ControlState, type IncidentSummary, type IncidentView } from '../shared/api/schemas';
import { loadConfig } from '../shared/config';
import { healthKey, instancesKey, type HealthRecord } from '../shared/consumer-control';
import { REPO_ROOT } from '../shared/paths';
import { NOTIFICATIONS_GROUP, NOTIFICATIONS_TOPIC } from '../platform/notifications/topic';
import { readDevTokens } from '../client/auth/dev-tokens';
import { readControl, writeControl } from '../consumer/control-store';
import { Demo } from './demo/harness';
import { monitoringPreflight } from './demo/monitoring-preflight';
import { runScenario, type ScenarioResult } from './demo/scenario';
import { selectScenarios } from './demo/scenarios';
import { summaryTable, whereToLook } from './demo/summary';
import { createRedis } from '../workers/clients';
import { numberOption, parseCommandLine } from './lib/command-line';

const config = loadConfig();
const API = `http://${config.api.host}:${config.api.port}`;
const REBOUND = join(REPO_ROOT, 'bin', 'rebound');
const GROUP = NOTIFICATIONS_GROUP;
const TOPIC = NOTIFICATIONS_TOPIC;
const started = Date.now();

const bold = (s: string) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)}s`;
function banner(title: string): void {
  console.log(`\n${bold(`── ${title} `.padEnd(78, '─'))}`);
}
function note(text: string): void {
  console.log(`   ${text}`);
}

class DemoFailure extends Error {}
function check(ok: boolean, what: string): void {
  if (!ok) throw new DemoFailure(what);
  note(`✔ ${what}`);
}

/** Runs the CLI as an operator would type it, echoing the command and its output. */
function rebound(args: string[], opts: { quiet?: boolean; allowFail?: boolean } = {}): string {
  console.log(`\n$ rebound ${args.map((a) => (/[\s{}"]/.test(a) ? `'${a}'` : a)).join(' ')}`);
  const r = spawnSync(REBOUND, args, { encoding: 'utf8', env: process.env });
  const out = `${r.stdout}${r.stderr ? r.stderr.replace(/^npm warn .*\n/gm, '') : ''}`.trimEnd();
  if (!opts.quiet && out) console.log(out.replace(/^/gm, '  '));
  if (r.status !== 0 && !opts.allowFail) throw new DemoFailure(`rebound ${args[0]} exited ${r.status}`);
  return r.stdout;
}

async function api<T>(method: string, path: string, principal: string, body?: unknown): Promise<T> {
  const token = readDevTokens()?.[principal]?.token;
  if (!token) throw new DemoFailure(`no dev token for ${principal}: did 'rebound stack up' run?`);
  const res = await fetch(`${API}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  if (!res.ok) throw new DemoFailure(`${method} ${path}: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Follows an incident through the API, printing each change of phase or step, until it closes. */
async function follow(
  incidentId: string,
  until?: (v: IncidentView) => boolean,
  timeoutMs = 300_000,
): Promise<IncidentView> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    const view = await api<IncidentView>(
      'GET',
      `/v1/incidents/${encodeURIComponent(incidentId)}`,
      'operator',
    );
    const s = view.playbook ?? view.incident;
    const step = s.steps.at(-1);
    const line = `${s.phase}${s.paused ? ' (paused)' : ''}${step ? ` · ${step.name} ${step.state}` : ''}${
      s.pendingApproval ? ` · waiting for: ${s.pendingApproval.question}` : ''
    }`;
    if (line !== last) note(`[${elapsed()}] ${line}`);
    last = line;
    if (until ? until(view) : !view.running) return view;
    if (Date.now() > deadline)
      throw new DemoFailure(`incident ${incidentId} did not get there in ${timeoutMs / 1000}s`);
    await sleep(1_000);
  }
}

async function consumerHealth(redis: ReturnType<typeof createRedis>): Promise<HealthRecord[]> {
  const ids = await redis.zrange(instancesKey(GROUP), 0, -1);
  const raw = await Promise.all(ids.map((id) => redis.get(healthKey(GROUP, id))));
  return raw.filter((r): r is string => r !== null).map((r) => JSON.parse(r) as HealthRecord);
}

/** The consumer's health once it runs in normal mode or has halted on a message (30 s at most). */
async function settledHealth(redis: ReturnType<typeof createRedis>): Promise<HealthRecord[]> {
  let health: HealthRecord[] = [];
  for (let i = 0; i < 60; i++) {
    health = await consumerHealth(redis);
    if (health.some((h) => h.state === 'running' && h.mode === 'normal')) break;
    if (health.some((h) => h.state === 'crashed' && h.lastError)) break;
    await sleep(500);
  }
  return health;
}

function describeHealth(h: HealthRecord[]): string {
  if (h.length === 0)
    return 'no instance reports health (is the notification_consumer part up? see rebound stack status)';
  return h
    .map((r) => {
      const why = r.lastCrash
        ? `, Kafka client error since ${r.lastCrash.since}: ${r.lastCrash.error}`
        : r.state === 'crashed' && r.lastError
          ? `, halted on ${r.lastError.topic}:${r.lastError.partition}:${r.lastError.offset}: ${r.lastError.error}`
          : '';
      return `${r.state} in ${r.mode} mode${why}`;
    })
    .join('; ');
}

/**
 * Brings the reference system to the state the demo starts from, whatever ran before, saying what
 * it found and did. Throws a DemoFailure that says what to do when it cannot.
 */
async function preflight(): Promise<void> {
  banner('0. Preflight: the reference system is healthy');
  const control = await api<ControlState>('GET', '/v1/control', 'operator');
  if (control.paused) {
    note(
      `the kill switch was left engaged (${control.reason ?? 'no reason'}, by ${control.by ?? '?'}): releasing it`,
    );
    rebound(['resume']);
  }
  const open = await api<{ incidents: IncidentSummary[] }>(
    'GET',
    `/v1/incidents?status=running&resource=${encodeURIComponent(`group:${GROUP}`)}`,
    'operator',
  );
  for (const incident of open.incidents) {
    note(`an earlier run left incident ${incident.incidentId} open: cancelling it`);
    rebound(['cancel', incident.incidentId], {
      allowFail: true,
    });
    await follow(incident.incidentId, undefined, 120_000);
  }
  const redis = createRedis(config, 'rebound-demo-preflight');
  try {
    const control = await readControl(redis, GROUP);
    if (control.mode !== 'normal') {
      // A recovery that an earlier run left unfinished (its incident is closed by now) may have
      // left the group stopped or in safe mode: as the platform's operator, set it back.
      note(`the group was left in ${control.mode} mode by an earlier run: setting it back to normal`);
      await writeControl(
        redis,
        GROUP,
        { mode: 'normal', skip: control.skip, maxParallelism: control.maxParallelism, debug: false },
        'rebound-demo-preflight',
      );
    }
    let health = await settledHealth(redis);
    const halted = health.find((h) => h.state === 'crashed' && h.lastError);
    if (halted?.lastError) {
      const e = halted.lastError;
      note(
        `the consumer is halted on ${e.topic}:${e.partition}:${e.offset} (${e.error}), a message an earlier run left on the topic: Rebound recovers it first`,
      );
      rebound([
        'trigger',
        'consumer-safe-mode-restart',
        '--resource',
        `group:${GROUP}`,
        '--params',
        JSON.stringify({ group: GROUP, topic: TOPIC, monitorFor: '10s', checkEvery: '2s' }),
        '--reason',
        'demo preflight: poison message left by an earlier run',
        '--wait',
      ]);
      health = await settledHealth(redis);
    }
    if (!health.some((h) => h.state === 'running' && h.mode === 'normal')) {
      throw new DemoFailure(
        `the reference notification consumer is not consuming: ${describeHealth(health)}. ` +
          `See .rebound/run/notification_consumer.log; 'rebound stack up' restarts a stopped part, ` +
          `'rebound stack reset' starts from a clean slate.`,
      );
    }
    check(true, `the reference consumer is running in normal mode (group ${GROUP})`);
  } finally {
    await redis.quit().catch(() => undefined);
  }
}

async function main(): Promise<void> {
  const values = parseCommandLine(__filename, {
    quick: { type: 'boolean', default: false },
    interactive: { type: 'boolean', default: false },
    only: { type: 'string' },
    'approval-pause': { type: 'string', default: '3' },
  });
  const approvalPauseS = numberOption(values['approval-pause'], 'approval-pause', { min: 0, integer: false });
  // An unknown scenario name is refused before anything is touched.
  const scenarios = selectScenarios(values.only, values.quick);
  rebound(['stack', 'status']);
  await preflight();
  const demo = new Demo(
    config,
    {
      interactive: values.interactive,
      approvalPauseS,
    },
    randomUUID().slice(0, 8),
  );
  // Interrupted (Ctrl-C): stop the processes the demo started; its per-run data stays, named
  // after the run, and never blocks a later run.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      for (const pid of demo.children) {
        try {
          process.kill(-pid, 'SIGTERM');
        } catch {
          // already gone
        }
      }
      process.exit(130);
    });
  }
  const results: ScenarioResult[] = [];
  try {
    await monitoringPreflight(demo);
    for (const [i, s] of scenarios.entries()) {
      results.push(await runScenario(demo, s, i + 1));
    }
  } finally {
    await demo.close();
  }
  banner(`Summary (run ${demo.run}, ${elapsed()}; times after each fault's injection)`);
  for (const line of summaryTable(results)) console.log(line);
  console.log('');
  for (const line of whereToLook(config, results)) note(line);
  const failed = results.filter((r) => r.error || r.outcome !== 'recovered' || r.resolvedAt === undefined);
  if (failed.length > 0) {
    throw new DemoFailure(
      `${failed.length} of ${results.length} scenarios did not recover with their alert resolved: ${failed
        .map((r) => `${r.name} (${r.error ?? r.outcome})`)
        .join('; ')}`,
    );
  }
  note(`every scenario recovered and every alert resolved`);
}

main().catch((err: unknown) => {
  console.error(`\ndemo failed: ${err instanceof DemoFailure ? err.message : String(err)}`);
  process.exit(1);
});
