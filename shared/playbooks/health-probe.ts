// health-probe: checks each dependency Rebound acts on and reports a typed result. The smallest
// complete playbook, and the pattern the others follow.
import { z } from 'zod';

export const DEPENDENCIES = ['postgres', 'redis', 'kafka'] as const;
export type Dependency = (typeof DEPENDENCIES)[number];

export const healthProbeParamsSchema = z
  .object({
    dependencies: z
      .array(z.enum(DEPENDENCIES))
      .min(1)
      .default([...DEPENDENCIES]),
  })
  .strict();
export type HealthProbeParams = z.infer<typeof healthProbeParamsSchema>;

export interface DependencyProbe {
  dependency: Dependency;
  healthy: boolean;
  latencyMs: number;
  /** Server version and similar facts, for the report. */
  detail: Record<string, string | number>;
  error?: string;
}

export interface HealthProbeReport {
  healthy: boolean;
  probes: DependencyProbe[];
}
