// Loads and validates the policy file (Node-only). Its version in statuses is the file's own
// `version` plus a digest of its content, so an edit without a version bump is still visible.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../paths';
import { ConfigFileError, parseYamlText } from '../routing/load-yaml';
import { SafetyPolicy } from './safety-policy';
import { policyFileSchema } from './schema';

export function defaultPolicyFile(env: NodeJS.ProcessEnv = process.env): string {
  return env.REBOUND_POLICY_FILE ?? join(REPO_ROOT, 'config/policy.yaml');
}

/** Throws ConfigFileError (naming file and line) when the file is missing or invalid. */
export function loadPolicy(file: string = defaultPolicyFile()): SafetyPolicy {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigFileError(file, [{ path: '', message: (err as Error).message }]);
  }
  const parsed = parseYamlText(text, file, policyFileSchema);
  const digest = createHash('sha256').update(text).digest('hex').slice(0, 12);
  return new SafetyPolicy(parsed, `${parsed.version}#${digest}`);
}
