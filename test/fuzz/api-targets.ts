// The API's endpoints as fuzz targets (every route of client/api/routes, the same list as
// /openapi.json): for each, a fast-check arbitrary of whole HTTP requests (token, content type,
// path, query, body). Mutating endpoints only ever get inputs that are invalid by construction
// (a wrong, missing or under-privileged token, an unknown incident, or a body with at least one
// field that cannot validate), so any 2xx that starts or changes something is a finding. The kill
// switch and the schedules apply take no input a valid token could get wrong, so they are fuzzed
// with invalid tokens only (a valid call would pause the stack or create schedules).
import fc from 'fast-check';
import { PLAYBOOK_NAMES } from '../../shared/playbook';
import { anyJson, deepJson, deepObject, nastyString } from './nasty-values';

export interface FuzzRequest {
  method: 'GET' | 'POST' | 'PUT';
  path: string;
  headers: Record<string, string>;
  body?: string | Uint8Array;
}

/** Tokens of the stack's dev principals, by role need. */
export interface FuzzTokens {
  /** A token with the endpoint's role, by role name. */
  byRole: Record<string, string>;
  /** A token that authenticates but lacks every role but `alerts:write`. */
  weakest: string;
}

export interface FuzzTarget {
  /** "METHOD /path/template", as in the OpenAPI document. */
  name: string;
  /** Whether a 2xx to one of its (invalid) inputs is a finding. */
  mutating: boolean;
  request: (tokens: FuzzTokens) => fc.Arbitrary<FuzzRequest>;
}

/**
 * Whether `--only` names pick this target: one of them is part of its name. No names pick every
 * target.
 */
export function pickedBy(target: FuzzTarget, only: readonly string[] | undefined): boolean {
  return !only || only.some((n) => target.name.includes(n));
}

/** Printable ASCII only: fetch refuses other bytes in a header before they reach the server. */
const headerText = fc
  .string({ unit: 'binary-ascii', maxLength: 200 })
  .map((s) => s.replace(/[^\x20-\x7e]/g, ''));

function authHeader(valid: string | undefined, tokens: FuzzTokens): fc.Arbitrary<string | undefined> {
  const invalid = fc.oneof(
    fc.constant(undefined),
    fc.constant(`Bearer ${tokens.weakest}`),
    headerText.map((t) => `Bearer ${t}`),
    headerText,
    fc.constant('Basic YWRtaW46YWRtaW4='),
    fc.constant('Bearer'),
    fc.constant(`bearer  ${'x'.repeat(5_000)}`),
  );
  return valid
    ? fc.oneof({ arbitrary: fc.constant(`Bearer ${valid}`), weight: 3 }, { arbitrary: invalid, weight: 2 })
    : invalid;
}

const contentType: fc.Arbitrary<string | undefined> = fc.oneof(
  { arbitrary: fc.constant('application/json'), weight: 5 },
  {
    arbitrary: fc.constantFrom(
      'text/plain',
      'application/x-www-form-urlencoded',
      'application/xml',
      'multipart/form-data; boundary=x',
    ),
    weight: 1,
  },
  {
    arbitrary: fc.constantFrom(
      'application/json; charset=latin1',
      'application/json; charset=utf-16',
      'APPLICATION/JSON',
    ),
    weight: 1,
  },
  { arbitrary: fc.constant(undefined), weight: 1 },
  { arbitrary: headerText, weight: 1 },
);

/** A body: a JSON text built from `valid` mutated into an invalid one, or garbage of many kinds. */
function body(mutatedValid: fc.Arbitrary<unknown>): fc.Arbitrary<string | Uint8Array | undefined> {
  return fc.oneof(
    { arbitrary: mutatedValid.map((v) => JSON.stringify(v)), weight: 30 },
    { arbitrary: anyJson.map((v) => JSON.stringify(v) ?? 'null'), weight: 15 },
    {
      arbitrary: fc.integer({ min: 10, max: 100_000 }).map((d) => (d % 2 ? deepJson(d) : deepObject(d))),
      weight: 5,
    },
    { arbitrary: fc.uint8Array({ maxLength: 2_000 }), weight: 5 },
    {
      arbitrary: fc.constantFrom('', '{', '{"a":1,}', 'null', '[]', '"\\ud800"', '{"a":"\\u0000"}'),
      weight: 5,
    },
    // Over the 1 MiB body limit, rarely (a few hundred per 10,000 inputs is plenty).
    {
      arbitrary: fc
        .integer({ min: 1_100_000, max: 1_300_000 })
        .map((n) => JSON.stringify({ x: 'a'.repeat(n) })),
      weight: 1,
    },
    { arbitrary: fc.constant(undefined), weight: 5 },
  );
}

