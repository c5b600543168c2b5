// Stopping and starting single parts of the checkout's own stack, as an operator (or a fault check
// outside the repository) does: by the pid file `stack up` wrote, and `stack up` to start what is
// down. Used by the fault tests (the `faults` project, one file at a time) and the outage tests
// (Kafka stopped while the outbox fills, the billing database gone mid-resync).
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { escapeIdentifier, type Pool } from 'pg';
import { REPO_ROOT, STATE_DIR } from '../../shared/paths';

const run = promisify(execFile);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function pidOf(part: string): number {
  return Number(readFileSync(join(STATE_DIR, 'run', `${part}.pid`), 'utf8').trim());
}

/** Whether the process (group, when `group`) still exists. */
function alive(pid: number, group = false): boolean {
  try {
    process.kill(group ? -pid : pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Kills one stack part (`kafka`, `redis`, `worker`, …) with `signal` (default SIGKILL): its whole
 * process group, since `stack up` starts every part as a group leader. Resolves once it is gone
 * (at most 30 s). Throws if the part has no pid file or does not die.
 */
export async function killPart(part: string, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  const pid = pidOf(part);
  try {
    process.kill(-pid, signal);
  } catch {
    process.kill(pid, signal);
  }
  for (let i = 0; i < 300 && alive(pid); i++) await sleep(100);
  if (alive(pid)) throw new Error(`${part} (pid ${pid}) did not stop after ${signal}`);
}

/**
 * Stops a part cleanly (its whole process group). PostgreSQL gets SIGINT (fast shutdown: a SIGTERM
 * would wait for every client to disconnect); the rest SIGTERM; SIGKILL after 20 s.
 */
export async function stopPart(part: 'kafka' | 'postgres' | 'redis'): Promise<void> {
  const pid = pidOf(part);
  process.kill(-pid, part === 'postgres' ? 'SIGINT' : 'SIGTERM');
  const deadline = Date.now() + 20_000;
  while (alive(pid, true) && Date.now() < deadline) await sleep(100);
  if (alive(pid, true)) process.kill(-pid, 'SIGKILL');
  while (alive(pid, true)) await sleep(100);
}

/** `stack up`: starts only what is down and resolves once it answers (at most 240 s). */
export async function stackUp(): Promise<void> {
  await run('bash', [join(REPO_ROOT, 'scripts/stack/stack.sh'), 'up'], {
    cwd: REPO_ROOT,
    env: process.env,
    timeout: 240_000,
    maxBuffer: 16 * 1024 * 1024,
  });
}

/**
 * Makes one database of the stack's PostgreSQL unreachable (new connections refused, existing
 * ones terminated) while the server and its other databases stay up: the platform's billing
 * database going away while Rebound's own state database stays (they are separate servers in
 * production; one server in the local stack). `statePool` must be connected to another database.
 */
export async function blockDatabase(statePool: Pool, database: string): Promise<void> {
  await statePool.query(`ALTER DATABASE ${escapeIdentifier(database)} ALLOW_CONNECTIONS false`);
  await statePool.query(
    'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
    [database],
  );
}

export async function unblockDatabase(statePool: Pool, database: string): Promise<void> {
  await statePool.query(`ALTER DATABASE ${escapeIdentifier(database)} ALLOW_CONNECTIONS true`);
}
