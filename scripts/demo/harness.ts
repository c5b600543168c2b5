// What every demo scenario uses: the stack's clients, the Rebound API and CLI as an operator uses
// them, Prometheus and Alertmanager's APIs, and one timed line per step. Node-only (a script).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { type Redis } from 'ioredis';
import { type Kafka } from 'kafkajs';
import { type Pool } from 'pg';
import { readDevTokens } from '../../client/auth/dev-tokens';
import { Monitoring } from '../../client/monitoring';
import { type ReboundConfig } from '../../shared/config';
import { REPO_ROOT } from '../../shared/paths';
import { createKafka, createPool, createRedis } from '../../workers/clients';

export class DemoFailure extends Error {}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The approver the demo decides as, unless --interactive (a person then approves). */
export const DEMO_APPROVER = 'demo-approver';

export interface DemoOptions {
  /** Wait for a person to approve (print the command and poll) instead of approving as the demo. */
  interactive: boolean;
  /** Seconds the demo waits after printing an approve command before it approves. */
  approvalPauseS: number;
}

export class Demo {
  readonly api: string;
  readonly monitoring: Monitoring;
  readonly pool: Pool;
  readonly redis: Redis;
  readonly kafka: Kafka;
  /** Process groups the demo started (its own consumer): stopped if the demo is interrupted. */
  readonly children = new Set<number>();
  /** This run's id: every resource the demo creates carries it. */
  readonly run: string;
  private readonly t0 = Date.now();

  constructor(
    readonly config: ReboundConfig,
    readonly options: DemoOptions,
    run: string,
  ) {
    this.run = run;
    this.api = `http://${config.api.host}:${config.api.port}`;
    this.monitoring = new Monitoring(config);
    this.pool = createPool(config, 'platform', 3);
    this.redis = createRedis(config, 'rebound-demo');
    this.kafka = createKafka(config, 'rebound-demo');
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.pool.end(), this.redis.quit()]);
  }

  /** Seconds since the demo started, for the step lines. */
  clock(at = Date.now()): string {
    return `${((at - this.t0) / 1000).toFixed(1).padStart(6)}s`;
  }

  /** One line per step: `  [  12.3s] text`. */
  step(text: string): void {
    console.log(`  [${this.clock()}] ${text}`);
  }

  /** Runs the CLI as an operator types it, echoing the command (and, unless quiet, its output). */
  rebound(args: string[], opts: { quiet?: boolean; allowFail?: boolean } = {}): string {
    const shown = args.map((a) => (/[\s{}"]/.test(a) ? `'${a}'` : a)).join(' ');
    this.step(`$ rebound ${shown}`);
    const r = spawnSync(join(REPO_ROOT, 'bin', 'rebound'), args, { encoding: 'utf8', env: process.env });
    const out = `${r.stdout}${r.stderr ? r.stderr.replace(/^npm warn .*\n/gm, '') : ''}`.trimEnd();
    if (!opts.quiet && out) console.log(out.replace(/^/gm, '      '));
    if (r.status !== 0 && !opts.allowFail)
      throw new DemoFailure(`rebound ${args[0]} exited ${r.status}: ${out.split('\n').slice(-3).join(' ')}`);
    return r.stdout;
  }

  hasToken(principal: string): boolean {
    return !!readDevTokens()?.[principal]?.token;
  }

  async call<T>(method: string, path: string, principal: string, body?: unknown): Promise<T> {
    const token = readDevTokens()?.[principal]?.token;
    if (!token) throw new DemoFailure(`no dev token for ${principal}: did 'rebound stack up' run?`);
    const res = await fetch(`${this.api}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
      signal: AbortSignal.timeout(15_000),
    });
    if (!res.ok) throw new DemoFailure(`${method} ${path}: HTTP ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  }
}

/** Polls `get` every `everyMs` until it returns a value; throws a DemoFailure naming `what`. */
export async function waitFor<T>(
  what: string,
  get: () => Promise<T | undefined>,
  timeoutMs: number,
  everyMs = 500,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastErr: unknown;
  for (;;) {
    try {
      const v = await get();
      if (v !== undefined) return v;
    } catch (err) {
      lastErr = err;
    }
    if (Date.now() > deadline)
      throw new DemoFailure(
        `${what}: not within ${Math.round(timeoutMs / 1000)} s${lastErr ? ` (last error: ${lastErr instanceof Error ? lastErr.message : JSON.stringify(lastErr)})` : ''}`,
      );
    await sleep(everyMs);
  }
}
