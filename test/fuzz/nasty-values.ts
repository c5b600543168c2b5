// Values that break input handling: SQL, shell, path and template injection strings, unicode
// edge cases (control characters, bidi overrides, lone surrogates, combining marks), and JSON
// values of the wrong type. Shared by the API campaign and the config-file loader campaign.
import fc from 'fast-check';

/** Injection strings seen in the wild (SQL, NoSQL, shell, path traversal, templates, log forging). */
export const INJECTIONS = [
  "'; DROP TABLE audit_log; --",
  "' OR '1'='1",
  '" OR ""="',
  '1; SELECT pg_sleep(10)',
  "'); SELECT pg_sleep(10); --",
  '$1',
  '\\x00',
  '%00',
  '../../../../etc/passwd',
  '..%2F..%2Fetc%2Fpasswd',
  '$(reboot)',
  '`id`',
  '| cat /etc/shadow',
  '{{7*7}}',
  '${7*7}',
  '<script>alert(1)</script>',
  '{"$gt": ""}',
  '__proto__',
  'constructor',
  'incident:x\r\nX-Injected: 1',
  'group:notification-consumer; FLUSHALL',
  '*',
  'key:*',
  'org:00000000-0000-0000-0000-000000000000\u0000',
] as const;

/** Unicode that trips naive handling: NUL, bidi overrides, lone surrogates, emoji, combining marks. */
export const UNICODE = [
  '\u0000',
  '\u202e\u0067\u006e\u0070\u002e\u0065\u0078\u0065',
  '\ud800',
  '\udfff',
  '🧨🔥'.repeat(50),
  'e\u0301\u0301\u0301\u0301',
  '\ufeff',
  '\u2028\u2029',
  'Ω≈ç√∫˜µ≤≥÷',
  '田中さんにあげて下さい',
  '\u00ad\u200b\u200c\u200d',
] as const;

/** A string an attacker or a broken client might send. */
export const nastyString: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.constantFrom(...INJECTIONS), weight: 4 },
  { arbitrary: fc.constantFrom(...UNICODE), weight: 2 },
  { arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }), weight: 2 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 40 }), weight: 2 },
  { arbitrary: fc.string({ minLength: 300, maxLength: 3_000 }), weight: 1 },
  { arbitrary: fc.constant(''), weight: 1 },
);

/** Any JSON value, including the wrong types for any field (numbers, arrays, objects, null, booleans). */
export const anyJson: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: nastyString, weight: 3 },
  { arbitrary: fc.jsonValue({ maxDepth: 4 }), weight: 3 },
  { arbitrary: fc.constantFrom(null, true, false, 0, -1, 1e308, -0, 2 ** 53 + 1), weight: 1 },
);

/** A JSON text nested `depth` arrays deep (a parser or a recursive validator that recurses blows its stack). */
export function deepJson(depth: number): string {
  return '['.repeat(depth) + ']'.repeat(depth);
}

/** A JSON object nested `depth` objects deep under the key `a`. */
export function deepObject(depth: number): string {
  return '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
}
