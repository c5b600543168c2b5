// A route is declared once, with its zod schemas, required role and documented responses; the
// server registers it from this declaration and the OpenAPI document is generated from the same
// list, so the document cannot drift from what the server validates.
import { type FastifyReply, type FastifyRequest } from 'fastify';
import { type z } from 'zod';
import { type AuthPrincipal, type RoleName } from '../auth/roles';

export interface RouteResponse {
  description: string;
  schema?: z.ZodType;
  /** Defaults to application/json. */
  contentType?: string;
}

export interface RouteResult {
  status: number;
  body: unknown;
  contentType?: string;
}

export interface RouteContext<B, Q, P> {
  body: B;
  query: Q;
  params: P;
  /** The authenticated principal; a placeholder `anonymous` on public routes. */
  principal: AuthPrincipal;
  request: FastifyRequest;
  reply: FastifyReply;
}

export interface RouteSpec<B = unknown, Q = unknown, P = unknown> {
  method: 'GET' | 'POST' | 'PUT';
  url: string;
  operationId: string;
  summary: string;
  tags: string[];
  /** Required role; undefined for public operational endpoints (health, metrics, OpenAPI). */
  role?: RoleName;
  /** Called when an authenticated principal lacks `role` (before the 403), e.g. to audit it. */
  onForbidden?: (denied: { principal: string; role: RoleName; params: unknown }) => Promise<void>;
  body?: z.ZodType<B>;
  query?: z.ZodType<Q>;
  params?: z.ZodType<P>;
  responses: Record<number, RouteResponse>;
  handle(ctx: RouteContext<B, Q, P>): Promise<RouteResult>;
}

/** Keeps the handler's argument types tied to the schemas while the list stays heterogeneous. */
export function defineRoute<B = undefined, Q = undefined, P = undefined>(
  spec: RouteSpec<B, Q, P>,
): RouteSpec<unknown, unknown, unknown> {
  return spec;
}

/** The responses every authenticated route shares. */
export const AUTH_RESPONSES: Record<number, RouteResponse> = {
  401: { description: 'missing or invalid bearer token' },
  403: { description: 'the token lacks the required role' },
};
