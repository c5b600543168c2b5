// The approval decision the API issues and workflows verify (Ed25519, RFC 8032), and the exact
// text that is signed. Sandbox-safe: workflows import this module.
import { ed25519 } from '@noble/curves/ed25519';
import { sha256 } from '@noble/hashes/sha2';
import { bytesToHex, hexToBytes, utf8ToBytes } from '@noble/hashes/utils';

export type DecisionKind = 'approve' | 'reject';

/**
 * A decision as the API signs it. Everything that matters is bound by the signature: the
 * workflow and run it is for, the gate (`approvalId`), the digest of what the approver was shown,
 * the decision and choice, who decided with which roles, and its validity window (ISO-8601 UTC).
 * `keyId` names the public key in the verifiers' keyring; `signature` is 64 bytes, hex.
 */
export interface SignedDecision {
  workflowId: string;
  runId: string;
  approvalId: string;
  /** sha256 hex of the gate as shown (approvalDigest). */
  digest: string;
  decision: DecisionKind;
  choice?: string;
  comment?: string;
  principal: string;
  roles: string[];
  issuedAt: string;
  expiresAt: string;
  keyId: string;
  signature: string;
}

export type UnsignedDecision = Omit<SignedDecision, 'signature'>;

/** How long a decision the API signs stays valid; the validator refuses longer windows. */
export const DECISION_TTL_MS = 10 * 60_000;
/** Clock skew tolerated between the API's clock and workflow time for `issuedAt`. */
export const DECISION_CLOCK_SKEW_MS = 60_000;

/**
 * The canonical signed text: a JSON array in a fixed field order (JSON escaping makes it
 * unambiguous whatever the field contents), prefixed by a domain-separation tag.
 */
export function decisionSigningText(d: UnsignedDecision): string {
  return `rebound-decision-v2\n${JSON.stringify([
    d.workflowId,
    d.runId,
    d.approvalId,
    d.digest,
    d.decision,
    d.choice ?? null,
    d.comment ?? null,
    d.principal,
    [...d.roles].sort(),
    d.issuedAt,
    d.expiresAt,
    d.keyId,
  ])}`;
}

/** JSON with object keys sorted at every level, so equal content always hashes equally. */
export function canonicalJson(value: unknown): string {
  if (value === undefined) return 'null';
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/** sha256 (hex) of the canonical JSON of what an approver is shown. */
export function approvalDigest(shown: unknown): string {
  return bytesToHex(sha256(utf8ToBytes(canonicalJson(shown))));
}

export interface PublicKeyEntry {
  keyId: string;
  /** Ed25519 public key, 32 bytes hex. */
  publicKey: string;
  /** `retired` keys stay listed so refusals can say why; they never verify. */
  status: 'active' | 'retired';
}

export interface PublicKeyring {
  keys: PublicKeyEntry[];
}

export type SignatureVerdict = 'valid' | 'unknown-key' | 'retired-key' | 'bad-signature';

/** Verifies `d.signature` against the keyring entry named by `d.keyId`. Never throws. */
export function verifyDecisionSignature(keyring: PublicKeyring, d: SignedDecision): SignatureVerdict {
  const entry = keyring.keys.find((k) => k.keyId === d.keyId);
  if (!entry) return 'unknown-key';
  if (entry.status !== 'active') return 'retired-key';
  try {
    const { signature, ...unsigned } = d;
    if (typeof signature !== 'string' || !/^[0-9a-f]{128}$/.test(signature)) return 'bad-signature';
    const ok = ed25519.verify(
      hexToBytes(signature),
      utf8ToBytes(decisionSigningText(unsigned)),
      hexToBytes(entry.publicKey),
    );
    return ok ? 'valid' : 'bad-signature';
  } catch {
    return 'bad-signature';
  }
}

/** Signs a decision (API side; needs the private key, 32 bytes hex). */
export function signDecisionWith(
  key: { keyId: string; privateKey: string },
  d: Omit<UnsignedDecision, 'keyId'>,
): SignedDecision {
  const unsigned: UnsignedDecision = { ...d, keyId: key.keyId };
  const signature = bytesToHex(
    ed25519.sign(utf8ToBytes(decisionSigningText(unsigned)), hexToBytes(key.privateKey)),
  );
  return { ...unsigned, signature };
}

/** The public key (hex) of an Ed25519 private key (hex). */
export function publicKeyOf(privateKeyHex: string): string {
  return bytesToHex(ed25519.getPublicKey(hexToBytes(privateKeyHex)));
}
