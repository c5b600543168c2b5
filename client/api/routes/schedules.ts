// Declared schedules (config/schedules.yaml) and applying them as Temporal Schedules. Applying
// changes what runs unattended, so it needs admin.
import { z } from 'zod';
import { errorBodySchema, scheduleApplyResultSchema, scheduleViewSchema } from '../../../shared/api/schemas';
import { AUTH_RESPONSES, defineRoute } from '../route-spec';
import { type ApiService } from '../service-port';

export function scheduleRoutes(service: ApiService) {
  return [
    defineRoute({
      method: 'GET',
      url: '/v1/schedules',
      operationId: 'listSchedules',
      summary: 'Declared schedules and their state in Temporal',
      tags: ['schedules'],
      role: 'incidents:read',
      responses: {
        200: { description: 'schedules', schema: z.object({ schedules: z.array(scheduleViewSchema) }) },
        ...AUTH_RESPONSES,
      },
      async handle() {
        return { status: 200, body: { schedules: await service.listSchedules() } };
      },
    }),
    defineRoute({
      method: 'PUT',
      url: '/v1/schedules',
      operationId: 'applySchedules',
      summary: 'Apply the declared schedules (create or update in place)',
      tags: ['schedules'],
      role: 'admin',
      responses: {
        200: { description: 'applied', schema: scheduleApplyResultSchema },
        400: { description: 'the schedules file is invalid', schema: errorBodySchema },
        ...AUTH_RESPONSES,
      },
      async handle({ principal }) {
        return { status: 200, body: await service.applySchedules(principal) };
      },
    }),
  ];
}
