// Stopping and starting single parts of the real local stack, as an operator (or a fault check
// outside the repository) does: by the pid file `stack up` wrote, and `stack up` to start what is
// down. For fault tests only; they run in the `faults` project, one file at a time.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, STATE_DIR } from '../../shared/paths';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
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
  const pid = Number(readFileSync(join(STATE_DIR, 'run', `${part}.pid`), 'utf8').trim());
  try {
    process.kill(-pid, signal);
  } catch {
    process.kill(pid, signal);
  }
  for (let i = 0; i < 300 && alive(pid); i++) await sleep(100);
  if (alive(pid)) throw new Error(`${part} (pid ${pid}) did not stop after ${signal}`);
}

/** Runs `rebound stack up`, which starts only what is down and waits until it answers. */
export function stackUp(): void {
  execFileSync('bash', [join(REPO_ROOT, 'scripts/stack/stack.sh'), 'up'], {
    stdio: 'ignore',
    timeout: 180_000,
  });
}
