// Jest global setup for tests that need the real stack: start it when it is not up, and note when
// the run started (its teardown removes what the run left, see global-teardown.ts).
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from '../../shared/paths';

/** Key of the run's start time (a Date) on globalThis, read by global-teardown.ts. */
export const RUN_STARTED_AT = '__reboundTestRunStartedAt';

export default function globalSetup(): void {
  // The first project's setup sets it; the rows the whole run creates are younger.
  const g = globalThis as Record<string, unknown>;
  g[RUN_STARTED_AT] ??= new Date();
  const script = join(REPO_ROOT, 'scripts/stack/stack.sh');
  try {
    execFileSync('bash', [script, 'status'], { stdio: 'ignore' });
  } catch {
    execFileSync('bash', [script, 'up'], { stdio: 'inherit' });
  }
}
