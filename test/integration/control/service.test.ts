// The service layer against the real Temporal dev server, a real worker process and the real
// Rebound database, on a task-queue prefix of its own (its kill switch and budget are scoped to it).
import { WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Pool } from 'pg';
import { connectClient } from '../../../client/temporal-client';
import { ReboundService } from '../../../client/service/rebound-service';
import { scheduleIdFor } from '../../../client/service/schedules';
import { ServiceError, type Principal } from '../../../client/service/types';
import { type AlertmanagerWebhook } from '../../../shared/api/schemas';
import { loadConfig } from '../../../shared/config';
import { REPO_ROOT } from '../../../shared/paths';
import { RoutingTable } from '../../../shared/routing/routing-table';
import { routingFileSchema } from '../../../shared/routing/schema';
import { approveUpdate, statusQuery, type PlaybookStatus } from '../../../shared/workflow-interface';
import { createPool } from '../../../workers/clients';
import { FORGER_KEY, TEST_SIGNING_KEY, gateOf, signDecision } from '../../support/decisions';
import { uniquePrefix } from '../../support/temporal-env';
import { startWorkerProcess, type WorkerProcess } from '../../support/worker-process';

jest.setTimeout(180_000);

const config = loadConfig();
const prefix = uniquePrefix('ctl');
const alertmanager: Principal = { name: 'alertmanager', roles: ['alerts:write'] };
const alice: Principal = { name: 'alice', roles: ['approver', 'incidents:read'] };
const admin: Principal = { name: 'admin', roles: ['admin'] };
const routingDocument = {
  guardrails: { budget: { max: 50, window: '10m' }, needsHumanTimeout: '1h', maxRunsPerIncident: 2 },
  routes: [
    {
      name: 'dependency-health',
      match: { alertname: 'ReboundDependencyDown' },
      playbook: 'health-probe',
      resource: 'stack:{{labels.stack}}',
      classification: { category: 'transient', recoverability: 'automatic' },
    },
    {
      name: 'security-probe',
      match: { alertname: 'SuspiciousAccess' },
      playbook: 'health-probe',
      resource: 'stack:{{labels.stack}}',
      classification: { category: 'security', recoverability: 'approval' },
    },
  ],
};
const routing = new RoutingTable(routingFileSchema.parse(routingDocument));
const schedulesDir = mkdtempSync(join(tmpdir(), 'rebound-schedules-'));
const schedulesFile = join(schedulesDir, 'schedules.yaml');

let worker: WorkerProcess;
let client: Client;
let pool: Pool;
let service: ReboundService;
const touched = new Set<string>();

beforeAll(async () => {
  // The worker holds incident inputs to the same routing file (JSON is YAML).
  const routingFile = join(schedulesDir, 'routing.yaml');
  writeFileSync(routingFile, JSON.stringify(routingDocument));
  [worker, client] = await Promise.all([
    startWorkerProcess(prefix, { REBOUND_ROUTING_FILE: routingFile }),
    connectClient(config),
  ]);
  pool = createPool(config, 'state');
  service = new ReboundService({
    client,
    config,
    statePool: pool,
    routing,
    schedulesFile,
    signingKey: () => TEST_SIGNING_KEY,
    taskQueuePrefix: prefix,
  });
}, 120_000);

afterAll(async () => {
  for await (const s of client.schedule.list()) {
    if (s.scheduleId.startsWith(`${prefix}:`)) await client.schedule.getHandle(s.scheduleId).delete();
  }
  await service?.resume(admin).catch(() => undefined);
  await worker?.kill();
  await pool?.end();
  await client?.connection.close();
});

function webhook(
  alerts: { name: string; stack: string; fp: string; status?: 'firing' | 'resolved' }[],
): AlertmanagerWebhook {
  return {
    version: '4',
    groupKey: '{}:{}',
    status: 'firing',
    receiver: 'rebound',
    groupLabels: {},
    commonLabels: {},
    commonAnnotations: {},
    alerts: alerts.map((a) => ({
      status: a.status ?? 'firing',
      labels: { alertname: a.name, stack: a.stack },
      annotations: { summary: `${a.name} on ${a.stack}` },
      startsAt: '2025-06-01T10:00:00Z',
      fingerprint: a.fp,
    })),
  };
}

