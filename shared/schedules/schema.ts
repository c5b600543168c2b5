// The schedules file: periodic recoveries (reconciliation playbooks) applied as Temporal
// Schedules. Each schedule starts an incident workflow for a declared resource and parameters.
import { z } from 'zod';
import { durationSchema } from '../duration';
import { PLAYBOOK_NAMES, resourceSchema } from '../playbook';
import { approvalTighteningSchema } from '../policy/schema';

export const OVERLAP_POLICIES = ['skip', 'buffer-one', 'buffer-all', 'cancel-other', 'allow-all'] as const;

export const scheduleEntrySchema = z
  .strictObject({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'lowercase-with-dashes'),
    playbook: z.enum(PLAYBOOK_NAMES),
    resource: resourceSchema,
    params: z.record(z.string(), z.unknown()).default({}),
    /** Stricter approval than the policy file's; never looser (checked when applied). */
    approval: approvalTighteningSchema.optional(),
    every: durationSchema.optional(),
    cron: z.array(z.string().min(1)).min(1).optional(),
    /** Default skip: a reconciliation still running when the next one is due is not doubled. */
    overlap: z.enum(OVERLAP_POLICIES).default('skip'),
    paused: z.boolean().default(false),
    dryRun: z.boolean().default(false),
    reason: z.string().min(1).default('scheduled reconciliation'),
  })
  .refine((s) => (s.every === undefined) !== (s.cron === undefined), {
    message: 'set exactly one of every / cron',
  });
export type ScheduleEntry = z.infer<typeof scheduleEntrySchema>;

export const schedulesFileSchema = z
  .strictObject({ schedules: z.array(scheduleEntrySchema).default([]) })
  .refine((f) => new Set(f.schedules.map((s) => s.id)).size === f.schedules.length, {
    message: 'schedule ids must be unique',
  });
export type SchedulesFile = z.infer<typeof schedulesFileSchema>;
