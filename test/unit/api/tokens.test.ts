// Tokens: only digests are loaded and compared; dev tokens are created once, kept across runs,
// and the API's file holds no plaintext token.
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEV_PRINCIPALS, ensureDevTokens } from '../../../client/auth/dev-tokens';
import { hashToken } from '../../../client/auth/token-hash';
import { TokenStore, TokenStoreError } from '../../../client/auth/token-store';

test('dev tokens: every DESIGN principal, plaintext only in the dev file, digests in the API file, stable across runs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rebound-tokens-'));
  const files = { devFile: join(dir, 'dev-tokens.json'), apiFile: join(dir, 'api-tokens.json') };
  const first = ensureDevTokens(files);
  expect(first.created.sort()).toEqual(Object.keys(DEV_PRINCIPALS).sort());
  expect(first.tokens.alice.roles).toEqual(['approver', 'incidents:read']);
  const apiText = readFileSync(files.apiFile, 'utf8');
  for (const t of Object.values(first.tokens)) expect(apiText).not.toContain(t.token);
  expect(statSync(files.devFile).mode & 0o777).toBe(0o600);

  const second = ensureDevTokens(files);
  expect(second.created).toEqual([]);
  expect(second.tokens).toEqual(first.tokens);

  const store = TokenStore.fromEnvironment({ REBOUND_API_TOKENS_FILE: files.apiFile });
  expect(store.authenticate(first.tokens.bob.token)).toEqual({
    name: 'bob',
    roles: ['approver', 'incidents:read'],
  });
  expect(store.authenticate(`${first.tokens.bob.token}x`)).toBeUndefined();
  expect(store.authenticate('')).toBeUndefined();
});

test('tokens from the environment, and errors that name the source without echoing it', () => {
  const doc = {
    version: 1,
    principals: [{ name: 'ci', tokenSha256: hashToken('secret-ci-token'), roles: ['admin'] }],
  };
  const store = TokenStore.fromEnvironment({ REBOUND_API_TOKENS: JSON.stringify(doc) });
  expect(store.authenticate('secret-ci-token')?.name).toBe('ci');

  const plaintext = {
    version: 1,
    principals: [{ name: 'ci', tokenSha256: 'my-plain-secret', roles: ['admin'] }],
  };
  expect(() => TokenStore.fromEnvironment({ REBOUND_API_TOKENS: JSON.stringify(plaintext) })).toThrow(
    /REBOUND_API_TOKENS: principals.0.tokenSha256: hex SHA-256 digest/,
  );
  try {
    TokenStore.fromEnvironment({ REBOUND_API_TOKENS: JSON.stringify(plaintext) });
  } catch (err) {
    expect((err as Error).message).not.toContain('my-plain-secret');
  }
  expect(() => TokenStore.fromEnvironment({ REBOUND_API_TOKENS_FILE: '/nonexistent/tokens.json' })).toThrow(
    TokenStoreError,
  );
  expect(() => TokenStore.fromEnvironment({ REBOUND_API_TOKENS: '{not json' })).toThrow(
    'REBOUND_API_TOKENS is not valid JSON',
  );
});
