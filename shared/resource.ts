// The resource grammar (DESIGN.md "Resources are written <kind>:<id>", issue 10 build item 4).
// A resource is the per-resource lock: incident ids are `incident:<playbook>:<resource>`, episodes
// `<incident id>#<run id>`, playbook runs `<episode id>/run-<n>`. So that no resource can produce
// another incident's, episode's or run's id, the id part never contains `#`, `/`, `%`, whitespace,
// quotes or control characters, and it has a bounded length. Ids built from alert labels that are
// longer are shortened deterministically by a SHA-256 digest; the full value stays in the status.
import { sha256 } from '@noble/hashes/sha2';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils';

/** Longest id part accepted (characters). */
export const MAX_RESOURCE_ID_LENGTH = 128;
/** Length of the readable prefix kept when a label-derived id is shortened. */
const SHORTENED_PREFIX = 96;

export const RESOURCE_KIND_PATTERN = /^[a-z][a-z0-9-]{0,31}$/;
// Redis keys and patterns need `:`, `*`, `?`, `[]`, `{}`; Kafka names `.`, `_`, `-`.
export const RESOURCE_ID_PATTERN = /^[A-Za-z0-9._:@=+*?![\]{},~-]+$/;

export interface ParsedResource {
  kind: string;
  id: string;
}

/** Why `text` is not a resource, or undefined when it is one. */
export function resourceProblem(text: string): string | undefined {
  const colon = text.indexOf(':');
  if (colon < 0) return 'resource must be <kind>:<id>';
  const kind = text.slice(0, colon);
  const id = text.slice(colon + 1);
  if (!RESOURCE_KIND_PATTERN.test(kind))
    return `resource kind ${JSON.stringify(kind)} must match ${RESOURCE_KIND_PATTERN.source}`;
  if (id.length === 0) return 'resource id is empty';
  if (id.length > MAX_RESOURCE_ID_LENGTH)
    return `resource id longer than ${MAX_RESOURCE_ID_LENGTH} characters`;
  if (!RESOURCE_ID_PATTERN.test(id))
    return 'resource id may hold letters, digits and . _ : @ = + * ? ! [ ] { } , ~ - only (never / # % or whitespace)';
  return undefined;
}

/** Splits a valid resource; throws Error naming the problem otherwise. */
export function parseResource(text: string): ParsedResource {
  const problem = resourceProblem(text);
  if (problem) throw new Error(problem);
  const colon = text.indexOf(':');
  return { kind: text.slice(0, colon), id: text.slice(colon + 1) };
}

/**
 * The resource for `kind` and an id taken from alert labels. An id within the character set but
 * over MAX_RESOURCE_ID_LENGTH becomes `<first 96 chars>~<16 hex of SHA-256(full id)>`
 * (deterministic: every delivery of the alert maps to the same lock). Returns `full` when the id
 * was shortened, and undefined when the id holds characters outside the set.
 */
export function resourceFromLabel(kind: string, id: string): { resource: string; full?: string } | undefined {
  if (id.length <= MAX_RESOURCE_ID_LENGTH) {
    const resource = `${kind}:${id}`;
    return resourceProblem(resource) ? undefined : { resource };
  }
  if (!RESOURCE_ID_PATTERN.test(id)) return undefined;
  const digest = bytesToHex(sha256(utf8ToBytes(id))).slice(0, 16);
  const resource = `${kind}:${id.slice(0, SHORTENED_PREFIX)}~${digest}`;
  return resourceProblem(resource) ? undefined : { resource, full: `${kind}:${id}` };
}
