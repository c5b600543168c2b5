// One spelling per resource, so that the per-resource lock (the incident id is derived from
// `<playbook>:<resource>`) cannot be bypassed by writing the same id differently.
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Resource kinds whose id is a UUID (RFC 9562: case-insensitive, canonical form lowercase). */
const UUID_KINDS = new Set(['org']);

/**
 * The canonical spelling of a `<kind>:<id>` resource: for UUID-keyed kinds (`org`), a UUID id in
 * lowercase (RFC 9562 §4: UUIDs compare case-insensitively; lowercase is the canonical output).
 * Anything else is returned unchanged. Never throws.
 */
export function canonicalResource(resource: string): string {
  const sep = resource.indexOf(':');
  if (sep < 0 || !UUID_KINDS.has(resource.slice(0, sep))) return resource;
  const id = resource.slice(sep + 1);
  return UUID.test(id) ? `${resource.slice(0, sep)}:${id.toLowerCase()}` : resource;
}

/** A resource-determined parameter of a UUID-keyed kind, canonicalised like its resource. */
export function canonicalResourceParam(kind: string, value: unknown): unknown {
  return typeof value === 'string' && UUID_KINDS.has(kind) && UUID.test(value) ? value.toLowerCase() : value;
}
