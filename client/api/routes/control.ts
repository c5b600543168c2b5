// The kill switch: pause stops every running recovery before its next mutating step; resume lets
// them continue. Operators (incidents:write) may pull it: an emergency brake must not need admin.
import { controlPauseRequestSchema, controlStateSchema, errorBodySchema } from '../../../shared/api/schemas';
import { AUTH_RESPONSES, defineRoute } from '../route-spec';
import { type ApiService } from '../service-port';

export function controlRoutes(service: ApiService) {
  const unavailable = { 503: { description: 'the flag could not be stored', schema: errorBodySchema } };
  return [
    defineRoute({
      method: 'GET',
      url: '/v1/control',
      operationId: 'controlState',
      summary: 'Whether the kill switch is engaged',
      tags: ['control'],
      role: 'incidents:read',
      responses: { 200: { description: 'kill switch state', schema: controlStateSchema }, ...AUTH_RESPONSES },
      async handle() {
        return { status: 200, body: await service.controlState() };
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/v1/control/pause',
      operationId: 'pause',
      summary: 'Engage the kill switch',
      tags: ['control'],
      role: 'incidents:write',
      body: controlPauseRequestSchema,
      responses: {
        200: { description: 'paused', schema: controlStateSchema },
        400: { description: 'invalid body', schema: errorBodySchema },
        ...AUTH_RESPONSES,
        ...unavailable,
      },
      async handle({ body, principal }) {
        return { status: 200, body: await service.pause(principal, body.reason) };
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/v1/control/resume',
      operationId: 'resume',
      summary: 'Release the kill switch (an optional reason is kept in the state and the audit log)',
      tags: ['control'],
      role: 'incidents:write',
      body: controlPauseRequestSchema,
      responses: {
        200: { description: 'resumed', schema: controlStateSchema },
        400: { description: 'invalid body', schema: errorBodySchema },
        ...AUTH_RESPONSES,
        ...unavailable,
      },
      async handle({ body, principal }) {
        return { status: 200, body: await service.resume(principal, body.reason) };
      },
    }),
  ];
}
