// One error body for every 4xx/5xx ({error, message, details?}, shared/api/schemas.ts
// errorBodySchema) and the mapping from service errors and Fastify's own errors to status codes.
import { type FastifyError, type FastifyReply, type FastifyRequest } from 'fastify';
import { type ZodError } from 'zod';
import { ErrorTypes, type ErrorType } from '../../shared/errors';
import { serviceErrorCode, type ServiceErrorCodeName } from './service-port';

export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly error: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

export function validationError(where: 'body' | 'query' | 'params', err: ZodError): HttpError {
  return new HttpError(400, 'invalid-request', `invalid ${where}`, err.issues);
}

const SERVICE_STATUS: Record<ServiceErrorCodeName, number> = {
  invalid: 400,
  forbidden: 403,
  'not-found': 404,
  conflict: 409,
  unavailable: 503,
};

/**
 * The one mapping from failure types (shared/errors.ts) to HTTP statuses: refusals raised by the
 * workflows' decision validator (ApplicationFailure type + details, carried through the service)
 * and by the policy check. Types not listed fall back to the service error code.
 */
const TYPE_STATUS: Partial<Record<ErrorType, number>> = {
  [ErrorTypes.ApprovalNotPending]: 409,
  [ErrorTypes.ApprovalDigestMismatch]: 409,
  [ErrorTypes.DuplicateVote]: 409,
  [ErrorTypes.DecisionSignatureInvalid]: 403,
  [ErrorTypes.DecisionExpired]: 403,
  [ErrorTypes.SelfApproval]: 403,
  [ErrorTypes.DecisionForbidden]: 403,
  [ErrorTypes.InvalidChoice]: 400,
  [ErrorTypes.PolicyViolation]: 400,
  [ErrorTypes.ResourceMismatch]: 400,
  [ErrorTypes.InvalidInput]: 400,
};

/** The status of an error that carries a known failure `type`, if it does. */
export function statusOfType(err: unknown): { status: number; type: string } | undefined {
  if (!(err instanceof Error)) return undefined;
  const type = (err as Error & { type?: unknown }).type;
  if (typeof type !== 'string') return undefined;
  const status = TYPE_STATUS[type as ErrorType];
  return status === undefined ? undefined : { status, type };
}

/** Fastify's built-in client errors we pass through with their status and a stable error name. */
const FASTIFY_CLIENT_ERRORS: Record<string, string> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload-too-large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported-media-type',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'invalid-json',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'invalid-request',
};

export function toHttpError(err: unknown): HttpError {
  if (err instanceof HttpError) return err;
  const typed = statusOfType(err);
  if (typed) {
    const e = err as Error & { details?: unknown };
    return new HttpError(typed.status, typed.type, e.message, e.details);
  }
  const code = serviceErrorCode(err);
  if (code) {
    const e = err as Error & { details?: unknown };
    return new HttpError(SERVICE_STATUS[code], code, e.message, e.details);
  }
  const fe = err as Partial<FastifyError> & { message?: string };
  if (fe.code && FASTIFY_CLIENT_ERRORS[fe.code]) {
    return new HttpError(fe.statusCode ?? 400, FASTIFY_CLIENT_ERRORS[fe.code], fe.message ?? fe.code);
  }
  // Malformed JSON surfaces from the body parser as a SyntaxError with statusCode 400.
  if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    return new HttpError(
      fe.statusCode,
      fe.statusCode === 400 ? 'invalid-json' : 'client-error',
      fe.message ?? 'bad request',
    );
  }
  return new HttpError(500, 'internal', 'internal error');
}

/** Longest string, array and object an error body echoes back (the rest is elided, with a count). */
export const ECHO_LIMITS = { string: 200, items: 20, depth: 6, message: 1_000 } as const;

/**
 * `value` bounded for echoing in an error body: a refused input of megabytes (a 400's zod issues,
 * a policy refusal's `requested`) comes back as its first characters and its size, never whole.
 */
export function boundForEcho(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') {
    return value.length <= ECHO_LIMITS.string
      ? value
      : `${value.slice(0, ECHO_LIMITS.string)}… (${value.length} characters)`;
  }
  if (value === null || typeof value !== 'object') return value;
  if (depth >= ECHO_LIMITS.depth) return '…';
  if (Array.isArray(value)) {
    const kept = value.slice(0, ECHO_LIMITS.items).map((v) => boundForEcho(v, depth + 1));
    return value.length > ECHO_LIMITS.items ? [...kept, `… (${value.length} items)`] : kept;
  }
  const entries = Object.entries(value as Record<string, unknown>);
  const out: Record<string, unknown> = {};
  for (const [k, v] of entries.slice(0, ECHO_LIMITS.items))
    out[boundForEcho(k) as string] = boundForEcho(v, depth + 1);
  if (entries.length > ECHO_LIMITS.items) out['…'] = `${entries.length} keys`;
  return out;
}

export function sendError(request: FastifyRequest, reply: FastifyReply, err: unknown): FastifyReply {
  const httpError = toHttpError(err);
  if (httpError.statusCode >= 500) request.log.error({ err }, 'request failed');
  if (httpError.statusCode === 401) void reply.header('www-authenticate', 'Bearer realm="rebound"');
  const message =
    httpError.message.length <= ECHO_LIMITS.message
      ? httpError.message
      : `${httpError.message.slice(0, ECHO_LIMITS.message)}… (${httpError.message.length} characters)`;
  const body: Record<string, unknown> = { error: httpError.error, message };
  if (httpError.details !== undefined) body.details = boundForEcho(httpError.details);
  return reply.code(httpError.statusCode).send(body);
}
