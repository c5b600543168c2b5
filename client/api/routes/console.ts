// The operator console (issue 15): the page and its modules at `/` and `/console/<file>` (public:
// they hold no data; a fixed allowlist, client/api/console/assets.ts), and the reads it needs
// besides the incident API: the session (who the token is), an episode's audit trail as data and
// the recovery budget. Every action the console takes goes through the existing routes.
import { z } from 'zod';
import { auditTrailSchema, budgetUsageSchema, sessionSchema } from '../../../shared/api/console-schemas';
import { errorBodySchema, incidentIdParamsSchema } from '../../../shared/api/schemas';
import { CONSOLE_HEADERS, readConsoleAsset } from '../console/assets';
import { type AlertSourceLinks, type ConsoleReadPort } from '../console/console-port';
import { HttpError } from '../http-errors';
import { AUTH_RESPONSES, defineRoute, type RouteContext, type RouteResult } from '../route-spec';

const assetParamsSchema = z.strictObject({ file: z.string().min(1).max(100) });

async function serveAsset(
  name: string,
  ctx: Pick<RouteContext<unknown, unknown, unknown>, 'reply'>,
): Promise<RouteResult> {
  let asset;
  try {
    asset = await readConsoleAsset(name);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    throw new HttpError(503, 'console-not-built', 'the console is not built: run `npm run build:console`');
  }
  if (!asset) throw new HttpError(404, 'not-found', `no console file ${name}`);
  void ctx.reply.headers(CONSOLE_HEADERS);
  return { status: 200, body: asset.body, contentType: asset.contentType };
}

/**
 * @param reads undefined where the server runs without Rebound's database (route unit tests):
 *   the audit and budget reads then answer 503.
 */
export function consoleRoutes(reads: ConsoleReadPort | undefined, links: AlertSourceLinks) {
  const need = (): ConsoleReadPort => {
    if (!reads) throw new HttpError(503, 'unavailable', 'console reads are not configured');
    return reads;
  };
  const html = { contentType: 'text/html', schema: z.string() };
  return [
    defineRoute({
      method: 'GET',
      url: '/',
      operationId: 'console',
      summary: 'The operator console (sign in with an API token)',
      tags: ['console'],
      responses: {
        200: { description: 'the console page', ...html },
        503: { description: 'the console is not built', schema: errorBodySchema },
      },
      handle: (ctx) => serveAsset('index.html', ctx),
    }),
    defineRoute({
      method: 'GET',
      url: '/console/:file',
      operationId: 'consoleAsset',
      summary: "One of the console's files (a fixed allowlist)",
      tags: ['console'],
      params: assetParamsSchema,
      responses: {
        200: { description: 'the file (HTML, CSS or JavaScript module)' },
        404: { description: 'not a console file', schema: errorBodySchema },
        503: { description: 'the console is not built', schema: errorBodySchema },
      },
      handle: (ctx) => serveAsset(ctx.params.file, ctx),
    }),
    defineRoute({
      method: 'GET',
      url: '/v1/session',
      operationId: 'session',
      summary:
        "The token's principal and roles (what the console may offer; the API still checks every call)",
      tags: ['console'],
      role: 'incidents:read',
      responses: { 200: { description: 'the session', schema: sessionSchema }, ...AUTH_RESPONSES },
      async handle({ principal }) {
        return Promise.resolve({
          status: 200,
          body: { principal: principal.name, roles: [...principal.roles], links },
        });
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/v1/incidents/:id/audit',
      operationId: 'incidentAudit',
      summary: "The audit trail of an incident's episode (its runs included), oldest first",
      tags: ['incidents'],
      role: 'incidents:read',
      params: incidentIdParamsSchema,
      responses: {
        200: { description: 'audit trail', schema: auditTrailSchema },
        ...AUTH_RESPONSES,
        404: { description: 'no such incident', schema: errorBodySchema },
      },
      async handle({ params }) {
        return { status: 200, body: await need().auditTrail(params.id) };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/v1/control/budget',
      operationId: 'budgetUsage',
      summary: 'Automated recoveries granted (and refused) in the recovery budget window',
      tags: ['control'],
      role: 'incidents:read',
      responses: {
        200: { description: 'budget usage', schema: budgetUsageSchema },
        ...AUTH_RESPONSES,
        503: { description: 'the budget could not be read', schema: errorBodySchema },
      },
      async handle() {
        return { status: 200, body: await need().budgetUsage() };
      },
    }),
  ];
}
