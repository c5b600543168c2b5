// Decision-signing keys (Node-only; workflows never import this). The API holds the Ed25519
// private key; workers hold only the public keyring, which they compile into the workflow bundle.
//   API:     REBOUND_DECISION_SIGNING_KEY = "<keyId>:<64 hex private key>", else
//            .rebound/decision-keys/signing.json (mode 0600), re-read on every use so a rotation
//            needs no API restart.
//   Workers: REBOUND_DECISION_KEYRING = '{"keys":[{"keyId","publicKey","status"}]}', else
//            .rebound/decision-keys/keyring.json.
// A dev checkout without either gets a key pair generated once (scripts/decision-keys.ts rotates
// and retires keys).
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { publicKeyOf, type PublicKeyring } from './decisions/signed-decision';
import { STATE_DIR } from './paths';

const hex = (bytes: number) => z.string().regex(new RegExp(`^[0-9a-f]{${bytes * 2}}$`), `${bytes} bytes hex`);
const keyIdSchema = z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'key id: letters, digits, . _ -');

export const signingKeySchema = z.strictObject({ keyId: keyIdSchema, privateKey: hex(32) });
export type SigningKey = z.infer<typeof signingKeySchema>;

export const keyringSchema = z.strictObject({
  keys: z
    .array(
      z.strictObject({
        keyId: keyIdSchema,
        publicKey: hex(32),
        status: z.enum(['active', 'retired']),
      }),
    )
    .refine((k) => new Set(k.map((e) => e.keyId)).size === k.length, 'key ids must be unique'),
});

export function decisionKeyDir(stateDir: string = STATE_DIR): string {
  return join(stateDir, 'decision-keys');
}

function writeAtomically(file: string, content: string, mode: number): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, content, { mode });
  renameSync(tmp, file);
}

function newKeyId(): string {
  return `k-${new Date().toISOString().slice(0, 10)}-${randomBytes(3).toString('hex')}`;
}

/** Creates the dev key pair once (first process wins; the others read its files). */
function ensureDevKeys(dir: string): void {
  const signingFile = join(dir, 'signing.json');
  const keyringFile = join(dir, 'keyring.json');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (!existsSync(signingFile)) {
    const key: SigningKey = { keyId: newKeyId(), privateKey: randomBytes(32).toString('hex') };
    try {
      writeFileSync(signingFile, JSON.stringify(key), { mode: 0o600, flag: 'wx' });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  if (!existsSync(keyringFile)) {
    const key = signingKeySchema.parse(JSON.parse(readFileSync(signingFile, 'utf8')));
    const ring: PublicKeyring = {
      keys: [{ keyId: key.keyId, publicKey: publicKeyOf(key.privateKey), status: 'active' }],
    };
    writeAtomically(keyringFile, JSON.stringify(ring, null, 2), 0o644);
  }
}

/** The API's signing key. Throws when the configured key is malformed. */
export function loadSigningKey(env: NodeJS.ProcessEnv = process.env, stateDir?: string): SigningKey {
  const fromEnv = env.REBOUND_DECISION_SIGNING_KEY;
  if (fromEnv !== undefined) {
    const [keyId, privateKey] = fromEnv.split(':');
    return signingKeySchema.parse({ keyId, privateKey });
  }
  const dir = decisionKeyDir(stateDir);
  ensureDevKeys(dir);
  return signingKeySchema.parse(JSON.parse(readFileSync(join(dir, 'signing.json'), 'utf8')));
}

/** The workers' public keyring. Throws when it is malformed. */
export function loadKeyring(env: NodeJS.ProcessEnv = process.env, stateDir?: string): PublicKeyring {
  const fromEnv = env.REBOUND_DECISION_KEYRING;
  if (fromEnv !== undefined) return keyringSchema.parse(JSON.parse(fromEnv));
  const dir = decisionKeyDir(stateDir);
  ensureDevKeys(dir);
  return keyringSchema.parse(JSON.parse(readFileSync(join(dir, 'keyring.json'), 'utf8')));
}

/**
 * Rotation, step 1: a new signing key; its public key joins the keyring next to the old ones
 * (both verify until the old one is retired). Restart the workers so their bundle has the new
 * keyring before the API signs with it. Returns the new key id.
 */
export function rotateSigningKey(stateDir?: string): string {
  const dir = decisionKeyDir(stateDir);
  ensureDevKeys(dir);
  const ring = loadKeyring({}, stateDir);
  const key: SigningKey = { keyId: newKeyId(), privateKey: randomBytes(32).toString('hex') };
  ring.keys.push({ keyId: key.keyId, publicKey: publicKeyOf(key.privateKey), status: 'active' });
  writeAtomically(join(dir, 'keyring.json'), JSON.stringify(ring, null, 2), 0o644);
  writeAtomically(join(dir, 'signing.json'), JSON.stringify(key), 0o600);
  return key.keyId;
}

/** Rotation, step 2: the old key stops verifying (kept in the ring so refusals name it). */
export function retireKey(keyId: string, stateDir?: string): void {
  const dir = decisionKeyDir(stateDir);
  const ring = loadKeyring({}, stateDir);
  const entry = ring.keys.find((k) => k.keyId === keyId);
  if (!entry) throw new Error(`no key ${keyId} in the keyring`);
  if (loadSigningKey({}, stateDir).keyId === keyId)
    throw new Error(`${keyId} is the signing key: rotate first`);
  entry.status = 'retired';
  writeAtomically(join(dir, 'keyring.json'), JSON.stringify(ring, null, 2), 0o644);
}
