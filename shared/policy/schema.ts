// The policy file's shape (config/policy.yaml): per playbook, the approval settings and the
// safety settings in its parameters, each with the direction in which a trigger may tighten it.
import { z } from 'zod';
import { durationSchema, parseDuration } from '../duration';
import { PLAYBOOK_NAMES } from '../playbook';

const approvalSettingsSchema = z.strictObject({
  allowedPrincipals: z.array(z.string().min(1)).optional(),
  allowedRoles: z.array(z.string().min(1)).optional(),
  quorum: z.number().int().min(1).max(10).optional(),
  timeout: durationSchema.optional(),
  required: z.boolean().optional(),
});

const durationSetting = z
  .strictObject({
    kind: z.literal('duration'),
    value: durationSchema,
    /** longer: a trigger may only lengthen it; shorter: only shorten; bounded: anything in [min, max]. */
    tighten: z.enum(['longer', 'shorter', 'bounded']),
    min: durationSchema.optional(),
    max: durationSchema.optional(),
  })
  .refine((s) => s.min === undefined || parseDuration(s.value) >= parseDuration(s.min), 'value below min')
  .refine((s) => s.max === undefined || parseDuration(s.value) <= parseDuration(s.max), 'value above max');

const integerSetting = z
  .strictObject({
    kind: z.literal('integer'),
    value: z.number().int(),
    tighten: z.enum(['higher', 'lower', 'bounded']),
    min: z.number().int().optional(),
    max: z.number().int().optional(),
  })
  .refine((s) => s.min === undefined || s.value >= s.min, 'value below min')
  .refine((s) => s.max === undefined || s.value <= s.max, 'value above max');

export const safetySettingSchema = z.union([durationSetting, integerSetting]);
export type SafetySetting = z.infer<typeof safetySettingSchema>;

const playbookPolicySchema = z.strictObject({
  approval: approvalSettingsSchema.default({}),
  settings: z.record(z.string(), safetySettingSchema).default({}),
  /** Upper bound on monitorFor / checkEvery (each check costs history events). */
  maxChecks: z.number().int().min(1).max(2_000).optional(),
});

export const policyFileSchema = z.strictObject({
  version: z.union([z.number().int().min(0), z.string().min(1).max(64)]),
  approval: z
    .strictObject({
      allowedPrincipals: z.array(z.string().min(1)).default([]),
      allowedRoles: z.array(z.string().min(1)).default(['approver']),
      quorum: z.number().int().min(1).max(10).default(1),
      timeout: durationSchema.default('1h'),
      required: z.boolean().default(true),
    })
    .default({ allowedPrincipals: [], allowedRoles: ['approver'], quorum: 1, timeout: '1h', required: true }),
  playbooks: z.partialRecord(z.enum(PLAYBOOK_NAMES), playbookPolicySchema).default({}),
});
export type PolicyFile = z.infer<typeof policyFileSchema>;

/** What a trigger or schedule may ask of a gate: only ever stricter than the policy. */
export const approvalTighteningSchema = z.strictObject({
  /** More approvers than the policy's quorum. */
  quorum: z.number().int().min(1).max(10).optional(),
  /** A shorter approval window than the policy's. */
  timeout: durationSchema.optional(),
  /** Only these principals (who must also be allowed approvers) may decide. */
  restrictTo: z.array(z.string().min(1).max(200)).min(1).max(20).optional(),
  /** Approval may be required where the policy waives it, never waived where it requires it. */
  required: z.boolean().optional(),
});
export type ApprovalTightening = z.infer<typeof approvalTighteningSchema>;