/**
 * Replaces one field of `skeleton` with a value of the wrong kind (per `wrong`), or leaves out one
 * of its `required` fields: either way the result cannot validate.
 */
function mutate(
  skeleton: Record<string, unknown>,
  wrong: Record<string, fc.Arbitrary<unknown>>,
  required: string[],
): fc.Arbitrary<unknown> {
  const fieldMutations = Object.entries(wrong).map(([field, value]) =>
    fc.tuple(value, nastyString).map(([v, s]) => {
      // The other string fields carry an injection string: the validation must refuse the input
      // without those strings reaching anything.
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(skeleton))
        out[k] = typeof x === 'string' && k !== field ? `${x}${s}` : x;
      out[field] = v;
      return out;
    }),
  );
  if (required.length === 0) return fc.oneof(...fieldMutations);
  const missing = fc.constantFrom(...required).map((k) => {
    const out = { ...skeleton };
    delete out[k];
    return out;
  });
  return fc.oneof(...fieldMutations, missing);
}

/** Anything but a string. */
const notString = fc.oneof(
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string(), { maxLength: 3 }),
  fc.object({ maxDepth: 2 }),
);
const notOneOf = (allowed: readonly string[]) => nastyString.filter((s) => !allowed.includes(s));
/** An incident id no incident has: made-up, injected, over-long. */
const unknownId = fc.oneof(
  fc.uuid().map((u) => `incident:fuzz:${u}`),
  nastyString.filter((s) => s.length > 0 && !s.startsWith('incident:')),
  fc.constant('x'.repeat(600)),
);

function request(
  method: FuzzRequest['method'],
  path: fc.Arbitrary<string>,
  auth: fc.Arbitrary<string | undefined>,
  b?: fc.Arbitrary<string | Uint8Array | undefined>,
  query: fc.Arbitrary<string> = fc.constant(''),
): fc.Arbitrary<FuzzRequest> {
  return fc.record({ path, auth, ct: contentType, body: b ?? fc.constant(undefined), query }).map((r) => {
    const headers: Record<string, string> = {};
    if (r.auth !== undefined) headers.authorization = r.auth;
    if (r.body !== undefined && r.ct !== undefined) headers['content-type'] = r.ct;
    return { method, path: r.path + r.query, headers, body: method === 'GET' ? undefined : r.body };
  });
}

/** Percent-encodes every UTF-8 byte (lone surrogates become U+FFFD, as a client would send them). */
const enc = (s: string) =>
  Array.from(Buffer.from(s, 'utf8'))
    .map((b) => `%${b.toString(16).padStart(2, '0')}`)
    .join('');
/** Path segments sent as they are: broken percent escapes, overlong UTF-8, encoded slashes. */
const rawSegment = fc.constantFrom('%', '%ff%fe', '%E0%80%AF', '%2F..%2F..', '..', '%00', 'a%zzb');
const idPath = (suffix: string) =>
  fc
    .oneof({ arbitrary: unknownId.map(enc), weight: 9 }, { arbitrary: rawSegment, weight: 1 })
    .map((id) => `/v1/incidents/${id}${suffix}`);
const listQuery = fc
  .dictionary(fc.oneof(fc.constantFrom('status', 'playbook', 'resource', 'limit'), headerText), nastyString, {
    maxKeys: 4,
  })
  .map((q) => {
    const s = Object.entries(q)
      .map(([k, v]) => `${enc(k)}=${enc(v)}`)
      .join('&');
    return s ? `?${s}` : '';
  });

const validAlert = {
  version: '4',
  groupKey: '{}:{alertname="FuzzAlert"}',
  status: 'firing',
  receiver: 'rebound',
  groupLabels: {},
  commonLabels: {},
  commonAnnotations: {},
  alerts: [
    {
      status: 'firing',
      labels: { alertname: 'FuzzAlert' },
      annotations: {},
      startsAt: '2026-01-01T00:00:00Z',
    },
  ],
};
const validTrigger = {
  playbook: 'health-probe',
  resource: 'stack:fuzz',
  params: {},
  reason: 'fuzz',
  dryRun: true,
};

