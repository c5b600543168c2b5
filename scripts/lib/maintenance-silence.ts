// The test command's maintenance silence (scripts/test-silence.sh) from TypeScript: the chaos and
// benchmark commands and the chaos test file inject what the stack's alert rules detect, and hold
// the silence so that the stack's own Rebound does not recover their fixtures under them.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from '../../shared/paths';

const SCRIPT = join(REPO_ROOT, 'scripts/test-silence.sh');

/**
 * Silences every alert of the rules file (at most 3 h) and returns the silence id. `who` names
 * what injects the faults, for the silence's comment. Throws if Alertmanager does not answer.
 */
export function startMaintenanceSilence(who: string): string {
  return execFileSync('bash', [SCRIPT, 'start', who], { cwd: REPO_ROOT }).toString().trim();
}

/** Expires the silence `id` (an empty id does nothing). */
export function endMaintenanceSilence(id: string): void {
  if (id) execFileSync('bash', [SCRIPT, 'end', id], { cwd: REPO_ROOT });
}
