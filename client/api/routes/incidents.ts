// Incidents: manual trigger, list, live status, report, approvals and cancel.
import { z } from 'zod';
import {
  decisionReplySchema,
  decisionRequestSchema,
  errorBodySchema,
  incidentIdParamsSchema,
  incidentListQuerySchema,
  incidentSummarySchema,
  incidentViewSchema,
  manualTriggerSchema,
  triggerResultSchema,
} from '../../../shared/api/schemas';
import { type ApiMetrics } from '../metrics';
import { AUTH_RESPONSES, defineRoute } from '../route-spec';
import { type ApiService } from '../service-port';

const notFound = { 404: { description: 'no such incident', schema: errorBodySchema } };
const cancelReplySchema = z.object({ incidentId: z.string(), cancelRequested: z.literal(true) });

export function incidentRoutes(service: ApiService, metrics: ApiMetrics) {
  return [
    defineRoute({
      method: 'POST',
      url: '/v1/incidents',
      operationId: 'triggerIncident',
      summary: 'Start a recovery by hand (attaches to the incident already running for the resource)',
      tags: ['incidents'],
      role: 'incidents:write',
      body: manualTriggerSchema,
      responses: {
        201: { description: 'a new incident started', schema: triggerResultSchema },
        200: { description: 'attached to the incident already running', schema: triggerResultSchema },
        400: {
          description:
            'invalid request (unknown playbook, bad parameters, parameters contradicting the resource, a safety setting loosened: error PolicyViolation, details.setting); nothing started',
          schema: errorBodySchema,
        },
        ...AUTH_RESPONSES,
      },
      async handle({ body, principal }) {
        const result = await service.trigger(body, principal);
        metrics.recordTrigger(result);
        return { status: result.action === 'started' ? 201 : 200, body: result };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/v1/incidents',
      operationId: 'listIncidents',
      summary: 'List incidents, filtered by status, playbook and resource',
      tags: ['incidents'],
      role: 'incidents:read',
      query: incidentListQuerySchema,
      responses: {
        200: {
          description:
            'incidents: running ones first, then closed ones; each newest first (Temporal visibility order)',
          schema: z.object({ incidents: z.array(incidentSummarySchema) }),
        },
        400: { description: 'invalid filter', schema: errorBodySchema },
        ...AUTH_RESPONSES,
      },
      async handle({ query }) {
        return { status: 200, body: { incidents: await service.list(query) } };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/v1/incidents/:id',
      operationId: 'getIncident',
      summary: "An incident's live state (the workflows' status query)",
      tags: ['incidents'],
      role: 'incidents:read',
      params: incidentIdParamsSchema,
      responses: {
        200: { description: 'live status', schema: incidentViewSchema },
        ...AUTH_RESPONSES,
        ...notFound,
      },
      async handle({ params }) {
        return { status: 200, body: await service.get(params.id) };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/v1/incidents/:id/report',
      operationId: 'incidentReport',
      summary: 'The incident report and timeline in markdown',
      tags: ['incidents'],
      role: 'incidents:read',
      params: incidentIdParamsSchema,
      responses: {
        200: { description: 'markdown report', contentType: 'text/markdown', schema: z.string() },
        ...AUTH_RESPONSES,
        ...notFound,
      },
      async handle({ params }) {
        return {
          status: 200,
          body: await service.report(params.id),
          contentType: 'text/markdown; charset=utf-8',
        };
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/v1/incidents/:id/approvals',
      operationId: 'decide',
      summary: "Approve or reject the pending step; the approver is the token's principal",
      tags: ['approvals'],
      role: 'approver',
      // A decision by a principal without the approver role is refused here, and audited.
      onForbidden: async ({ principal, role, params }) => {
        const id = incidentIdParamsSchema.safeParse(params);
        if (id.success) await service.auditDeniedDecision(id.data.id, principal, role);
      },
      params: incidentIdParamsSchema,
      body: decisionRequestSchema,
      responses: {
        200: { description: 'decision accepted', schema: decisionReplySchema },
        400: { description: 'invalid decision (a choice the gate does not offer)', schema: errorBodySchema },
        ...AUTH_RESPONSES,
        ...notFound,
        409: {
          description:
            'the named gate is not pending, its digest changed, the principal already voted, or the incident is closed; details.currentGate is the gate pending now (or null)',
          schema: errorBodySchema,
        },
      },
      async handle({ params, body, principal }) {
        return { status: 200, body: await service.decide(params.id, body, principal) };
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/v1/incidents/:id/cancel',
      operationId: 'cancelIncident',
      summary: 'Cancel the incident (compensations run)',
      tags: ['incidents'],
      role: 'incidents:write',
      params: incidentIdParamsSchema,
      responses: {
        202: { description: 'cancellation requested', schema: cancelReplySchema },
        ...AUTH_RESPONSES,
        ...notFound,
        409: { description: 'the incident is already closed', schema: errorBodySchema },
      },
      async handle({ params, principal }) {
        // A playbook run's or an episode's id cancels its incident (its compensations run there).
        const { incidentId } = await service.cancel(params.id, principal);
        return { status: 202, body: { incidentId, cancelRequested: true } };
      },
    }),
  ];
}
