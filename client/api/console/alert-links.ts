// Where the console links an alert back to. Read once from the environment (zod, like
// shared/config.ts) with the local stack's defaults (DESIGN.md: Prometheus 9090, Alertmanager 9093).
import { z } from 'zod';
import { type AlertSourceLinks } from './console-port';

const url = (fallback: string) =>
  z
    .url({ protocol: /^https?$/ })
    .default(fallback)
    .transform((u) => u.replace(/\/+$/, ''));

const linksEnvSchema = z.object({
  REBOUND_PROMETHEUS_URL: url('http://127.0.0.1:9090'),
  REBOUND_ALERTMANAGER_URL: url('http://127.0.0.1:9093'),
});

/** @throws ZodError naming the variable when a URL is not http(s). */
export function alertSourceLinksFromEnv(env: NodeJS.ProcessEnv = process.env): AlertSourceLinks {
  const parsed = linksEnvSchema.parse({
    REBOUND_PROMETHEUS_URL: env.REBOUND_PROMETHEUS_URL || undefined,
    REBOUND_ALERTMANAGER_URL: env.REBOUND_ALERTMANAGER_URL || undefined,
  });
  return { prometheus: parsed.REBOUND_PROMETHEUS_URL, alertmanager: parsed.REBOUND_ALERTMANAGER_URL };
}
