import { createHash, createHmac, randomBytes } from 'node:crypto';
import { constantTimeEqual, hmacSha256Hex, sha256 } from '../../shared/hmac-sha256';

test('sha256 matches node:crypto on every length around the block boundaries', () => {
  for (let n = 0; n < 200; n++) {
    const data = randomBytes(n);
    expect(Buffer.from(sha256(data)).toString('hex')).toBe(createHash('sha256').update(data).digest('hex'));
  }
});

test('hmac matches node:crypto, including long keys and non-ASCII text', () => {
  const cases: [string, string][] = [
    ['key', 'The quick brown fox jumps over the lazy dog'],
    ['', ''],
    ['k'.repeat(65), 'm'.repeat(1000)],
    ['ключ', 'решение\napprove\n😀'],
  ];
  for (const [k, m] of cases)
    expect(hmacSha256Hex(k, m)).toBe(createHmac('sha256', k).update(m).digest('hex'));
});

test('constant-time comparison', () => {
  expect(constantTimeEqual('abc', 'abc')).toBe(true);
  expect(constantTimeEqual('abc', 'abd')).toBe(false);
  expect(constantTimeEqual('abc', 'ab')).toBe(false);
});
