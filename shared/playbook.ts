// What every playbook workflow receives besides its own parameters, and the playbook names.
import { z } from 'zod';
import { resourceProblem } from './resource';

export const PLAYBOOK_NAMES = [
  'health-probe',
  'consumer-safe-mode-restart',
  'quarantine-redrive',
  'org-deletion',
  'partition-merge',
  'entitlement-resync',
  'outbox-replay',
  'cache-repair',
] as const;
export type PlaybookName = (typeof PLAYBOOK_NAMES)[number];

/** Resources are `<kind>:<id>`, e.g. group:notification-consumer, org:<uuid> (grammar: ./resource). */
export const resourceSchema = z.string().superRefine((text, ctx) => {
  const problem = resourceProblem(text);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

export const approvalPolicySchema = z.object({
  /** Principals allowed to decide; with allowedRoles, either grants the right. */
  allowedPrincipals: z.array(z.string().min(1)).default([]),
  allowedRoles: z.array(z.string().min(1)).default(['approver']),
  /** How many distinct approvers must approve (N of M). */
  quorum: z.number().int().min(1).default(1),
  /** How long to wait for a decision before escalating and taking the safe default. */
  timeout: z.string().default('1h'),
  /** Whether the steps that need approval need it (policy may waive it, never for security). */
  required: z.boolean().default(true),
  /** When non-empty, only these principals (who must also be allowed above) may decide. */
  restrictTo: z.array(z.string().min(1)).optional(),
});
export type ApprovalPolicy = z.infer<typeof approvalPolicySchema>;

export const playbookContextSchema = z.object({
  resource: resourceSchema,
  /** Principal that started the recovery (an operator, or `alertmanager`); may not approve it. */
  initiator: z.string().min(1),
  reason: z.string().default(''),
  dryRun: z.boolean().default(false),
  incidentId: z.string().optional(),
  /** Version of the policy file the safety settings came from (shown in the status). */
  policyVersion: z.string().optional(),
  /** The plan of the dry run that preceded this recovery, shown at its approval gates. */
  dryRunPlan: z
    .array(
      z.object({
        step: z.string(),
        action: z.string(),
        destructive: z.boolean(),
        details: z.record(z.string(), z.unknown()).optional(),
      }),
    )
    .optional(),
  approvalPolicy: approvalPolicySchema.default({
    allowedPrincipals: [],
    allowedRoles: ['approver'],
    quorum: 1,
    timeout: '1h',
    required: true,
  }),
});
export type PlaybookContext = z.infer<typeof playbookContextSchema>;
