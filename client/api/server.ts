// The Fastify application: every route of DESIGN.md's public surface, registered from its
// declaration (route-spec.ts) with bearer auth in onRequest (before the body is read), zod
// validation before the service is called (so an invalid request starts nothing), a body limit,
// one error body shape, and HTTP latency metrics. Built without listening so tests can inject.
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyRequest,
  type FastifyServerOptions,
} from 'fastify';
import { type z } from 'zod';
import { MAX_BODY_BYTES } from '../../shared/api/schemas';
import { type AuthPrincipal } from '../auth/roles';
import { type TokenStore } from '../auth/token-store';
import { createAuthenticator } from './authenticate';
import { alertSourceLinksFromEnv } from './console/alert-links';
import { type AlertSourceLinks, type ConsoleReadPort } from './console/console-port';
import { answerExpectContinue } from './expect-continue';
import { HttpError, sendError, validationError } from './http-errors';
import { useJsonBodyParser } from './json-body';
import { ApiMetrics } from './metrics';
import { buildOpenApiDocument } from './openapi';
import { type RouteSpec } from './route-spec';
import { alertRoutes } from './routes/alerts';
import { consoleRoutes } from './routes/console';
import { controlRoutes } from './routes/control';
import { incidentRoutes } from './routes/incidents';
import { operationRoutes } from './routes/operations';
import { scheduleRoutes } from './routes/schedules';
import { type ApiService } from './service-port';

export interface ApiServerOptions {
  service: ApiService;
  tokens: Pick<TokenStore, 'authenticate'>;
  metrics?: ApiMetrics;
  bodyLimit?: number;
  logger?: FastifyServerOptions['logger'];
  /** A ready logger (the process's pino logger); wins over `logger`. */
  loggerInstance?: FastifyBaseLogger;
  version?: string;
  /** The operator console's reads (audit trail, budget); without them those two routes answer 503. */
  consoleReads?: ConsoleReadPort;
  /** Defaults to REBOUND_PROMETHEUS_URL / REBOUND_ALERTMANAGER_URL or the local stack's ports. */
  alertLinks?: AlertSourceLinks;
}

const ANONYMOUS: AuthPrincipal = { name: 'anonymous', roles: [] };

function parse<T>(schema: z.ZodType<T> | undefined, value: unknown, where: 'body' | 'query' | 'params'): T {
  if (!schema) return undefined as T;
  const result = schema.safeParse(value);
  if (!result.success) throw validationError(where, result.error);
  return result.data;
}

export function buildApiServer(opts: ApiServerOptions): FastifyInstance {
  const metrics = opts.metrics ?? new ApiMetrics();
  const auth = createAuthenticator(opts.tokens);
  const app = Fastify({
    bodyLimit: opts.bodyLimit ?? MAX_BODY_BYTES,
    // Episode and playbook run ids (`<incidentId>#<runId>/run-<n>`) are longer than the router's
    // default 100 characters; the params schema bounds them (issue 10: every id reads 200 or 404).
    routerOptions: { maxParamLength: 600 },
    ...(opts.loggerInstance ? { loggerInstance: opts.loggerInstance } : { logger: opts.logger ?? false }),
    // Per-request log lines would dominate an alert storm; errors are logged by the error handler.
    logController: new LogController({ disableRequestLogging: true }),
  });
  useJsonBodyParser(app);
  answerExpectContinue(app, opts.bodyLimit ?? MAX_BODY_BYTES);
  const principals = new WeakMap<FastifyRequest, AuthPrincipal>();

  const routes: RouteSpec[] = [
    ...alertRoutes(opts.service, metrics),
    ...incidentRoutes(opts.service, metrics),
    ...controlRoutes(opts.service),
    ...scheduleRoutes(opts.service),
    ...operationRoutes(opts.service, metrics, () => openApi),
    ...consoleRoutes(opts.consoleReads, opts.alertLinks ?? alertSourceLinksFromEnv()),
  ];
  // Read lazily by the /openapi.json route, after every route is declared.
  const openApi = buildOpenApiDocument(routes, { version: opts.version ?? '0.1.0' });

  app.setErrorHandler((err, request, reply) => sendError(request, reply, err));
  app.setNotFoundHandler((request, reply) =>
    sendError(request, reply, new HttpError(404, 'not-found', `no route ${request.method} ${request.url}`)),
  );
  app.addHook('onResponse', async (request, reply) => {
    metrics.observeHttp(
      request.method,
      request.routeOptions.url ?? 'unmatched',
      reply.statusCode,
      reply.elapsedTime / 1000,
    );
    return Promise.resolve();
  });

  for (const spec of routes) {
    const role = spec.role;
    app.route({
      method: spec.method,
      url: spec.url,
      onRequest: role
        ? async (request) => {
            try {
              principals.set(request, auth.authorize(request, role));
            } catch (err) {
              if (spec.onForbidden && err instanceof HttpError && err.statusCode === 403) {
                const { principal } = err.details as { principal: string };
                await spec.onForbidden({ principal, role, params: request.params });
              }
              throw err;
            }
          }
        : undefined,
      handler: async (request, reply) => {
        const params = parse(spec.params, request.params, 'params');
        const query = parse(spec.query, request.query, 'query');
        const body = parse(spec.body, request.body ?? {}, 'body');
        const result = await spec.handle({
          body,
          query,
          params,
          principal: principals.get(request) ?? ANONYMOUS,
          request,
          reply,
        });
        return reply
          .code(result.status)
          .type(result.contentType ?? 'application/json; charset=utf-8')
          .send(result.body);
      },
    });
  }
  return app;
}
