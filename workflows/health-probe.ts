// health-probe playbook: probes each dependency through its own task queue and closes
// `recovered` when all are healthy, `escalated` (with a notification) when any is not.
import type {
  KafkaProbeActivities,
  PostgresProbeActivities,
  RedisProbeActivities,
} from '../activities/health/probes';
import { type PlaybookInput } from '../shared/playbook-input';
import {
  type Dependency,
  type DependencyProbe,
  type HealthProbeParams,
  type HealthProbeReport,
} from '../shared/playbooks/health-probe';
import { type PlaybookResult } from '../shared/workflow-interface';
import { activitiesOn } from './lib/activity-presets';
import { PlaybookRun } from './lib/playbook-run';
import { enforcedInput } from './lib/policy-check';

export async function healthProbeWorkflow(input: PlaybookInput<HealthProbeParams>): Promise<PlaybookResult> {
  const run = new PlaybookRun('health-probe', input.context);
  // The policy file's settings, not the starter's: a loosened input is refused here.
  input = await enforcedInput(run, 'health-probe', input);
  const probes: Record<Dependency, () => Promise<DependencyProbe>> = {
    postgres: activitiesOn<PostgresProbeActivities>('postgres', 'quick').probePostgres,
    redis: activitiesOn<RedisProbeActivities>('redis', 'quick').probeRedis,
    kafka: activitiesOn<KafkaProbeActivities>('kafka', 'quick').probeKafka,
  };

  const report: HealthProbeReport = { healthy: true, probes: [] };
  for (const dependency of input.params.dependencies) {
    if (run.dryRun) {
      run.plan({
        step: `probe:${dependency}`,
        action: `read-only round trip to ${dependency}`,
        destructive: false,
      });
      continue;
    }
    const probe = await run.step(`probe:${dependency}`, probes[dependency], {
      maxAttempts: 3,
      summarize: (p) => (p.healthy ? `healthy in ${p.latencyMs} ms` : `unhealthy: ${p.error}`),
    });
    report.probes.push(probe);
    report.healthy &&= probe.healthy;
  }

  if (run.dryRun) {
    return run.close({
      outcome: 'recovered',
      summary: 'dry run: nothing probed',
      details: { plan: run.status.plan },
    });
  }
  if (report.healthy) {
    return run.close({ outcome: 'recovered', summary: 'all dependencies healthy', details: { ...report } });
  }
  const down = report.probes.filter((p) => !p.healthy).map((p) => p.dependency);
  await run.notify('unhealthy', 'critical', `health probe: ${down.join(', ')} unhealthy`);
  return run.close({
    outcome: 'escalated',
    summary: `unhealthy: ${down.join(', ')}`,
    details: { ...report },
  });
}
