// Stopping one part of the checkout's own stack (by its pid file, as an operator or a fault check
// would) and starting it again with `stack up`, which starts only what is down. Used by the outage
// tests (Kafka stopped while the outbox fills, the billing database gone mid-resync).
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { escapeIdentifier, type Pool } from 'pg';
import { REPO_ROOT, STATE_DIR } from '../../shared/paths';

const run = promisify(execFile);

function alive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Stops a part (its whole process group). PostgreSQL gets SIGINT (fast shutdown: a SIGTERM would
 * wait for every client to disconnect); the rest SIGTERM; SIGKILL after 20 s.
 */
export async function stopPart(part: 'kafka' | 'postgres' | 'redis'): Promise<void> {
  const pid = Number(readFileSync(join(STATE_DIR, 'run', `${part}.pid`), 'utf8').trim());
  process.kill(-pid, part === 'postgres' ? 'SIGINT' : 'SIGTERM');
  const deadline = Date.now() + 20_000;
  while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  if (alive(pid)) process.kill(-pid, 'SIGKILL');
  while (alive(pid)) await new Promise((r) => setTimeout(r, 100));
}

/** `stack up`: starts whatever is down and waits until it answers. */
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
