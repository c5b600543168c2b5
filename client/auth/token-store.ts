// The API's view of who may call it: principals with roles, keyed by the SHA-256 digest of their
// bearer token. Loaded from REBOUND_API_TOKENS (inline JSON, for containers) or the tokens file
// (REBOUND_API_TOKENS_FILE, default .rebound/api-tokens.json, written by `stack up`). Only digests
// are ever read; errors name the source but never echo its content.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { STATE_DIR } from '../../shared/paths';
import { roleSchema, type AuthPrincipal } from './roles';
import { hashToken, sameDigest } from './token-hash';

export const tokensFileSchema = z.object({
  version: z.literal(1),
  principals: z
    .array(
      z.object({
        name: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, 'lowercase name'),
        tokenSha256: z.string().regex(/^[0-9a-f]{64}$/, 'hex SHA-256 digest'),
        roles: z.array(roleSchema).min(1),
      }),
    )
    .min(1),
});
export type TokensFile = z.infer<typeof tokensFileSchema>;

export const DEFAULT_TOKENS_FILE = join(STATE_DIR, 'api-tokens.json');

export class TokenStoreError extends Error {}

export class TokenStore {
  private constructor(private readonly entries: TokensFile['principals']) {}

  static fromDocument(doc: unknown, source: string): TokenStore {
    const parsed = tokensFileSchema.safeParse(doc);
    if (!parsed.success) {
      const why = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
      throw new TokenStoreError(`invalid tokens in ${source}: ${why}`);
    }
    return new TokenStore(parsed.data.principals);
  }

  static fromEnvironment(env: NodeJS.ProcessEnv = process.env): TokenStore {
    if (env.REBOUND_API_TOKENS)
      return TokenStore.fromDocument(
        parseJson(env.REBOUND_API_TOKENS, 'REBOUND_API_TOKENS'),
        'REBOUND_API_TOKENS',
      );
    const file = env.REBOUND_API_TOKENS_FILE ?? DEFAULT_TOKENS_FILE;
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new TokenStoreError(
        `cannot read the API tokens file ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'}): run 'rebound stack up' to generate dev tokens or set REBOUND_API_TOKENS_FILE`,
      );
    }
    return TokenStore.fromDocument(parseJson(text, file), file);
  }

  /** The principal whose token this is, or undefined. Compares every entry in constant time. */
  authenticate(token: string): AuthPrincipal | undefined {
    const digest = hashToken(token);
    let found: AuthPrincipal | undefined;
    for (const e of this.entries)
      if (sameDigest(digest, e.tokenSha256)) found = { name: e.name, roles: [...e.roles] };
    return found;
  }

  get principalNames(): string[] {
    return this.entries.map((e) => e.name);
  }
}

function parseJson(text: string, source: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new TokenStoreError(`${source} is not valid JSON`);
  }
}
