// Decision keys on disk: a dev checkout gets a pair once; rotation adds the new public key next to
// the old one and switches the signing key; retiring stops a key from verifying; the signing key
// cannot be retired; what the API signs verifies against what the workers load.
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DECISION_TTL_MS,
  signDecisionWith,
  verifyDecisionSignature,
} from '../../shared/decisions/signed-decision';
import { loadKeyring, loadSigningKey, retireKey, rotateSigningKey } from '../../shared/secrets';

const decision = (at = Date.now()) => ({
  workflowId: 'w',
  runId: 'r',
  approvalId: 'gate#1',
  digest: 'ab'.repeat(32),
  decision: 'approve' as const,
  principal: 'alice',
  roles: ['approver'],
  issuedAt: new Date(at).toISOString(),
  expiresAt: new Date(at + DECISION_TTL_MS).toISOString(),
});

test('dev keys: generated once, private key 0600 and only in signing.json', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rebound-keys-'));
  const key = loadSigningKey({}, dir);
  expect(loadSigningKey({}, dir)).toEqual(key);
  expect(statSync(join(dir, 'decision-keys/signing.json')).mode & 0o777).toBe(0o600);
  const ring = loadKeyring({}, dir);
  expect(ring.keys).toHaveLength(1);
  expect(readFileSync(join(dir, 'decision-keys/keyring.json'), 'utf8')).not.toContain(key.privateKey);
  expect(verifyDecisionSignature(ring, signDecisionWith(key, decision()))).toBe('valid');
});

test('rotation accepts old and new; retiring refuses the old; the signing key cannot be retired', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rebound-keys-'));
  const old = loadSigningKey({}, dir);
  const oldDecision = signDecisionWith(old, decision());
  const newId = rotateSigningKey(dir);
  const next = loadSigningKey({}, dir);
  expect(next.keyId).toBe(newId);
  const ring = loadKeyring({}, dir);
  expect(verifyDecisionSignature(ring, oldDecision)).toBe('valid');
  expect(verifyDecisionSignature(ring, signDecisionWith(next, decision()))).toBe('valid');
  expect(() => retireKey(newId, dir)).toThrow(/signing key/);
  retireKey(old.keyId, dir);
  expect(verifyDecisionSignature(loadKeyring({}, dir), oldDecision)).toBe('retired-key');
  expect(() => retireKey('nope', dir)).toThrow(/no key/);
});

test('any change to the signed text, or an unknown key id, fails verification', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rebound-keys-'));
  const key = loadSigningKey({}, dir);
  const ring = loadKeyring({}, dir);
  const signed = signDecisionWith(key, decision());
  for (const change of [
    { runId: 'other' },
    { approvalId: 'gate#2' },
    { digest: 'cd'.repeat(32) },
    { decision: 'reject' as const },
    { principal: 'bob' },
    { roles: ['approver', 'admin'] },
    { expiresAt: new Date(Date.now() + 3_600_000).toISOString() },
    { choice: 'keep-stopped' },
  ]) {
    expect(verifyDecisionSignature(ring, { ...signed, ...change })).toBe('bad-signature');
  }
  expect(verifyDecisionSignature(ring, { ...signed, keyId: 'k-unknown' })).toBe('unknown-key');
});

test('environment keys: the API key and the workers keyring parse, malformed ones are refused', () => {
  const key = { keyId: 'k1', privateKey: '11'.repeat(32) };
  expect(loadSigningKey({ REBOUND_DECISION_SIGNING_KEY: `k1:${key.privateKey}` })).toEqual(key);
  expect(() => loadSigningKey({ REBOUND_DECISION_SIGNING_KEY: 'k1:short' })).toThrow();
  expect(() =>
    loadKeyring({ REBOUND_DECISION_KEYRING: '{"keys":[{"keyId":"k1","publicKey":"zz"}]}' }),
  ).toThrow();
});
