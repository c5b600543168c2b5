// The demo (`npm run demo`, after scripts/demo.sh started the stack): drives the whole system the
// way an operator would, through the `rebound` CLI and Alertmanager webhooks, while this script
// plays the infrastructure's part (producing a poison message, checking Postgres).
//
//   1. a health probe, triggered by hand
//   2. a poison message crashes the reference notification consumer; Alertmanager reports the
//      crash loop (three duplicate deliveries, as an HA pair would); one incident quarantines the
//      message, moves the group past it and restarts the consumer in safe mode
//   3. the kill switch holds a recovery; resume lets it finish
//   4. an org is deleted through the saga, with a human approval at the point of no return
//
// Every run is independent of what ran before (npm test, an earlier demo that failed halfway, a
// restarted stack): a preflight waits for the reference consumer, releases a kill switch left
// engaged, closes recoveries a failed run left open and lets Rebound recover a poison message a
// failed run left on the topic; each run uses its own event ids, fingerprints, resources and org,
// and recognises its own poison message by partition and offset.
//
// Usage: tsx scripts/demo.ts [--quick]   (--quick: skip the org deletion)
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { escapeIdentifier } from 'pg';
import { type ControlState, type IncidentSummary, type IncidentView } from '../shared/api/schemas';
import { type IntakeResult } from '../client/service/types';
import { loadConfig } from '../shared/config';
import { healthKey, instancesKey, type HealthRecord } from '../shared/consumer-control';
import { REPO_ROOT } from '../shared/paths';
import { NOTIFICATIONS_GROUP, NOTIFICATIONS_TOPIC } from '../platform/notifications/topic';
import { readDevTokens } from '../client/auth/dev-tokens';
import { readControl, writeControl } from '../consumer/control-store';
import { createKafka, createPool, createRedis } from '../workers/clients';

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

function healthProbe(): void {
  banner('1. A health probe, triggered by hand');
  // A resource of this run's own: the same resource probed again and again within the routing
  // file's recurrence window is a fault that "did not hold" and goes to a human instead.
  const resource = `stack:demo-probe-${randomUUID().slice(0, 8)}`;
  rebound(['trigger', 'health-probe', '--resource', resource, '--reason', 'demo', '--wait']);
}

