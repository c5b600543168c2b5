// POST /v1/alerts/alertmanager: the Alertmanager v4 webhook. 202 once every alert is recorded
// (its incident started, attached to, or signalled resolved). Alertmanager retries 5xx and drops
// 4xx, so only a failure to record answers 5xx.
import { alertmanagerWebhookSchema, intakeResultSchema, errorBodySchema } from '../../../shared/api/schemas';
import { type ApiMetrics } from '../metrics';
import { AUTH_RESPONSES, defineRoute } from '../route-spec';
import { type ApiService } from '../service-port';

export function alertRoutes(service: ApiService, metrics: ApiMetrics) {
  return [
    defineRoute({
      method: 'POST',
      url: '/v1/alerts/alertmanager',
      operationId: 'ingestAlertmanager',
      summary: 'Alertmanager webhook (version "4"): one incident per fault, duplicates attach',
      tags: ['alerts'],
      role: 'alerts:write',
      body: alertmanagerWebhookSchema,
      responses: {
        202: { description: 'every alert recorded', schema: intakeResultSchema },
        400: { description: 'invalid notification; nothing was started', schema: errorBodySchema },
        ...AUTH_RESPONSES,
        413: { description: 'body larger than the limit', schema: errorBodySchema },
        503: { description: 'the alert could not be recorded; retry', schema: errorBodySchema },
      },
      async handle({ body, principal }) {
        const result = await service.ingestAlertmanager(body, principal);
        metrics.recordIntake(result, body.alerts.length);
        return { status: 202, body: result };
      },
    }),
  ];
}
