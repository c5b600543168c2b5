// Dev tokens for a local stack: `.rebound/dev-tokens.json` holds the plaintext tokens the CLI and
// the demo use ({"<principal>": {"token", "roles"}}, mode 0600, ignored by git), and
// `.rebound/api-tokens.json` holds only their digests, which is what the API loads. Existing
// tokens are kept across `stack up` so open shells keep working; missing principals are added.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { STATE_DIR } from '../../shared/paths';
import { roleSchema, type RoleName } from './roles';
import { generateToken, hashToken } from './token-hash';
import { DEFAULT_TOKENS_FILE, type TokensFile } from './token-store';

export const DEV_TOKENS_FILE = join(STATE_DIR, 'dev-tokens.json');

/** The principals DESIGN.md promises in every dev stack, with their roles. */
export const DEV_PRINCIPALS: Record<string, RoleName[]> = {
  alertmanager: ['alerts:write'],
  operator: ['incidents:read', 'incidents:write'],
  alice: ['approver', 'incidents:read'],
  bob: ['approver', 'incidents:read'],
  // The demo's approver (npm run demo approves as it after printing the command; issue 13).
  'demo-approver': ['approver', 'incidents:read'],
  admin: ['admin'],
};

export const devTokensSchema = z.record(
  z.string(),
  z.object({ token: z.string().min(20), roles: z.array(roleSchema) }),
);
export type DevTokens = z.infer<typeof devTokensSchema>;

export function readDevTokens(file = DEV_TOKENS_FILE): DevTokens | undefined {
  if (!existsSync(file)) return undefined;
  const parsed = devTokensSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  return parsed.success ? parsed.data : undefined;
}

/** Creates or completes the dev tokens and rewrites the digest file the API loads. */
export function ensureDevTokens(files: { devFile?: string; apiFile?: string } = {}): {
  tokens: DevTokens;
  created: string[];
} {
  const devFile = files.devFile ?? DEV_TOKENS_FILE;
  const apiFile = files.apiFile ?? DEFAULT_TOKENS_FILE;
  const tokens: DevTokens = { ...(readDevTokens(devFile) ?? {}) };
  const created: string[] = [];
  for (const [name, roles] of Object.entries(DEV_PRINCIPALS)) {
    if (!tokens[name]) {
      tokens[name] = { token: generateToken(), roles };
      created.push(name);
    } else {
      tokens[name] = { token: tokens[name].token, roles };
    }
  }
  const api: TokensFile = {
    version: 1,
    principals: Object.entries(tokens).map(([name, t]) => ({
      name,
      tokenSha256: hashToken(t.token),
      roles: t.roles,
    })),
  };
  writeAtomically(devFile, JSON.stringify(tokens, null, 2));
  writeAtomically(apiFile, JSON.stringify(api, null, 2));
  return { tokens, created };
}

function writeAtomically(file: string, text: string): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${text}\n`, { mode: 0o600 });
  renameSync(tmp, file);
}
