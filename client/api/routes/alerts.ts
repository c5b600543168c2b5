// POST /v1/alerts/alertmanager: the Alertmanager v4 webhook. 202 with one result per alert once
// every alert is recorded (started, attached, resolved, ignored, or rejected with its reason).
// Alertmanager retries 5xx and drops 4xx, so only a failure to record answers 5xx; a 400 is left
// for bodies that are not an Alertmanager notification at all.
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
        202: { description: 'one result per alert, each recorded or rejected', schema: intakeResultSchema },
        400: {
          description: 'not an Alertmanager v4 notification; nothing was started',
          schema: errorBodySchema,
        },
        ...AUTH_RESPONSES,
        413: { description: 'body larger than the limit', schema: errorBodySchema },
        503: { description: 'the alert could not be recorded; retry', schema: errorBodySchema },
      },
      async handle({ body, principal, request }) {
        const result = await service.ingestAlertmanager(body, principal);
        metrics.recordIntake(result, body.alerts.length);
        if (body.truncatedAlerts) {
          request.log.warn(
            { groupKey: body.groupKey, truncatedAlerts: body.truncatedAlerts, received: body.alerts.length },
            'Alertmanager truncated this notification',
          );
        }
        const rejected = result.incidents.filter((i) => i.action === 'rejected');
        if (rejected.length > 0) {
          request.log.warn({ groupKey: body.groupKey, rejected: rejected.slice(0, 10) }, 'alerts rejected');
        }
        return { status: 202, body: result };
      },
    }),
  ];
}
