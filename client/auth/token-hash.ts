// Tokens are stored and compared as SHA-256 digests: the API never keeps a plaintext token in
// memory after hashing the presented one. Dev and service tokens are 32 random bytes, so an
// unsalted digest is not guessable; the comparison is constant-time.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export function sameDigest(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y);
}

/** A new bearer token: `rbd_` + 43 url-safe characters (256 bits). */
export function generateToken(): string {
  return `rbd_${randomBytes(32).toString('base64url')}`;
}
