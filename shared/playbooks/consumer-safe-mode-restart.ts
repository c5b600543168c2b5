// consumer-safe-mode-restart: break a consumer crash loop caused by poison messages — stop the
// group, quarantine the failing messages, commit past them, restart in safe mode, monitor, and
// hand over to a human if it fails again.
import { z } from 'zod';
import { durationSchema } from '../duration';

export const consumerSafeModeRestartParamsSchema = z
  .object({
    group: z.string().min(1),
    topic: z.string().min(1),
    /** How long safe mode must stay healthy and progressing before normal mode is restored. */
    monitorFor: durationSchema.default('5m'),
    checkEvery: durationSchema.default('15s'),
    /** How long to wait for the group's members to leave after `stopped` before escalating. */
    emptyTimeout: durationSchema.default('2m'),
  })
  .strict();
export type ConsumerSafeModeRestartParams = z.infer<typeof consumerSafeModeRestartParamsSchema>;

/** The choices offered to a human when safe mode fails again. */
export const SAFE_MODE_CHOICES = ['retry-safe-mode', 'quarantine-next', 'keep-stopped'] as const;
export type SafeModeChoice = (typeof SAFE_MODE_CHOICES)[number];

export interface FailingRef {
  partition: number;
  offset: string;
  error: string;
}

export interface MonitorVerdict {
  healthy: boolean;
  reason: string;
  checks: number;
  /** Messages that failed under the safe-mode control version (for quarantine-next). */
  newFailures: FailingRef[];
  lagTotal: number | null;
  processed: number | null;
}
