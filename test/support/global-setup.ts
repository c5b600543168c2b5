// Jest global setup for tests that need the real stack: start it when it is not up.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from '../../shared/paths';

export default function globalSetup(): void {
  const script = join(REPO_ROOT, 'scripts/stack/stack.sh');
  try {
    execFileSync('bash', [script, 'status'], { stdio: 'ignore' });
  } catch {
    execFileSync('bash', [script, 'up'], { stdio: 'inherit' });
  }
}
