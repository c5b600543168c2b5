// Runs the bad-input campaign against a running API: for each target, `runs` requests drawn from
// its arbitrary (fast-check, fixed seed so a finding can be replayed), sent `concurrency` at a time.
// Counts status codes and checks: no 5xx; no 2xx from a mutating endpoint (its inputs are all
// invalid; an alert notification may be accepted only with every alert rejected or ignored); no
// workflow started (Temporal's own count before and after each target); the server still answers
// /healthz after each target. Findings keep the request that produced them.
import fc from 'fast-check';
import { type Client } from '@temporalio/client';
import { fuzzTargets, pickedBy, type FuzzRequest, type FuzzTarget, type FuzzTokens } from './api-targets';

export interface TargetCounts {
  target: string;
  runs: number;
  byStatus: Record<string, number>;
  serverErrors: number;
  acceptedInvalid: number;
  transportErrors: number;
  workflowsBefore: number;
  workflowsAfter: number;
  aliveAfter: boolean;
  seconds: number;
  findings: { status: number | string; request: string; response: string }[];
}

export interface CampaignOptions {
  baseUrl: string;
  tokens: FuzzTokens;
  client: Client;
  /** The API's workflow task queue: every workflow an input could start lands on it. */
  taskQueue: string;
  runs: number;
  seed: number;
  concurrency: number;
  /** Only targets whose name contains one of these. */
  only?: string[];
  log?: (line: string) => void;
}

/** What of a request goes into a finding: enough to replay it, bodies cut to 300 characters. */
function describe(r: FuzzRequest): string {
  const b = r.body === undefined ? '' : typeof r.body === 'string' ? r.body : `<${r.body.length} bytes>`;
  return `${r.method} ${r.path.slice(0, 300)} ${JSON.stringify(r.headers).slice(0, 300)} ${b.slice(0, 300)}`;
}

async function send(baseUrl: string, r: FuzzRequest): Promise<{ status: number; text: string }> {
  const res = await fetch(baseUrl + r.path, {
    method: r.method,
    headers: r.headers,
    body: r.body,
    signal: AbortSignal.timeout(30_000),
  });
  return { status: res.status, text: await res.text() };
}

/** Intake actions that mean an alert reached an incident: none may come from an invalid alert. */
const REACHED = ['started', 'attached', 'resolved'];

function acceptedInvalid(target: FuzzTarget, status: number, text: string): boolean {
  if (!target.mutating || status >= 300) return false;
  if (target.name === 'POST /v1/alerts/alertmanager' && status === 202) {
    try {
      const reply = JSON.parse(text) as { incidents: { action: string }[] };
      return reply.incidents.some((i) => REACHED.includes(i.action));
    } catch {
      return true;
    }
  }
  return true;
}

/**
 * Incidents ever started on the API's task queue (running or closed), by Temporal's own count: the
 * API starts nothing else, and playbooks that other commands start directly on the same queue
 * (a benchmark on the stack's worker) are not counted against it.
 */
async function workflowCount(client: Client, taskQueue: string): Promise<number> {
  return (await client.workflow.count(`TaskQueue = '${taskQueue}' AND WorkflowType = 'incidentWorkflow'`))
    .count;
}

/** Runs the campaign; resolves with one count per target (throws only if the API is unreachable at start). */
export async function runApiCampaign(o: CampaignOptions): Promise<TargetCounts[]> {
  const health = await fetch(`${o.baseUrl}/healthz`);
  if (health.status !== 200) throw new Error(`the API at ${o.baseUrl} is not healthy (${health.status})`);
  const targets = fuzzTargets().filter((t) => pickedBy(t, o.only));
  const results: TargetCounts[] = [];
  for (const target of targets) {
    const t0 = Date.now();
    const requests = fc.sample(target.request(o.tokens), { numRuns: o.runs, seed: o.seed });
    const counts: TargetCounts = {
      target: target.name,
      runs: requests.length,
      byStatus: {},
      serverErrors: 0,
      acceptedInvalid: 0,
      transportErrors: 0,
      workflowsBefore: await workflowCount(o.client, o.taskQueue),
      workflowsAfter: 0,
      aliveAfter: false,
      seconds: 0,
      findings: [],
    };
    let next = 0;
    await Promise.all(
      Array.from({ length: o.concurrency }, async () => {
        while (next < requests.length) {
          const r = requests[next++];
          try {
            const { status, text } = await send(o.baseUrl, r);
            counts.byStatus[status] = (counts.byStatus[status] ?? 0) + 1;
            const bad = status >= 500 || acceptedInvalid(target, status, text);
            if (status >= 500) counts.serverErrors += 1;
            else if (bad) counts.acceptedInvalid += 1;
            if (bad && counts.findings.length < 20)
              counts.findings.push({ status, request: describe(r), response: text.slice(0, 300) });
          } catch (err) {
            // The server closing the connection on an over-limit body is its answer, not a crash;
            // /healthz below tells whether it is still alive.
            counts.transportErrors += 1;
            counts.byStatus.transport = (counts.byStatus.transport ?? 0) + 1;
            if (counts.findings.length < 20 && counts.transportErrors <= 3)
              counts.findings.push({ status: 'transport', request: describe(r), response: String(err) });
          }
        }
      }),
    );
    counts.workflowsAfter = await workflowCount(o.client, o.taskQueue);
    counts.aliveAfter = await fetch(`${o.baseUrl}/healthz`).then(
      (res) => res.status === 200,
      () => false,
    );
    counts.seconds = (Date.now() - t0) / 1000;
    o.log?.(
      `${target.name}: ${counts.runs} inputs in ${counts.seconds.toFixed(0)} s, statuses ${JSON.stringify(counts.byStatus)}, ` +
        `5xx ${counts.serverErrors}, invalid accepted ${counts.acceptedInvalid}, workflows ${counts.workflowsBefore} → ${counts.workflowsAfter}, alive ${counts.aliveAfter}`,
    );
    results.push(counts);
  }
  return results;
}

/** Whether a target's counts pass: no 5xx, nothing invalid accepted, no workflow started, alive. */
export function targetPassed(c: TargetCounts): boolean {
  return (
    c.serverErrors === 0 && c.acceptedInvalid === 0 && c.workflowsAfter === c.workflowsBefore && c.aliveAfter
  );
}
