// The real API in-process (client/api/create-api.ts) on a test task-queue prefix, against the real
// Temporal server, with a real worker process on the same prefix, the test decision key, fixed
// test tokens and a test routing file. Cleans up what it started, terminating its own workflows.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Client } from '@temporalio/client';
import { createApi, type RunningApi } from '../../../client/api/create-api';
import { DEV_PRINCIPALS } from '../../../client/auth/dev-tokens';
import { type RoleName } from '../../../client/auth/roles';
import { type SigningKey } from '../../../shared/secrets';
import { hashToken } from '../../../client/auth/token-hash';
import { TokenStore } from '../../../client/auth/token-store';
import { connectClient } from '../../../client/temporal-client';
import { loadConfig } from '../../../shared/config';
import { REPO_ROOT } from '../../../shared/paths';
import { workflowTaskQueue } from '../../../shared/task-queues';
import { TEST_SIGNING_KEY } from '../../support/decisions';
import { uniquePrefix } from '../../support/temporal-env';
import { startWorkerProcess, type WorkerProcess } from '../../support/worker-process';

/** Routes the test alert `ReboundApiTestProbe` to the read-only health-probe playbook. */
const ROUTING = `
guardrails:
  budget: { max: 50, window: 10m }
  needsHumanTimeout: 1h
routes:
  - name: api-test-probe
    match: { alertname: ReboundApiTestProbe }
    playbook: health-probe
    resource: 'stack:{{labels.instance}}'
    classification: { severity: WARNING, category: transient, recoverability: automatic }
`;

export interface ApiHarness {
  prefix: string;
  url: string;
  client: Client;
  api: RunningApi;
  worker: WorkerProcess;
  tokens: Record<string, string>;
  /** The environment a further worker of this harness needs: the API's policy and routing files. */
  workerFiles: NodeJS.ProcessEnv;
  call(
    principal: string,
    method: 'GET' | 'POST' | 'PUT',
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: any }>; // eslint-disable-line @typescript-eslint/no-explicit-any
  close(): Promise<void>;
}

export interface ApiHarnessOptions {
  /** The routing file's text (default: the test probe route). */
  routing?: string;
  /** The policy file's text (default: config/policy.yaml). */
  policy?: string;
  /** Principals besides the dev ones, with their roles. */
  principals?: Record<string, RoleName[]>;
  /** The API's signing key (default: the test key). */
  signingKey?: () => SigningKey;
  /** The worker process's environment (e.g. another keyring). */
  workerEnv?: NodeJS.ProcessEnv;
}

export async function startApiHarness(name: string, opts: ApiHarnessOptions = {}): Promise<ApiHarness> {
  const prefix = uniquePrefix(name);
  const dir = mkdtempSync(join(tmpdir(), 'rebound-api-'));
  const routingFile = join(dir, 'routing.yaml');
  writeFileSync(routingFile, opts.routing ?? ROUTING);
  const policyFile = join(dir, 'policy.yaml');
  writeFileSync(policyFile, opts.policy ?? readFileSync(join(REPO_ROOT, 'config/policy.yaml'), 'utf8'));
  const principals = { ...DEV_PRINCIPALS, ...opts.principals };
  const tokens = Object.fromEntries(Object.keys(principals).map((p) => [p, `${p}-${prefix}-token`]));
  const store = TokenStore.fromDocument(
    {
      version: 1,
      principals: Object.entries(principals).map(([p, roles]) => ({
        name: p,
        tokenSha256: hashToken(tokens[p]),
        roles,
      })),
    },
    'test',
  );
  const config = loadConfig();
  // The worker holds workflow inputs to the same files the API resolves triggers against.
  const workerFiles = { REBOUND_POLICY_FILE: policyFile, REBOUND_ROUTING_FILE: routingFile };
  const worker = await startWorkerProcess(prefix, { ...workerFiles, ...opts.workerEnv });
  const api = await createApi({
    config,
    tokens: store,
    files: {
      routingFile,
      schedulesFile: join(REPO_ROOT, 'config/schedules.yaml'),
      policyFile,
    },
    signingKey: opts.signingKey ?? (() => TEST_SIGNING_KEY),
    taskQueuePrefix: prefix,
  });
  const url = await api.app.listen({ host: '127.0.0.1', port: 0 });
  const client = await connectClient(config);
  return {
    prefix,
    url,
    client,
    api,
    worker,
    tokens,
    workerFiles,
    async call(principal, method, path, body) {
      const res = await fetch(`${url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${tokens[principal]}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      return {
        status: res.status,
        body: text && res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text,
      };
    },
    async close() {
      // Terminate whatever this test left running on its own task queue (needs-human incidents).
      const query = `TaskQueue = '${workflowTaskQueue(prefix)}' AND ExecutionStatus = 'Running'`;
      for await (const wf of client.workflow.list({ query }))
        await client.workflow
          .getHandle(wf.workflowId, wf.runId)
          .terminate('test cleanup')
          .catch(() => undefined);
      await api.close();
      await worker.kill();
      await client.connection.close();
    },
  };
}

export async function pollUntil<T>(
  what: string,
  fn: () => Promise<T | undefined>,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await fn();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}${last instanceof Error ? `: ${last.message}` : ''}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

export function alertmanagerWebhook(
  alerts: {
    fingerprint: string;
    alertname: string;
    status: 'firing' | 'resolved';
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  }[],
): Record<string, unknown> {
  return {
    version: '4',
    groupKey: `{}:{alertname="${alerts[0].alertname}"}`,
    truncatedAlerts: 0,
    status: alerts.every((a) => a.status === 'resolved') ? 'resolved' : 'firing',
    receiver: 'rebound',
    groupLabels: { alertname: alerts[0].alertname },
    commonLabels: {},
    commonAnnotations: {},
    externalURL: 'http://alertmanager.test',
    notification_reason: 'new_alerts',
    routeLabels: { receiver: 'rebound' },
    alerts: alerts.map((a) => ({
      status: a.status,
      labels: { alertname: a.alertname, ...a.labels },
      annotations: { summary: `${a.alertname} ${a.fingerprint}`, ...a.annotations },
      startsAt: '2026-01-01T00:00:00Z',
      endsAt: a.status === 'resolved' ? '2026-01-01T00:05:00Z' : '0001-01-01T00:00:00Z',
      generatorURL: 'http://prometheus.test/graph',
      fingerprint: a.fingerprint,
    })),
  };
}