async function poisonMessage(): Promise<void> {
  banner('2. A poison message crash-loops the notification consumer');
  const run = randomUUID().slice(0, 8);
  const kafka = createKafka(config, 'rebound-demo');
  const redis = createRedis(config, 'rebound-demo');
  const pool = createPool(config, 'platform', 2);
  const producer = kafka.producer({ idempotent: true });
  try {
    const orgId = randomUUID();
    const event = (i: number) => ({
      key: orgId,
      value: JSON.stringify({ eventId: `demo-${run}-${i}`, orgId, type: 'invoice.paid', amount: i }),
    });
    await producer.connect();
    await producer.send({ topic: TOPIC, messages: Array.from({ length: 10 }, (_, i) => event(i)) });
    const [poison] = await producer.send({
      topic: TOPIC,
      messages: [{ key: orgId, value: `{"eventId":"demo-${run}-poison","type":"broken"` }],
    });
    const poisonRef = `${TOPIC}:${poison.partition}:${poison.baseOffset}`;
    await producer.send({ topic: TOPIC, messages: Array.from({ length: 10 }, (_, i) => event(10 + i)) });
    note(
      `produced 10 events, 1 malformed event, 10 more events to ${TOPIC} (all with key ${orgId.slice(0, 8)}…)`,
    );

    // This run's poison message, recognised by its partition and offset (an earlier run's halt
    // may still be in the health record).
    let failing: HealthRecord['lastError'] = null;
    let health: HealthRecord[] = [];
    for (let i = 0; i < 60 && !failing; i++) {
      health = await consumerHealth(redis);
      failing =
        health
          .map((h) => h.lastError)
          .find((e) => e && `${e.topic}:${e.partition}:${e.offset}` === poisonRef) ?? null;
      if (!failing) await sleep(500);
    }
    if (!failing) {
      throw new DemoFailure(
        `the consumer did not halt on the malformed event ${poisonRef} within 30 s; it reports: ${describeHealth(health)}`,
      );
    }
    check(true, `the consumer stopped itself at ${poisonRef} (${failing.error})`);

    note('Alertmanager (an HA pair) delivers the crash-loop alert three times:');
    const fingerprint = `demo${run}`;
    const alert = {
      status: 'firing',
      labels: { alertname: 'KafkaConsumerCrashLoop', group: GROUP, topic: TOPIC, severity: 'critical' },
      annotations: { summary: 'notification-consumer keeps failing', monitorFor: '20s', checkEvery: '5s' },
      startsAt: new Date().toISOString(),
      endsAt: '0001-01-01T00:00:00Z',
      generatorURL: 'http://prometheus.local/graph',
      fingerprint,
    };
    const webhook = {
      version: '4',
      groupKey: `{}:{alertname="KafkaConsumerCrashLoop"}`,
      status: 'firing',
      receiver: 'rebound',
      groupLabels: { alertname: 'KafkaConsumerCrashLoop' },
      commonLabels: alert.labels,
      commonAnnotations: alert.annotations,
      externalURL: 'http://alertmanager.local',
      truncatedAlerts: 0,
      alerts: [alert],
    };
    const replies = await Promise.all(
      [0, 1, 2].map(() => api<IntakeResult>('POST', '/v1/alerts/alertmanager', 'alertmanager', webhook)),
    );
    const actions = replies.map((r) => r.incidents[0].action).sort();
    note(`POST /v1/alerts/alertmanager ×3 → ${actions.join(', ')}`);
    check(actions.filter((a) => a === 'started').length <= 1, 'one incident, the duplicates attached to it');
    const incidentId = replies[0].incidents[0].incidentId;

    const view = await follow(incidentId);
    const result = view.incident.result;
    check(result?.outcome === 'recovered', `incident closed ${result?.outcome}: ${result?.summary}`);

    const counts = await pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM notifications WHERE event_id LIKE $1`,
      [`demo-${run}-%`],
    );
    check(
      counts.rows[0].n === 20,
      `all 20 good events are in Postgres exactly once (${counts.rows[0].n} rows), the poison one is not`,
    );
    // Normal mode is restored by the playbook's last step; the consumer rejoins the group after it.
    let after: HealthRecord[] = [];
    for (let i = 0; i < 60; i++) {
      after = await consumerHealth(redis);
      if (after.some((h) => h.state === 'running' && h.mode === 'normal')) break;
      await sleep(500);
    }
    check(
      after.some((h) => h.state === 'running' && h.mode === 'normal'),
      `the consumer runs again in normal mode (${describeHealth(after)})`,
    );

    rebound(['status', incidentId]);
    rebound(['report', incidentId]);
  } finally {
    await producer.disconnect().catch(() => undefined);
    await Promise.allSettled([redis.quit(), pool.end()]);
  }
}

async function killSwitch(): Promise<void> {
  banner('3. The kill switch holds recoveries; resume lets them finish');
  rebound(['pause', '--reason', 'demo: change freeze']);
  const resource = `stack:demo-${randomUUID().slice(0, 8)}`;
  const out = rebound(['--json', 'trigger', 'health-probe', '--resource', resource, '--reason', 'demo'], {
    quiet: true,
  });
  const { incidentId } = JSON.parse(out) as { incidentId: string };
  try {
    await sleep(3_000);
    const held = await api<IncidentView>(
      'GET',
      `/v1/incidents/${encodeURIComponent(incidentId)}`,
      'operator',
    );
    check(
      held.running && held.runs.length === 0,
      `incident ${incidentId} waits: no recovery started while paused`,
    );
  } finally {
    rebound(['resume']);
  }
  const done = await follow(incidentId);
  check(done.incident.result?.outcome === 'recovered', 'after resume it ran and recovered');
}

async function orgDeletion(): Promise<void> {
  banner('4. Deleting an org: saga, grace period, approval at the point of no return');
  const created = JSON.parse(
    rebound([
      '--json',
      'platform',
      'org',
      'create',
      '--members',
      '5',
      '--workflows',
      '3',
      '--notifications',
      '10',
    ]),
  ) as { orgId?: string; id?: string };
  const orgId = created.orgId ?? created.id;
  check(typeof orgId === 'string', `created org ${orgId}`);
  const out = rebound([
    '--json',
    'trigger',
    'org-deletion',
    '--resource',
    `org:${orgId}`,
    '--params',
    JSON.stringify({ orgId, gracePeriod: '5s', mode: 'delete' }),
    '--reason',
    'customer asked to close the account',
  ]);
  const { incidentId } = JSON.parse(out) as { incidentId: string };
  const waiting = await follow(incidentId, (v) => !v.running || !!(v.playbook ?? v.incident).pendingApproval);
  if ((waiting.playbook ?? waiting.incident).pendingApproval) {
    rebound(['approve', incidentId, '--as', 'alice', '--comment', 'verified with the customer']);
  }
  const done = await follow(incidentId);
  check(
    done.incident.result?.outcome === 'recovered',
    `incident closed ${done.incident.result?.outcome}: ${done.incident.result?.summary}`,
  );
  const pool = createPool(config, 'platform', 1);
  try {
    const tables = await pool.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.columns WHERE table_schema = 'public' AND column_name = 'org_id'`,
    );
    let left = 0;
    for (const { table_name } of tables.rows) {
      left += (
        await pool.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM ${escapeIdentifier(table_name)} WHERE org_id = $1`,
          [orgId],
        )
      ).rows[0].n;
    }
    left += (await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM orgs WHERE id = $1', [orgId]))
      .rows[0].n;
    check(left === 0, `no row references the org in any of ${tables.rows.length + 1} platform tables`);
  } finally {
    await pool.end();
  }
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  rebound(['stack', 'status']);
  await preflight();
  healthProbe();
  await poisonMessage();
  await killSwitch();
  if (!quick) await orgDeletion();
  banner(`Done in ${elapsed()}`);
  note(`Temporal web UI: http://${config.temporal.address.split(':')[0]}:${config.temporal.uiPort}`);
  note(`API: ${API}/openapi.json · incidents: rebound list · stop everything: rebound stack down`);
}

main().catch((err: unknown) => {
  console.error(`\ndemo failed: ${err instanceof DemoFailure ? err.message : String(err)}`);
  process.exit(1);
});
