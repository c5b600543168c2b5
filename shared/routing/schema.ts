// The routing file's shape: alert labels → playbook, parameters, approval policy and
// classification, plus the guardrails every incident gets.
import { z } from 'zod';
import { CATEGORIES, RECOVERABILITY, SEVERITIES } from '../api/schemas';
import { durationSchema } from '../duration';
import { PLAYBOOK_NAMES } from '../playbook';

/**
 * A routing rule's approval settings: requests to tighten the policy file's (config/policy.yaml),
 * checked when the routing table is built; no defaults here, so the policy's values stand.
 */
const approvalOverrideSchema = z.strictObject({
  allowedPrincipals: z.array(z.string().min(1)).optional(),
  allowedRoles: z.array(z.string().min(1)).optional(),
  quorum: z.number().int().min(1).optional(),
  timeout: durationSchema.optional(),
  required: z.boolean().optional(),
});

/** `{{labels.x}}` / `{{annotations.x}}` placeholders are filled from the alert. */
const templated = z.string().min(1);

export const routeRuleSchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'lowercase-with-dashes'),
  /** Every label listed must equal the alert's (exact match). */
  match: z
    .record(z.string(), z.string())
    .refine((m) => Object.keys(m).length > 0, 'match at least one label'),
  playbook: z.enum(PLAYBOOK_NAMES),
  /** The resource the recovery locks, e.g. `group:{{labels.group}}`. */
  resource: templated,
  params: z.record(z.string(), z.unknown()).default({}),
  classification: z.strictObject({
    severity: z.enum(SEVERITIES).default('ERROR'),
    category: z.enum(CATEGORIES),
    recoverability: z.enum(RECOVERABILITY).default('approval'),
  }),
  approvalPolicy: approvalOverrideSchema.optional(),
  /** How long a closed episode's firings are remembered: the same firing re-delivered starts nothing. */
  cooldown: durationSchema.optional(),
});
export type RouteRule = z.infer<typeof routeRuleSchema>;

export const routingFileSchema = z.strictObject({
  guardrails: z
    .strictObject({
      budget: z
        .strictObject({ max: z.number().int().min(0), window: durationSchema })
        .default({ max: 10, window: '10m' }),
      needsHumanTimeout: durationSchema.default('24h'),
      maxRunsPerIncident: z.number().int().min(1).max(20).default(3),
      /** Default cooldown of every route (see routeRuleSchema.cooldown). */
      cooldown: durationSchema.default('30m'),
      /** `episodes` episodes of one incident within `window`: the recovery did not hold, a human takes over. */
      recurrence: z
        .strictObject({ episodes: z.number().int().min(2).max(100), window: durationSchema })
        .default({ episodes: 3, window: '1h' }),
    })
    .default({
      budget: { max: 10, window: '10m' },
      needsHumanTimeout: '24h',
      maxRunsPerIncident: 3,
      cooldown: '30m',
      recurrence: { episodes: 3, window: '1h' },
    }),
  defaults: z
    .strictObject({ approvalPolicy: approvalOverrideSchema.default({}) })
    .default({ approvalPolicy: {} }),
  routes: z.array(routeRuleSchema),
});
export type RoutingFile = z.infer<typeof routingFileSchema>;
