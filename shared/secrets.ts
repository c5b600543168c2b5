// The decision-signing key shared by the API (signs) and the workers (verify inside workflows).
// From REBOUND_DECISION_KEY when set (production); otherwise a random key generated once per
// checkout in .rebound/decision.key (mode 0600), so a dev stack needs no setup.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { STATE_DIR } from './paths';

export function loadDecisionKey(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.REBOUND_DECISION_KEY;
  if (fromEnv !== undefined) {
    if (fromEnv.length < 32) throw new Error('REBOUND_DECISION_KEY must be at least 32 characters');
    return fromEnv;
  }
  const file = join(STATE_DIR, 'decision.key');
  if (!existsSync(file)) {
    mkdirSync(STATE_DIR, { recursive: true });
    // 'wx' fails if another process created it first; then we read theirs.
    try {
      writeFileSync(file, randomBytes(32).toString('hex'), { mode: 0o600, flag: 'wx' });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  return readFileSync(file, 'utf8').trim();
}
