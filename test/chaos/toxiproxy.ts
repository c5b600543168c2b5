// Toxiproxy (Shopify's TCP fault proxy) for the chaos matrix's network faults: installed with
// `go install` into the per-user cache keyed by version (scripts/stack/versions.env), started as a
// child process on loopback for one chaos run, driven through its HTTP API. A proxy sits between a
// chaos worker and one dependency; a toxic added to it degrades that path only, so the stack and
// the checks (which connect directly) are untouched.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { toxiproxyPath } from '../support/stack-tools';

/** A toxic as Toxiproxy's API takes it (`attributes` in ms where they are times). */
export interface Toxic {
  name: string;
  type: 'latency' | 'reset_peer' | 'timeout' | 'bandwidth' | 'slow_close';
  stream: 'upstream' | 'downstream';
  toxicity?: number;
  attributes: Record<string, number>;
}

export interface ToxiproxyServer {
  apiUrl: string;
  /** Creates a proxy listening on a free loopback port; returns that `host:port`. */
  proxy(name: string, upstream: string): Promise<string>;
  addToxic(proxy: string, toxic: Toxic): Promise<void>;
  removeToxic(proxy: string, toxic: string): Promise<void>;
  stop(): Promise<void>;
}

/** Builds the server with `go install` unless the cache has it. Throws when Go is missing or fails. */
export function ensureToxiproxy(log: (line: string) => void = () => undefined): string {
  const { dir, binary, version } = toxiproxyPath();
  if (existsSync(binary)) return binary;
  log(`[chaos] building Toxiproxy v${version} with go install (first run only)`);
  mkdirSync(dir, { recursive: true });
  execFileSync('go', ['install', `github.com/Shopify/toxiproxy/v2/cmd/server@v${version}`], {
    env: { ...process.env, GOBIN: dir, GOFLAGS: '-buildvcs=false' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  return binary;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function api(base: string, method: string, path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: body === undefined ? undefined : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`toxiproxy ${method} ${path}: ${res.status} ${await res.text()}`);
  return res.status === 204 ? undefined : res.json();
}

/** Starts a Toxiproxy server on a free loopback port and waits until its API answers (10 s). */
export async function startToxiproxy(log?: (line: string) => void): Promise<ToxiproxyServer> {
  const binary = ensureToxiproxy(log);
  const port = await freePort();
  const child: ChildProcess = spawn(binary, ['-host', '127.0.0.1', '-port', String(port)], {
    stdio: 'ignore',
  });
  const apiUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    const up = await api(apiUrl, 'GET', '/version').then(
      () => true,
      () => false,
    );
    if (up) break;
    if (Date.now() > deadline || child.exitCode !== null) {
      child.kill('SIGKILL');
      throw new Error(`toxiproxy did not answer on ${apiUrl}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    apiUrl,
    proxy: async (name, upstream) => {
      const p = (await api(apiUrl, 'POST', '/proxies', {
        name,
        listen: '127.0.0.1:0',
        upstream,
        enabled: true,
      })) as { listen: string };
      return p.listen;
    },
    addToxic: async (proxy, toxic) => {
      await api(apiUrl, 'POST', `/proxies/${proxy}/toxics`, { toxicity: 1, ...toxic });
    },
    removeToxic: async (proxy, toxic) => {
      await api(apiUrl, 'DELETE', `/proxies/${proxy}/toxics/${toxic}`);
    },
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