async function until<T>(what: string, fn: () => Promise<T | undefined>, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const statusOf = (id: string) => client.workflow.getHandle(id).query(statusQuery);
const phaseIs = (id: string, phase: PlaybookStatus['phase']) => async () => {
  const s = await statusOf(id);
  return s.phase === phase ? s : undefined;
};

test('concurrent duplicate alerts attach to one incident; the kill switch holds it and resume finishes it', async () => {
  const paused = await service.pause(admin, 'integration test');
  expect(paused.paused).toBe(true);
  const stack = `${prefix}-dedup`;
  const deliveries = Array.from({ length: 25 }, () =>
    service.ingestAlertmanager(
      webhook([{ name: 'ReboundDependencyDown', stack, fp: `fp-${stack}` }]),
      alertmanager,
    ),
  );
  const results = (await Promise.all(deliveries)).flatMap((r) => r.incidents);
  const incidentId = `incident:health-probe:stack:${stack}`;
  touched.add(incidentId);
  expect(new Set(results.map((r) => r.incidentId))).toEqual(new Set([incidentId]));
  expect(results.filter((r) => r.action === 'started')).toHaveLength(1);
  expect(results.filter((r) => r.action === 'attached')).toHaveLength(24);

  // New incidents read the persistent flag: it waits before starting its playbook.
  await until('incident paused', phaseIs(incidentId, 'paused'));
  const running = await until('listed', async () => {
    const l = await service.list({ status: 'running', resource: `stack:${stack}` });
    return l.length === 1 ? l : undefined;
  });
  expect(running[0].incidentId).toBe(incidentId);
  const view = await service.get(incidentId);
  expect(view.repeats).toBe(24);
  expect(view.runs).toEqual([]);

  const resumed = await service.resume(admin);
  expect(resumed.paused).toBe(false);
  expect(resumed.signalled).toBeGreaterThanOrEqual(1);
  const result = await client.workflow.getHandle(incidentId).result();
  expect(result.outcome).toBe('recovered');
  const closed = await service.get(incidentId);
  expect(closed.runs).toEqual([{ workflowId: `${closed.episodeId}/run-1`, outcome: 'recovered' }]);
});

test('security incident: a forged approval is refused (raw client and API) and audited; pause holds the approved recovery; resume finishes it', async () => {
  const stack = `${prefix}-sec`;
  const [res] = (
    await service.ingestAlertmanager(
      webhook([{ name: 'SuspiciousAccess', stack, fp: `fp-${stack}` }]),
      alertmanager,
    )
  ).incidents;
  const incidentId = res.incidentId;
  touched.add(incidentId);
  expect(res.action).toBe('started');
  const pending = await until('approval pending', async () => (await statusOf(incidentId)).pendingApproval);

  // A raw Temporal client cannot approve: the validator rejects an unsigned/forged decision.
  expect(pending.id).toBeDefined();
  const forged = signDecision(
    { ...(await gateOf(client.workflow.getHandle(incidentId))), principal: 'alice', decision: 'approve' },
    FORGER_KEY,
  );
  const raw = await client.workflow
    .getHandle(incidentId)
    .executeUpdate(approveUpdate, { args: [forged] })
    .catch((e: unknown) => e);
  expect(raw).toBeInstanceOf(WorkflowUpdateFailedError);
  expect((raw as WorkflowUpdateFailedError).cause).toMatchObject({ type: 'DecisionSignatureInvalid' });

  // Through the service, the initiator may not approve: refused, and the refusal is audited.
  const byInitiator = await service
    .decide(incidentId, { decision: 'approve' }, alertmanager)
    .catch((e: unknown) => e);
  expect(byInitiator).toBeInstanceOf(ServiceError);
  expect((byInitiator as ServiceError).code).toBe('forbidden');
  expect((byInitiator as ServiceError).type).toBe('SelfApproval');
  // The workflow audits validator refusals through its sink (written by the worker, asynchronously).
  await until('the refusal audited', async () => {
    const audited = await pool.query<{ actor: string }>(
      // An incident's entries are keyed by its episode, `<incidentId>#<runId>` (issue 10).
      `SELECT actor FROM audit_events WHERE split_part(workflow_id, '#', 1) = $1 AND kind = 'decision-refused'`,
      [incidentId],
    );
    return audited.rows.some((r) => r.actor === 'alertmanager') ? true : undefined;
  });

  await service.pause(admin, 'hold the approved recovery');
  const reply = await service.decide(incidentId, { decision: 'approve', comment: 'checked' }, alice);
  expect(reply.settled).toBe(true);
  await until('paused before the playbook', phaseIs(incidentId, 'paused'));
  expect((await service.get(incidentId)).runs).toEqual([]);
  await expect(service.decide(incidentId, { decision: 'approve' }, alice)).rejects.toMatchObject({
    code: 'conflict',
  });
  await service.resume(admin);
  const result = await client.workflow.getHandle(incidentId).result();
  expect(result.outcome).toBe('recovered');

  const report = await service.report(incidentId);
  for (const section of [
    '## Summary',
    '## Impact',
    '## Timeline',
    '## Root cause',
    '## Resolution',
    '## Follow-ups',
  ]) {
    expect(report).toContain(section);
  }
  expect(report).toContain('approval guardrail:run-1: approved (alice approved)');
  expect(report).toContain('decision-refused');
});

test('an unroutable alert becomes a needs-human incident with the alert attached; its resolution closes it', async () => {
  const fp = `fp-${prefix}-unknown`;
  const [res] = (
    await service.ingestAlertmanager(webhook([{ name: 'MysteryAlert', stack: 'x', fp }]), alertmanager)
  ).incidents;
  expect(res.incidentId).toBe(`incident:alert:${fp}`);
  touched.add(res.incidentId);
  await until('needs-human', phaseIs(res.incidentId, 'needs-human'));
  const view = await service.get(res.incidentId);
  expect(view.route?.reason).toContain('no routing rule matches alertname=MysteryAlert');
  expect(view.alerts.map((a) => a.fingerprint)).toEqual([fp]);
  const resolved = await service.ingestAlertmanager(
    webhook([{ name: 'MysteryAlert', stack: 'x', fp, status: 'resolved' }]),
    alertmanager,
  );
  expect(resolved.incidents[0].action).toBe('resolved');
  const result = await client.workflow.getHandle(res.incidentId).result();
  expect(result.outcome).toBe('resolved-before-action');
  // A resolved alert with nothing running is ignored, not started.
  const late = await service.ingestAlertmanager(
    webhook([{ name: 'MysteryAlert', stack: 'x', fp: `${fp}-never`, status: 'resolved' }]),
    alertmanager,
  );
  expect(late.incidents[0].action).toBe('ignored');
});

test('schedules are applied as Temporal Schedules (overlap SKIP), unchanged on re-apply, updated in place and paused from the file', async () => {
  const write = (every: string, paused: boolean) =>
    writeFileSync(
      schedulesFile,
      `schedules:\n  - id: probe-a\n    playbook: health-probe\n    resource: stack:${prefix}-sched\n    every: ${every}\n    paused: ${paused}\n  - id: probe-b\n    playbook: health-probe\n    resource: stack:${prefix}-sched-b\n    cron: ['0 3 * * *']\n`,
    );
  write('1h', false);
  expect(await service.applySchedules(admin)).toEqual({
    created: ['probe-a', 'probe-b'],
    updated: [],
    unchanged: [],
    undeclared: [],
  });
  expect(await service.applySchedules(admin)).toMatchObject({
    created: [],
    updated: [],
    unchanged: ['probe-a', 'probe-b'],
  });
  write('30m', true);
  expect(await service.applySchedules(admin)).toMatchObject({
    created: [],
    updated: ['probe-a'],
    unchanged: ['probe-b'],
  });
  const d = await client.schedule.getHandle(scheduleIdFor(prefix, 'probe-a')).describe();
  expect(d.policies.overlap).toBe('SKIP');
  expect(d.state.paused).toBe(true);
  expect(d.spec.intervals?.[0]?.every).toBe(30 * 60 * 1000);
  const views = await service.listSchedules();
  expect(views.map((v) => [v.id, v.exists, v.paused])).toEqual([
    ['probe-a', true, true],
    ['probe-b', true, false],
  ]);
  writeFileSync(schedulesFile, 'schedules:\n  - id: Bad_Id\n    playbook: health-probe\n');
  await expect(service.applySchedules(admin)).rejects.toThrow(/schedules\.yaml:2/);
});

test('no secret appears in the recorded histories of these incidents or of test/histories', async () => {
  const secrets = [
    config.postgres.password,
    TEST_SIGNING_KEY.privateKey,
    'postgres://',
    'postgresql://',
    'redis://',
  ];
  const tokensFile = join(REPO_ROOT, '.rebound', 'dev-tokens.json');
  if (existsSync(tokensFile)) {
    const tokens = JSON.parse(readFileSync(tokensFile, 'utf8')) as Record<string, { token: string }>;
    secrets.push(...Object.values(tokens).map((t) => t.token));
  }
  const texts: [string, string][] = [];
  for (const id of touched) {
    texts.push([id, JSON.stringify(await client.workflow.getHandle(id).fetchHistory())]);
    const view = await service.get(id);
    for (const r of view.runs)
      texts.push([
        r.workflowId,
        JSON.stringify(await client.workflow.getHandle(r.workflowId).fetchHistory()),
      ]);
  }
  const dir = join(REPO_ROOT, 'test', 'histories');
  for (const f of readdirSync(dir)) texts.push([f, readFileSync(join(dir, f), 'utf8')]);
  expect(texts.length).toBeGreaterThanOrEqual(5);
  for (const [name, text] of texts) {
    for (const secret of secrets) {
      if (text.includes(secret)) throw new Error(`${name} contains a secret (${secret.slice(0, 4)}…)`);
    }
  }
});