/** Every endpoint of the API, as fuzz targets. */
export function fuzzTargets(): FuzzTarget[] {
  const constPath = (p: string) => fc.constant(p);
  return [
    {
      name: 'POST /v1/alerts/alertmanager',
      mutating: true,
      request: (t) =>
        request(
          'POST',
          constPath('/v1/alerts/alertmanager'),
          authHeader(t.byRole['alerts:write'], t),
          body(
            mutate(
              validAlert,
              {
                version: notOneOf(['4']),
                status: notOneOf(['firing', 'resolved']),
                groupKey: notString,
                receiver: notString,
                // A valid envelope around alerts that cannot be valid: each is rejected, none started.
                alerts: fc.oneof(
                  notString,
                  fc.constant([]),
                  fc.array(anyJson, { minLength: 1, maxLength: 5 }),
                ),
              },
              ['version', 'groupKey', 'status', 'receiver', 'alerts'],
            ),
          ),
        ),
    },
    {
      name: 'POST /v1/incidents',
      mutating: true,
      request: (t) =>
        request(
          'POST',
          constPath('/v1/incidents'),
          authHeader(t.byRole['incidents:write'], t),
          body(
            fc.oneof(
              mutate(
                validTrigger,
                {
                  playbook: notOneOf(PLAYBOOK_NAMES),
                  reason: fc.oneof(notString, fc.constant(''), fc.constant('r'.repeat(2_001))),
                  dryRun: fc.oneof(fc.string(), fc.integer(), fc.constant(null)),
                  params: fc.oneof(fc.string(), fc.integer(), fc.array(fc.integer())),
                },
                ['playbook', 'resource', 'reason'],
              ),
              // An unknown key (the schema is strict), named by an injection string.
              nastyString.filter((k) => !(k in validTrigger)).map((k) => ({ ...validTrigger, [k]: 1 })),
            ),
          ),
        ),
    },
    {
      name: 'GET /v1/incidents',
      mutating: false,
      request: (t) =>
        request(
          'GET',
          constPath('/v1/incidents'),
          authHeader(t.byRole['incidents:read'], t),
          undefined,
          listQuery,
        ),
    },
    {
      name: 'GET /v1/incidents/{id}',
      mutating: false,
      request: (t) => request('GET', idPath(''), authHeader(t.byRole['incidents:read'], t)),
    },
    {
      name: 'GET /v1/incidents/{id}/report',
      mutating: false,
      request: (t) => request('GET', idPath('/report'), authHeader(t.byRole['incidents:read'], t)),
    },
    {
      name: 'POST /v1/incidents/{id}/approvals',
      mutating: true,
      request: (t) =>
        request(
          'POST',
          idPath('/approvals'),
          authHeader(t.byRole.approver, t),
          body(
            mutate(
              { decision: 'approve', comment: 'fuzz', approvalId: 'gate-1', digest: 'a'.repeat(64) },
              { decision: notOneOf(['approve', 'reject']), digest: nastyString, comment: notString },
              ['decision'],
            ),
          ),
        ),
    },
    {
      name: 'POST /v1/incidents/{id}/cancel',
      mutating: true,
      request: (t) =>
        request('POST', idPath('/cancel'), authHeader(t.byRole['incidents:write'], t), body(fc.constant({}))),
    },
    {
      name: 'GET /v1/control',
      mutating: false,
      request: (t) => request('GET', constPath('/v1/control'), authHeader(t.byRole['incidents:read'], t)),
    },
    {
      name: 'POST /v1/control/pause',
      mutating: true,
      request: (t) =>
        request(
          'POST',
          constPath('/v1/control/pause'),
          authHeader(undefined, t),
          body(mutate({ reason: 'fuzz' }, { reason: notString }, [])),
        ),
    },
    {
      name: 'POST /v1/control/resume',
      mutating: true,
      request: (t) =>
        request('POST', constPath('/v1/control/resume'), authHeader(undefined, t), body(fc.constant({}))),
    },
    {
      name: 'GET /v1/schedules',
      mutating: false,
      request: (t) => request('GET', constPath('/v1/schedules'), authHeader(t.byRole['incidents:read'], t)),
    },
    {
      name: 'PUT /v1/schedules',
      mutating: true,
      request: (t) =>
        request('PUT', constPath('/v1/schedules'), authHeader(undefined, t), body(fc.constant({}))),
    },
    ...['/healthz', '/readyz', '/metrics', '/openapi.json'].map((p): FuzzTarget => ({
      name: `GET ${p}`,
      mutating: false,
      request: (t) =>
        request('GET', constPath(p), authHeader(t.byRole['incidents:read'], t), undefined, listQuery),
    })),
  ];
}
