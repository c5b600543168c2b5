// The OpenAPI 3.1 document, generated from the route declarations and their zod schemas
// (z.toJSONSchema), so it describes exactly what the server validates.
import { z } from 'zod';
import { type RouteSpec } from './route-spec';

type JsonSchema = Record<string, unknown>;

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchema;
  return rest;
}

function parameters(schema: z.ZodType | undefined, where: 'path' | 'query'): JsonSchema[] {
  if (!schema) return [];
  const s = jsonSchema(schema, 'input');
  const props = (s.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((s.required as string[] | undefined) ?? []);
  return Object.entries(props).map(([name, prop]) => ({
    name,
    in: where,
    required: where === 'path' || required.has(name),
    schema: prop,
  }));
}

export function buildOpenApiDocument(routes: RouteSpec[], info: { version: string }): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const r of routes) {
    const path = r.url.replace(/:([A-Za-z_]+)/g, '{$1}');
    const op: JsonSchema = {
      operationId: r.operationId,
      summary: r.summary,
      tags: r.tags,
      parameters: [...parameters(r.params, 'path'), ...parameters(r.query, 'query')],
      responses: Object.fromEntries(
        Object.entries(r.responses).map(([code, res]) => [
          code,
          {
            description: res.description,
            ...(res.schema
              ? {
                  content: {
                    [res.contentType ?? 'application/json']: { schema: jsonSchema(res.schema, 'output') },
                  },
                }
              : {}),
          },
        ]),
      ),
    };
    if (r.body) {
      op.requestBody = {
        required: true,
        content: { 'application/json': { schema: jsonSchema(r.body, 'input') } },
      };
    }
    if (r.role) {
      op.security = [{ bearer: [] }];
      op['x-required-role'] = r.role;
    }
    (paths[path] ??= {})[r.method.toLowerCase()] = op;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Rebound API',
      version: info.version,
      description:
        'Infrastructure recovery as durable Temporal workflows. Bearer tokens map to a principal and roles (alerts:write, incidents:read, incidents:write, approver, admin; admin implies all).',
    },
    servers: [{ url: '/' }],
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    paths,
  };
}
