// Public operational endpoints: liveness, readiness (Temporal and the service's own
// dependencies), Prometheus metrics and the OpenAPI document. No token: probes and scrapers run
// without one, and none of these reveal incident data.
import { z } from 'zod';
import { readinessSchema } from '../../../shared/api/schemas';
import { type ApiMetrics } from '../metrics';
import { defineRoute } from '../route-spec';
import { type ApiService } from '../service-port';

export function operationRoutes(service: ApiService, metrics: ApiMetrics, openApi: () => unknown) {
  return [
    defineRoute({
      method: 'GET',
      url: '/healthz',
      operationId: 'healthz',
      summary: 'Liveness: the process serves requests',
      tags: ['operations'],
      responses: { 200: { description: 'alive', schema: z.object({ ok: z.literal(true) }) } },
      async handle() {
        return Promise.resolve({ status: 200, body: { ok: true } });
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/readyz',
      operationId: 'readyz',
      summary: 'Readiness: Temporal and the service dependencies answer',
      tags: ['operations'],
      responses: {
        200: { description: 'ready', schema: readinessSchema },
        503: { description: 'a dependency is down', schema: readinessSchema },
      },
      async handle() {
        let readiness: { ok: boolean; checks: Record<string, boolean> };
        try {
          readiness = await service.ready();
        } catch {
          readiness = { ok: false, checks: { service: false } };
        }
        return { status: readiness.ok ? 200 : 503, body: readiness };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/metrics',
      operationId: 'metrics',
      summary: 'Prometheus metrics',
      tags: ['operations'],
      responses: {
        200: { description: 'Prometheus text format', contentType: 'text/plain', schema: z.string() },
      },
      async handle({ request }) {
        // Visibility-derived figures are best effort: a Temporal hiccup must not fail the scrape.
        await metrics.refresh().catch((err: unknown) => request.log.warn({ err }, 'metrics refresh failed'));
        const { contentType, text } = await metrics.render();
        return { status: 200, body: text, contentType };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/openapi.json',
      operationId: 'openapi',
      summary: 'This OpenAPI document',
      tags: ['operations'],
      responses: { 200: { description: 'OpenAPI 3.1 document' } },
      async handle() {
        return Promise.resolve({ status: 200, body: openApi() });
      },
    }),
  ];
}
